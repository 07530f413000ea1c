"""``workbench suggest``, ``workbench evaluate`` and ``workbench agreement``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.options import actor_option, command, json_option, pass_settings, print_json
from workbench.coding.codebook import DEFAULT_CODEBOOK
from workbench.config import Settings

EMBEDDERS = click.Choice(["default", "fake"])
SAMPLE_GOLD = DEFAULT_CODEBOOK.parent.parent / "sample" / "gold.jsonl"


@command()
@click.option("--run", "run_id", metavar="RUN", help="topic run for topic evidence (default: the latest)")
@click.option("--no-run", is_flag=True, help="use no topic run")
@click.option("--if-none", is_flag=True, help="do nothing if suggestions already exist")
@click.option("--embedder", type=EMBEDDERS, default="default")
@actor_option()
@json_option()
@pass_settings
def suggest(settings: Settings, run_id: str | None, no_run: bool, if_none: bool, embedder: str,
            actor: str, as_json: bool) -> None:
    """Suggest themes for every excerpt, with evidence, as a new batch for the review queue (the
    default codebook is imported first if none is stored).

    \b
    example:
      workbench suggest --run 20261125-234116-default-s42 --json
    """
    from workbench.analysis.embed import embedding_cache, make_embedder
    from workbench.analysis.runs import latest_run, load_run
    from workbench.coding.fine_tune import tuned_embedder
    from workbench.coding.queue import latest_batch
    from workbench.coding.suggest import suggest as suggest_themes
    from workbench.coding.themes import ensure_codebook
    from workbench.store import open_store

    store = open_store(settings)
    if if_none and latest_batch(store) is not None:
        print("Suggestions already exist; nothing done.", file=sys.stderr)
        return
    run = load_run(settings.runs_dir, run_id) if run_id else (
        None if no_run else latest_run(settings.runs_dir))
    result = suggest_themes(store, ensure_codebook(store), make_embedder(embedder, settings.embedding_model),
                            cache=embedding_cache(settings), run=run, spacy_model=settings.spacy_model,
                            actor=actor, classifier_embedder=tuned_embedder(
                                settings.home, settings.embedding_model, embedder))
    if as_json:
        print_json({"excerpts": result.excerpts, "suggestions": result.suggestions})
    else:
        print(f"{result.suggestions} suggestions for {result.excerpts} excerpts "
              f"(batch {result.batch}{', run ' + run.run_id if run else ''}).")


@command()
@click.option("--gold", default=str(SAMPLE_GOLD), metavar="FILE_OR_FOLDER",
              help="default: the sample corpus's gold.jsonl")
@click.option("--embedder", type=EMBEDDERS, default="default")
@json_option()
@pass_settings
def evaluate(settings: Settings, gold: str, embedder: str, as_json: bool) -> None:
    """Score suggestions against gold labels: a gold.jsonl for the ingested corpus, or a folder of
    *.txt with labels.csv (file,themes; themes separated by ';').

    \b
    example:
      workbench evaluate --gold corpus/sample/gold.jsonl --json
    """
    from workbench.analysis.embed import embedding_cache, make_embedder
    from workbench.coding.evaluate import evaluate_folder, evaluate_gold
    from workbench.coding.gold import excerpt_labels, read_gold
    from workbench.coding.themes import ensure_codebook
    from workbench.store import open_store

    model = make_embedder(embedder, settings.embedding_model)
    cache = embedding_cache(settings)
    store = open_store(settings)
    codebook = ensure_codebook(store)
    if Path(gold).is_dir():
        result = evaluate_folder(Path(gold), codebook, model, cache, spacy_model=settings.spacy_model)
    else:
        with store.session() as session:
            labels = excerpt_labels(session, read_gold(gold))
        result = evaluate_gold(store, labels, codebook, model, cache, spacy_model=settings.spacy_model)
    if as_json:
        print_json(result.as_dict())
        return
    print(f"{'theme':<24} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>7}")
    for theme, s in result.per_theme.items():
        print(f"{theme:<24} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>7}")
    print(f"macro-F1 {result.macro_f1:.3f}, micro-F1 {result.micro_f1:.3f}")


def _number(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


@command()
@json_option()
@pass_settings
def agreement(settings: Settings, as_json: bool) -> None:
    """Inter-coder agreement per theme and overall: percent, Cohen's kappa, Krippendorff's alpha,
    and what coders disagree on.

    \b
    example:
      workbench agreement --json
    """
    from workbench.coding.agreement import coding_agreement
    from workbench.coding.review import list_codings
    from workbench.coding.themes import stored_codebook
    from workbench.store import open_store

    store = open_store(settings)
    theme_ids = [t.id for t in stored_codebook(store, include_inactive=True).codable]
    result = coding_agreement(list_codings(store), theme_ids)
    if as_json:
        print_json(result.as_dict())
        return
    if not result.per_theme:
        print("No confirmed codings yet: agreement needs at least two coders' decisions.")
        return
    print(f"Coders: {', '.join(result.coders)}")
    print(f"{'theme':<24} {'units':>6} {'percent':>7} {'kappa':>6} {'alpha':>6} {'disagree':>8}")
    for theme, row in result.per_theme.items():
        print(f"{theme:<24} {row.units:>6} {_number(row.percent)} {_number(row.kappa)} "
              f"{_number(row.alpha)} {len(row.disagreements):>8}")
    overall = result.overall
    if overall is not None:
        print(f"{'overall':<24} {overall.units:>6} {_number(overall.percent)} "
              f"{_number(overall.kappa)} {_number(overall.alpha)}")
