"""Home page: what the workbench is for, what is loaded, and the next step."""

from __future__ import annotations

import streamlit as st

from workbench.analysis.runs import list_runs
from workbench.coding.queue import latest_batch
from workbench.coding.review import list_codings
from workbench.errors import WorkbenchError
from workbench.store import corpus_stats
from workbench.ui.state import (
    current_user,
    embedder,
    embedder_kind,
    page_link,
    settings,
    show_error,
    store,
)


def page() -> None:
    st.title("Safeguarding Themes Workbench")
    st.write(
        "Thematic analysis of child-safeguarding reviews: ingest review documents, surface "
        "recurring themes, and let reviewers confirm, code and export excerpts. Machines "
        "suggest; people decide; every decision is audited."
    )
    with store().session() as session:
        stats = corpus_stats(session)
    runs = list_runs(settings().runs_dir)
    codings = list_codings(store(), status="confirmed")
    columns = st.columns(4)
    columns[0].metric("Documents", stats.documents)
    columns[1].metric("Excerpts", stats.excerpts)
    columns[2].metric("Topic runs", len(runs))
    columns[3].metric("Confirmed codings", len(codings))

    st.subheader("Next step")
    if current_user() is None:
        st.write("Sign in, or on this computer just pick a coder name:")
        page_link("sign-in", "Sign in", icon=":material/person:")
    if not stats.documents:
        st.info("No documents yet. Upload review documents on the Corpus page, or run "
                "`workbench ingest PATH` (see the README).")
        page_link("corpus", "Corpus: upload documents", icon=":material/description:")
        return
    if not runs:
        page_link("themes", "Themes: fit a topic run", icon=":material/hub:")
    user = current_user()
    if latest_batch(store()) is None:
        st.write("No theme suggestions yet. Make them here (or with `workbench suggest`), then work "
                 "the review queue.")
        if (st.button("Suggest themes", key="home-suggest", disabled=user is None or not user.can_edit)
                and user is not None):
            make_suggestions(user.name)
    page_link("review", "Review queue: confirm or reject suggested themes", icon=":material/fact_check:")
    page_link("export", "Export confirmed excerpts (CSV, Excel, Word, NVivo/ATLAS.ti/MAXQDA)",
              icon=":material/download:")

    st.subheader("Documents by year")
    st.bar_chart(stats.by_year)
    st.subheader("Documents by review type")
    st.table({"review type": list(stats.by_review_type),
              "documents": list(stats.by_review_type.values())})


def make_suggestions(actor: str) -> None:
    """Suggest themes for every excerpt with the stored codebook and the latest run."""
    from workbench.analysis.embed import embedding_cache
    from workbench.analysis.runs import latest_run
    from workbench.coding.fine_tune import tuned_embedder
    from workbench.coding.suggest import suggest
    from workbench.coding.themes import ensure_codebook, stored_codebook

    with st.status("Suggesting themes for every excerpt...", expanded=True) as status:
        try:
            if not stored_codebook(store()).themes:
                st.write("Importing the default codebook")
            codebook = ensure_codebook(store(), actor=actor)
            st.write("Embedding excerpts and scoring themes")
            result = suggest(store(), codebook, embedder(),
                             cache=embedding_cache(settings()), run=latest_run(settings().runs_dir),
                             spacy_model=settings().spacy_model, actor=actor,
                             classifier_embedder=tuned_embedder(settings().home,
                                                                settings().embedding_model,
                                                                embedder_kind()))
        except WorkbenchError as error:
            status.update(label="Could not make suggestions", state="error")
            show_error(error)
            return
        status.update(label=f"{result.suggestions} suggestions for {result.excerpts} excerpts",
                      state="complete")
