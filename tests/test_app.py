"""The Streamlit app renders on an ingested corpus (AppTest, no browser)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import streamlit as st
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from workbench.corpus.ingest import Ingestor


@pytest.fixture
def app_home(settings, store, monkeypatch, tmp_path):
    (tmp_path / "r.txt").write_text("Rapid review\n\nThe baby was seen at home.")
    Ingestor(store, settings, manifest={"r.txt": {"year": 2021, "review_type": "rapid review"}}
             ).ingest_paths([tmp_path / "r.txt"])
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    st.cache_resource.clear()
    yield settings.home
    st.cache_resource.clear()


def test_home_page_shows_what_is_loaded(app_home):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert app.title[0].value == "Safeguarding Themes Workbench"
    assert [(m.label, m.value) for m in app.metric] == [
        ("Documents", "1"), ("Excerpts", "1"), ("Topic runs", "0"), ("Confirmed codings", "0")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_workbench_serve_brings_the_app_up(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", "--port", str(port), "--home", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as reply:
                    assert reply.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the app did not start within 60 s"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as reply:
            assert b"<title>Streamlit</title>" in reply.read()
    finally:
        server.terminate()
        server.wait(timeout=20)
