"""The zero-shot score: lexical and semantic evidence combined into one calibrated probability.

For an excerpt and a theme, five numbers are measured, none of them relative to the rest of the
corpus (so a score means the same in a corpus of 50 exploitation reviews as in 2,000 mixed ones):

- ``phrases``: distinct seed phrases of the theme found (:mod:`.lexical`), at most three;
- ``similarity``: cosine of the excerpt's embedding with the theme's prototype (the mean of its
  embedded name and description, inclusion criteria and examples);
- ``relative_similarity``: that cosine minus the excerpt's mean cosine over all themes (an
  excerpt close to every theme is generic, not evidence for each);
- ``sentence`` and ``relative_sentence``: the same for the excerpt's best sentence
  (:mod:`.semantic`).

A logistic model with the weights of :class:`ZeroShotWeights` turns them into a score in [0, 1]:
one weight per feature shared by every theme, plus an offset per theme of the default codebook
(a theme of another codebook gets none). The model is fitted with balanced classes and its
intercept is then moved so that ``SuggestSettings.threshold`` (0.5) is the cut-off with the best
cross-validated macro-F1. Because the score depends on the excerpt and the theme alone, a
threshold means the same in any corpus. The default weights were fitted by
``benchmarks/real/calibrate.py`` on the development half of the real-text set (see
``benchmarks/real/LABELLING.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

FEATURES = ("phrases", "similarity", "relative_similarity", "sentence", "relative_sentence")
MAX_PHRASES = 3


def zero_shot_features(phrase_counts: np.ndarray, similarity: np.ndarray,
                       sentence: np.ndarray) -> dict[str, np.ndarray]:
    """The named features, each (excerpts x themes)."""
    return {
        "phrases": np.minimum(phrase_counts, MAX_PHRASES).astype(np.float64),
        "similarity": similarity.astype(np.float64),
        "relative_similarity": (similarity - similarity.mean(axis=1, keepdims=True)).astype(np.float64),
        "sentence": sentence.astype(np.float64),
        "relative_sentence": (sentence - sentence.mean(axis=1, keepdims=True)).astype(np.float64),
    }


def _default_offsets() -> dict[str, float]:
    return dict(DEFAULT_OFFSETS)


@dataclass(frozen=True)
class ZeroShotWeights:
    """Logistic weights of the zero-shot features: shared by every theme, plus per-theme offsets."""

    intercept: float = -5.923
    phrases: float = 2.228
    similarity: float = 3.380
    relative_similarity: float = 5.404
    sentence: float = 4.198
    relative_sentence: float = 4.888
    theme_offsets: dict[str, float] = field(default_factory=_default_offsets)

    def probability(self, features: dict[str, np.ndarray],
                    theme_ids: Sequence[str] | None = None) -> np.ndarray:
        """Scores (excerpts x themes); ``theme_ids`` names the columns for the per-theme offsets."""
        logit = self.intercept + sum(getattr(self, name) * features[name] for name in FEATURES)
        if theme_ids is not None:
            logit = logit + np.array([self.theme_offsets.get(t, 0.0) for t in theme_ids])
        return 1.0 / (1.0 + np.exp(-logit))

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Fitted by benchmarks/real/calibrate.py on the real dev half (191 passages from 122 pages).
DEFAULT_OFFSETS: dict[str, float] = {
    "cce": -0.414, "sudi": 0.035, "nai_under1": 0.247, "invisible_men": -0.69, "covid": -1.592,
    "ehe": -0.115, "domestic_abuse": -0.947, "risk_assessment": 0.916, "sin_criteria": 0.864,
    "info_sharing": 1.619, "professional_curiosity": 1.128, "voice_of_child": 0.945,
    "reluctant_engagement": -0.121, "neglect": -1.021, "mental_health": -1.14,
    "substance_misuse": 0.082,
}
