"""Topic-model benchmark: the workbench pipeline against BERTopic defaults, LDA and NMF.

Usage:
    python benchmarks/topics.py                       # the sample corpus (corpus/sample)
    python benchmarks/topics.py PATH/TO/FOLDER        # *.txt plus labels.csv (file,label)
    python benchmarks/topics.py --embedder fake --json

Units: for a labels.csv folder, each file is one unit with its label. For the sample corpus,
each non-heading paragraph of gold.jsonl is a unit; NMI and ARI are scored on the paragraphs
with exactly one gold theme. All methods share one set of embeddings (cached under
--home). NPMI is computed for each method over its own analysed texts (see
workbench.analysis.metrics), tokenised by the analyzer that built its vocabulary: lemmas without stop
words for the workbench, LDA and NMF, and BERTopic's default CountVectorizer tokens for it.
LDA and NMF use the workbench vocabulary with as many topics as gold labels. "BERTopic
defaults" is BERTopic() with the same embeddings and UMAP seeded (random_state=42) so the
table is repeatable.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.analysis.embed import (  # noqa: E402
    embed_texts,
    embedding_cache,  # noqa: E402
    make_embedder,
)
from workbench.analysis.metrics import (  # noqa: E402
    clustering_agreement,
    npmi_coherence,
    outlier_share,
    topic_diversity,
)
from workbench.analysis.topics import (  # noqa: E402
    DEFAULT_CONFIG,
    TopicConfig,
    TopicModeller,
    analysis_texts,
    make_vectorizer,
)
from workbench.coding.codebook import load_codebook  # noqa: E402
from workbench.config import load_settings  # noqa: E402
from workbench.corpus.segment import is_heading  # noqa: E402


def load_units(folder: Path) -> tuple[list[str], list[str | None]]:
    """Texts and their single label (None where a sample paragraph has 0 or 2+ themes)."""
    if (folder / "labels.csv").exists():
        with open(folder / "labels.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return ([(folder / r["file"]).read_text(encoding="utf-8") for r in rows],
                [r["label"] for r in rows])
    texts, labels = [], []
    files: dict[str, str] = {}
    for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = files.setdefault(item["file"], (folder / item["file"]).read_text(encoding="utf-8"))
        span = text[item["start"]:item["end"]]
        if is_heading(span):
            continue
        texts.append(span)
        labels.append(item["themes"][0] if len(item["themes"]) == 1 else None)
    return texts, labels


def score(name, seconds, topics_words, assignments, npmi_texts, labels, analyzer) -> dict:
    scored = [(a, g) for a, g in zip(assignments, labels, strict=True) if g is not None]
    agreement = clustering_agreement([a for a, _ in scored], [g for _, g in scored])
    return {"method": name, "wall_s": round(seconds, 1), "n_topics": len(topics_words),
            "npmi": round(npmi_coherence(topics_words, npmi_texts, analyzer=analyzer), 3),
            "diversity": round(topic_diversity(topics_words), 3),
            "outlier_share": round(outlier_share(assignments), 3),
            "nmi": round(agreement["nmi"], 3), "ari": round(agreement["ari"], 3)}


def plain(texts):
    return [" ".join(t.lower().split()) for t in texts]


def run_workbench(texts, embeddings, embedder, cache, labels, config):
    started = time.perf_counter()
    model = TopicModeller(config, codebook=load_codebook(), embedder=embedder, cache=cache)
    model.fit(texts, embeddings)
    words = [[w for w, _ in t.words] for t in model.topics_ if t.id >= 0]
    return score("workbench pipeline", time.perf_counter() - started, words, model.assignments_,
                 model.analysed_texts_, labels, model.analyzer_)


def run_bertopic_defaults(texts, embeddings, labels):
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    started = time.perf_counter()
    model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
                                     metric="cosine", random_state=42))
    assignments, _ = model.fit_transform(texts, embeddings=embeddings)
    words = [[w for w, _ in model.get_topic(t)] for t in sorted(set(assignments)) if t >= 0]
    return score("BERTopic defaults", time.perf_counter() - started, words, list(assignments),
                 texts, labels, CountVectorizer().build_analyzer())


def run_sklearn(kind, analysed, labels, config, n_topics, seed=42):
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import TfidfTransformer

    started = time.perf_counter()
    vectorizer = make_vectorizer(config.vectorizer, len(analysed))
    counts = vectorizer.fit_transform(analysed)
    vocab = vectorizer.get_feature_names_out()
    if kind == "lda":
        model = LatentDirichletAllocation(n_components=n_topics, random_state=seed, max_iter=30)
        doc_topic = model.fit_transform(counts)
    else:
        model = NMF(n_components=n_topics, random_state=seed, init="nndsvda", max_iter=500)
        doc_topic = model.fit_transform(TfidfTransformer().fit_transform(counts))
    words = [[vocab[i] for i in row.argsort()[::-1][:10]] for row in model.components_]
    assignments = [int(i) for i in doc_topic.argmax(axis=1)]
    return score("scikit-learn " + kind.upper(), time.perf_counter() - started, words, assignments,
                 analysed, labels, vectorizer.build_analyzer())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "corpus" / "sample"))
    parser.add_argument("--embedder", choices=["default", "fake"], default="default")
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--home", default=str(ROOT / "data"), help="where the embedding cache lives")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    folder = Path(args.folder)
    texts, labels = load_units(folder)
    n_labels = len({g for g in labels if g is not None})
    config = TopicConfig.from_toml(args.config)
    settings = load_settings(home=args.home)
    embedder = make_embedder(args.embedder)
    cache = embedding_cache(settings)
    started = time.perf_counter()
    embeddings, stats = embed_texts(texts, embedder, cache)
    embed_s = time.perf_counter() - started
    analysed = analysis_texts(texts, config.vectorizer, settings.spacy_model)
    rows = [
        run_workbench(texts, embeddings, embedder, cache, labels, config),
        run_bertopic_defaults(texts, embeddings, labels),
        run_sklearn("lda", analysed, labels, config, n_labels),
        run_sklearn("nmf", analysed, labels, config, n_labels),
    ]
    meta = {"corpus": str(folder), "units": len(texts), "labelled_units": sum(g is not None for g in labels),
            "labels": n_labels, "embedding_model": embedder.model_id,
            "embed_s": round(embed_s, 1), "cache_misses": stats.cache_misses,
            "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"}
    if args.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=2))
        return 0
    print(f"Corpus {meta['corpus']}: {meta['units']} units, {meta['labelled_units']} with one of "
          f"{n_labels} labels; embeddings {meta['embedding_model']} ({meta['embed_s']} s, "
          f"{stats.cache_misses} embedded)")
    header = ["method", "wall_s", "n_topics", "npmi", "diversity", "outlier_share", "nmi", "ari"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
