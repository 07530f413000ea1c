"""Theme suggestions with evidence (the review queue that shows them is :mod:`.queue`).

Before any reviewer decision, each excerpt is scored against each codable theme without labels
("zero-shot"):

1. semantic: the excerpt's embedding, mixed with the mean embedding of its document, is compared
   with the theme's prototype: the mean of the separately embedded name and description, examples,
   inclusion criteria, seed phrases and confirmed excerpts. Similarities are z-scored per theme
   over the corpus, centred per excerpt (an excerpt close to every theme is generic, not
   evidence for each) and z-scored again;
2. lexical: the theme's seed keywords found in the excerpt (spaCy lemmas) add to that score;
3. self-training: a TF-IDF logistic regression per theme learns from the most and least likely
   excerpts of step 1-2 and its probability is averaged, as a rank, with them;
4. each theme's threshold is the score reached by its top ``expected_share`` of excerpts, and
   scores are mapped to [0, 1] so that every theme's threshold is 0.5; an excerpt in a topic
   that a saved run maps to the theme gets ``topic_weight`` more.

Once a theme has at least ``min_decisions`` confirmed and as many rejected codings, two
classifiers trained on those decisions (TF-IDF words; embeddings with document context and seed
counts) are averaged and blended in with weight n / (n + ``classifier_ramp``). Fitting the whole
scorer takes seconds on the sample corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from workbench.analysis.embed import Embedder, EmbeddingCache, embed_texts
from workbench.coding.codebook import Codebook, Theme
from workbench.errors import BadInput, NotFound
from workbench.privacy.redact import without_placeholders
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
    expected_share: float = 0.08     # share of excerpts each theme's zero-shot threshold lets through
    document_context: float = 1.0    # weight of the document's mean embedding mixed into an excerpt's
    seed_weight: float = 1.0         # z-score added per seed keyword found (at most two count)
    self_training: float = 0.5       # rank weight of the self-trained TF-IDF model (0 turns it off)
    topic_weight: float = 0.1        # added when the excerpt's topic maps to the theme
    threshold: float = 0.5           # suggest when the score reaches this (every theme's cut-off)
    max_per_excerpt: int = 4
    min_decisions: int = 10          # confirmed and rejected codings before classifiers join in
    classifier_ramp: float = 20.0    # classifier weight = n / (n + ramp), n = min(confirmed, rejected)
    nearest: int = 3                 # nearest examples or confirmed excerpts kept as evidence


_LEMMAS: dict[tuple[str, str], str] = {}


def _lemma_text(nlp: Language, texts: Sequence[str]) -> list[str]:
    """Texts as space-padded lower-case lemmas (cached), for seed matching."""
    key = nlp.meta.get("name", "")
    missing = list(dict.fromkeys(t for t in texts if (key, t) not in _LEMMAS))
    disabled = [p for p in ("parser", "ner") if p in nlp.pipe_names]
    cleaned = (without_placeholders(t) for t in missing)
    for text, doc in zip(missing, nlp.pipe(cleaned, batch_size=64, disable=disabled), strict=True):
        _LEMMAS[(key, text)] = " " + " ".join(
            t.lemma_.lower() for t in doc if not t.is_punct and not t.is_space) + " "
    return [_LEMMAS[(key, t)] for t in texts]


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-9)


def with_document_context(embeddings: np.ndarray, groups: Sequence[object] | None,
                          weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(excerpt vectors mixed with their document's mean, the document means), both normalised."""
    if groups is None or not weight:
        return embeddings, np.zeros_like(embeddings)
    keys = np.asarray([str(g) for g in groups])
    means = np.zeros_like(embeddings)
    for key in np.unique(keys):
        rows = keys == key
        means[rows] = _normalise(embeddings[rows].mean(axis=0))
    return _normalise(embeddings + weight * means), means


