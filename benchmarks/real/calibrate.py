"""Fit the zero-shot weights (workbench.coding.zero_shot.ZeroShotWeights) on labelled passages.

    python benchmarks/real/calibrate.py                      # the real dev half (build/dev)
    python benchmarks/real/calibrate.py --folder corpus-like-folder --C 0.5

The folder holds ``*.txt`` passages and ``labels.csv`` (``file,themes``), as ``rebuild.py``
writes them. Each passage is one unit. One logistic regression, shared by every theme, is fitted
on all (passage, theme) pairs; the script prints the weights as a ``ZeroShotWeights(...)``
literal, with macro-F1 of the current defaults, of the fitted weights (in-sample and by 5-fold
cross-validation over source pages) and of seed phrases alone. Only tune on the dev half.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workbench.analysis.embed import EmbeddingCache, embed_texts, make_embedder  # noqa: E402
from workbench.analysis.metrics import theme_scores  # noqa: E402
from workbench.coding.codebook import load_codebook  # noqa: E402
from workbench.coding.evaluate import predictions  # noqa: E402
from workbench.coding.gold import read_labelled_folder  # noqa: E402
from workbench.coding.suggest import SuggestSettings, ThemeScorer  # noqa: E402
from workbench.coding.zero_shot import FEATURES, ZeroShotWeights, zero_shot_features  # noqa: E402

HERE = Path(__file__).resolve().parent


def write_sample_paragraphs(out: Path) -> Path:
    """The fictional sample's gold paragraphs (its gold.jsonl spans of 20 words or more, with
    their themes, none or several) as a labelled folder, so it is scored like the real set."""
    from workbench.coding.gold import read_gold
    from workbench.config import load_settings
    from workbench.corpus import read_file

    sample = ROOT / "corpus" / "sample"
    settings = load_settings(home=out / "home")
    texts: dict[str, str] = {}
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, item in enumerate(read_gold(sample / "gold.jsonl"), 1):
        if item["file"] not in texts:
            texts[item["file"]] = next(iter(read_file(sample / item["file"], item["file"], settings))).text
        passage = texts[item["file"]][item["start"]:item["end"]].strip()
        if len(passage.split()) >= 20:  # headings and one-line items are not paragraphs
            name = f"sample-{number:04d}.txt"
            (out / name).write_text(passage + "\n", encoding="utf-8")
            rows.append((name, ";".join(sorted(item["themes"]))))
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "themes"])
        writer.writerows(rows)
    return out


def page_groups(files: list[str]) -> list[str]:
    """Each passage's source page (from sources.tsv), so folds never split a page."""
    by_file = {}
    if (HERE / "sources.tsv").exists():
        by_file = {row["file"]: row["url"] for row in
                   csv.DictReader((HERE / "sources.tsv").open(encoding="utf-8"), delimiter="\t")}
    return [by_file.get(f, f) for f in files]


def scored(probabilities: np.ndarray, gold: list[set[str]], theme_ids: list[str],
           threshold: float = 0.5):
    """Per-theme and overall scores of the themes at or above ``threshold`` (at most four each)."""
    keys = list(range(len(gold)))
    predicted = predictions(probabilities, theme_ids, keys, threshold, SuggestSettings().max_per_excerpt)
    return theme_scores(predicted, dict(enumerate(gold)), theme_ids)


def macro(probabilities: np.ndarray, gold: list[set[str]], theme_ids: list[str],
          threshold: float = 0.5) -> tuple[float, float]:
    result = scored(probabilities, gold, theme_ids, threshold)
    return result.macro_f1, result.micro_f1


