"""Page registry: the app's navigation."""

from __future__ import annotations

import streamlit as st

from workbench.ui import home


def run() -> None:
    st.set_page_config(page_title="Safeguarding Themes Workbench", layout="wide")
    navigation = st.navigation([st.Page(home.page, title="Home", icon="🏠", default=True)])
    navigation.run()
