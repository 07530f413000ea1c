"""``workbench model fit|list|show|compare``: topic-model runs."""

from __future__ import annotations

import sys

import click

from workbench.analysis.topics import DEFAULT_CONFIG
from workbench.cli.options import group, json_option, pass_settings, print_json, quiet_option
from workbench.coding.codebook import DEFAULT_CODEBOOK
from workbench.config import Settings

EMBEDDERS = click.Choice(["default", "fake"])


@group()
def model() -> None:
    """Fit, list, show and compare topic-model runs.

    \b
    example:
      workbench model fit --config models/fast.toml --embedder fake --seed 7
    """


def topic_table(topics: list[dict]) -> str:
    """The topics of a run as a text table: id, size, theme (or what it is instead) and words."""
    from workbench.analysis.views import topic_rows

    lines = [f"{'topic':>5}  {'size':>5}  {'theme':<24} words"]
    for row in topic_rows(topics):
        theme = row.theme or ("(outliers)" if row.id == -1 else "(emergent)")
        lines.append(f"{row.id:>5}  {row.size:>5}  {theme:<24} {', '.join(row.words[:8])}")
    return "\n".join(lines)


def _scalars(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items() if not isinstance(v, dict))


@model.command("fit")
@click.option("--config", "config_file", default=str(DEFAULT_CONFIG), metavar="FILE",
              help="model config (TOML; default models/default.toml)")
@click.option("--embedder", type=EMBEDDERS,
              help="override the config's embedder: the real model, or the fast fake one")
@click.option("--seed", metavar="SEED", type=int, help="override the config's random seed")
@click.option("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE",
              help="codebook guiding the run (default: the Panel themes)")
@click.option("--gold", metavar="FILE", help="gold.jsonl to score the run against (NMI, ARI, theme F1)")
@click.option("--if-none", is_flag=True, help="do nothing if a run already exists")
@json_option()
@quiet_option()
@pass_settings
def fit(settings: Settings, config_file: str, embedder: str | None, seed: int | None, codebook: str,
        gold: str | None, if_none: bool, as_json: bool, quiet: bool) -> None:
    """Fit a topic model on the ingested corpus and save it as a run.

    \b
    example:
      workbench model fit --config models/fast.toml --embedder fake --seed 7 --json
    """
    from workbench.analysis.embed import make_embedder
    from workbench.analysis.runs import fit_run, list_runs
    from workbench.analysis.topics import TopicConfig
    from workbench.coding.codebook_files import load_codebook_file
    from workbench.coding.gold import excerpt_labels, read_gold
    from workbench.store import open_store

    if if_none and list_runs(settings.runs_dir):
        print(f"Runs already exist in {settings.runs_dir}; nothing fitted.", file=sys.stderr)
        return
    config = TopicConfig.from_toml(config_file)
    if seed is not None:
        config.seed = seed
    if embedder:
        config.embedder = embedder
    store = open_store(settings)
    labels = None
    if gold:
        with store.session() as session:
            labels = excerpt_labels(session, read_gold(gold))
    run = fit_run(
        store, settings, config, make_embedder(config.embedder, settings.embedding_model),
        codebook=load_codebook_file(codebook), gold_labels=labels,
        progress=None if quiet else lambda stage: print(f"[fit] {stage}", file=sys.stderr),
    )
    metrics = run.metrics
    if as_json:
        print_json({
            "run_id": run.run_id, "n_topics": metrics["n_topics"],
            "outlier_share": metrics["outlier_share"], "npmi": metrics["npmi"],
            "diversity": metrics["diversity"], "timings": run.timings,
        })
        return
    print(f"Saved run {run.run_id} in {settings.runs_dir}")
    print(topic_table(run.topics))
    print(_scalars(metrics))


@model.command("list")
@json_option("print a JSON list")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """List saved runs with their metrics.

    \b
    example:
      workbench model list --json
    """
    from workbench.analysis.runs import list_runs

    runs = list_runs(settings.runs_dir)
    if as_json:
        print_json([r.as_dict() for r in runs])
    elif not runs:
        print(f"No runs in {settings.runs_dir}; fit one with `workbench model fit`.")
    else:
        print(f"{'run':<40} {'topics':>6} {'outliers':>8} {'npmi':>7} {'diversity':>9}  model")
        for r in runs:
            print(f"{r.run_id:<40} {r.n_topics:>6} {r.outlier_share:>8.3f} "
                  f"{r.npmi:>7.3f} {r.diversity:>9.3f}  {r.embedding_model}")


@model.command("show")
@click.argument("run", metavar="RUN")
@json_option("print the whole run record")
@pass_settings
def show(settings: Settings, run: str, as_json: bool) -> None:
    """Show a run: settings, timings, metrics, topics.

    \b
    example:
      workbench model show 20261125-101500-default-s42
    """
    from workbench.analysis.runs import load_run

    r = load_run(settings.runs_dir, run).record
    if as_json:
        print_json(r)
        return
    print(f"Run {r['run_id']} ({r['created_at']}), config {r['config']['name']}, seed {r['seed']}")
    print(f"Corpus {r['corpus_hash'][:12]} ({r['n_excerpts']} excerpts), model {r['embedding_model']}")
    print("Timings: " + ", ".join(f"{k} {v}" for k, v in r["timings"].items()))
    print("Metrics: " + _scalars(r["metrics"]))
    print(topic_table(r["topics"]))


@model.command("compare")
@click.argument("run_a", metavar="RUN_A")
@click.argument("run_b", metavar="RUN_B")
@json_option()
@pass_settings
def compare(settings: Settings, run_a: str, run_b: str, as_json: bool) -> None:
    """Align the topics of two runs and report their stability.

    \b
    example:
      workbench model compare RUN_A RUN_B --json
    """
    from workbench.analysis.runs import compare_runs, load_run

    result = compare_runs(load_run(settings.runs_dir, run_a), load_run(settings.runs_dir, run_b))
    if as_json:
        print_json(result.as_dict())
        return
    print(f"Stability {result.stability:.3f}: {len(result.matched)} topics matched")
    for m in result.matched:
        print(f"  {m.a:>3} <-> {m.b:<3} {m.similarity:.3f}  {m.label_a}  |  {m.label_b}")
    print(f"Only in {run_a}: {result.only_in_a or 'none'}")
    print(f"Only in {run_b}: {result.only_in_b or 'none'}")
