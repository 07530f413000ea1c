"""Theme suggestions with evidence (the review queue that shows them is :mod:`.queue`).

Before any reviewer decision, each excerpt is scored against each codable theme without labels
("zero-shot", :mod:`.zero_shot`): the theme's seed phrases found on lemmas (:mod:`.lexical`) and
the semantic similarity of the whole excerpt and of its best sentence (:mod:`.semantic`) to the
theme's prototype are combined by a logistic model into a probability. Nothing in it is relative
to the corpus, so the threshold (0.5) means the same in any corpus; an excerpt in a topic that a
saved run maps to the theme gets ``topic_weight`` more.

Once a theme has at least ``min_decisions`` confirmed and as many rejected codings, classifiers
trained on those decisions are blended in (:mod:`.learned`). When an encoder fine-tuned on the
decisions has been adopted (:mod:`.fine_tune`), the classifiers read its embeddings instead of
the frozen encoder's; the zero-shot score always uses the frozen encoder it was calibrated on.

Each suggestion keeps its evidence: the phrases matched (with offsets), the sentence that drove
the semantic score (with offsets), the zero-shot probability and the nearest examples or
confirmed excerpts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.analysis.embed import Embedder, EmbeddingCache, embed_texts
from workbench.coding import learned
from workbench.coding.codebook import Codebook, Theme
from workbench.coding.lexical import PhraseLexicon, PhraseMatch
from workbench.coding.semantic import SentenceEmbeddings, SentenceSimilarity
from workbench.coding.zero_shot import ZeroShotWeights, zero_shot_features
from workbench.errors import BadInput, NotFound
from workbench.store import Store, record_event
from workbench.store.codings import excerpt_verdicts
from workbench.store.suggestions import add_suggestion

if TYPE_CHECKING:
    from spacy.language import Language

    from workbench.analysis.runs import Run

Decisions = dict[str, tuple[list[int], list[int]]]
"""Per theme id: (indices of confirmed excerpts, indices of rejected excerpts)."""


@dataclass
class SuggestSettings:
    threshold: float = 0.5           # suggest when the score (a probability) reaches this
    weights: ZeroShotWeights = field(default_factory=ZeroShotWeights)
    document_context: float = 1.0    # weight of the document's mean embedding in classifier features
    topic_weight: float = 0.1        # added when the excerpt's topic maps to the theme
    max_per_excerpt: int = 4
    min_decisions: int = 10          # confirmed and rejected codings before classifiers join in
    classifier_ramp: float = 20.0    # classifier weight = n / (n + ramp), n = min(confirmed, rejected)
    nearest: int = 3                 # nearest examples or confirmed excerpts kept as evidence


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-9)


def document_means(embeddings: np.ndarray, groups: Sequence[object] | None) -> np.ndarray:
    """Each excerpt's document mean embedding (normalised); zeros without ``groups``."""
    means = np.zeros_like(embeddings)
    if groups is None:
        return means
    keys = np.asarray([str(g) for g in groups])
    for key in np.unique(keys):
        rows = keys == key
        means[rows] = _normalise(embeddings[rows].mean(axis=0))
    return means


def prototype_texts(theme: Theme) -> list[str]:
    """What a theme's prototype is made of: its name and description, inclusion criteria and
    examples (its seed phrases are lexical evidence of their own)."""
    return [f"{theme.name}. {theme.description}", *theme.inclusion, *theme.examples]


@dataclass
class Scored:
    """What ``ThemeScorer`` measured of some excerpts, kept for scores and evidence."""

    matches: list[list[PhraseMatch]]
    phrase_counts: np.ndarray
    similarity: np.ndarray
    sentences: SentenceSimilarity
    zero_shot: np.ndarray


