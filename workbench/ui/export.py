"""Export page: filter the codings, preview what matches, and download them in one of eight formats."""

from __future__ import annotations

import datetime as dt
import io
from itertools import islice

import streamlit as st

from workbench.coding.codebook import theme_path
from workbench.coding.review import STATUSES, list_codings
from workbench.coding.themes import stored_codebook
from workbench.corpus.metadata import FILTER_FIELDS, field_values
from workbench.errors import WorkbenchError
from workbench.exchange.registry import (
    DEFAULT_TITLE,
    EXPORT_FORMATS,
    ExportOptions,
    export,
    file_name,
)
from workbench.exchange.rows import ExportFilter, coding_rows
from workbench.ui.state import require_user, settings, show_error, store

FORMATS: dict[str, tuple[str, str, str]] = {
    name: (f.description, f.suffix, f.media_type) for name, f in EXPORT_FORMATS.items()}
"""format name -> (label, file name suffix, media type), from the library's registry."""
ANY = "(any)"
PREVIEW_ROWS = 20
FILE_KEY = "export_file"


def build_export(fmt: str, filters: ExportFilter, title: str,
                 presence: bool = False) -> tuple[str, bytes, str]:
    """Write the codings passing ``filters`` in format ``fmt`` into memory: (file name, content, MIME)."""
    name = file_name(fmt, title)  # refuses an unknown format before anything is written
    data = io.BytesIO()
    export(store(), fmt, data, filters, ExportOptions(title=title, presence=presence))
    return name, data.getvalue(), EXPORT_FORMATS[fmt].media_type


@st.cache_data(ttl=60, show_spinner=False)
def _metadata_options(home: str) -> dict[str, list[str]]:
    """The values each metadata field takes in the corpus (``home`` keys the cache)."""
    return field_values(store(), FILTER_FIELDS)


def _date_range() -> tuple[dt.datetime | None, dt.datetime | None]:
    use = st.checkbox("Only codings changed in a date range", key="export_use_dates")
    today = dt.datetime.now(dt.UTC).date()
    chosen = st.date_input("Changed between (UTC dates)", value=(today - dt.timedelta(days=30), today),
                           disabled=not use, key="export_dates")
    if not use or not chosen:
        return None, None
    dates = list(chosen) if isinstance(chosen, (tuple, list)) else [chosen]
    first, last = dates[0], dates[-1]
    return (dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC),
            dt.datetime.combine(last, dt.time.max, tzinfo=dt.UTC))


def _filters() -> ExportFilter:
    """The export filters chosen with the page's widgets."""
    codebook = stored_codebook(store())
    names = {t.id: theme_path(codebook, t.id) for t in codebook.themes}
    themes = st.multiselect("Themes (sub-themes are included; none = all themes)", list(names),
                            format_func=lambda t: names.get(t, t), key="export_themes")
    left, right = st.columns(2)
    statuses = left.multiselect("Statuses (none = any status)", list(STATUSES), default=["confirmed"],
                                key="export_statuses")
    coders = right.multiselect("Coders (none = all coders)", sorted({c.coder for c in list_codings(store())}),
                               key="export_coders")
    options = _metadata_options(str(settings().home))
    metadata = {}
    for column, key in zip(st.columns(len(FILTER_FIELDS)), FILTER_FIELDS, strict=True):
        value = column.selectbox(key.replace("_", " ").capitalize(), [ANY, *options[key]],
                                 key=f"export_meta_{key}")
        if value != ANY:
            metadata[key] = value
    since, until = _date_range()
    return ExportFilter(themes=tuple(themes), statuses=tuple(statuses), coders=tuple(coders),
                        metadata=metadata, since=since, until=until)


def _preview(filters: ExportFilter) -> int:
    """Show how many codings match and the first rows; returns the count."""
    rows = coding_rows(store(), filters)
    first = list(islice(rows, PREVIEW_ROWS))
    count = len(first) + sum(1 for _ in rows)
    st.subheader("Preview")
    st.write(f"**{count}** coding{'' if count == 1 else 's'} match these filters.")
    if first:
        st.dataframe([{"document": r.document_id, "title": r.title, "theme": r.theme_path, "coder": r.coder,
                       "status": r.status, "excerpt": r.text} for r in first], hide_index=True)
    return count


def _download(fmt: str, filters: ExportFilter, title: str, presence: bool) -> None:
    signature = repr((fmt, filters, title, presence))
    if st.button("Prepare download", key="export_prepare"):
        try:
            with st.spinner("Preparing the file…"):
                name, data, mime = build_export(fmt, filters, title, presence)
        except WorkbenchError as exc:
            show_error(exc)
            return
        st.session_state[FILE_KEY] = {"signature": signature, "name": name, "data": data, "mime": mime}
    prepared = st.session_state.get(FILE_KEY)
    if prepared is None or prepared["signature"] != signature:
        return
    st.success(f"{prepared['name']} is ready ({len(prepared['data']):,} bytes).")
    st.download_button(f"Download {prepared['name']}", prepared["data"], file_name=prepared["name"],
                       mime=prepared["mime"], key="export_download")


def page() -> None:
    require_user()
    st.title("Export")
    st.write("Choose which codings to export and a format, check the preview, then prepare the file "
             "and download it. Anyone signed in may export.")
    filters = _filters()
    fmt = st.selectbox("Format", list(EXPORT_FORMATS), format_func=lambda k: EXPORT_FORMATS[k].description,
                       key="export_format")
    if fmt == "qdc":
        st.caption("The REFI-QDA codebook holds the whole codebook; the filters do not apply to it.")
    presence = fmt == "matrix-csv" and st.checkbox(
        "Presence (1 or 0) instead of the number of codings", key="export_presence")
    title = st.text_input("Title (for reports and the file name)", value=DEFAULT_TITLE, key="export_title")
    _preview(filters)
    _download(fmt, filters, title.strip() or DEFAULT_TITLE, presence)
