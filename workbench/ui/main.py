"""Page registry: the app's navigation."""

from __future__ import annotations

import streamlit as st

from workbench.ui import agreement, codebook, corpus, export, home, review, signin, themes
from workbench.ui.state import current_user, register_pages


def run() -> None:
    st.set_page_config(page_title="Safeguarding Themes Workbench", layout="wide")
    user = current_user()
    pages = [
        st.Page(home.page, title="Home", icon=":material/home:", default=True, url_path="home"),
        st.Page(signin.page, title="Sign in" if user is None else f"Signed in: {user.name}",
                icon=":material/person:", url_path="sign-in"),
        st.Page(corpus.page, title="Corpus", icon=":material/description:", url_path="corpus"),
        st.Page(themes.page, title="Themes", icon=":material/hub:", url_path="themes"),
        st.Page(review.page, title="Review queue", icon=":material/fact_check:", url_path="review"),
        st.Page(codebook.page, title="Codebook", icon=":material/menu_book:", url_path="codebook"),
        st.Page(agreement.page, title="Agreement", icon=":material/handshake:", url_path="agreement"),
        st.Page(export.page, title="Export", icon=":material/download:", url_path="export"),
    ]
    register_pages({p.url_path: p for p in pages})
    st.navigation(pages).run()
