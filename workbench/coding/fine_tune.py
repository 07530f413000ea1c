"""Fine-tuning the sentence encoder on reviewers' decisions, in the SetFit manner.

Pairs of decided excerpts are drawn per theme: two excerpts confirmed for the theme are a similar
pair (target cosine 1), one confirmed and one rejected a dissimilar pair (target 0). A fresh copy
of the base encoder learns them with sentence-transformers' trainer and ``CosineSimilarityLoss``
on the CPU, stopping when ``seconds`` have passed. The result is saved as a new model folder
under ``HOME/models/<id>/``; the installed base model is never changed, and embeddings made with
the new model are cached under its own id (``finetuned/<id>``).

A fifth of the decided excerpts is held back from the pairs. On them, a per-theme logistic
regression head on the fine-tuned embeddings is compared with the same head on the frozen
encoder's embeddings; the model is *adopted* (used by the reviewer classifiers from then on)
only when it scores better there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from workbench.errors import BadInput

Decisions = dict[str, tuple[list[int], list[int]]]
Progress = Callable[[dict], None]
"""Called with the status dict (state, step, steps, seconds, message) as training goes on."""

MANIFEST = "manifest.json"
STATUS = "fine-tune.json"


@dataclass(frozen=True)
class FineTuneSettings:
    seconds: float = 600.0          # training stops after this long (the model so far is kept)
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-5
    pairs_per_excerpt: int = 20     # SetFit's iterations: pairs drawn per decided excerpt and theme
    max_pairs: int = 4000
    min_excerpts: int = 20          # decided excerpts needed before fine-tuning is offered
    held_back: float = 0.2
    seed: int = 0


@dataclass
class FineTuned:
    """A fine-tuned encoder as saved: where, from what, how long, and how it did held back."""

    model_id: str
    path: str
    base_model: str
    created: str
    excerpts: int
    decisions: int
    pairs: int
    steps: int
    steps_planned: int
    seconds: float
    stopped_early: bool
    held_back: dict = field(default_factory=dict)  # frozen/tuned macro-F1, excerpts, themes
    adopted: bool = False


def decided_excerpts(decisions: Decisions) -> list[int]:
    """Every excerpt index with at least one decision, in order."""
    return sorted({i for positive, negative in decisions.values() for i in (*positive, *negative)})


def contrastive_pairs(texts: Sequence[str], decisions: Decisions, rows: set[int],
                      settings: FineTuneSettings) -> tuple[list[str], list[str], list[float]]:
    """(first texts, second texts, target cosines) drawn from the decisions on ``rows``."""
    rng = np.random.default_rng(settings.seed)
    first: list[str] = []
    second: list[str] = []
    target: list[float] = []

    def add(i: int, j: int, cosine: float) -> None:
        first.append(texts[i])
        second.append(texts[j])
        target.append(cosine)

    for positive, negative in decisions.values():
        yes = [i for i in positive if i in rows]
        no = [i for i in negative if i in rows]
        if not yes or not no:
            continue
        for i in yes:
            for _ in range(settings.pairs_per_excerpt // 2):
                partner = int(rng.choice(yes))
                if partner != i:
                    add(i, partner, 1.0)
                add(i, int(rng.choice(no)), 0.0)
    if len(first) > settings.max_pairs:
        keep = np.sort(rng.choice(len(first), settings.max_pairs, replace=False))
        first, second, target = ([items[k] for k in keep] for items in (first, second, target))
    return first, second, target


def head_macro_f1(train_x: np.ndarray, test_x: np.ndarray, decisions: Decisions,
                  train_rows: list[int], test_rows: list[int]) -> tuple[float, int]:
    """Macro-F1 on ``test_rows`` of per-theme logistic regressions fitted on ``train_rows``
    (rows index the decided excerpts), over themes with both verdicts on each side."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    scores = []
    for positive, negative in decisions.values():
        verdict = {**{i: 0 for i in negative}, **{i: 1 for i in positive}}
        train = [(k, verdict[i]) for k, i in enumerate(train_rows) if i in verdict]
        test = [(k, verdict[i]) for k, i in enumerate(test_rows) if i in verdict]
        if len({y for _, y in train}) < 2 or len({y for _, y in test}) < 2:
            continue
        head = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        head.fit(train_x[[k for k, _ in train]], [y for _, y in train])
        predicted = head.predict(test_x[[k for k, _ in test]])
        scores.append(f1_score([y for _, y in test], predicted, zero_division=0.0))
    return (float(np.mean(scores)) if scores else 0.0), len(scores)


def new_model_id(base_model: str, excerpts: int) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    tag = hashlib.sha256(f"{base_model}|{excerpts}|{time.time_ns()}".encode()).hexdigest()[:6]
    return f"{stamp}-{tag}"


