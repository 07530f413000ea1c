"""AppTests of the review queue page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from app_fixtures import app_at, home_store

from workbench.analysis.embed import FakeEmbedder
from workbench.coding import review
from workbench.coding.queue import review_queue
from workbench.coding.suggest import suggest
from workbench.coding.themes import stored_codebook
from workbench.config import load_settings
from workbench.corpus.ingest import Ingestor
from workbench.users import User

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [link](javascript:x)"


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


_store = home_store


def _progress(app) -> str:
    return app.metric[0].value


def _shown(app) -> int:
    return app.session_state["review_current_alice"]


def test_renders_one_item_with_progress(home):
    app = app_at("review")
    assert not app.exception
    assert "0 decided" in _progress(app)
    assert app.button(key="review_confirm").proto.type == "primary"
    assert not app.button(key="review_confirm").disabled


def test_confirm_changes_progress_and_makes_a_confirmed_coding(home):
    app = app_at("review")
    first = _shown(app)
    app.text_area(key="review_memo").input("clear case")
    app.button(key="review_confirm").click().run()
    assert not app.exception
    assert "1 decided" in _progress(app)
    assert _shown(app) != first
    store = _store(home)
    codings = review.list_codings(store, coder="alice", status="confirmed")
    assert [(c.source, c.memo) for c in codings] == [(f"suggestion:{first}", "clear case")]
    store.close()


def test_reject_then_undo(home):
    app = app_at("review")
    first = _shown(app)
    app.button(key="review_reject").click().run()
    store = _store(home)
    assert [c.status for c in review.list_codings(store, coder="alice")] == ["rejected"]
    app.button(key="review_undo").click().run()
    assert not app.exception
    assert review.list_codings(store, coder="alice") == []
    assert "0 decided" in _progress(app)
    assert _shown(app) == first
    store.close()


def test_skip_moves_on_without_deciding(home):
    app = app_at("review")
    first = _shown(app)
    app.button(key="review_skip").click().run()
    assert not app.exception
    assert _shown(app) != first
    assert "0 decided" in _progress(app)
    store = _store(home)
    assert review.list_codings(store, coder="alice") == []
    store.close()


def test_recode_rejects_and_codes_the_other_theme(home):
    app = app_at("review")
    first = _shown(app)
    suggested = next(i.theme_id for i in review_queue(_store(home), "alice") if i.suggestion_id == first)
    other = next(t.id for t in stored_codebook(_store(home)).codable if t.id != suggested)
    app.selectbox(key="review_other_theme").set_value(other)
    app.button(key="review_recode").click().run()
    assert not app.exception
    store = _store(home)
    codings = review.list_codings(store, coder="alice")
    assert {(c.theme_id, c.status) for c in codings} == {(suggested, "rejected"), (other, "confirmed")}
    # The coding just made can have its span adjusted.
    made = next(c for c in codings if c.theme_id == other)
    app.number_input(key="review_end").set_value(made.end - 1)
    app.button(key="review_apply_span").click().run()
    assert not app.exception
    assert next(c for c in review.list_codings(store, coder="alice") if c.id == made.id).end == made.end - 1
    store.close()


def test_adjusting_a_coding_changed_elsewhere_shows_the_conflict(home):
    app = app_at("review")
    app.button(key="review_confirm").click().run()
    store = _store(home)
    coding = review.list_codings(store, coder="alice")[0]
    review.adjust_span(store, coding.id, coding.start, coding.end - 2, "alice")  # e.g. another tab
    app.number_input(key="review_end").set_value(coding.end - 1)
    app.button(key="review_apply_span").click().run()
    assert not app.exception
    assert any("since you read it" in e.value for e in app.error)
    store.close()


def test_viewer_cannot_decide(home):
    app = app_at("review", user=User("vera", "viewer"))
    assert not app.exception
    for key in ("review_confirm", "review_reject", "review_recode", "review_add", "review_skip",
                "review_undo"):
        assert app.button(key=key).disabled
    assert any("viewer" in c.value for c in app.caption)


def test_hostile_excerpt_text_is_shown_literally(home):
    store = _store(home)
    settings = load_settings(home=home, runs_dir=home / "runs")
    text = ("Safeguarding review.\n\nThe young person went missing from home and was drawn into county "
            "lines drug running and criminal exploitation by older men. " + HOSTILE
            + "\n\nThe child was groomed by older men to sell drugs.\n")
    Ingestor(store, settings).ingest_bytes([("hostile.txt", text.encode())])
    suggest(store, stored_codebook(store), FakeEmbedder())
    item = next(i for i in review_queue(store, "alice") if "<script>" in i.text)
    store.close()
    app = app_at("review", user=None)
    app.session_state["review_current_alice"] = item.suggestion_id
    app.session_state["workbench_user"] = User("alice", "admin")
    app.run()
    assert not app.exception
    import html

    assert any(html.escape(HOSTILE) in h.proto.body.replace("</span>", "").replace("</mark>", "")
               or html.escape(HOSTILE) in h.proto.body for h in app.get("html"))
    assert all("<script>" not in m.value for m in app.markdown)
    assert all("<script>" not in h.proto.body for h in app.get("html"))


def test_whole_excerpt_decision_confirms_ticked_themes_and_rejects_the_rest(home):
    app = app_at("review")
    first = _shown(app)
    store = _store(home)
    item = next(i for i in review_queue(store, "alice") if i.suggestion_id == first)
    themes = [t.id for t in stored_codebook(store).codable]
    assert app.checkbox(key=f"review_whole_{item.theme_id}").value  # suggested: ticked already
    other = next(t for t in themes if t != item.theme_id
                 and not app.checkbox(key=f"review_whole_{t}").value)
    app.checkbox(key=f"review_whole_{other}").check()
    app.button(key="review_whole_save").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Excerpt decided: ")
    codings = {c.theme_id: c.status for c in review.list_codings(store, coder="alice")
               if c.excerpt_id == item.excerpt_id}
    assert set(codings) == set(themes)
    assert codings[item.theme_id] == codings[other] == "confirmed"
    assert _shown(app) != first
    assert all(i.excerpt_id != item.excerpt_id for i in review_queue(store, "alice"))
    store.close()


def test_evidence_is_highlighted_in_the_excerpt(home):
    app = app_at("review")
    store = _store(home)
    item = next(i for i in review_queue(store, "alice") if i.suggestion_id == _shown(app))
    store.close()
    shown = "".join(h.proto.body for h in app.get("html"))
    assert "closest sentence (similarity" in shown
    for phrase in item.evidence["phrases"]:
        assert f"phrase: {phrase['phrase']}" in shown


def _decide_excerpts(home: Path, count: int) -> None:
    store = _store(home)
    seen: list[int] = []
    for item in review_queue(store, "bob"):
        if item.excerpt_id not in seen:
            seen.append(item.excerpt_id)
            review.decide_excerpt(store, item.excerpt_id, {item.theme_id}, "bob")
        if len(seen) == count:
            break
    store.close()


def test_fine_tune_panel_waits_for_enough_decisions(home):
    app = app_at("review")
    assert not app.exception
    assert app.expander[-1].label == "Learn from decisions: fine-tune the encoder"
    assert "The reviewer classifiers use the installed encoder as it is." in [m.value for m in app.markdown]
    assert app.caption[-1].value.startswith("0 excerpts decided; fine-tuning needs 20.")
    assert app.button(key="review_fine_tune").disabled


def test_fine_tune_panel_starts_a_background_run_and_shows_its_progress(home, monkeypatch):
    from workbench.coding import fine_tune

    _decide_excerpts(home, 20)
    started = []

    def start(folder, actor):
        started.append((Path(folder), actor))
        fine_tune.write_status(fine_tune.models_dir(folder), {
            "state": "running", "pid": os.getpid(), "step": 3, "steps": 12, "seconds": 41.0})
        return os.getpid()

    monkeypatch.setattr(fine_tune, "start_in_background", start)
    app = app_at("review")
    assert app.caption[-1].value.startswith("20 excerpts decided; fine-tuning needs 20.")
    app.button(key="review_fine_tune").click().run()
    assert not app.exception
    assert started == [(home, "alice")]
    assert "Fine-tuning: step 3 of 12, 41 s" in str(app.get("progress")[0].proto)


def test_fine_tune_panel_names_the_encoder_in_use_and_the_last_result(home):
    from dataclasses import asdict

    from workbench.coding import fine_tune

    folder = fine_tune.models_dir(home) / "20261202T100000-abc123"
    folder.mkdir(parents=True)
    model = fine_tune.FineTuned(
        model_id=folder.name, path=str(folder), base_model="sentence-transformers/all-MiniLM-L6-v2",
        created="2026-12-02T10:00:00+00:00", excerpts=64, decisions=1024, pairs=2000, steps=125,
        steps_planned=125, seconds=300.0, stopped_early=False,
        held_back={"excerpts": 13, "themes": 9, "frozen_macro_f1": 0.61, "tuned_macro_f1": 0.68},
        adopted=True)
    (folder / fine_tune.MANIFEST).write_text(json.dumps(asdict(model)))
    fine_tune.write_status(fine_tune.models_dir(home), {"state": "done", "message": "adopted: ..."})
    app = app_at("review")
    assert not app.exception
    shown = [m.value for m in app.markdown]
    assert ("The reviewer classifiers use **finetuned/20261202T100000-abc123** (from 64 decided "
            "excerpts; held-back macro-F1 0.68 against 0.61 frozen).") in shown
    assert app.success[-1].value == "Last fine-tuning run: adopted: ..."


def test_viewer_sees_no_fine_tune_button(home):
    app = app_at("review", User("vic", "viewer"))
    assert not app.exception
    assert not [b for b in app.button if b.key == "review_fine_tune"]
