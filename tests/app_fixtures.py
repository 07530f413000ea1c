"""An app home for AppTests: the mini sample ingested, codebook imported, a topic run fitted and
suggestions made with the fake embedder. ``build_home`` makes it; conftest's ``built_app_home``
builds it once per session and ``app_home_copy`` gives each test a private copy."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from workbench.analysis.embed import FakeEmbedder, embedding_cache
from workbench.analysis.runs import fit_run
from workbench.analysis.topics import MODELS_DIR, TopicConfig
from workbench.coding.codebook import load_codebook
from workbench.coding.suggest import suggest
from workbench.coding.themes import import_codebook, stored_codebook
from workbench.config import load_settings
from workbench.corpus import load_manifest
from workbench.corpus.ingest import Ingestor
from workbench.store import open_store
from workbench.ui.state import USER_KEY
from workbench.users import User

MINI = ROOT / "corpus" / "sample-mini"


def build_home(home: Path) -> Path:
    """Ingest, import the codebook, fit a fast run and make suggestions, all under ``home``."""
    settings = load_settings(home=home, runs_dir=home / "runs")
    store = open_store(settings)
    Ingestor(store, settings, manifest=load_manifest(MINI / "manifest.csv")).ingest_paths([MINI])
    import_codebook(store, load_codebook(), actor="admin")
    run = fit_run(store, settings, TopicConfig.from_toml(MODELS_DIR / "fast.toml"), FakeEmbedder(),
                     codebook=load_codebook())
    suggest(store, stored_codebook(store), FakeEmbedder(), cache=embedding_cache(settings),
            run=run)
    store.close()
    return home


def use_home(home: Path, monkeypatch) -> None:
    """Point the app at ``home`` with the fake embedder, and forget cached resources."""
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(home / "runs"))
    monkeypatch.setenv("WORKBENCH_APP_EMBEDDER", "fake")
    st.cache_resource.clear()
    st.cache_data.clear()


ALICE = User("alice", "admin")


def app_at(module: str, user: User | None = ALICE) -> AppTest:
    """An AppTest running one page module of ``workbench.ui`` (e.g. "review"), signed in as ``user``."""
    app = AppTest.from_string(f"from workbench.ui import {module}\n{module}.page()\n", default_timeout=60)
    if user is not None:
        app.session_state[USER_KEY] = user
    return app.run()


def fresh_copy(built: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of a built home, with the app pointed at it (tests may change it freely)."""
    import shutil

    copy = tmp_path / "home"
    shutil.copytree(built, copy)
    use_home(copy, monkeypatch)
    return copy


def home_store(home: Path):
    """A store on ``home`` (close it when done)."""
    return open_store(load_settings(home=home, runs_dir=home / "runs"))
