"""Home page: what the workbench is for and what is loaded."""

from __future__ import annotations

import streamlit as st

from workbench.store import corpus_stats
from workbench.ui.state import store


def page() -> None:
    st.title("Safeguarding Themes Workbench")
    st.write(
        "Thematic analysis of child-safeguarding reviews: ingest review documents, surface "
        "recurring themes, and let reviewers confirm, code and export excerpts. Machines "
        "suggest; people decide; every decision is audited."
    )
    with store().session() as session:
        stats = corpus_stats(session)
    left, right = st.columns(2)
    left.metric("Documents", stats["documents"])
    right.metric("Excerpts", stats["excerpts"])
    if not stats["documents"]:
        st.info("No documents yet. Load some with `workbench ingest PATH` (see the README).")
        return
    st.subheader("Documents by year")
    st.bar_chart(stats["by_year"])
    st.subheader("Documents by review type")
    st.table({"review type": list(stats["by_review_type"]),
              "documents": list(stats["by_review_type"].values())})
