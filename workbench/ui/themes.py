"""Themes page: topic runs (choose or fit), topics, an intertopic map, theme frequencies and
co-occurrence, each number clickable through to the excerpts behind it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from workbench.analysis.runs import Run, fit_run, list_runs, load_run
from workbench.analysis.topics import MODELS_DIR, TopicConfig
from workbench.analysis.views import (
    co_coded,
    coded_frame,
    cooccurrence,
    excerpt_frame,
    intertopic_map,
    theme_frequency,
    topic_excerpts,
    topic_rows,
)
from workbench.coding.themes import stored_codebook
from workbench.errors import WorkbenchError
from workbench.store import count_excerpts
from workbench.ui.state import embedder, require_user, settings, show_error, store

PENDING_RUN = "themes_pending_run"
FIT_MESSAGE = "themes_fit_message"
NO_RUNS = ("No topic runs yet. Fit one below from a model config (models/fast.toml is quick), "
           "or on the server with `workbench model fit`.")


def config_files() -> list[Path]:
    return sorted(MODELS_DIR.glob("*.toml"))


def _fit_section(can_edit: bool, actor: str) -> None:
    with st.expander("Fit a new run", expanded=not list_runs(settings().runs_dir)):
        if not can_edit:
            st.info("Viewers cannot fit runs; ask an admin for a reviewer role.")
        configs = {p.name: p for p in config_files()}
        name = st.selectbox("Model config", list(configs), key="themes_config", disabled=not can_edit)
        if not st.button("Fit a new run", key="themes_fit", disabled=not can_edit or not name):
            return
        with st.status(f"Fitting a topic run with {name}…", expanded=True) as status:
            try:
                config = TopicConfig.from_toml(configs[name])
                run = fit_run(store(), settings(), config, embedder(), codebook=stored_codebook(store()),
                             progress=st.text, actor=actor)
            except WorkbenchError as exc:
                status.update(label="Fitting failed", state="error")
                show_error(exc)
                return
            status.update(label=f"Fitted run {run.run_id}", state="complete")
        st.session_state[PENDING_RUN] = run.run_id
        st.session_state[FIT_MESSAGE] = (f"Fitted run {run.run_id}: "
                                         f"{run.metrics['n_topics']} topics.")
        st.rerun()


@st.cache_data(show_spinner=False)
def _load_run(runs_dir: str, run_id: str) -> Run:
    return load_run(runs_dir, run_id)


@st.cache_data(show_spinner=False)
def _excerpts(home: str, n_excerpts: int) -> pd.DataFrame:
    """Every excerpt with its document title (cached per home and excerpt count)."""
    return excerpt_frame(store())


def topic_table(run: Run, theme_names: dict[str, str]) -> pd.DataFrame:
    """The run's topics (outliers left out), theme ids shown as names."""
    rows = [{"id": t.id, "label": t.label, "size": t.size, "top words": ", ".join(t.words),
             "theme": theme_names.get(t.theme, t.theme) if t.theme else "emergent"}
            for t in topic_rows(run.topics) if t.id >= 0]
    return pd.DataFrame(rows, columns=["id", "label", "size", "top words", "theme"])


def _topics_section(run: Run, theme_names: dict[str, str]) -> None:
    st.subheader("Topics")
    table = topic_table(run, theme_names)
    st.dataframe(table, hide_index=True, key="themes_topic_table")
    if table.empty:
        st.info("This run found no topics (every excerpt is an outlier).")
        return
    labels = dict(zip(table["id"], table["label"], strict=True))
    topic_id = st.selectbox("Topic", list(labels), key="themes_topic",
                            format_func=lambda i: f"{i}: {labels[i]}")
    topic = next(t for t in run.topics if t["id"] == topic_id)
    words = pd.DataFrame(topic["words"][:10], columns=["word", "weight"]).set_index("word")
    st.bar_chart(words, horizontal=True)
    excerpts = _excerpts(str(settings().home), _n_excerpts())
    ids = topic_excerpts(run.assignments, topic_id)
    st.caption(f"{len(ids)} excerpts in topic {topic_id}")
    st.dataframe(excerpts[excerpts["excerpt_id"].isin(ids)][["title", "text"]], hide_index=True,
                 key="themes_topic_excerpts")
    if len(table) >= 2:
        st.subheader("Intertopic distance map")
        st.caption("Topic centroids projected to two dimensions (PCA); point size is topic size.")
        st.scatter_chart(intertopic_map(run.topics, run.centroids), x="x", y="y", size="size")


def _n_excerpts() -> int:
    with store().session() as session:
        return count_excerpts(session)


def _frequency_section(coded: pd.DataFrame) -> None:
    st.subheader("Theme frequency")
    by = st.radio("By", ["year", "region"], horizontal=True, key="themes_freq_by")
    counts = theme_frequency(coded, by)
    st.dataframe(counts, key="themes_freq_table")
    theme = st.selectbox("Theme", list(counts.index), key="themes_freq_theme")
    value = st.selectbox(by.capitalize(), list(counts.columns), key="themes_freq_value")
    chosen = coded[(coded["theme"] == theme) & (coded[by] == value)]
    st.caption(f"{len(chosen)} confirmed codings of this theme in this {by}")
    st.dataframe(chosen[["title", "text"]], hide_index=True, key="themes_freq_excerpts")


def _cooccurrence_section(coded: pd.DataFrame) -> None:
    st.subheader("Theme co-occurrence")
    unit = st.radio("Co-coded on the same", ["excerpt", "document"], horizontal=True, key="themes_cooc_unit")
    matrix = cooccurrence(coded, unit)
    st.dataframe(matrix.style.background_gradient(cmap="Blues"), key="themes_cooc_table")
    left, right = st.columns(2)
    a = left.selectbox("Theme", list(matrix.index), key="themes_cooc_a")
    b = right.selectbox("with theme", list(matrix.index), key="themes_cooc_b")
    count, chosen = co_coded(coded, unit, a, b)
    st.caption(f"{count} {unit}s coded with both")
    st.dataframe(chosen[["title", "theme", "text"]], hide_index=True, key="themes_cooc_excerpts")


def _choose_run() -> Run | None:
    runs = list(reversed(list_runs(settings().runs_dir)))
    if not runs:
        st.info(NO_RUNS)
        return None
    if PENDING_RUN in st.session_state:
        st.session_state["themes_run"] = st.session_state.pop(PENDING_RUN)
    by_id = {r.run_id: r for r in runs}
    run_id = st.selectbox("Topic run (latest first)", list(by_id), key="themes_run",
                          format_func=lambda i: f"{i} ({by_id[i].n_topics} topics)")
    try:
        return _load_run(str(settings().runs_dir), run_id)
    except WorkbenchError as exc:
        show_error(exc)
        return None


def page() -> None:
    user = require_user()
    st.title("Themes")
    if FIT_MESSAGE in st.session_state:
        st.success(st.session_state.pop(FIT_MESSAGE))
    run = _choose_run()
    _fit_section(user.can_edit, user.name)
    if run is not None:
        codebook = stored_codebook(store(), include_inactive=True)
        _topics_section(run, {t.id: t.name for t in codebook.themes})
    coded = coded_frame(store())
    if coded.empty:
        st.info("No confirmed codings yet: confirm suggestions on the Review queue page to see theme "
                "frequencies and co-occurrence.")
        return
    _frequency_section(coded)
    _cooccurrence_section(coded)
