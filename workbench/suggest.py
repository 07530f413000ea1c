"""Theme suggestions with evidence, and the review queue.

For every excerpt and codable theme three kinds of evidence are combined into a score in
[0, 1]:

- lexical: the theme's seed keywords found in the excerpt (matched on spaCy lemmas);
- semantic: cosine similarity of the excerpt to the theme's prototype (description, examples
  and confirmed excerpts) and to its nearest example or confirmed excerpt, calibrated per
  theme as a z-score over the corpus (so every theme has its own threshold);
- topic: whether the excerpt's topic in a saved run maps to the theme.

Once a theme has at least ``min_decisions`` confirmed and as many rejected codings, a
logistic-regression classifier trained on those decisions (embeddings plus seed counts) takes
over that theme's score. Training takes well under a second per theme.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from workbench.codebook import Codebook
from workbench.embed import Embedder, EmbeddingCache, embed_texts
from workbench.errors import WorkbenchError
from workbench.store import Store, record_event
from workbench.store.models import Coding, Excerpt, Suggestion


@dataclass
class SuggestSettings:
    lexical_weight: float = 0.45
    semantic_weight: float = 0.45
    topic_weight: float = 0.1
    semantic_z: float = 1.0          # per-theme z-score of similarity at which semantic evidence is half
    threshold: float = 0.35          # suggest when the combined score reaches this
    max_per_excerpt: int = 4
    min_decisions: int = 10          # confirmed and rejected codings before a classifier joins in
    classifier_ramp: float = 20.0    # classifier weight = n / (n + ramp), n = min(confirmed, rejected)
    nearest: int = 3                 # nearest examples or confirmed excerpts kept as evidence


_LEMMAS: dict[tuple[str, str], str] = {}


def _lemma_text(nlp, texts: Sequence[str]) -> list[str]:
    """Texts as space-padded lower-case lemmas (cached), for seed matching."""
    key = nlp.meta.get("name", "")
    missing = list(dict.fromkeys(t for t in texts if (key, t) not in _LEMMAS))
    disabled = [p for p in ("parser", "ner") if p in nlp.pipe_names]
    for text, doc in zip(missing, nlp.pipe(missing, batch_size=64, disable=disabled), strict=True):
        _LEMMAS[(key, text)] = " " + " ".join(
            t.lemma_.lower() for t in doc if not t.is_punct and not t.is_space) + " "
    return [_LEMMAS[(key, t)] for t in texts]


@dataclass
class ThemeScorer:
    """Scores excerpts against a codebook. ``fit`` learns prototypes, calibration and classifiers."""

    codebook: Codebook
    embedder: Embedder
    settings: SuggestSettings = field(default_factory=SuggestSettings)
    cache: EmbeddingCache | None = None
    spacy_model: str = "en_core_web_sm"

    def _nlp(self):
        from workbench.nlp import load_pipeline

        return load_pipeline(self.spacy_model)

    def fit(self, texts: Sequence[str], embeddings: np.ndarray,
            decisions: dict[str, tuple[list[int], list[int]]] | None = None) -> ThemeScorer:
        """Learn from the corpus (``texts``/``embeddings``) and reviewers' ``decisions``:
        theme id -> (indices of confirmed excerpts, indices of rejected excerpts)."""
        decisions = decisions or {}
        self.themes_ = [t for t in self.codebook.codable]
        self.theme_ids_ = [t.id for t in self.themes_]
        nlp = self._nlp()
        self.seed_lemmas_ = [[s.strip() for s in _lemma_text(nlp, t.seeds)] if t.seeds else []
                             for t in self.themes_]
        self.references_: list[list[tuple[str, np.ndarray, str]]] = []
        prototypes = []
        for theme in self.themes_:
            texts_for = [f"{theme.name}. {theme.description}", *theme.examples]
            vectors, _ = embed_texts(texts_for, self.embedder, self.cache)
            refs = [(ex, vectors[i + 1], "example") for i, ex in enumerate(theme.examples)]
            confirmed = decisions.get(theme.id, ([], []))[0]
            refs += [(texts[i], embeddings[i], "confirmed") for i in confirmed]
            all_vectors = np.vstack([vectors] + ([embeddings[confirmed]] if confirmed else []))
            mean = all_vectors.mean(axis=0)
            prototypes.append(mean / (np.linalg.norm(mean) or 1.0))
            self.references_.append(refs)
        self.prototypes_ = np.array(prototypes, dtype=np.float32)
        self.reference_matrices_ = [np.vstack([v for _, v, _ in refs]) if refs else None
                                    for refs in self.references_]
        self.reference_similarity_ = self._semantic(embeddings)
        self.classifiers_ = {}
        self.classifier_weights_: dict[str, float] = {}
        lexical = self._lexical(_lemma_text(nlp, texts))
        for theme_id in self.theme_ids_:
            positive, negative = decisions.get(theme_id, ([], []))
            if len(positive) >= self.settings.min_decisions and len(negative) >= self.settings.min_decisions:
                from sklearn.linear_model import LogisticRegression

                rows = list(positive) + list(negative)
                features = self._features(embeddings[rows], lexical[rows])
                labels = [1] * len(positive) + [0] * len(negative)
                self.classifiers_[theme_id] = LogisticRegression(
                    class_weight="balanced", max_iter=1000).fit(features, labels)
                # The classifier's say grows with the decisions it learned from.
                n = min(len(positive), len(negative))
                self.classifier_weights_[theme_id] = n / (n + self.settings.classifier_ramp)
        return self

    @staticmethod
    def _features(embeddings: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        return np.hstack([embeddings, np.minimum(lexical, 3) / 3])

    def _semantic(self, embeddings: np.ndarray) -> np.ndarray:
        """Mean of prototype similarity and nearest-reference similarity, per theme."""
        out = np.zeros((len(embeddings), len(self.themes_)), dtype=np.float32)
        for j, refs in enumerate(self.references_):
            proto = embeddings @ self.prototypes_[j]
            nearest = (embeddings @ self.reference_matrices_[j].T).max(axis=1) if refs else proto
            out[:, j] = 0.5 * proto + 0.5 * nearest
        return out

    def _lexical(self, lemma_texts: Sequence[str]) -> np.ndarray:
        counts = np.zeros((len(lemma_texts), len(self.themes_)), dtype=np.float32)
        for j, seeds in enumerate(self.seed_lemmas_):
            for i, text in enumerate(lemma_texts):
                counts[i, j] = sum(1 for s in seeds if s and f" {s} " in text)
        return counts

    def score(self, texts: Sequence[str], embeddings: np.ndarray,
              topic_themes: Sequence[str | None] | None = None) -> tuple[np.ndarray, list[list[dict]]]:
        """Scores (excerpts x themes) and, per excerpt, evidence for each theme."""
        s = self.settings
        lemma_texts = _lemma_text(self._nlp(), texts)
        lexical = self._lexical(lemma_texts)
        semantic = self._semantic(embeddings)
        mean = self.reference_similarity_.mean(axis=0)
        std = self.reference_similarity_.std(axis=0) + 1e-6
        z = (semantic - mean) / std
        semantic_part = 1 / (1 + np.exp(-2 * (z - s.semantic_z)))
        lexical_part = np.minimum(lexical, 2) / 2
        topic_part = np.zeros_like(lexical)
        if topic_themes is not None:
            for i, theme in enumerate(topic_themes):
                if theme in self.theme_ids_:
                    topic_part[i, self.theme_ids_.index(theme)] = 1.0
        scores = (s.lexical_weight * lexical_part + s.semantic_weight * semantic_part
                  + s.topic_weight * topic_part)
        for j, theme_id in enumerate(self.theme_ids_):
            model = self.classifiers_.get(theme_id)
            if model is not None:
                weight = self.classifier_weights_[theme_id]
                learned = model.predict_proba(self._features(embeddings, lexical))[:, 1]
                scores[:, j] = (1 - weight) * scores[:, j] + weight * learned
        scores = np.clip(scores, 0, 1)
        evidence = [{self.theme_ids_[j]: self._evidence(i, j, texts, embeddings, lemma_texts, semantic,
                                                          z, topic_part)
                     for j in self._suggested(scores[i])} for i in range(len(texts))]
        return scores, evidence

    def _suggested(self, row: np.ndarray) -> list[int]:
        """Theme columns suggested for one excerpt: above threshold, best first, at most N."""
        order = [j for j in np.argsort(-row) if row[j] >= self.settings.threshold]
        return order[: self.settings.max_per_excerpt]

    def _evidence(self, i, j, texts, embeddings, lemma_texts, semantic, z, topic_part) -> dict:
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


# -- suggestions in the store, and the review queue ------------------------------------------


def reviewer_decisions(store: Store, excerpt_ids: Sequence[int]) -> dict[str, tuple[list[int], list[int]]]:
    """Per theme, indices (into ``excerpt_ids``) of excerpts confirmed and rejected by reviewers.

    An excerpt counts as confirmed for a theme if any coder confirmed it, else as rejected if
    any coder rejected it.
    """
    index = {e: i for i, e in enumerate(excerpt_ids)}
    verdicts: dict[tuple[str, int], bool] = {}
    with store.session() as session:
        rows = session.execute(select(Coding.theme_id, Coding.excerpt_id, Coding.status).where(
            Coding.withdrawn.is_(False), Coding.status.in_(("confirmed", "rejected")),
            Coding.excerpt_id.is_not(None)))
        for theme_id, excerpt_id, status in rows:
            if excerpt_id in index:
                key = (theme_id, index[excerpt_id])
                verdicts[key] = verdicts.get(key, False) or status == "confirmed"
    out: dict[str, tuple[list[int], list[int]]] = {}
    for (theme_id, i), confirmed in sorted(verdicts.items()):
        positive, negative = out.setdefault(theme_id, ([], []))
        (positive if confirmed else negative).append(i)
    return out


def suggest(store: Store, codebook: Codebook, embedder: Embedder, cache: EmbeddingCache | None = None,
            run=None, settings: SuggestSettings | None = None, spacy_model: str = "en_core_web_sm",
            actor: str = "system") -> dict:
    """Score every stored excerpt and save the suggestions as a new batch.

    ``run`` (a saved topic run) adds topic evidence for excerpts it assigned.
    """
    from workbench.runs import snapshot

    if not codebook.codable:
        raise WorkbenchError("the codebook has no codable themes; import one with "
                             "`workbench codebook import corpus/codebooks/panel-themes.yaml`")
    corpus = snapshot(store)
    if not corpus.texts:
        raise WorkbenchError("no excerpts to suggest themes for; ingest documents first")
    embeddings, _ = embed_texts(corpus.texts, embedder, cache)
    scorer = ThemeScorer(codebook, embedder, settings or SuggestSettings(), cache, spacy_model).fit(
        corpus.texts, embeddings, reviewer_decisions(store, corpus.excerpt_ids))
    topic_themes = None
    if run is not None:
        theme_of_topic = {t["id"]: t["theme"] for t in run.topics}
        topic_themes = [theme_of_topic.get(run.assignments.get(e)) for e in corpus.excerpt_ids]
    scores, evidence = scorer.score(corpus.texts, embeddings, topic_themes)
    batch = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    run_id = run.run_id if run is not None else None
    count = 0
    with store.session() as session:
        for i, excerpt_id in enumerate(corpus.excerpt_ids):
            for theme_id, proof in evidence[i].items():
                if run is not None and proof["topic"]:
                    proof = {**proof, "topic": {"run_id": run_id,
                                                "topic": run.assignments.get(excerpt_id)}}
                session.add(Suggestion(batch=batch, excerpt_id=excerpt_id, theme_id=theme_id,
                                       score=round(float(scores[i, scorer.theme_ids_.index(theme_id)]), 4),
                                       evidence=proof, run_id=run_id))
                count += 1
        record_event(session, actor, "suggest.run", f"batch:{batch}", {
            "excerpts": len(corpus.texts), "suggestions": count, "run_id": run_id,
            "classifier_themes": sorted(scorer.classifiers_)})
    return {"excerpts": len(corpus.texts), "suggestions": count, "batch": batch,
            "classifier_themes": sorted(scorer.classifiers_)}


@dataclass(frozen=True)
class QueueItem:
    suggestion_id: int
    excerpt_id: int
    document_id: int
    title: str
    section: str
    text: str
    theme_id: str
    score: float
    evidence: dict


def latest_batch(store: Store) -> str | None:
    from sqlalchemy import func

    with store.session() as session:
        return session.scalar(select(func.max(Suggestion.batch)))


def review_queue(store: Store, coder: str, order: str = "uncertain", theme: str | None = None,
                 where: dict[str, str] | None = None, run_id: str | None = None,
                 batch: str | None = None, threshold: float | None = None,
                 limit: int | None = None) -> list[QueueItem]:
    """Suggestions of the latest batch that ``coder`` has not decided yet.

    ``order``: 'uncertain' (scores nearest the threshold first: each decision teaches the most)
    or 'score' (most confident first). Filters: theme, document metadata, topic run.
    """
    if order not in ("uncertain", "score"):
        raise WorkbenchError(f"order {order!r} is not one of uncertain, score")
    batch = batch or latest_batch(store)
    if batch is None:
        return []
    threshold = SuggestSettings().threshold if threshold is None else threshold
    from workbench.store.models import Document

    with store.session() as session:
        decided = set(session.execute(select(Coding.excerpt_id, Coding.theme_id).where(
            Coding.coder == coder, Coding.withdrawn.is_(False))).all())
        query = (select(Suggestion, Excerpt, Document)
                 .join(Excerpt, Suggestion.excerpt_id == Excerpt.id)
                 .join(Document, Excerpt.document_id == Document.id)
                 .where(Suggestion.batch == batch))
        if theme:
            query = query.where(Suggestion.theme_id == theme)
        if run_id:
            query = query.where(Suggestion.run_id == run_id)
        items = []
        for suggestion, excerpt, document in session.execute(query):
            if (excerpt.id, suggestion.theme_id) in decided:
                continue
            if where and any(str(document.meta.get(k)) != str(v) for k, v in where.items()):
                continue
            items.append(QueueItem(suggestion.id, excerpt.id, document.id, document.title,
                                   excerpt.section, excerpt.text, suggestion.theme_id,
                                   suggestion.score, suggestion.evidence))
    if order == "uncertain":
        items.sort(key=lambda item: (abs(item.score - threshold), item.suggestion_id))
    else:
        items.sort(key=lambda item: (-item.score, item.suggestion_id))
    return items[:limit] if limit else items
