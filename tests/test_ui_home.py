"""Home page: counts, next steps, and making suggestions."""

from __future__ import annotations

import pytest
import streamlit as st
from app_fixtures import MINI, app_at

from workbench.corpus.ingest import Ingestor
from workbench.store import list_events


@pytest.fixture
def home(settings, store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(settings.home / "runs"))
    monkeypatch.setenv("WORKBENCH_APP_EMBEDDER", "fake")
    st.cache_resource.clear()
    yield settings
    st.cache_resource.clear()


def test_empty_home_says_what_to_do(home):
    app = app_at("home", user=None)
    assert not app.exception
    assert [(m.label, m.value) for m in app.metric] == [
        ("Documents", "0"), ("Excerpts", "0"), ("Topic runs", "0"), ("Confirmed codings", "0")]
    assert app.info[0].value.startswith("No documents yet. Upload review documents on the Corpus page")


def test_suggest_from_home(home, store):
    Ingestor(store, home).ingest_paths([MINI])
    app = app_at("home")
    assert not app.exception
    app.button(key="home-suggest").click().run()
    assert not app.exception
    statuses = [el.label for el in app.main if type(el).__name__ == "Status"]
    with store.session() as session:
        [event] = list_events(session, action="suggest.run")
    made = event.payload["suggestions"]
    assert 0 < made <= 4 * 100  # at most max_per_excerpt themes for each of the 100 excerpts
    assert statuses == [f"{made} suggestions for 100 excerpts"]


def test_the_whole_app_starts(home):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Safeguarding Themes Workbench"
