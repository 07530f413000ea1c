"""Shared, cached resources for the pages."""

from __future__ import annotations

import streamlit as st

from workbench.config import Settings, load_settings
from workbench.store import Store, open_store


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def store() -> Store:
    return open_store(settings())
