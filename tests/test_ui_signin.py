"""Sign-in: a coder name on 127.0.0.1, a password elsewhere; the Home page."""

from __future__ import annotations

import pytest
import streamlit as st
from app_fixtures import app_at

from workbench.ui.state import USER_KEY
from workbench.users import User, add_user


@pytest.fixture
def home(tmp_path, monkeypatch, store, settings):
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    monkeypatch.delenv("WORKBENCH_SERVER_ADDRESS", raising=False)
    st.cache_resource.clear()
    yield settings.home
    st.cache_resource.clear()


def test_local_user_picks_a_coder_name(home):
    app = app_at("signin", user=None)
    assert not app.exception
    app.text_input[0].input("alice")
    app.button[0].click().run()
    assert app.session_state[USER_KEY] == User("alice", "admin")
    app.run()
    assert app.markdown[0].value == "Signed in as **alice** (admin)."


def test_empty_coder_name_is_refused(home):
    app = app_at("signin", user=None)
    app.text_input[0].input("  ")
    app.button[0].click().run()
    assert app.error[0].value == "Enter a coder name: it is recorded with every decision."


def test_beyond_loopback_a_password_is_needed(home, monkeypatch, store):
    monkeypatch.setenv("WORKBENCH_SERVER_ADDRESS", "0.0.0.0")
    app = app_at("signin", user=None)
    assert app.error[0].value.startswith("No users exist. Create one on the server with `workbench user add")
    add_user(store, "bob", "correct horse battery", "viewer")
    app = app_at("signin", user=None)
    app.text_input[0].input("bob")
    app.text_input[1].input("wrong password!!")
    app.button[0].click().run()
    assert app.error[0].value == "Unknown user name or wrong password."
    app.text_input[1].input("correct horse battery")
    app.button[0].click().run()
    assert app.session_state[USER_KEY] == User("bob", "viewer")
