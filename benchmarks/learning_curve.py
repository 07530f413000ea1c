"""Macro-F1 of theme suggestions against the number of excerpts a reviewer has decided.

A simulated reviewer works the queue, answering as the gold labels say, and after each round
the suggestions are scored on a fixed test set the reviewer never sees
(:func:`workbench.coding.evaluate.learning_curve`). The gold is a folder of passages, each
``.txt`` file one excerpt, with ``labels.csv`` (``file,themes``):

- a folder with ``dev/`` and ``test/`` inside (what ``benchmarks/real/rebuild.py`` writes): the
  reviewer decides dev passages, the curve is measured on every test passage;
- any other labelled folder: ``--test-share`` of its files, drawn with ``--seed``, are the test.

    python benchmarks/learning_curve.py --gold benchmarks/real/build
    python benchmarks/learning_curve.py --gold benchmarks/real/build --per-round 20 --rounds 6 --json

Passages are scored as whole excerpts, unredacted and unsegmented (``workbench evaluate``
ingests them, so its zero-shot figure can differ slightly from round 0 here).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.analysis.embed import EmbeddingCache, embed_texts, make_embedder  # noqa: E402
from workbench.coding.codebook import DEFAULT_CODEBOOK  # noqa: E402
from workbench.coding.codebook_files import load_codebook_file  # noqa: E402
from workbench.coding.evaluate import learning_curve  # noqa: E402
from workbench.coding.gold import labelled_pool_and_test  # noqa: E402
from workbench.coding.suggest import SuggestSettings  # noqa: E402
from workbench.errors import BadInput  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True, help="labelled folder (see above)")
    parser.add_argument("--codebook", type=Path, default=DEFAULT_CODEBOOK)
    parser.add_argument("--per-round", type=int, default=10, help="excerpts decided each round")
    parser.add_argument("--rounds", type=int, default=0,
                        help="rounds after the zero-shot point (default: until the pool is used up)")
    parser.add_argument("--reviewer", choices=["excerpts", "pairs"], default="excerpts")
    parser.add_argument("--test-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", choices=["default", "fake"], default="default")
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: a temporary one)")
    parser.add_argument("--min-decisions", type=int, help="override SuggestSettings.min_decisions")
    parser.add_argument("--json", action="store_true", help="print the points as JSON lines")
    args = parser.parse_args(argv)
    try:
        texts, gold, test_rows = labelled_pool_and_test(args.gold, args.test_share, args.seed)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pool = len(texts) - len(test_rows)
    rounds = args.rounds or -(-pool // args.per_round)
    codebook = load_codebook_file(args.codebook)
    embedder = make_embedder(args.embedder)
    scratch = tempfile.TemporaryDirectory(prefix="learning-curve-")
    cache = EmbeddingCache(args.cache or Path(scratch.name) / "embeddings.sqlite")
    embeddings, _ = embed_texts(texts, embedder, cache)
    settings = SuggestSettings()
    if args.min_decisions is not None:
        settings.min_decisions = args.min_decisions
    started = time.perf_counter()
    if not args.json:
        print(f"# {args.gold}: {pool} excerpts to decide, {len(test_rows)} test excerpts, "
              f"{args.per_round} a round, reviewer={args.reviewer}, embedder={embedder.model_id}")
        print(f"{'excerpts':>8}  {'decisions':>9}  {'classifiers':>11}  {'macro-F1':>8}  {'micro-F1':>8}")

    def show(_: int, point: dict) -> None:
        if args.json:
            print(json.dumps(point), flush=True)
        else:
            print(f"{point['excerpts_reviewed']:>8}  {point['decisions']:>9}  "
                  f"{point['classifier_themes']:>11}  {point['macro_f1']:>8.3f}  "
                  f"{point['micro_f1']:>8.3f}", flush=True)

    learning_curve(texts, embeddings, gold, codebook, embedder, settings, cache, rounds=rounds,
                   per_round=args.per_round, progress=show, reviewer=args.reviewer,
                   seed=args.seed, test_rows=test_rows)
    scratch.cleanup()
    if not args.json:
        print(f"# {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