def fine_tune(texts: Sequence[str], decisions: Decisions, models_dir: Path, base_model: str = "",
              settings: FineTuneSettings | None = None, progress: Progress | None = None) -> FineTuned:
    """Fine-tune a copy of ``base_model`` ('' = the default MiniLM) on ``decisions`` (theme id ->
    confirmed, rejected excerpt indices into ``texts``) and save it under ``models_dir``.

    The model folder is written under a temporary name and renamed when complete, so an
    interrupted run leaves no half-written model behind.
    """
    from workbench.analysis.embed import DEFAULT_MODEL_ID, SentenceTransformerEmbedder, default_model_path

    settings = settings or FineTuneSettings()
    decided = decided_excerpts(decisions)
    if len(decided) < settings.min_excerpts:
        raise BadInput(f"fine-tuning needs decisions on at least {settings.min_excerpts} excerpts; "
                       f"there are {len(decided)}; decide more in the Review queue first")
    order = np.random.default_rng(settings.seed).permutation(decided)
    held = max(1, round(settings.held_back * len(decided)))
    test_rows, train_rows = sorted(order[:held].tolist()), sorted(order[held:].tolist())
    first, second, target = contrastive_pairs(texts, decisions, set(train_rows), settings)
    if not first:
        raise BadInput("no theme has both a confirmed and a rejected excerpt among the decisions; "
                       "fine-tuning needs both")
    model_id = new_model_id(base_model or DEFAULT_MODEL_ID, len(decided))
    models_dir.mkdir(parents=True, exist_ok=True)
    final, partial = models_dir / model_id, models_dir / f".{model_id}.partial"
    report = _status_reporter(models_dir, model_id, progress)
    report({"state": "running", "step": 0, "steps": 0, "message": f"{len(first)} pairs"})
    base_path = base_model or str(default_model_path())
    try:
        model, steps, planned, seconds = _train(base_path, first, second, target, settings, partial,
                                                report)
        model.save(str(partial), create_model_card=False)
        frozen = SentenceTransformerEmbedder(base_model).encode([texts[i] for i in decided])
        tuned = np.asarray(model.encode([texts[i] for i in decided], normalize_embeddings=True,
                                        show_progress_bar=False), dtype=np.float32)
        position = {i: k for k, i in enumerate(decided)}
        train_k, test_k = [position[i] for i in train_rows], [position[i] for i in test_rows]
        frozen_f1, themes = head_macro_f1(frozen[train_k], frozen[test_k], decisions, train_rows, test_rows)
        tuned_f1, _ = head_macro_f1(tuned[train_k], tuned[test_k], decisions, train_rows, test_rows)
        result = FineTuned(
            model_id=model_id, path=str(final), base_model=base_model or DEFAULT_MODEL_ID,
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), excerpts=len(decided),
            decisions=sum(len(p) + len(n) for p, n in decisions.values()), pairs=len(first),
            steps=steps, steps_planned=planned, seconds=round(seconds, 1),
            stopped_early=steps < planned,
            held_back={"excerpts": len(test_rows), "themes": themes, "frozen_macro_f1": round(frozen_f1, 4),
                       "tuned_macro_f1": round(tuned_f1, 4)},
            adopted=themes > 0 and tuned_f1 > frozen_f1)
        (partial / MANIFEST).write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
        partial.rename(final)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        stopped = isinstance(exc, SystemExit | KeyboardInterrupt)
        report({"state": "failed", "message": "stopped before it finished; no model was saved"
                if stopped else f"{type(exc).__name__}: {exc}"})
        raise
    verdict = "adopted" if result.adopted else "not adopted (no better than the frozen encoder)"
    report({"state": "done", "step": steps, "steps": planned, "seconds": result.seconds,
            "message": f"{verdict}: held-back macro-F1 {tuned_f1:.3f} against {frozen_f1:.3f}"})
    return result


