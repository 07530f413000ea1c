"""Suggestion quality against gold labels, and the learning curve of simulated review."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.analysis.embed import Embedder, EmbeddingCache
from workbench.analysis.metrics import ThemeScores, theme_scores
from workbench.coding.codebook import Codebook
from workbench.coding.gold import read_labels_csv
from workbench.coding.suggest import SuggestSettings, ThemeScorer
from workbench.errors import BadInput


def predictions(scores: np.ndarray, theme_ids: Sequence[str], keys: Sequence[object],
                threshold: float, max_per_item: int) -> dict[object, set[str]]:
    out = {}
    for i, key in enumerate(keys):
        order = [j for j in np.argsort(-scores[i]) if scores[i, j] >= threshold][:max_per_item]
        out[key] = {theme_ids[j] for j in order}
    return out


def quality(scores: np.ndarray, theme_ids: Sequence[str], keys: Sequence[object],
            gold: Mapping[Any, set[str]], settings: SuggestSettings) -> ThemeScores:
    """Per-theme precision, recall, F1 and support, macro- and micro-F1 (see metrics.theme_scores)."""
    predicted = predictions(scores, theme_ids, keys, settings.threshold, settings.max_per_excerpt)
    return theme_scores(predicted, {k: gold.get(k, set()) for k in keys}, theme_ids)


def learning_curve(
    texts: Sequence[str], embeddings: np.ndarray, gold: Sequence[set[str]], codebook: Codebook,
    embedder: Embedder, settings: SuggestSettings | None = None, cache: EmbeddingCache | None = None,
    rounds: int = 8, per_round: int = 10, spacy_model: str = "en_core_web_sm",
    progress: Callable[[int, dict], None] | None = None, groups: Sequence[object] | None = None,
    reviewer: str = "excerpts", test_share: float = 0.3, seed: int = 0,
    test_rows: Sequence[int] | None = None,
) -> list[dict]:
    """Simulate a reviewer working the queue and measure suggestions after each round.

    A fixed share (``test_share``) of the documents, drawn with ``seed``, is set aside: the
    reviewer never sees it and every point of the curve is measured on it, so points are
    comparable. (Measuring on "excerpts not yet reviewed" flatters uncertainty sampling, which
    takes the hard ones away.) ``test_rows`` names that set instead (e.g. a real test half), and
    every other excerpt is the reviewer's pool. Each round the simulated reviewer, answering as
    the gold labels say:

    - ``reviewer="excerpts"``: reads ``per_round`` excerpts, half those nearest a threshold on some
      theme and half at random, and decides every theme for each (confirmed or not);
    - ``reviewer="pairs"``: for every theme, decides the ``per_round`` excerpts whose score is
      nearest the threshold.

    Each point counts ``excerpts_reviewed`` and ``decisions`` (excerpt-theme pairs decided).
    """
    if reviewer not in ("excerpts", "pairs"):
        raise BadInput(f"reviewer {reviewer!r} is not one of excerpts, pairs")
    settings = settings or SuggestSettings()
    theme_ids = [t.id for t in codebook.codable]
    keys: list[object] = list(groups) if groups is not None else list(range(len(texts)))
    rng = np.random.default_rng(seed)
    test = _test_rows(keys, test_rows, test_share, rng)
    pool = sorted(set(range(len(texts))) - set(test))
    decided: dict[str, tuple[list[int], list[int]]] = {t: ([], []) for t in theme_ids}
    reviewed: set[int] = set()
    curve = []
    # One scorer for every round: its zero-shot measurements do not depend on the decisions and
    # are kept between fits, so each round only retrains the classifiers.
    scorer = ThemeScorer(codebook, embedder, settings, cache, spacy_model)
    for round_number in range(rounds + 1):
        scorer.fit(texts, embeddings, {t: v for t, v in decided.items() if v[0] or v[1]}, groups)
        scores, _ = scorer.score(texts, embeddings, groups=groups)
        result = quality(scores[test], theme_ids, test, dict(enumerate(gold)), settings)
        point = {"round": round_number, "excerpts_reviewed": len(reviewed),
                 "decisions": sum(len(p) + len(n) for p, n in decided.values()),
                 "confirmed": sum(len(p) for p, _ in decided.values()),
                 "classifier_themes": len(scorer.classifiers_), "test_excerpts": len(test),
                 "macro_f1": result.macro_f1, "micro_f1": result.micro_f1}
        curve.append(point)
        if progress:
            progress(round_number, point)
        if round_number == rounds:
            break
        margin = np.abs(scores - settings.threshold)
        if reviewer == "excerpts":
            _review_excerpts(margin, pool, per_round, rng, gold, decided, reviewed)
        else:
            _review_pairs(margin, pool, per_round, gold, decided, reviewed)
    return curve


def _test_rows(keys: list[object], given: Sequence[int] | None, share: float,
               rng: np.random.Generator) -> list[int]:
    """The rows never shown to the reviewer: ``given``, or every excerpt of ``share`` of the
    documents (``keys``) drawn with ``rng``."""
    if given is None:
        documents = sorted(set(map(str, keys)))
        held = set(rng.permutation(documents)[:max(1, round(share * len(documents)))].tolist())
        return [i for i, key in enumerate(keys) if str(key) in held]
    test = sorted(set(given))
    if not test or test[0] < 0 or test[-1] >= len(keys):
        raise BadInput(f"test_rows must name 1 to {len(keys)} excerpts by index")
    return test


def _review_excerpts(margin: np.ndarray, pool: list[int], per_round: int, rng: np.random.Generator,
                     gold: Sequence[set[str]], decided: dict[str, tuple[list[int], list[int]]],
                     reviewed: set[int]) -> None:
    """One round of ``reviewer="excerpts"``: half the excerpts nearest a threshold, half at random,
    every theme decided for each as the gold labels say."""
    open_items = [i for i in pool if i not in reviewed]
    uncertain = sorted(open_items, key=lambda i: float(margin[i].min()))[:per_round // 2]
    rest = [i for i in open_items if i not in set(uncertain)]
    extra = rng.choice(rest, size=min(len(rest), per_round - len(uncertain)), replace=False)
    for i in [*uncertain, *map(int, extra)]:
        reviewed.add(i)
        for theme, (positive, negative) in decided.items():
            (positive if theme in gold[i] else negative).append(i)


def _review_pairs(margin: np.ndarray, pool: list[int], per_round: int, gold: Sequence[set[str]],
                  decided: dict[str, tuple[list[int], list[int]]], reviewed: set[int]) -> None:
    """One round of ``reviewer="pairs"``: per theme, the undecided excerpts nearest its threshold."""
    for j, (theme, (positive, negative)) in enumerate(decided.items()):
        done = set(positive) | set(negative)
        picked = sorted((i for i in pool if i not in done), key=lambda i: float(margin[i, j]))[:per_round]
        for i in picked:
            (positive if theme in gold[i] else negative).append(i)
            reviewed.add(i)


def score_corpus(store, codebook: Codebook, embedder: Embedder, cache: EmbeddingCache | None,
                 settings: SuggestSettings, spacy_model: str = "en_core_web_sm", use_decisions: bool = False):
    """(excerpt ids, scores, scorer) for every stored excerpt."""
    from workbench.analysis.embed import embed_texts
    from workbench.analysis.runs import snapshot
    from workbench.coding.suggest import reviewer_decisions

    corpus = snapshot(store)
    embeddings, _ = embed_texts(corpus.texts, embedder, cache)
    decisions = reviewer_decisions(store, corpus.excerpt_ids) if use_decisions else {}
    scorer = ThemeScorer(codebook, embedder, settings, cache, spacy_model).fit(
        corpus.texts, embeddings, decisions, corpus.document_ids)
    scores, _ = scorer.score(corpus.texts, embeddings, groups=corpus.document_ids)
    return corpus, embeddings, scores, scorer


def evaluate_gold(store, gold_labels: dict[int, set[str]], codebook: Codebook, embedder: Embedder,
                  cache: EmbeddingCache | None = None, settings: SuggestSettings | None = None,
                  spacy_model: str = "en_core_web_sm") -> ThemeScores:
    """Suggestion quality on the stored excerpts that ``gold_labels`` covers (no reviewer input)."""
    settings = settings or SuggestSettings()
    corpus, _, scores, scorer = score_corpus(store, codebook, embedder, cache, settings, spacy_model)
    rows = [i for i, e in enumerate(corpus.excerpt_ids) if e in gold_labels]
    if not rows:
        raise BadInput("no stored excerpt is covered by the gold labels; ingest the files "
                             "the gold file names (e.g. `workbench ingest corpus/sample`)")
    keys = [corpus.excerpt_ids[i] for i in rows]
    return quality(scores[rows], scorer.theme_ids_, keys, gold_labels, settings)


def evaluate_folder(folder: str | Path, codebook: Codebook, embedder: Embedder,
                    cache: EmbeddingCache | None = None, settings: SuggestSettings | None = None,
                    spacy_model: str = "en_core_web_sm") -> ThemeScores:
    """Quality on a benchmark folder (``*.txt`` plus ``labels.csv`` with ``file,themes``).

    The folder is ingested into a temporary store; a document's predicted themes are the union
    of its excerpts' suggestions, scored against its semicolon-separated gold themes.
    """
    import tempfile

    from workbench.config import load_settings
    from workbench.corpus.ingest import Ingestor
    from workbench.store import list_documents, open_store

    folder = Path(folder)
    gold = read_labels_csv(folder)
    labels_file = folder / "labels.csv"
    unknown = {t for themes in gold.values() for t in themes} - {t.id for t in codebook.codable}
    if unknown:
        raise BadInput(f"{labels_file}: unknown theme ids {', '.join(sorted(unknown))}")
    settings = settings or SuggestSettings()
    with tempfile.TemporaryDirectory(prefix="workbench-evaluate-") as home:
        store = open_store(load_settings(home=home))
        try:
            Ingestor(store, load_settings(home=home)).ingest_paths([folder / name for name in gold])
            corpus, _, scores, scorer = score_corpus(store, codebook, embedder, cache, settings,
                                                     spacy_model)
            predicted_by_excerpt = predictions(scores, scorer.theme_ids_, corpus.excerpt_ids,
                                               settings.threshold, settings.max_per_excerpt)
            with store.session() as session:
                documents = {d.source_name: [e.id for e in d.excerpts] for d in list_documents(session)}
        finally:
            store.close()
    predicted = {name: set().union(*(predicted_by_excerpt[e] for e in documents.get(name, [])))
                 for name in gold}
    return theme_scores(predicted, gold, scorer.theme_ids_)