@dataclass
class ThemeScorer:
    """Scores excerpts against a codebook. ``fit`` learns prototypes and reviewer classifiers."""

    codebook: Codebook
    embedder: Embedder
    settings: SuggestSettings = field(default_factory=SuggestSettings)
    cache: EmbeddingCache | None = None
    spacy_model: str = "en_core_web_sm"
    classifier_embedder: Embedder | None = None  # a fine-tuned encoder for the classifiers

    def _nlp(self) -> Language:
        from workbench.nlp import load_pipeline

        return load_pipeline(self.spacy_model)

    def fit(self, texts: Sequence[str], embeddings: np.ndarray, decisions: Decisions | None = None,
            groups: Sequence[object] | None = None) -> ThemeScorer:
        """Learn from the corpus and reviewers' ``decisions``: theme id -> (indices of confirmed
        excerpts, indices of rejected excerpts). ``groups`` names each excerpt's document."""
        decisions = decisions or {}
        self.themes_ = list(self.codebook.codable)
        self.theme_ids_ = [t.id for t in self.themes_]
        self.lexicon_ = PhraseLexicon(self.themes_, self._nlp())
        self._fit_prototypes(texts, embeddings, decisions)
        self.vectoriser_ = learned.tfidf().fit(texts) if len(texts) >= 20 else None
        self._fit_classifiers(texts, embeddings, groups, decisions)
        return self

    def _fit_prototypes(self, texts: Sequence[str], embeddings: np.ndarray,
                        decisions: Decisions) -> None:
        """Each theme's prototype and the references kept as evidence (examples, confirmed)."""
        self.references_: list[list[tuple[str, np.ndarray, str]]] = []
        prototypes = []
        for theme in self.themes_:
            vectors, _ = embed_texts(prototype_texts(theme), self.embedder, self.cache)
            vectors = _normalise(vectors)
            prototypes.append(_normalise(vectors.mean(axis=0)))
            first_example = 1 + len(theme.inclusion)
            refs = [(ex, vectors[first_example + i], "example") for i, ex in enumerate(theme.examples)]
            refs += [(texts[i], embeddings[i], "confirmed") for i in decisions.get(theme.id, ([], []))[0]]
            self.references_.append(refs)
        self.prototypes_ = np.array(prototypes, dtype=np.float32)
        self.reference_matrices_ = [np.vstack([v for _, v, _ in refs]) if refs else None
                                    for refs in self.references_]

    def measure(self, texts: Sequence[str], embeddings: np.ndarray) -> Scored:
        """The zero-shot evidence for ``texts`` and its probability (excerpts x themes); the last
        result is kept, so scoring the texts the scorer was fitted on measures them once."""
        key = (hash(tuple(texts)), embeddings.shape)
        kept: tuple[tuple[int, tuple[int, ...]], Scored] | None = getattr(self, "_measured", None)
        if kept is not None and kept[0] == key:
            return kept[1]
        matches = self.lexicon_.find(texts)
        counts = self.lexicon_.counts(texts)
        similarity = _normalise(embeddings) @ self.prototypes_.T
        sentences = SentenceEmbeddings(texts, self.embedder, self.cache).similarity(self.prototypes_)
        features = zero_shot_features(counts, similarity, sentences.best)
        probability = self.settings.weights.probability(features, self.theme_ids_)
        measured = Scored(matches, counts, similarity, sentences, probability)
        self._measured = (key, measured)
        return measured

    def _words(self, texts: Sequence[str]) -> Any:
        return self.vectoriser_.transform(texts) if self.vectoriser_ is not None else None

    def _dense(self, measured: Scored, texts: Sequence[str], embeddings: np.ndarray,
               groups: Sequence[object] | None) -> np.ndarray:
        """Classifier features: embedding (the fine-tuned encoder's when there is one), document
        mean, capped phrase counts, best-sentence cosines."""
        if self.classifier_embedder is not None:
            embeddings, _ = embed_texts(texts, self.classifier_embedder, self.cache)
        means = self.settings.document_context * document_means(embeddings, groups)
        return np.hstack([embeddings, means, np.minimum(measured.phrase_counts, 3) / 3,
                          measured.sentences.best])

    def _fit_classifiers(self, texts: Sequence[str], embeddings: np.ndarray,
                         groups: Sequence[object] | None, decisions: Decisions) -> None:
        """Classifiers on reviewers' decisions for each theme with enough of them, their blending
        weights and cross-validated cut-offs. Features are made only if some theme needs them."""
        s = self.settings
        self.classifiers_: dict[str, learned.Models] = {}
        self.classifier_weights_: dict[str, float] = {}
        self.calibrated_: dict[str, float] = {}
        measured = self.measure(texts, embeddings)
        base, dense, words = measured.zero_shot, None, None
        for j, theme_id in enumerate(self.theme_ids_):
            positive, negative = decisions.get(theme_id, ([], []))
            if len(positive) < s.min_decisions or len(negative) < s.min_decisions:
                continue
            if dense is None:
                dense, words = self._dense(measured, texts, embeddings, groups), self._words(texts)
            rows = np.array(list(positive) + list(negative))
            labels = np.array([1] * len(positive) + [0] * len(negative))
            self.classifiers_[theme_id] = learned.train(dense, words, rows, labels)
            # The classifiers' say grows with the decisions they learned from.
            n = min(len(positive), len(negative))
            weight = self.classifier_weights_[theme_id] = n / (n + s.classifier_ramp)
            self.calibrated_[theme_id] = learned.calibrated_cut(dense, words, rows, labels,
                                                                base[:, j], weight)

    def score(self, texts: Sequence[str], embeddings: np.ndarray,
              topic_themes: Sequence[str | None] | None = None,
              groups: Sequence[object] | None = None) -> tuple[np.ndarray, list[dict[str, dict[str, Any]]]]:
        """Scores (excerpts x themes) in [0, 1], threshold ``settings.threshold`` for every theme,
        and, per excerpt, evidence for each suggested theme."""
        s = self.settings
        measured = self.measure(texts, embeddings)
        topic_part = np.zeros_like(measured.zero_shot)
        if topic_themes is not None:
            for i, theme in enumerate(topic_themes):
                if theme in self.theme_ids_:
                    topic_part[i, self.theme_ids_.index(theme)] = 1.0
        scores = measured.zero_shot + s.topic_weight * topic_part
        if self.classifiers_:
            dense, words = self._dense(measured, texts, embeddings, groups), self._words(texts)
            for j, theme_id in enumerate(self.theme_ids_):
                models = self.classifiers_.get(theme_id)
                if models is not None:
                    weight = self.classifier_weights_[theme_id]
                    blended = (1 - weight) * scores[:, j] + weight * learned.predict(models, dense, words)
                    scores[:, j] = learned.rescale(np.clip(blended, 0, 1), self.calibrated_[theme_id],
                                                   s.threshold)
        scores = np.clip(scores, 0, 1)
        evidence = [{self.theme_ids_[j]: self._evidence(i, j, texts, embeddings, measured, topic_part)
                     for j in self._suggested(scores[i])} for i in range(len(texts))]
        return scores, evidence

    def _suggested(self, row: np.ndarray) -> list[int]:
        """Theme columns suggested for one excerpt: above threshold, best first, at most N."""
        order = [j for j in np.argsort(-row) if row[j] >= self.settings.threshold]
        return order[: self.settings.max_per_excerpt]

    def _evidence(self, i: int, j: int, texts: Sequence[str], embeddings: np.ndarray,
                  measured: Scored, topic_part: np.ndarray) -> dict[str, Any]:
        """Why excerpt ``i`` is suggested for theme column ``j``: phrases found, the sentence that
        drove the semantic score, nearest references, topic, and whether classifiers took part."""
        found = [m for m in measured.matches[i] if m.theme == j and m.counts]
        start, end = measured.sentences.spans[i][measured.sentences.best_sentence[i, j]]
        nearest = []
        if self.reference_matrices_[j] is not None:
            sims = self.reference_matrices_[j] @ embeddings[i]
            for k in np.argsort(-sims)[: self.settings.nearest]:
                text, _, kind = self.references_[j][k]
                if text != texts[i]:
                    nearest.append({"kind": kind, "text": text, "similarity": round(float(sims[k]), 3)})
        return {"seeds": list(dict.fromkeys(m.phrase for m in found)),
                "phrases": [{"phrase": m.phrase, "start": m.start, "end": m.end} for m in found],
                "sentence": {"start": int(start), "end": int(end),
                             "similarity": round(float(measured.sentences.best[i, j]), 3)},
                "semantic": round(float(measured.similarity[i, j]), 3),
                "zero_shot": round(float(measured.zero_shot[i, j]), 3),
                "nearest": nearest, "topic": bool(topic_part[i, j]),
                "classifier": self.theme_ids_[j] in self.classifiers_}


