"""Shared, cached resources and the signed-in user, for every page.

Pages call these instead of building their own: ``store()``, ``settings()``, ``embedder()``,
``current_user()``/``require_user()``. Heavy objects are cached with ``st.cache_resource``.
``WORKBENCH_APP_EMBEDDER=fake`` makes the app use the hashing embedder (tests, demos).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from workbench.analysis.embed import Embedder, make_embedder
from workbench.config import Settings, load_settings
from workbench.store import Store, open_store
from workbench.users import User, is_loopback

USER_KEY = "workbench_user"


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def store() -> Store:
    return open_store(settings())


def embedder_kind() -> str:
    """'default' (the real model) or 'fake' (WORKBENCH_APP_EMBEDDER=fake)."""
    return os.environ.get("WORKBENCH_APP_EMBEDDER", "default")


@st.cache_resource
def embedder() -> Embedder:
    return make_embedder(embedder_kind(), settings().embedding_model)


def loopback() -> bool:
    """True when the server listens only on a loopback address (no sign-in with passwords)."""
    address = os.environ.get("WORKBENCH_SERVER_ADDRESS") or st.get_option("server.address") or "127.0.0.1"
    return is_loopback(address)


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)


def sign_in(user: User) -> None:
    st.session_state[USER_KEY] = user


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)


def require_user() -> User:
    """The signed-in user; otherwise a message pointing to the sign-in page, and the page stops."""
    user = current_user()
    if user is None:
        st.info("Sign in first: choose **Sign in** in the sidebar.")
        st.stop()
    return user


def show_error(error: Exception) -> None:
    """A workbench error as one clear message (its text says what to do next)."""
    st.error(str(error))


_PAGES: dict[str, Any] = {}


def register_pages(pages: dict[str, Any]) -> None:
    """Remember the app's st.Page objects by url path, so pages can link to each other."""
    _PAGES.clear()
    _PAGES.update(pages)


def page_link(url_path: str, label: str, icon: str | None = None) -> None:
    """A link to another page of the app (plain text when run outside the app, e.g. in tests)."""
    page = _PAGES.get(url_path)
    if page is None:
        st.write(label)
    else:
        st.page_link(page, label=label, icon=icon)