def design(x: np.ndarray, n_themes: int) -> np.ndarray:
    """(passages x themes x features) as rows of features followed by a one-hot of the theme."""
    rows = x.reshape(-1, x.shape[-1])
    return np.hstack([rows, np.tile(np.eye(n_themes), (x.shape[0], 1))])


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(
        design(x, y.shape[1]), y.reshape(-1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=HERE / "build" / "dev")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--score-only", action="store_true",
                        help="only score the current defaults and seed phrases (for the test half)")
    parser.add_argument("--cache", type=Path, default=HERE / "work" / "embeddings.sqlite")
    parser.add_argument("--sample", action="store_true",
                        help="score the fictional sample's gold paragraphs instead of --folder")
    args = parser.parse_args(argv)
    from sklearn.model_selection import GroupKFold

    if args.sample:
        import tempfile

        args.folder = write_sample_paragraphs(Path(tempfile.mkdtemp(prefix="sample-paragraphs-")))

    files, texts, gold = read_labelled_folder(args.folder)
    codebook, embedder = load_codebook(), make_embedder("default")
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(args.cache)
    embeddings, _ = embed_texts(texts, embedder, cache)
    scorer = ThemeScorer(codebook, embedder, cache=cache).fit(texts, embeddings)
    measured = scorer.measure(texts, embeddings)
    ids = scorer.theme_ids_
    features = zero_shot_features(measured.phrase_counts, measured.similarity, measured.sentences.best)
    x = np.stack([features[name] for name in FEATURES], axis=-1)
    y = np.array([[t in g for t in ids] for g in gold])
    if args.score_only:
        print(f"{len(texts)} passages, {int(y.sum())} labels")
        print("| scorer | macro-F1 | micro-F1 |\n| --- | --- | --- |")
        for name, probabilities in [
                ("seed phrases alone (one or more)", (measured.phrase_counts >= 1).astype(float)),
                ("zero-shot (default weights)", measured.zero_shot)]:
            print("| {} | {:.3f} | {:.3f} |".format(name, *macro(probabilities, gold, ids)))
        zero_shot = scored(measured.zero_shot, gold, ids).per_theme
        seeds = scored((measured.phrase_counts >= 1).astype(float), gold, ids).per_theme
        print("\n| theme | passages | zero-shot P / R / F1 | seeds alone P / R / F1 |")
        print("| --- | --- | --- | --- |")
        for theme in ids:
            z, k = zero_shot[theme], seeds[theme]
            print(f"| `{theme}` | {z.support} | {z.precision:.2f} / {z.recall:.2f} / {z.f1:.2f} | "
                  f"{k.precision:.2f} / {k.recall:.2f} / {k.f1:.2f} |")
        return 0
    groups = np.array(page_groups(files))
    out_of_fold = np.zeros(y.shape)
    for train, test in GroupKFold(5).split(x, groups=groups):
        fold = fit(x[train], y[train], args.C)
        out_of_fold[test] = fold.predict_proba(design(x[test], len(ids)))[:, 1].reshape(len(test), -1)
    cuts = np.linspace(0.3, 0.9, 25)
    best = max(cuts, key=lambda cut: macro(out_of_fold * (out_of_fold >= cut), gold, ids)[0])
    model = fit(x, y, args.C)
    weights = model.coef_[0]
    fitted = ZeroShotWeights(
        float(model.intercept_[0] - np.log(best / (1 - best))),
        *(float(w) for w in weights[:len(FEATURES)]),
        theme_offsets={t: round(float(w), 3) for t, w in zip(ids, weights[len(FEATURES):], strict=True)})
    print(f"{len(texts)} passages, {int(y.sum())} labels, {len(set(groups))} pages; "
          f"cross-validated best cut-off {best:.3f}")
    print("| scorer | macro-F1 | micro-F1 |\n| --- | --- | --- |")
    for name, probabilities in [
        ("seed phrases alone (one or more)", (measured.phrase_counts >= 1).astype(float)),
        ("current default weights", measured.zero_shot),
        ("fitted weights, in-sample", fitted.probability(features, ids)),
        ("fitted weights, 5-fold by page", out_of_fold * (out_of_fold >= best)),
    ]:
        print("| {} | {:.3f} | {:.3f} |".format(name, *macro(probabilities, gold, ids)))
    shared = ", ".join(f"{k}={v:.3f}" for k, v in fitted.as_dict().items() if k != "theme_offsets")
    print(f"\nZeroShotWeights({shared})\nDEFAULT_OFFSETS = {fitted.theme_offsets!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
