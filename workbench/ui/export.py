"""Export page: filter the codings, preview what matches, and download them in one of eight formats."""

from __future__ import annotations

import datetime as dt
import io
import re
from itertools import islice

import streamlit as st

from workbench.coding.review import STATUSES, list_codings
from workbench.coding.themes import stored_codebook
from workbench.errors import WorkbenchError
from workbench.exchange.qdc import codebook_to_qdc
from workbench.exchange.qdpx import write_qdpx
from workbench.exchange.report import build_report, write_docx, write_html
from workbench.exchange.rows import ExportFilter, coding_rows, theme_path
from workbench.exchange.tabular import metadata_keys, write_csv, write_jsonl, write_matrix_csv, write_xlsx
from workbench.store import list_documents
from workbench.ui.state import require_user, settings, show_error, store

# key -> (label, file name suffix, MIME type)
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("CSV (one row per coding)", ".csv", "text/csv"),
    "xlsx": ("Excel workbook", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("Word report", ".docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": ("HTML report", ".html", "text/html"),
    "qdpx": ("REFI-QDA project (.qdpx)", ".qdpx", "application/zip"),
    "qdc": ("REFI-QDA codebook (.qdc)", ".qdc", "application/xml"),
    "jsonl": ("JSON Lines", ".jsonl", "application/x-ndjson"),
    "matrix": ("Theme x document matrix (CSV)", "-matrix.csv", "text/csv"),
}
METADATA_FIELDS = ("region", "year", "review_type")
ANY = "(any)"
PREVIEW_ROWS = 20
FILE_KEY = "export_file"


def file_stem(title: str) -> str:
    """A safe file name stem from a report title: 'Coded excerpts' -> 'coded-excerpts'."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "export"


def build_export(fmt: str, filters: ExportFilter, title: str) -> tuple[str, bytes, str]:
    """Write the codings passing ``filters`` in format ``fmt`` into memory: (file name, content, MIME)."""
    if fmt not in FORMATS:
        raise WorkbenchError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _, suffix, mime = FORMATS[fmt]
    data = io.BytesIO()
    db = store()
    if fmt == "csv":
        write_csv(coding_rows(db, filters), data, metadata_keys=metadata_keys(db, filters))
    elif fmt == "xlsx":
        write_xlsx(coding_rows(db, filters), data, metadata_keys=metadata_keys(db, filters))
    elif fmt == "jsonl":
        write_jsonl(coding_rows(db, filters), data)
    elif fmt == "matrix":
        write_matrix_csv(coding_rows(db, filters), data)
    elif fmt == "docx":
        write_docx(build_report(db, filters, title=title), data)
    elif fmt == "html":
        write_html(build_report(db, filters, title=title), data)
    elif fmt == "qdpx":
        write_qdpx(db, data, filters, name=title)
    else:
        data.write(codebook_to_qdc(stored_codebook(db)))
    return file_stem(title) + suffix, data.getvalue(), mime


@st.cache_data(ttl=60, show_spinner=False)
def _metadata_options(home: str) -> dict[str, list[str]]:
    """The values each metadata field takes in the corpus (``home`` keys the cache)."""
    with store().session() as session:
        metas = [d.meta or {} for d in list_documents(session)]
    return {key: sorted({str(m[key]) for m in metas if m.get(key) is not None}) for key in METADATA_FIELDS}


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
                            format_func=names.get, key="export_themes")
    left, right = st.columns(2)
    statuses = left.multiselect("Statuses (none = any status)", list(STATUSES), default=["confirmed"],
                                key="export_statuses")
    coders = right.multiselect("Coders (none = all coders)", sorted({c.coder for c in list_codings(store())}),
                               key="export_coders")
    options = _metadata_options(str(settings().home))
    metadata = {}
    for column, key in zip(st.columns(len(METADATA_FIELDS)), METADATA_FIELDS, strict=True):
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


def _download(fmt: str, filters: ExportFilter, title: str) -> None:
    signature = repr((fmt, filters, title))
    if st.button("Prepare download", key="export_prepare"):
        try:
            with st.spinner("Preparing the file…"):
                name, data, mime = build_export(fmt, filters, title)
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
    fmt = st.selectbox("Format", list(FORMATS), format_func=lambda k: FORMATS[k][0], key="export_format")
    if fmt == "qdc":
        st.caption("The REFI-QDA codebook holds the whole codebook; the filters do not apply to it.")
    title = st.text_input("Title (for reports and the file name)", value="Coded excerpts", key="export_title")
    _preview(filters)
    _download(fmt, filters, title.strip() or "Coded excerpts")
