"""How long fine-tuning the encoder on reviewers' decisions takes on this CPU, and what it adds.

A simulated reviewer decides whole excerpts (every theme of each, as the gold labels say) drawn at
random from the pool until about ``N`` decisions exist (16 themes an excerpt), for each ``N`` of
``--decisions``. The encoder is fine-tuned on them (:func:`workbench.coding.fine_tune.fine_tune`,
SetFit-style pairs, time-bounded), and a per-theme logistic-regression head is trained on the
decided excerpts with the frozen and with the fine-tuned embeddings. Both heads, and the full
suggestion scorer with and without the fine-tuned encoder feeding its classifiers, are scored on
the fixed test excerpts the reviewer never saw. The gold folder is read as by
``benchmarks/learning_curve.py`` (``dev/`` is the pool and ``test/`` the test when both exist).

    python benchmarks/fine_tune.py --gold benchmarks/real/build
    python benchmarks/fine_tune.py --gold benchmarks/real/build --decisions 200 1000 --seconds 600
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.analysis.embed import (  # noqa: E402
    EmbeddingCache,
    SentenceTransformerEmbedder,
    embed_texts,
    make_embedder,
)
from workbench.analysis.metrics import theme_scores  # noqa: E402
from workbench.coding.codebook import DEFAULT_CODEBOOK  # noqa: E402
from workbench.coding.codebook_files import load_codebook_file  # noqa: E402
from workbench.coding.evaluate import predictions  # noqa: E402
from workbench.coding.fine_tune import FineTuneSettings, fine_tune  # noqa: E402
from workbench.coding.gold import labelled_pool_and_test  # noqa: E402
from workbench.coding.suggest import SuggestSettings, ThemeScorer  # noqa: E402


def head_scores(train_x: np.ndarray, test_x: np.ndarray, train_gold: list[set[str]],
                test_gold: list[set[str]], theme_ids: list[str]) -> float:
    """Macro-F1 on the test excerpts of a per-theme logistic head fitted on the decided ones
    (a theme with no confirmed decided excerpt is never predicted)."""
    from sklearn.linear_model import LogisticRegression

    predicted: dict[int, set[str]] = {i: set() for i in range(len(test_gold))}
    for theme in theme_ids:
        y = np.array([theme in g for g in train_gold])
        if y.all() or not y.any():
            continue
        head = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(train_x, y)
        for i in np.flatnonzero(head.predict(test_x)):
            predicted[int(i)].add(theme)
    return theme_scores(predicted, dict(enumerate(test_gold)), theme_ids).macro_f1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--decisions", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--seconds", type=float, default=600.0, help="fine-tuning time limit")
    parser.add_argument("--test-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: a temporary one)")
    args = parser.parse_args(argv)
    texts, gold, test_rows = labelled_pool_and_test(args.gold, args.test_share, args.seed)
    codebook = load_codebook_file(DEFAULT_CODEBOOK)
    theme_ids = [t.id for t in codebook.codable]
    pool = [i for i in range(len(texts)) if i not in set(test_rows)]
    scratch = tempfile.TemporaryDirectory(prefix="fine-tune-bench-")
    cache = EmbeddingCache(args.cache or Path(scratch.name) / "embeddings.sqlite")
    frozen = make_embedder("default")
    embeddings, _ = embed_texts(texts, frozen, cache)
    order = np.random.default_rng(args.seed).permutation(pool).tolist()
    print(f"# {args.gold}: pool {len(pool)} excerpts, {len(test_rows)} test excerpts, "
          f"time limit {args.seconds:.0f} s, {len(theme_ids)} themes an excerpt")
    print("| decisions | excerpts | pairs | steps | fine-tune s | held-back frozen/tuned | "
          "head on test: frozen | tuned | scorer on test: frozen | tuned |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for wanted in args.decisions:
        decided = order[: min(len(order), -(-wanted // len(theme_ids)))]
        decisions = {t: ([i for i in decided if t in gold[i]], [i for i in decided if t not in gold[i]])
                     for t in theme_ids}
        started = time.perf_counter()
        result = fine_tune(texts, decisions, Path(scratch.name) / "models",
                           settings=FineTuneSettings(seconds=args.seconds, min_excerpts=5,
                                                     seed=args.seed))
        took = time.perf_counter() - started
        tuned = SentenceTransformerEmbedder(result.path, model_id=f"finetuned/{result.model_id}")
        tuned_embeddings, _ = embed_texts(texts, tuned, cache)
        train_gold, test_gold = [gold[i] for i in decided], [gold[i] for i in test_rows]
        heads = [head_scores(vectors[decided], vectors[test_rows], train_gold, test_gold, theme_ids)
                 for vectors in (embeddings, tuned_embeddings)]
        scorers = []
        for classifier_embedder in (None, tuned):
            scorer = ThemeScorer(codebook, frozen, SuggestSettings(), cache,
                                 classifier_embedder=classifier_embedder).fit(texts, embeddings, decisions)
            scores, _ = scorer.score(texts, embeddings)
            predicted = predictions(scores[test_rows], theme_ids, list(range(len(test_rows))),
                                    0.5, SuggestSettings().max_per_excerpt)
            scorers.append(theme_scores(predicted, dict(enumerate(test_gold)), theme_ids).macro_f1)
        held = result.held_back
        print(f"| {result.decisions} | {result.excerpts} | {result.pairs} | {result.steps}/"
              f"{result.steps_planned} | {took:.0f} | {held['frozen_macro_f1']:.3f}/"
              f"{held['tuned_macro_f1']:.3f} | {heads[0]:.3f} | {heads[1]:.3f} | {scorers[0]:.3f} | "
              f"{scorers[1]:.3f} |", flush=True)
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
