"""Quality measures for topic runs and theme assignments.

NPMI coherence (``npmi``) is the document co-occurrence variant: each analysed text is one
document, turned into terms by the same analyzer that built the topic vocabulary (so a bigram
counts where the vectorizer would count it); for every pair of a topic's top-10 words, P(w) is
the share of documents containing w, P(wi, wj) the share containing both, and
NPMI = log(P(wi,wj) / (P(wi) P(wj))) / -log P(wi,wj), with -1 for pairs that never co-occur.
A topic's score is the mean over its word pairs; the run's score the mean over topics
(outliers excluded).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def _document_terms(texts: Iterable[str], ngram_max: int = 2, analyzer=None) -> list[set[str]]:
    if analyzer is not None:
        return [set(analyzer(text)) for text in texts]
    out = []
    for text in texts:
        words = text.split()
        terms = set(words)
        for n in range(2, ngram_max + 1):
            terms.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        out.append(terms)
    return out


def npmi_coherence(topic_words: Sequence[Sequence[str]], texts: Sequence[str], top_n: int = 10,
                   analyzer: Callable[[str], list[str]] | None = None) -> float:
    """Mean NPMI of the top ``top_n`` words of each topic over ``texts`` (see module doc).

    ``analyzer`` turns a text into terms; by default words and adjacent word pairs.
    """
    documents = _document_terms(texts, analyzer=analyzer)
    n_docs = len(documents)
    if not n_docs:
        return 0.0
    scores = []
    for words in topic_words:
        words = list(words)[:top_n]
        pairs = list(combinations(words, 2))
        if not pairs:
            continue
        holders = {w: {i for i, d in enumerate(documents) if w in d} for w in words}
        total = 0.0
        for a, b in pairs:
            joint = len(holders[a] & holders[b]) / n_docs
            if joint == 0:
                total += -1.0
                continue
            pa, pb = len(holders[a]) / n_docs, len(holders[b]) / n_docs
            if joint == 1.0:
                total += 1.0
                continue
            total += math.log(joint / (pa * pb)) / -math.log(joint)
        scores.append(total / len(pairs))
    return float(sum(scores) / len(scores)) if scores else 0.0


def topic_diversity(topic_words: Sequence[Sequence[str]], top_n: int = 10) -> float:
    """Unique words among all topics' top ``top_n`` words, divided by all those words."""
    words = [w for topic in topic_words for w in list(topic)[:top_n]]
    return len(set(words)) / len(words) if words else 0.0


def outlier_share(assignments: Sequence[int]) -> float:
    return sum(1 for t in assignments if t == -1) / len(assignments) if assignments else 0.0


def clustering_agreement(predicted: Sequence[int], gold: Sequence[str]) -> dict[str, float]:
    """NMI and ARI of topic assignments against single gold labels."""
    return {
        "nmi": float(normalized_mutual_info_score(gold, predicted)),
        "ari": float(adjusted_rand_score(gold, predicted)),
    }


@dataclass(frozen=True)
class ThemeScore:
    """One theme's precision, recall and F1 (rounded to 4 places) and its gold support."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ThemeScores:
    """Per-theme scores with macro-F1 (mean over themes) and micro-F1 (pooled counts)."""

    macro_f1: float
    micro_f1: float
    per_theme: dict[str, ThemeScore]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def theme_scores(
    predicted: Mapping[Any, set[str]], gold: Mapping[Any, set[str]], themes: Iterable[str]
) -> ThemeScores:
    """Per-theme precision, recall, F1 and support, with macro- and micro-F1.

    Only items present in ``gold`` are scored; an item missing from ``predicted`` has no themes.
    """
    per_theme: dict[str, ThemeScore] = {}
    all_tp = all_fp = all_fn = 0
    for theme in themes:
        tp = fp = fn = 0
        for item, truth in gold.items():
            guess = predicted.get(item, set())
            if theme in guess and theme in truth:
                tp += 1
            elif theme in guess:
                fp += 1
            elif theme in truth:
                fn += 1
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_theme[theme] = ThemeScore(round(precision, 4), round(recall, 4), round(f1, 4), tp + fn)
        all_tp, all_fp, all_fn = all_tp + tp, all_fp + fp, all_fn + fn
    macro = sum(s.f1 for s in per_theme.values()) / len(per_theme) if per_theme else 0.0
    micro = 2 * all_tp / (2 * all_tp + all_fp + all_fn) if all_tp + all_fp + all_fn else 0.0
    return ThemeScores(round(macro, 4), round(micro, 4), per_theme)