# -- suggestions in the store ----------------------------------------------------------------


def reviewer_decisions(store: Store, excerpt_ids: Sequence[int]) -> Decisions:
    """Per theme, indices (into ``excerpt_ids``) of excerpts confirmed and rejected by reviewers.

    An excerpt counts as confirmed for a theme if any coder confirmed it, else as rejected if
    any coder rejected it.
    """
    index = {e: i for i, e in enumerate(excerpt_ids)}
    verdicts: dict[tuple[str, int], bool] = {}
    with store.session() as session:
        for theme_id, excerpt_id, status in excerpt_verdicts(session):
            if excerpt_id in index:
                key = (theme_id, index[excerpt_id])
                verdicts[key] = verdicts.get(key, False) or status == "confirmed"
    out: Decisions = {}
    for (theme_id, i), confirmed in sorted(verdicts.items()):
        positive, negative = out.setdefault(theme_id, ([], []))
        (positive if confirmed else negative).append(i)
    return out


@dataclass(frozen=True)
class SuggestionBatch:
    """What one ``suggest`` call stored: the batch id, how many excerpts it scored, how many
    suggestions it made, and the themes whose reviewer-trained classifiers took part."""

    batch: str
    excerpts: int
    suggestions: int
    classifier_themes: list[str]


def suggest(store: Store, codebook: Codebook, embedder: Embedder, cache: EmbeddingCache | None = None,
            run: Run | None = None, settings: SuggestSettings | None = None,
            spacy_model: str = "en_core_web_sm", actor: str = "system",
            classifier_embedder: Embedder | None = None) -> SuggestionBatch:
    """Score every stored excerpt and save the suggestions as a new batch.

    ``run`` (a saved topic run) adds topic evidence for excerpts it assigned;
    ``classifier_embedder`` (an adopted fine-tuned encoder) feeds the reviewer classifiers.
    """
    from workbench.analysis.runs import snapshot

    if not codebook.codable:
        raise BadInput("the codebook has no codable themes; import one with "
                       "`workbench codebook import corpus/codebooks/panel-themes.yaml`")
    corpus = snapshot(store)
    if not corpus.texts:
        raise NotFound("no excerpts to suggest themes for; ingest documents first")
    embeddings, _ = embed_texts(corpus.texts, embedder, cache)
    scorer = ThemeScorer(codebook, embedder, settings or SuggestSettings(), cache, spacy_model,
                         classifier_embedder).fit(
        corpus.texts, embeddings, reviewer_decisions(store, corpus.excerpt_ids), corpus.document_ids)
    topic_themes = None
    if run is not None:
        theme_of_topic = {t["id"]: t["theme"] for t in run.topics}
        topic_themes = [theme_of_topic.get(run.assignments.get(e)) for e in corpus.excerpt_ids]
    scores, evidence = scorer.score(corpus.texts, embeddings, topic_themes, corpus.document_ids)
    batch = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    run_id = run.run_id if run is not None else None
    count = 0
    with store.session() as session:
        for i, excerpt_id in enumerate(corpus.excerpt_ids):
            for theme_id, proof in evidence[i].items():
                if run is not None and proof["topic"]:
                    proof = {**proof, "topic": {"run_id": run_id,
                                                "topic": run.assignments.get(excerpt_id)}}
                score = round(float(scores[i, scorer.theme_ids_.index(theme_id)]), 4)
                add_suggestion(session, batch, excerpt_id, theme_id, score, proof, run_id)
                count += 1
        record_event(session, actor, "suggest.run", f"batch:{batch}", {
            "excerpts": len(corpus.texts), "suggestions": count, "run_id": run_id,
            "classifier_themes": sorted(scorer.classifiers_),
            "classifier_model": classifier_embedder.model_id if classifier_embedder else None})
    return SuggestionBatch(batch=batch, excerpts=len(corpus.texts), suggestions=count,
                           classifier_themes=sorted(scorer.classifiers_))
