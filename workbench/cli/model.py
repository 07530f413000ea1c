"""``workbench model fit|list|show|compare``: topic-model runs; ``fine-tune|encoders``: the
encoder fine-tuned on reviewers' decisions."""

from __future__ import annotations

import signal
import sys

import click

from workbench.analysis.topics import DEFAULT_CONFIG
from workbench.cli.options import (
    actor_option,
    group,
    json_option,
    pass_settings,
    print_json,
    quiet_option,
)
from workbench.coding.codebook import DEFAULT_CODEBOOK
from workbench.config import Settings

EMBEDDERS = click.Choice(["default", "fake"])


@group()
def model() -> None:
    """Fit, list, show and compare topic-model runs; fine-tune the encoder on reviewers' decisions.

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


@model.command("fine-tune")
@click.option("--seconds", type=float, metavar="S",
              help="longest training time (default: the fine_tune_seconds setting)")
@click.option("--background", is_flag=True, help="start it as a separate process and return at once")
@actor_option()
@json_option()
@quiet_option()
@pass_settings
def fine_tune_command(settings: Settings, seconds: float | None, background: bool, actor: str,
                      as_json: bool, quiet: bool) -> None:
    """Fine-tune the sentence encoder on reviewers' decisions (SetFit-style pairs, on the CPU),
    saved as a new model under HOME/models; the base model is never changed. It is adopted for
    the reviewer classifiers only if it beats the frozen encoder on held-back decisions.

    \b
    example:
      workbench model fine-tune --seconds 300
    """
    from dataclasses import asdict

    from workbench.coding.fine_tune import (
        FineTuneSettings,
        fine_tune_home,
        models_dir,
        start_in_background,
        write_status,
    )
    from workbench.errors import WorkbenchError
    from workbench.store import open_store

    if background:
        pid = start_in_background(settings.home, actor)
        status = models_dir(settings.home) / "fine-tune.json"
        print(f"Fine-tuning started (process {pid}); progress in {status}")
        return
    options = FineTuneSettings(seconds=seconds if seconds is not None else settings.fine_tune_seconds)
    # A terminated run cleans up after itself: no half-written model folder is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def show(status: dict) -> None:
        if not quiet and status.get("state") == "running" and status.get("steps"):
            print(f"\rstep {status['step']}/{status['steps']}, {status.get('seconds', 0):.0f} s",
                  end="", file=sys.stderr, flush=True)

    try:
        result = fine_tune_home(open_store(settings), settings, actor, show, options)
    except WorkbenchError as error:
        write_status(models_dir(settings.home), {"state": "failed", "message": str(error)})
        raise
    if not quiet:
        print(file=sys.stderr)
    if as_json:
        print_json(asdict(result))
        return
    held = result.held_back
    print(f"Model finetuned/{result.model_id}: {result.pairs} pairs from {result.excerpts} excerpts, "
          f"{result.steps}/{result.steps_planned} steps in {result.seconds:.0f} s"
          f"{' (stopped at the time limit)' if result.stopped_early else ''}.")
    print(f"Held-back macro-F1 over {held['themes']} themes ({held['excerpts']} excerpts): "
          f"fine-tuned {held['tuned_macro_f1']:.3f}, frozen {held['frozen_macro_f1']:.3f}: "
          f"{'adopted' if result.adopted else 'not adopted'}.")


@model.command("encoders")
@json_option()
@pass_settings
def encoders(settings: Settings, as_json: bool) -> None:
    """List the encoders fine-tuned in this home, newest first, and which one is in use.

    \b
    example:
      workbench model encoders --json
    """
    from dataclasses import asdict

    from workbench.coding.fine_tune import adopted_model, models_dir, saved_models

    saved = saved_models(models_dir(settings.home))
    in_use = adopted_model(models_dir(settings.home), settings.embedding_model)
    if as_json:
        print_json([{**asdict(m), "in_use": in_use is not None and m.model_id == in_use.model_id}
                    for m in saved])
        return
    if not saved:
        print("No fine-tuned encoders; run `workbench model fine-tune` once reviewers have decided "
              "enough excerpts.")
        return
    for m in saved:
        mark = "*" if in_use is not None and m.model_id == in_use.model_id else " "
        print(f"{mark} finetuned/{m.model_id}  {m.excerpts} excerpts  {m.seconds:.0f} s  "
              f"held-back {m.held_back.get('tuned_macro_f1', 0):.3f} vs frozen "
              f"{m.held_back.get('frozen_macro_f1', 0):.3f}  {'adopted' if m.adopted else ''}")
