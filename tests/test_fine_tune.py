"""Fine-tuning the encoder on reviewers' decisions: pairs, held-back comparison, saved models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import pytest

from workbench.analysis.embed import (
    DEFAULT_MODEL_ID,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    load_sentence_transformer,
)
from workbench.cli import main
from workbench.coding import fine_tune as ft
from workbench.coding.codebook import Codebook, Theme
from workbench.coding.suggest import SuggestSettings, ThemeScorer
from workbench.errors import BadInput

TEXTS = [f"baby {i} slept in the adult bed" for i in range(6)] + [
    f"boy {i} carried drugs for a county lines gang" for i in range(6)]
DECISIONS = {"sudi": ([0, 1, 2, 3, 4, 5], [6, 7, 8]), "cce": ([6, 7, 8, 9], [0, 1])}


def _saved(folder, model_id: str, adopted: bool = True, base: str = DEFAULT_MODEL_ID,
           created: str = "2026-12-01T10:00:00+00:00") -> ft.FineTuned:
    model = ft.FineTuned(model_id=model_id, path=str(folder / model_id), base_model=base,
                         created=created, excerpts=30, decisions=480, pairs=600, steps=38,
                         steps_planned=38, seconds=120.0, stopped_early=False,
                         held_back={"excerpts": 6, "themes": 4, "frozen_macro_f1": 0.5,
                                    "tuned_macro_f1": 0.6}, adopted=adopted)
    (folder / model_id).mkdir(parents=True)
    (folder / model_id / ft.MANIFEST).write_text(json.dumps(asdict(model)))
    return model


def test_decided_excerpts_are_every_excerpt_with_a_verdict():
    assert ft.decided_excerpts(DECISIONS) == list(range(10))


def test_pairs_come_only_from_training_rows_and_pair_by_verdict():
    rows = {0, 1, 2, 6, 7}
    first, second, target = ft.contrastive_pairs(TEXTS, DECISIONS, rows, ft.FineTuneSettings(
        pairs_per_excerpt=6))
    allowed = {TEXTS[i] for i in rows}
    assert first and set(first) <= allowed and set(second) <= allowed
    for a, b, cosine in zip(first, second, target, strict=True):
        same_kind = ("baby" in a) == ("baby" in b)
        assert cosine == (1.0 if same_kind else 0.0)
        assert a != b
    assert 0.0 in target and 1.0 in target


def test_pairs_are_capped_and_need_both_verdicts():
    first, _, _ = ft.contrastive_pairs(TEXTS, DECISIONS, set(range(10)), ft.FineTuneSettings(
        pairs_per_excerpt=20, max_pairs=15))
    assert len(first) == 15
    only_confirmed = {"sudi": ([0, 1, 2], [])}
    assert ft.contrastive_pairs(TEXTS, only_confirmed, {0, 1, 2}, ft.FineTuneSettings()) == ([], [], [])


def test_head_macro_f1_scores_separable_vectors_perfectly():
    vectors = np.array([[1.0, 0.0]] * 6 + [[0.0, 1.0]] * 6)
    train, test = [0, 1, 2, 3, 6, 7, 8, 9], [4, 5, 10, 11]
    decisions = {"sudi": ([0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11])}
    rows = {i: k for k, i in enumerate(range(12))}
    f1, themes = ft.head_macro_f1(vectors[[rows[i] for i in train]], vectors[[rows[i] for i in test]],
                                  decisions, train, test)
    assert (f1, themes) == (1.0, 1)


def test_too_few_decided_excerpts_is_a_clear_error(tmp_path):
    with pytest.raises(BadInput) as error:
        ft.fine_tune(TEXTS, DECISIONS, tmp_path)
    assert str(error.value) == ("fine-tuning needs decisions on at least 20 excerpts; there are 10; "
                                "decide more in the Review queue first")
    assert not (tmp_path / ft.STATUS).exists()


def test_decisions_without_a_rejection_are_a_clear_error(tmp_path):
    only_confirmed = {"sudi": (list(range(12)), [])}
    with pytest.raises(BadInput) as error:
        ft.fine_tune(TEXTS, only_confirmed, tmp_path, settings=ft.FineTuneSettings(min_excerpts=5))
    assert str(error.value) == ("no theme has both a confirmed and a rejected excerpt among the "
                                "decisions; fine-tuning needs both")


def test_saved_and_adopted_models(tmp_path):
    _saved(tmp_path, "old", created="2026-11-01T10:00:00+00:00")
    _saved(tmp_path, "new-not-better", adopted=False, created="2026-12-02T10:00:00+00:00")
    _saved(tmp_path, "other-base", base="some/other-model", created="2026-12-03T10:00:00+00:00")
    (tmp_path / ".half.partial").mkdir()  # an interrupted run: never listed
    assert [m.model_id for m in ft.saved_models(tmp_path)] == ["other-base", "new-not-better", "old"]
    assert ft.adopted_model(tmp_path).model_id == "old"
    assert ft.adopted_model(tmp_path, "some/other-model").model_id == "other-base"
    assert ft.adopted_model(tmp_path / "nothing-here") is None


def test_tuned_embedder_is_none_without_an_adopted_model_or_with_the_fake_embedder(tmp_path):
    assert ft.tuned_embedder(tmp_path) is None
    _saved(ft.models_dir(tmp_path), "m1")
    assert ft.tuned_embedder(tmp_path, embedder_kind="fake") is None


def test_status_file_and_running(tmp_path):
    folder = ft.models_dir(tmp_path)
    assert ft.read_status(folder) is None and ft.running(tmp_path) is None
    ft.write_status(folder, {"state": "running", "pid": os.getpid(), "step": 2, "steps": 9})
    assert ft.running(tmp_path)["step"] == 2
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    ft.write_status(folder, {"state": "running", "pid": ended.pid})
    assert ft.running(tmp_path) is None  # its process is gone
    ft.write_status(folder, {"state": "done", "pid": os.getpid()})
    assert ft.running(tmp_path) is None
    assert sorted(p.name for p in folder.iterdir()) == [ft.STATUS]


def test_second_background_start_is_refused(tmp_path):
    ft.write_status(ft.models_dir(tmp_path), {"state": "running", "pid": os.getpid()})
    with pytest.raises(BadInput) as error:
        ft.start_in_background(tmp_path, "alice")
    assert str(error.value) == ("a fine-tuning run is already under way in this home; wait for it "
                                "to finish")


class Recording(FakeEmbedder):
    """A fake embedder that remembers what it was asked to embed."""

    def __init__(self):
        super().__init__(32)
        self.model_id = "finetuned/recording"
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return super().encode(texts, progress)


def test_scorer_feeds_the_classifiers_from_the_fine_tuned_encoder():
    themes = [Theme(id="sudi", name="Infant sleep", description="babies sleeping unsafely"),
              Theme(id="cce", name="Exploitation", description="children exploited by gangs")]
    texts = TEXTS * 2
    decisions = {"sudi": (list(range(6)), list(range(6, 12))), "cce": (list(range(6, 12)), list(range(6)))}
    base = FakeEmbedder()
    embeddings = base.encode(texts)
    tuned = Recording()
    scorer = ThemeScorer(Codebook(name="t", themes=themes), base, SuggestSettings(min_decisions=3),
                         classifier_embedder=tuned).fit(texts, embeddings, decisions)
    scores, _ = scorer.score(texts, embeddings)
    assert set(texts) <= set(tuned.seen)
    assert sorted(scorer.classifiers_) == ["cce", "sudi"]
    assert scores.shape == (24, 2)
    plain = ThemeScorer(Codebook(name="t", themes=themes), base, SuggestSettings(min_decisions=3)).fit(
        texts, embeddings, decisions)
    assert plain._dense(plain.measure(texts, embeddings), texts, embeddings, None).shape[1] == (
        2 * base.dimension + 4)
    assert scorer._dense(scorer.measure(texts, embeddings), texts, embeddings, None).shape[1] == (
        2 * tuned.dimension + 4)


def test_cli_fine_tune_without_decisions_says_what_to_do(capsys, tmp_path):
    home = str(tmp_path / "home")
    assert main(["model", "fine-tune", "--home", home, "--quiet"]) != 0
    _, err = capsys.readouterr()
    assert "fine-tuning needs decisions on at least 20 excerpts; there are 0" in err
    assert ft.read_status(ft.models_dir(tmp_path / "home"))["state"] == "failed"


def test_cli_encoders_lists_models_and_the_one_in_use(capsys, tmp_path):
    home = tmp_path / "home"
    assert main(["model", "encoders", "--home", str(home)]) == 0
    assert "No fine-tuned encoders" in capsys.readouterr().out
    _saved(ft.models_dir(home), "m1")
    assert main(["model", "encoders", "--home", str(home), "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["model_id"], listed["in_use"]) == ("m1", True)


@pytest.mark.slow
def test_fine_tune_saves_a_new_model_and_leaves_the_base_unchanged(tmp_path):
    texts = [f"The baby slept in the parents' bed after the father had been drinking, night {i}."
             for i in range(12)] + [f"The teenager carried drugs for a county lines gang in town {i}."
                                    for i in range(12)]
    decisions = {"sudi": (list(range(12)), list(range(12, 24))),
                 "cce": (list(range(12, 24)), list(range(12)))}
    base = load_sentence_transformer("")
    before = base.encode(texts[:2], normalize_embeddings=True)
    statuses: list[dict] = []
    result = ft.fine_tune(texts, decisions, tmp_path, settings=ft.FineTuneSettings(
        seconds=60, pairs_per_excerpt=4), progress=statuses.append)
    assert np.allclose(base.encode(texts[:2], normalize_embeddings=True), before)
    assert result.steps == result.steps_planned > 0 and not result.stopped_early
    assert (result.excerpts, result.held_back["excerpts"]) == (24, 5)
    assert (tmp_path / result.model_id / ft.MANIFEST).exists()
    assert [m.model_id for m in ft.saved_models(tmp_path)] == [result.model_id]
    assert statuses[0]["state"] == "running" and statuses[-1]["state"] == "done"
    assert ft.read_status(tmp_path)["state"] == "done"
    tuned = SentenceTransformerEmbedder(result.path, model_id=f"finetuned/{result.model_id}")
    assert tuned.model_id == f"finetuned/{result.model_id}"
    assert not np.allclose(tuned.encode(texts[:2]), before)


@pytest.mark.slow
def test_fine_tune_stops_at_the_time_limit_and_an_interrupted_run_leaves_nothing(tmp_path):
    texts = [f"A baby was found unresponsive after sleeping on a sofa, case {i}." for i in range(20)] + [
        f"The school lost sight of a child taken out for home education, case {i}." for i in range(20)]
    decisions = {"sudi": (list(range(20)), list(range(20, 40)))}
    quick = ft.fine_tune(texts, decisions, tmp_path, settings=ft.FineTuneSettings(seconds=0.0))
    assert quick.steps == 1 < quick.steps_planned and quick.stopped_early

    def interrupt(status: dict) -> None:
        if status.get("state") == "running" and status.get("step") == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ft.fine_tune(texts, decisions, tmp_path / "second", progress=interrupt)
    assert [p.name for p in (tmp_path / "second").iterdir()] == [ft.STATUS]
    assert ft.read_status(tmp_path / "second")["message"] == "stopped before it finished; no model was saved"


def test_labelled_folders_are_read_and_split(tmp_path):
    from workbench.coding.gold import labelled_pool_and_test, read_labelled_folder

    for half, names in (("dev", ["a.txt", "b.txt"]), ("test", ["c.txt"])):
        (tmp_path / half).mkdir()
        for name in names:
            (tmp_path / half / name).write_text(f"text of {name}\n")
        (tmp_path / half / "labels.csv").write_text(
            "file,themes\n" + "".join(f"{n},sudi;cce\n" for n in names))
    assert read_labelled_folder(tmp_path / "dev") == (["a.txt", "b.txt"], ["text of a.txt", "text of b.txt"],
                                                      [{"sudi", "cce"}, {"sudi", "cce"}])
    texts, gold, test_rows = labelled_pool_and_test(tmp_path)
    assert (texts[-1], test_rows, len(gold)) == ("text of c.txt", [2], 3)
    texts, _, test_rows = labelled_pool_and_test(tmp_path / "dev", test_share=0.5)
    assert len(test_rows) == 1 and len(texts) == 2
    (tmp_path / "test" / "c.txt").unlink()
    with pytest.raises(BadInput) as error:
        read_labelled_folder(tmp_path / "test")
    assert str(error.value) == (f"{tmp_path / 'test' / 'labels.csv'} names 1 file(s) not in "
                                f"{tmp_path / 'test'}, e.g. c.txt")
