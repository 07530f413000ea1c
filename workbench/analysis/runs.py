"""Topic runs: fit on the stored corpus, save under runs_dir/<run_id>/, load, list, compare.

A run folder holds ``run.json`` (resolved config, corpus hash, embedding model id, seed,
library versions, timings, metrics, topics with their theme mapping), ``assignments.json``
(topic per excerpt id), ``centroids.safetensors`` and ``bertopic/`` (the fitted BERTopic
model in safetensors form). Nothing is pickled and loading needs no network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from workbench.analysis.embed import Embedder, embed_texts, embedding_cache
from workbench.analysis.metrics import (
    clustering_agreement,
    npmi_coherence,
    outlier_share,
    theme_scores,
    topic_diversity,
)
from workbench.analysis.topics import TopicConfig, TopicModeller
from workbench.coding.codebook import Codebook
from workbench.config import Settings
from workbench.errors import NotFound
from workbench.store import Store, list_documents, record_event

LIBRARIES = ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers",
             "torch", "numpy", "spacy")
Say = Callable[[str], object]


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass
class CorpusSnapshot:
    excerpt_ids: list[int]
    texts: list[str]
    corpus_hash: str
    document_ids: list[int] = field(default_factory=list)  # each excerpt's document


def snapshot(store: Store) -> CorpusSnapshot:
    """Every excerpt in document and position order, and a hash that changes with any of them."""
    ids, texts, documents = [], [], []
    digest = hashlib.sha256()
    with store.session() as session:
        for document in list_documents(session):
            for excerpt in document.excerpts:
                ids.append(excerpt.id)
                texts.append(excerpt.text)
                documents.append(document.id)
                digest.update(f"{document.sha256}:{excerpt.start}:{excerpt.end}\n".encode())
    return CorpusSnapshot(ids, texts, digest.hexdigest(), documents)


def _new_run_id(runs_dir: Path, config: TopicConfig) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{config.name}-s{config.seed}"
    run_id, n = base, 1
    while (runs_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def fit_run(
    store: Store,
    settings: Settings,
    config: TopicConfig,
    embedder: Embedder,
    codebook: Codebook | None = None,
    gold_labels: dict[int, set[str]] | None = None,
    progress: Say | None = None,
    actor: str = "system",
) -> Run:
    """Fit a topic model on the stored corpus and save it as a run; returns the saved run."""
    say = progress or (lambda _: None)
    started = time.perf_counter()
    corpus = snapshot(store)
    say(f"embedding {len(corpus.texts)} excerpts")
    cache = embedding_cache(settings)
    embeddings, stats = embed_texts(corpus.texts, embedder, cache)
    fit_started = time.perf_counter()
    modeller = TopicModeller(config, codebook=codebook, embedder=embedder, cache=cache,
                             spacy_model=settings.spacy_model).fit(corpus.texts, embeddings, say)
    fit_s = time.perf_counter() - fit_started
    topics = [t for t in modeller.topics_ if t.id >= 0]
    words = [[w for w, _ in t.words] for t in topics]
    metrics = {
        "n_topics": len(topics),
        "outlier_share": round(outlier_share(modeller.assignments_), 4),
        "npmi": round(npmi_coherence(words, modeller.analysed_texts_, analyzer=modeller.analyzer_), 4),
        "diversity": round(topic_diversity(words), 4),
    }
    if gold_labels:
        metrics.update(gold_metrics(corpus.excerpt_ids, modeller, gold_labels, codebook))
    runs_dir = Path(settings.runs_dir)
    run_id = _new_run_id(runs_dir, config)
    record = {
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": config.as_dict(),
        "seed": config.seed,
        "corpus_hash": corpus.corpus_hash,
        "n_excerpts": len(corpus.texts),
        "embedding_model": embedder.model_id,
        "codebook": codebook.name if codebook else None,
        "versions": library_versions(),
        "timings": {"embed_s": round(stats.embed_s, 3), "fit_s": round(fit_s, 3),
                    "cache_hits": stats.cache_hits, "cache_misses": stats.cache_misses,
                    "total_s": round(time.perf_counter() - started, 3)},
        "metrics": metrics,
        "topics": [asdict(t) for t in modeller.topics_],
    }
    say("saving")
    _save(runs_dir, run_id, record, modeller, corpus)
    with store.session() as session:
        record_event(session, actor, "run.fit", f"run:{run_id}",
                     {"config": config.name, "seed": config.seed, "n_topics": metrics["n_topics"]})
    return load_run(runs_dir, run_id)


def gold_metrics(excerpt_ids: list[int], modeller: TopicModeller,
                 gold_labels: dict[int, set[str]], codebook: Codebook | None) -> dict:
    """NMI/ARI on singly-labelled excerpts; theme P/R/F1 of the topic → theme mapping."""
    single = [(i, next(iter(gold_labels[e]))) for i, e in enumerate(excerpt_ids)
              if len(gold_labels.get(e, ())) == 1]
    out: dict = {}
    if single:
        agreement = clustering_agreement([modeller.assignments_[i] for i, _ in single],
                                         [label for _, label in single])
        out.update({k: round(v, 4) for k, v in agreement.items()})
    if codebook is not None:
        topic_theme = {t.id: t.theme for t in modeller.topics_}
        predicted: dict[object, set[str]] = {}
        for i, e in enumerate(excerpt_ids):
            theme = topic_theme[modeller.assignments_[i]]
            predicted[e] = {theme} if theme is not None else set()
        gold: dict[object, set[str]] = {e: gold_labels[e] for e in excerpt_ids if e in gold_labels}
        scores = theme_scores(predicted, gold, [t.id for t in codebook.codable])
        out["theme_macro_f1"] = scores.macro_f1
        out["theme_scores"] = scores.as_dict()["per_theme"]
    return out


def _save(runs_dir: Path, run_id: str, record: dict, modeller: TopicModeller,
          corpus: CorpusSnapshot) -> None:
    """Write into a temporary folder and rename it, so a run is never half-written."""
    from safetensors.numpy import save_file

    runs_dir.mkdir(parents=True, exist_ok=True)
    tmp = runs_dir / f".tmp-{run_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        (tmp / "run.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        (tmp / "assignments.json").write_text(json.dumps(
            dict(zip(map(str, corpus.excerpt_ids), modeller.assignments_, strict=True))))
        ids = sorted(modeller.centroids_)
        save_file({"topic_ids": np.array(ids, dtype=np.int64),
                   "centroids": np.vstack([modeller.centroids_[i] for i in ids])},
                  str(tmp / "centroids.safetensors"))
        # Saved without an embedding model on purpose (run.json names it): silence the warning.
        bertopic_log = logging.getLogger("BERTopic")
        level = bertopic_log.level
        bertopic_log.setLevel(logging.ERROR)
        try:
            modeller.model_.save(str(tmp / "bertopic"), serialization="safetensors",
                                 save_ctfidf=True, save_embedding_model=False)
        finally:
            bertopic_log.setLevel(level)
        tmp.rename(runs_dir / run_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass(frozen=True)
class RunSummary:
    """One line of ``workbench model list``: what a run was fitted on and how it scored."""

    run_id: str
    created_at: str
    seed: int
    corpus_hash: str
    n_excerpts: int
    embedding_model: str
    config: str
    n_topics: int
    outlier_share: float
    npmi: float
    diversity: float

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RunSummary:
        metrics = record["metrics"]
        return cls(run_id=record["run_id"], created_at=record["created_at"], seed=record["seed"],
                   corpus_hash=record["corpus_hash"], n_excerpts=record["n_excerpts"],
                   embedding_model=record["embedding_model"], config=record["config"]["name"],
                   n_topics=metrics["n_topics"], outlier_share=metrics["outlier_share"],
                   npmi=metrics["npmi"], diversity=metrics["diversity"])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TopicMatch:
    """Two topics, one from each run, paired by ``compare_runs``."""

    a: int
    b: int
    similarity: float
    label_a: str
    label_b: str


@dataclass(frozen=True)
class RunComparison:
    """How two runs' topics align: stability in [0, 1], the pairs, and the unmatched topics."""

    stability: float
    matched: list[TopicMatch]
    only_in_a: list[int]
    only_in_b: list[int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Run:
    """A saved run: its record, topic assignments and centroids."""

    path: Path
    record: dict
    assignments: dict[int, int]
    centroids: dict[int, np.ndarray]

    @property
    def run_id(self) -> str:
        return self.record["run_id"]

    @property
    def topics(self) -> list[dict]:
        return self.record["topics"]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.record["metrics"]

    @property
    def timings(self) -> dict[str, float]:
        return self.record["timings"]

    @property
    def summary(self) -> RunSummary:
        return RunSummary.from_record(self.record)

    def load_model(self):
        """The fitted BERTopic model (no embedding backend attached; no network needed)."""
        from bertopic import BERTopic

        return BERTopic.load(str(self.path / "bertopic"))


def load_run(runs_dir: str | Path, run_id: str) -> Run:
    from safetensors.numpy import load_file

    path = Path(runs_dir) / run_id
    if not (path / "run.json").exists():
        known = ", ".join(r.run_id for r in list_runs(runs_dir)[-5:]) or "none"
        raise NotFound(f"no run {run_id!r} in {runs_dir}; recent runs: {known} "
                       "(`workbench model list` shows all)")
    record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    assignments = {int(k): v for k, v in
                   json.loads((path / "assignments.json").read_text()).items()}
    tensors = load_file(str(path / "centroids.safetensors"))
    centroids = dict(zip(tensors["topic_ids"].tolist(), tensors["centroids"], strict=True))
    return Run(path, record, assignments, centroids)


def list_runs(runs_dir: str | Path) -> list[RunSummary]:
    """Summaries of saved runs, oldest first."""
    out = []
    for run_json in sorted(Path(runs_dir).glob("*/run.json")):
        if run_json.parent.name.startswith("."):
            continue
        out.append(RunSummary.from_record(json.loads(run_json.read_text(encoding="utf-8"))))
    return sorted(out, key=lambda r: (r.created_at, r.run_id))


def latest_run(runs_dir: str | Path) -> Run | None:
    runs = list_runs(runs_dir)
    return load_run(runs_dir, runs[-1].run_id) if runs else None


def compare_runs(a: Run, b: Run, min_similarity: float = 0.5, weight: float = 0.5) -> RunComparison:
    """Align topics of two runs and score how stable they are.

    Pair similarity = ``weight`` x cosine of topic centroids + (1 - ``weight``) x Jaccard
    overlap of top-10 words. Topics are paired by the Hungarian algorithm; pairs below
    ``min_similarity`` count as unmatched. Stability = sum of matched similarities divided by
    the larger number of topics (1.0 for identical runs). Outliers (-1) are ignored.
    """
    from scipy.optimize import linear_sum_assignment

    def usable(run: Run) -> list[dict]:
        return [t for t in run.topics if t["id"] >= 0]

    ta, tb = usable(a), usable(b)
    if not ta or not tb:
        return RunComparison(0.0, [], [t["id"] for t in ta], [t["id"] for t in tb])
    sim = np.zeros((len(ta), len(tb)))
    for i, x in enumerate(ta):
        wx = {w for w, _ in x["words"][:10]}
        for j, y in enumerate(tb):
            wy = {w for w, _ in y["words"][:10]}
            jaccard = len(wx & wy) / len(wx | wy) if wx | wy else 0.0
            cosine = float(a.centroids[x["id"]] @ b.centroids[y["id"]])
            sim[i, j] = weight * cosine + (1 - weight) * jaccard
    rows, cols = linear_sum_assignment(-sim)
    matched = []
    for i, j in zip(rows, cols, strict=True):
        if sim[i, j] >= min_similarity:
            matched.append(TopicMatch(ta[i]["id"], tb[j]["id"], round(float(sim[i, j]), 4),
                                      ta[i]["label"], tb[j]["label"]))
    matched_a = {m.a for m in matched}
    matched_b = {m.b for m in matched}
    stability = sum(m.similarity for m in matched) / max(len(ta), len(tb))
    return RunComparison(
        stability=round(min(stability, 1.0), 4),
        matched=matched,
        only_in_a=[t["id"] for t in ta if t["id"] not in matched_a],
        only_in_b=[t["id"] for t in tb if t["id"] not in matched_b],
    )
