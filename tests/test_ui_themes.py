"""Themes page: runs, topics and their excerpts, fitting a new run, frequencies, co-occurrence."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from app_fixtures import app_at, home_store

from workbench.analysis.runs import list_runs
from workbench.coding.queue import review_queue
from workbench.coding.review import confirm
from workbench.config import load_settings
from workbench.store import open_store
from workbench.ui.themes import NO_RUNS, cooccurrence
from workbench.users import User


def _confirm_twelve(home: Path) -> None:
    """alice confirms her twelve highest-scoring suggestions."""
    store = home_store(home)
    for item in review_queue(store, "alice", order="score")[:12]:
        confirm(store, item.suggestion_id, "alice")
    store.close()


@pytest.fixture(scope="module")
def app_home_extras() -> Callable[[Path], None]:
    return _confirm_twelve


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


def _frame(app, column: str) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if column in getattr(d.value, "columns", ()))


def test_page_renders_the_latest_run(home):
    app = app_at("themes")
    assert not app.exception
    runs = list_runs(home / "runs")
    assert app.selectbox(key="themes_run").value == runs[-1].run_id
    topics = _frame(app, "top words")
    assert len(topics) == runs[-1].n_topics
    assert set(topics.columns) == {"id", "label", "size", "top words", "theme"}
    assert all(topics["theme"].str.len() > 0)
    assert len(app.get("vega_lite_chart")) == 2, "word bar chart and intertopic map"
    assert any("PCA" in c.value for c in app.caption)


def test_choosing_a_topic_lists_its_excerpts(home):
    app = app_at("themes")
    topics = _frame(app, "top words")
    last = int(topics["id"].iloc[-1])
    app.selectbox(key="themes_topic").set_value(last).run()
    assert not app.exception
    size = int(topics.loc[topics["id"] == last, "size"].iloc[0])
    assert any(c.value == f"{size} excerpts in topic {last}" for c in app.caption)
    excerpts = next(d.value for d in app.dataframe if list(d.value.columns) == ["title", "text"])
    assert len(excerpts) == size


def test_fit_a_new_run_from_fast_toml(home):
    before = list_runs(home / "runs")
    app = app_at("themes")
    app.selectbox(key="themes_config").set_value("fast.toml")
    app.button(key="themes_fit").click().run(timeout=120)
    assert not app.exception
    after = list_runs(home / "runs")
    assert len(after) == len(before) + 1
    new = after[-1].run_id
    assert app.selectbox(key="themes_run").value == new
    assert any(s.value.startswith(f"Fitted run {new}") for s in app.success)


def test_viewer_cannot_fit(home):
    app = app_at("themes", user=User("vic", "viewer"))
    assert not app.exception
    assert app.button(key="themes_fit").disabled
    assert any("Viewers cannot fit" in i.value for i in app.info)


def test_a_home_without_runs_shows_guidance(home):
    shutil.rmtree(home / "runs")
    app = app_at("themes")
    assert not app.exception
    assert app.info[0].value == NO_RUNS
    assert not app.button(key="themes_fit").disabled


def test_theme_frequency_clicks_through_to_codings(home):
    app = app_at("themes")
    counts = next(d.value for d in app.dataframe if d.value.index.name == "theme")
    theme = app.selectbox(key="themes_freq_theme").value
    year = app.selectbox(key="themes_freq_value").value
    expected = int(counts.loc[theme, year])
    assert any(c.value.startswith(f"{expected} confirmed codings") for c in app.caption)
    app.radio(key="themes_freq_by").set_value("region").run()
    assert not app.exception
    assert app.selectbox(key="themes_freq_value").options


def test_cooccurrence_and_its_click_through(home):
    app = app_at("themes")
    assert not app.exception
    app.radio(key="themes_cooc_unit").set_value("document").run()
    assert not app.exception
    a = app.selectbox(key="themes_cooc_a").value
    assert any(c.value.endswith("documents coded with both") for c in app.caption)
    assert app.selectbox(key="themes_cooc_b").options and a


def test_cooccurrence_counts():
    coded = pd.DataFrame({"document_id": [1, 1, 1, 2], "start": [0, 0, 5, 0], "end": [4, 4, 9, 4],
                          "theme": ["a", "b", "c", "a"]})
    by_excerpt = cooccurrence(coded, "excerpt")
    assert by_excerpt.loc["a", "a"] == 2 and by_excerpt.loc["a", "b"] == 1 and by_excerpt.loc["a", "c"] == 0
    by_document = cooccurrence(coded, "document")
    assert by_document.loc["a", "c"] == 1 and by_document.loc["b", "c"] == by_document.loc["c", "b"] == 1


def test_no_codings_says_where_to_confirm(home):
    store = open_store(load_settings(home=home, runs_dir=home / "runs"))
    from workbench.coding.review import list_codings, undo

    for _ in list_codings(store, status="confirmed"):
        undo(store, "alice")
    store.close()
    app = app_at("themes")
    assert not app.exception
    assert any("No confirmed codings yet" in i.value for i in app.info)