def _cdf(sorted_columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the reference values (per column, sorted) at or below each value."""
    out = np.empty_like(values, dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.searchsorted(sorted_columns[:, j], values[:, j], side="right")
    return out / len(sorted_columns)


class Classifier(Protocol):
    """What the scorer needs of a scikit-learn classifier."""

    def fit(self, x: Any, y: Any) -> Classifier: ...

    def predict_proba(self, x: Any) -> np.ndarray: ...


def _tfidf() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                           preprocessor=lambda text: without_placeholders(text).lower())


def _logistic(c: float) -> Classifier:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)


def _rescale(values: np.ndarray, cut: np.ndarray | float, threshold: float) -> np.ndarray:
    """Map [0, 1] values piecewise linearly so that ``cut`` lands on ``threshold``."""
    cut = np.clip(cut, 1e-6, 1 - 1e-6)
    below = threshold * values / cut
    above = threshold + (1 - threshold) * (values - cut) / (1 - cut)
    return np.where(values < cut, below, above)


Models = tuple[Classifier, Classifier | None]


def _classifiers(dense: np.ndarray, words: Any, rows: np.ndarray, labels: np.ndarray) -> Models:
    """Two classifiers on reviewers' decisions: dense features, and TF-IDF words when available."""
    on_words = _logistic(16.0).fit(words[rows], labels) if words is not None else None
    return _logistic(4.0).fit(dense[rows], labels), on_words


def _predict(models: Models, dense: np.ndarray, words: Any,
             rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    learned = [models[0].predict_proba(dense[rows])[:, 1]]
    if models[1] is not None:
        learned.append(models[1].predict_proba(words[rows])[:, 1])
    return np.mean(learned, axis=0)


def _calibrated_threshold(dense: np.ndarray, words: Any, rows: np.ndarray, labels: np.ndarray,
                          base: np.ndarray, weight: float, folds: int = 3) -> float:
    """The blended score's F1-best cut-off, from out-of-fold predictions on the decided excerpts."""
    from sklearn.model_selection import StratifiedKFold

    out_of_fold = np.zeros(len(rows))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(rows, labels):
        models = _classifiers(dense, words, rows[train], labels[train])
        learned = _predict(models, dense, words, rows[test])
        out_of_fold[test] = (1 - weight) * base[rows[test]] + weight * learned
    best, best_f1 = 0.5, -1.0
    for cut in np.linspace(0.05, 0.95, 37):
        predicted = out_of_fold >= cut
        hits = int((predicted & (labels == 1)).sum())
        f1 = 2 * hits / (predicted.sum() + labels.sum()) if hits else 0.0
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(cut - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(cut), f1
    return best


def _theme_texts(theme: Theme) -> list[str]:
    """What a theme's prototype is made of: name and description first, then its examples,
    inclusion criteria and seeds."""
    return [f"{theme.name}. {theme.description}", *theme.examples, *theme.inclusion, *theme.seeds]


@dataclass
class ThemeScorer:
    """Scores excerpts against a codebook. ``fit`` learns prototypes, calibration and classifiers."""

    codebook: Codebook
    embedder: Embedder
    settings: SuggestSettings = field(default_factory=SuggestSettings)
    cache: EmbeddingCache | None = None
    spacy_model: str = "en_core_web_sm"

    def _nlp(self) -> Language:
        from workbench.nlp import load_pipeline

        return load_pipeline(self.spacy_model)

    def fit(self, texts: Sequence[str], embeddings: np.ndarray, decisions: Decisions | None = None,
            groups: Sequence[object] | None = None) -> ThemeScorer:
        """Learn from the corpus and reviewers' ``decisions``: theme id -> (indices of confirmed
        excerpts, indices of rejected excerpts). ``groups`` names each excerpt's document."""
        decisions = decisions or {}
        s = self.settings
        self.themes_ = list(self.codebook.codable)
        self.theme_ids_ = [t.id for t in self.themes_]
        nlp = self._nlp()
        self.seed_lemmas_ = [[x.strip() for x in _lemma_text(nlp, t.seeds)] if t.seeds else []
                             for t in self.themes_]
        self._fit_prototypes(texts, embeddings, decisions)
        mixed, means = with_document_context(embeddings, groups, s.document_context)
        lexical = self._lexical(_lemma_text(nlp, texts))
        similarity = mixed @ self.prototypes_.T
        self.first_stats_ = similarity.mean(axis=0), similarity.std(axis=0) + 1e-9
        centred = self._centred(similarity)
        self.second_stats_ = centred.mean(axis=0), centred.std(axis=0) + 1e-9
        z = self._z(similarity, lexical)
        self.z_reference_ = np.sort(z, axis=0)
        self.vectoriser_ = _tfidf().fit(texts) if s.self_training and len(texts) >= 20 else None
        words = self.vectoriser_.transform(texts) if self.vectoriser_ is not None else None
        self.self_trained_: list[Classifier | None] = [
            self._self_train(words, z[:, j]) if words is not None else None
            for j in range(len(self.themes_))]
        learned = self._learned(words)
        self.learned_reference_ = None if learned is None else np.sort(learned, axis=0)
        zero_shot = self._ranked(z, learned)
        self.cut_offs_ = np.quantile(zero_shot, 1 - s.expected_share, axis=0)
        base = _rescale(zero_shot, self.cut_offs_, s.threshold)
        dense = np.hstack([embeddings, means, np.minimum(lexical, 3) / 3])
        self._fit_classifiers(dense, words, base, decisions)
        return self

    def _fit_prototypes(self, texts: Sequence[str], embeddings: np.ndarray,
                        decisions: Decisions) -> None:
        """Each theme's prototype (mean of its embedded descriptions, examples, criteria, seeds
        and confirmed excerpts) and the references kept as evidence."""
        self.references_: list[list[tuple[str, np.ndarray, str]]] = []
        prototypes = []
        for theme in self.themes_:
            vectors, _ = embed_texts(_theme_texts(theme), self.embedder, self.cache)
            refs = [(ex, vectors[i + 1], "example") for i, ex in enumerate(theme.examples)]
            confirmed = decisions.get(theme.id, ([], []))[0]
            refs += [(texts[i], embeddings[i], "confirmed") for i in confirmed]
            all_vectors = np.vstack([_normalise(vectors)] + ([embeddings[confirmed]] if confirmed else []))
            prototypes.append(_normalise(all_vectors.mean(axis=0)))
            self.references_.append(refs)
        self.prototypes_ = np.array(prototypes, dtype=np.float32)
        self.reference_matrices_ = [np.vstack([v for _, v, _ in refs]) if refs else None
                                    for refs in self.references_]

    def _fit_classifiers(self, dense: np.ndarray, words: Any, base: np.ndarray,
                         decisions: Decisions) -> None:
        """Classifiers on reviewers' decisions for each theme with enough of them, their blending
        weights and cross-validated cut-offs."""
        s = self.settings
        self.classifiers_: dict[str, Models] = {}
        self.classifier_weights_: dict[str, float] = {}
        self.calibrated_: dict[str, float] = {}
        for j, theme_id in enumerate(self.theme_ids_):
            positive, negative = decisions.get(theme_id, ([], []))
            if len(positive) < s.min_decisions or len(negative) < s.min_decisions:
                continue
            rows = np.array(list(positive) + list(negative))
            labels = np.array([1] * len(positive) + [0] * len(negative))
            self.classifiers_[theme_id] = _classifiers(dense, words, rows, labels)
            # The classifiers' say grows with the decisions they learned from.
            n = min(len(positive), len(negative))
            weight = self.classifier_weights_[theme_id] = n / (n + s.classifier_ramp)
            self.calibrated_[theme_id] = _calibrated_threshold(dense, words, rows, labels, base[:, j], weight)

    def _centred(self, similarity: np.ndarray) -> np.ndarray:
        mean, std = self.first_stats_
        z = (similarity - mean) / std
        return z - z.mean(axis=1, keepdims=True)

    def _z(self, similarity: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        mean, std = self.second_stats_
        return (self._centred(similarity) - mean) / std + self.settings.seed_weight * np.minimum(lexical, 2)

    @staticmethod
    def _self_train(words: Any, z_column: np.ndarray, top: float = 0.05,
                    bottom: float = 0.6) -> Classifier:
        """A TF-IDF classifier taught by the zero-shot ranking: top as positive, bottom as negative."""
        order = np.argsort(-z_column)
        n = len(order)
        positive, negative = order[:max(2, int(top * n))], order[-max(2, int(bottom * n)):]
        rows = np.r_[positive, negative]
        labels = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
        return _logistic(4.0).fit(words[rows], labels)

    def _learned(self, words: Any) -> np.ndarray | None:
        """Each theme's self-trained probability, or None without self-training."""
        if words is None or self.vectoriser_ is None:
            return None
        return np.column_stack([m.predict_proba(words)[:, 1] for m in self.self_trained_
                                if m is not None])

    def _ranked(self, z: np.ndarray, learned: np.ndarray | None) -> np.ndarray:
        """Zero-shot score as a rank in [0, 1]: z alone, or averaged with the self-trained model."""
        ranked = _cdf(self.z_reference_, z)
        if learned is None or self.learned_reference_ is None:
            return ranked
        weight = self.settings.self_training
        return (1 - weight) * ranked + weight * _cdf(self.learned_reference_, learned)

    def _semantic(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity of each excerpt to each theme's prototype."""
        return embeddings @ self.prototypes_.T

    def _lexical(self, lemma_texts: Sequence[str]) -> np.ndarray:
        counts = np.zeros((len(lemma_texts), len(self.themes_)), dtype=np.float32)
        for j, seeds in enumerate(self.seed_lemmas_):
            for i, text in enumerate(lemma_texts):
                counts[i, j] = sum(1 for x in seeds if x and f" {x} " in text)
        return counts

    def score(self, texts: Sequence[str], embeddings: np.ndarray,
              topic_themes: Sequence[str | None] | None = None,
              groups: Sequence[object] | None = None) -> tuple[np.ndarray, list[dict[str, dict[str, Any]]]]:
        """Scores (excerpts x themes) in [0, 1], threshold ``settings.threshold`` for every theme,
        and, per excerpt, evidence for each suggested theme."""
        s = self.settings
        lemma_texts = _lemma_text(self._nlp(), texts)
        lexical = self._lexical(lemma_texts)
        mixed, means = with_document_context(embeddings, groups, s.document_context)
        similarity = mixed @ self.prototypes_.T
        z = self._z(similarity, lexical)
        words = self.vectoriser_.transform(texts) if self.vectoriser_ is not None else None
        ranked = self._ranked(z, self._learned(words))
        scores = _rescale(ranked, self.cut_offs_, s.threshold)
        topic_part = np.zeros_like(lexical)
        if topic_themes is not None:
            for i, theme in enumerate(topic_themes):
                if theme in self.theme_ids_:
                    topic_part[i, self.theme_ids_.index(theme)] = 1.0
        scores = scores + s.topic_weight * topic_part
        dense = np.hstack([embeddings, means, np.minimum(lexical, 3) / 3])
        for j, theme_id in enumerate(self.theme_ids_):
            models = self.classifiers_.get(theme_id)
            if models is not None:
                weight = self.classifier_weights_[theme_id]
                blended = (1 - weight) * scores[:, j] + weight * _predict(models, dense, words)
                scores[:, j] = _rescale(blended, self.calibrated_[theme_id], s.threshold)
        scores = np.clip(scores, 0, 1)
        semantic = self._semantic(embeddings)
        semantic_z = z - s.seed_weight * np.minimum(lexical, 2)  # the similarity's part of z alone
        evidence = [{self.theme_ids_[j]: self._evidence(i, j, texts, embeddings, lemma_texts, semantic,
                                                          semantic_z, topic_part)
                     for j in self._suggested(scores[i])} for i in range(len(texts))]
        return scores, evidence

    def _suggested(self, row: np.ndarray) -> list[int]:
        """Theme columns suggested for one excerpt: above threshold, best first, at most N."""
        order = [j for j in np.argsort(-row) if row[j] >= self.settings.threshold]
        return order[: self.settings.max_per_excerpt]

    def _evidence(self, i: int, j: int, texts: Sequence[str], embeddings: np.ndarray,
                  lemma_texts: Sequence[str], semantic: np.ndarray, z: np.ndarray,
                  topic_part: np.ndarray) -> dict[str, Any]:
        """Why excerpt ``i`` is suggested for theme column ``j``: seeds found, nearest references,
        semantic similarity (raw and z-scored), topic, and whether classifiers took part."""
        seeds = [self.themes_[j].seeds[k] for k, lemma in enumerate(self.seed_lemmas_[j])
                 if lemma and f" {lemma} " in lemma_texts[i]]
        refs = self.references_[j]
        nearest = []
        if refs:
            sims = self.reference_matrices_[j] @ embeddings[i]
            for k in np.argsort(-sims)[: self.settings.nearest]:
                text, _, kind = refs[k]
                if text != texts[i]:
                    nearest.append({"kind": kind, "text": text, "similarity": round(float(sims[k]), 3)})
        return {"seeds": seeds, "nearest": nearest, "semantic": round(float(semantic[i, j]), 3),
                "semantic_z": round(float(z[i, j]), 2), "topic": bool(topic_part[i, j]),
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
            spacy_model: str = "en_core_web_sm", actor: str = "system") -> SuggestionBatch:
    """Score every stored excerpt and save the suggestions as a new batch.

    ``run`` (a saved topic run) adds topic evidence for excerpts it assigned.
    """
    from workbench.analysis.runs import snapshot

    if not codebook.codable:
        raise BadInput("the codebook has no codable themes; import one with "
                       "`workbench codebook import corpus/codebooks/panel-themes.yaml`")
    corpus = snapshot(store)
    if not corpus.texts:
        raise NotFound("no excerpts to suggest themes for; ingest documents first")
    embeddings, _ = embed_texts(corpus.texts, embedder, cache)
    scorer = ThemeScorer(codebook, embedder, settings or SuggestSettings(), cache, spacy_model).fit(
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
            "classifier_themes": sorted(scorer.classifiers_)})
    return SuggestionBatch(batch=batch, excerpts=len(corpus.texts), suggestions=count,
                           classifier_themes=sorted(scorer.classifiers_))