def _train(base_path: str, first: list[str], second: list[str], target: list[float],
           settings: FineTuneSettings, scratch: Path, report: Callable[[dict], None]):
    """Train a fresh copy of the base model; (model, steps done, steps planned, seconds)."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    try:
        from sentence_transformers.sentence_transformer import losses
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers import losses  # type: ignore[attr-defined,no-redef]
    from transformers import PrinterCallback, TrainerCallback
    from transformers.utils import logging as transformers_logging

    started = time.perf_counter()

    class TimeLimit(TrainerCallback):
        """Stops training after ``settings.seconds`` and reports each step."""

        def on_step_end(self, args, state, control, **kwargs):
            elapsed = time.perf_counter() - started
            report({"state": "running", "step": state.global_step, "steps": state.max_steps,
                    "seconds": round(elapsed, 1)})
            if elapsed >= settings.seconds:
                control.should_training_stop = True
            return control

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(base_path, device="cpu")  # a copy: the cached base stays frozen
    # No model card is written, so its widget examples need not be computed (and printed).
    model.model_card_data.set_widget_examples = lambda dataset: None  # type: ignore[method-assign]
    data = Dataset.from_dict({"sentence1": first, "sentence2": second, "score": target})
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(scratch.with_suffix(".trainer")), num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size, learning_rate=settings.learning_rate,
        warmup_steps=0.1, seed=settings.seed, save_strategy="no", report_to="none",
        logging_strategy="no", disable_tqdm=True, use_cpu=True, dataloader_num_workers=0)
    trainer = SentenceTransformerTrainer(model=model, args=arguments, train_dataset=data,
                                         loss=losses.CosineSimilarityLoss(model),
                                         callbacks=[TimeLimit()])
    trainer.remove_callback(PrinterCallback)  # no metric dicts printed
    try:
        trainer.train()
    finally:
        shutil.rmtree(scratch.with_suffix(".trainer"), ignore_errors=True)
    planned = trainer.state.max_steps
    return model, trainer.state.global_step, planned, time.perf_counter() - started


def _status_reporter(models_dir: Path, model_id: str, progress: Progress | None) -> Callable[[dict], None]:
    """Writes each status to ``models_dir/fine-tune.json`` (atomically) and passes it on."""
    import os

    state: dict = {"model_id": model_id, "pid": os.getpid(),
                   "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    def report(update: dict) -> None:
        state.update(update)
        write_status(models_dir, state)
        if progress:
            progress(dict(state))

    return report


def write_status(models_dir: Path, status: dict) -> None:
    """Replace ``models_dir/fine-tune.json`` with ``status`` in one step."""
    models_dir.mkdir(parents=True, exist_ok=True)
    scratch = models_dir / f"{STATUS}.tmp"
    scratch.write_text(json.dumps(status), encoding="utf-8")
    scratch.replace(models_dir / STATUS)


def read_status(models_dir: Path) -> dict | None:
    """The last fine-tuning run's status (see :func:`fine_tune`), or None."""
    try:
        return json.loads((models_dir / STATUS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def saved_models(models_dir: Path) -> list[FineTuned]:
    """Every complete fine-tuned model under ``models_dir``, newest first."""
    out = []
    for manifest in models_dir.glob(f"*/{MANIFEST}"):
        try:
            out.append(FineTuned(**json.loads(manifest.read_text(encoding="utf-8"))))
        except (json.JSONDecodeError, TypeError):
            continue
    return sorted(out, key=lambda m: m.created, reverse=True)


def adopted_model(models_dir: Path, base_model: str = "") -> FineTuned | None:
    """The newest adopted model fine-tuned from ``base_model``, or None."""
    from workbench.analysis.embed import DEFAULT_MODEL_ID

    for saved in saved_models(models_dir):
        if saved.adopted and saved.base_model == (base_model or DEFAULT_MODEL_ID):
            return saved
    return None


def models_dir(home: Path) -> Path:
    """Where a workbench home keeps its fine-tuned encoders."""
    return Path(home) / "models"


def tuned_embedder(home: Path, base_model: str = "", embedder_kind: str = "default"):
    """An embedder for the home's adopted fine-tuned encoder, cached under ``finetuned/<id>``,
    or None (none adopted, or the fake embedder is in use)."""
    from workbench.analysis.embed import SentenceTransformerEmbedder

    saved = adopted_model(models_dir(home), base_model) if embedder_kind == "default" else None
    if saved is None:
        return None
    return SentenceTransformerEmbedder(saved.path, model_id=f"finetuned/{saved.model_id}")


def fine_tune_home(store, settings, actor: str = "system", progress: Progress | None = None,
                   options: FineTuneSettings | None = None) -> FineTuned:
    """Fine-tune on every reviewer decision in ``store`` and record a ``model.fine_tune`` event."""
    from workbench.analysis.runs import snapshot
    from workbench.coding.suggest import reviewer_decisions
    from workbench.store import record_event

    corpus = snapshot(store)
    options = options or FineTuneSettings(seconds=settings.fine_tune_seconds)
    result = fine_tune(corpus.texts, reviewer_decisions(store, corpus.excerpt_ids),
                       models_dir(settings.home), settings.embedding_model, options, progress)
    with store.session() as session:
        record_event(session, actor, "model.fine_tune", f"model:finetuned/{result.model_id}", {
            key: value for key, value in asdict(result).items() if key != "path"})
    return result


def running(home: Path) -> dict | None:
    """The status of a fine-tuning run still under way in ``home``, or None."""
    import os

    status = read_status(models_dir(home))
    if not status or status.get("state") != "running" or not status.get("pid"):
        return None
    pid = int(status["pid"])
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child, and it has ended
            return None
    except ChildProcessError:
        pass  # started by another process
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return None
    return status


def start_in_background(home: Path, actor: str) -> int:
    """Start ``workbench model fine-tune`` for ``home`` as a detached process; its pid.

    Its progress is in ``HOME/models/fine-tune.json`` (:func:`read_status`), its output in
    ``HOME/models/fine-tune.log``."""
    import os
    import subprocess
    import sys

    if running(home):
        raise BadInput("a fine-tuning run is already under way in this home; wait for it to finish")
    folder = models_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "fine-tune.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench", "model", "fine-tune", "--home", str(home),
             "--actor", actor], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "WORKBENCH_HOME": str(home)})
    write_status(folder, {"state": "running", "pid": process.pid, "step": 0, "steps": 0,
                          "message": "starting"})
    return process.pid
