"""Corpus page: upload documents (editors), browse and filter them, read one with its codings."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from workbench.coding.queue import review_queue
from workbench.coding.review import list_codings
from workbench.coding.themes import stored_codebook
from workbench.corpus import SUPPORTED
from workbench.corpus.ingest import Ingestor, IngestReport
from workbench.corpus.metadata import METADATA_FIELDS, display_value, distinct_values, field_label
from workbench.errors import WorkbenchError
from workbench.privacy.redact import Redaction
from workbench.store import count_documents, get_document, list_documents
from workbench.ui.render import Span, highlighted_html, legend_html, theme_colours
from workbench.ui.state import require_user, settings, show_error, store

UPLOAD_TYPES = [suffix.lstrip(".") for suffix in SUPPORTED]
REPORT_KEY = "corpus_last_report"


def ingest_uploads(files: list[tuple[str, bytes]], progress: Callable[[int, int, str], None] | None = None,
                   actor: str = "system", by_file: dict[str, IngestReport] | None = None) -> IngestReport:
    """Ingest uploaded (name, bytes) files one by one; ``by_file`` receives each file's own report."""
    total, each = Ingestor(store(), settings(), actor=actor).ingest_each(files, progress)
    if by_file is not None:
        by_file.update(each)
    return total


def report_table(by_file: dict[str, IngestReport]) -> pd.DataFrame:
    """One row per file added, one per thing skipped, with the reason."""
    rows = []
    for name, report in by_file.items():
        if report.documents_added:
            rows.append({"file": name, "result": "added", "documents": report.documents_added,
                         "excerpts": report.excerpts_added, "reason": ""})
        for skipped in report.skipped:
            rows.append({"file": skipped.path, "result": "skipped", "documents": 0, "excerpts": 0,
                         "reason": skipped.reason})
        if not report.documents_added and not report.skipped:
            rows.append({"file": name, "result": "nothing found", "documents": 0, "excerpts": 0,
                         "reason": "no documents in this file"})
    return pd.DataFrame(rows, columns=["file", "result", "documents", "excerpts", "reason"])


def _upload_section(can_edit: bool, actor: str) -> None:
    st.subheader("Add documents")
    if not can_edit:
        st.info("Viewers can browse the corpus but not add to it; ask an admin for a reviewer role.")
    uploads = st.file_uploader("Review documents", type=UPLOAD_TYPES, accept_multiple_files=True,
                               key="corpus_upload", disabled=not can_edit,
                               help="Text, Markdown, Word, PDF, CSV, Excel, JSON Lines or a ZIP of these.")
    if st.button("Ingest uploaded files", key="corpus_ingest", disabled=not can_edit or not uploads):
        bar = st.progress(0.0, text="Reading files…")

        def progress(done: int, total: int, name: str) -> None:
            bar.progress(done / total, text=f"{done}/{total} files read")

        by_file: dict[str, IngestReport] = {}
        try:
            report = ingest_uploads([(f.name, f.getvalue()) for f in uploads], progress, actor, by_file)
        except WorkbenchError as exc:
            show_error(exc)
            return
        st.session_state[REPORT_KEY] = (report, report_table(by_file))
        st.cache_data.clear()
    if REPORT_KEY in st.session_state:
        report, table = st.session_state[REPORT_KEY]
        st.success(f"Added {report.documents_added} documents ({report.excerpts_added} excerpts); "
                   f"skipped {len(report.skipped)}.")
        st.dataframe(table, hide_index=True, key="corpus_report_table")


@st.cache_data(show_spinner=False)
def _document_table(home: str, n_documents: int) -> pd.DataFrame:
    """Documents with their metadata (cached per home and document count)."""
    with store().session() as session:
        rows = [{"id": d.id, "title": d.title, "source": d.source_name, "excerpts": len(d.excerpts),
                 **{k: display_value(d.meta.get(k)) for k in METADATA_FIELDS}}
                for d in list_documents(session)]
    return pd.DataFrame(rows, columns=["id", "title", "source", "excerpts", *METADATA_FIELDS])


def _filtered(table: pd.DataFrame) -> pd.DataFrame:
    """The table narrowed by each field's filter; each offers the values left by those before it."""
    columns = st.columns(len(METADATA_FIELDS))
    for column, field in zip(columns, METADATA_FIELDS, strict=True):
        options = distinct_values(table[[field]].to_dict("records"), [field])[field]
        chosen = column.multiselect(field_label(field), options, key=f"corpus_filter_{field}")
        if chosen:
            table = table[table[field].isin(chosen)]
    return table


def document_spans(document, viewer: str, colours: dict[str, str], names: dict[str, str],
                   only_mine: bool) -> tuple[list[Span], set[str]]:
    """Confirmed codings (coded) and the latest batch's undecided suggestions for ``viewer``,
    and the ids of the themes they use."""
    codings = list_codings(store(), viewer, blind=False, document_id=document.id, status="confirmed",
                           coder=viewer if only_mine else None)
    spans: list[Span] = [(c.start, c.end, colours.get(c.theme_id, ""), "coded",
                          f"{names.get(c.theme_id, c.theme_id)} ({c.coder})") for c in codings]
    used = {c.theme_id for c in codings}
    bounds = {e.id: (e.start, e.end) for e in document.excerpts}
    for item in review_queue(store(), viewer):
        if item.document_id == document.id and item.excerpt_id in bounds:
            start, end = bounds[item.excerpt_id]
            used.add(item.theme_id)
            spans.append((start, end, colours.get(item.theme_id, ""), "suggested",
                          f"{names.get(item.theme_id, item.theme_id)} ({item.score:.2f})"))
    return spans, used


def redaction_note(replacements: list | None) -> str:
    """What ingest redacted in a document, in words (never the original strings)."""
    if replacements is None:
        return "Stored as read: redaction was off when it was ingested."
    counts = Redaction.stored(replacements).counts()
    if not counts:
        return "Redacted at ingest: no personal data found."
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    return f"Redacted at ingest: {sum(counts.values())} replacements ({parts})."


def _reader(document_id: int, viewer: str) -> None:
    try:
        with store().session() as session:
            document = get_document(session, document_id)
            title, text, meta = document.title, document.text, dict(document.meta)
            redaction = redaction_note(document.redactions)
            codebook = stored_codebook(store(), include_inactive=True)
            colours = theme_colours((t.id, t.colour) for t in codebook.themes)
            names = {t.id: t.name for t in codebook.themes}
            only_mine = st.checkbox("Only my codings", key="corpus_only_mine")
            spans, used = document_spans(document, viewer, colours, names, only_mine)
    except WorkbenchError as exc:
        show_error(exc)
        return
    st.text(title)
    st.table(pd.DataFrame({"field": list(meta), "value": [str(v) for v in meta.values()]}))
    if used:
        st.html(legend_html((names.get(t, t), colours.get(t, "")) for t in sorted(used)))
    coded = sum(1 for s in spans if s[3] == "coded")
    st.caption(f"{coded} confirmed codings, {len(spans) - coded} open suggestions. {redaction}")
    st.html(highlighted_html(text, spans))


def page() -> None:
    user = require_user()
    st.title("Corpus")
    _upload_section(user.can_edit, user.name)
    st.subheader("Documents")
    with store().session() as session:
        n_documents = count_documents(session)
    if not n_documents:
        st.info("No documents yet: upload some above, or run `workbench ingest PATH`.")
        return
    table = _filtered(_document_table(str(settings().home), n_documents))
    st.dataframe(table, hide_index=True, key="corpus_documents")
    if table.empty:
        st.info("No documents match these filters.")
        return
    titles = dict(zip(table["id"], table["title"], strict=True))
    document_id = st.selectbox("Read a document", list(titles), key="corpus_document",
                               format_func=lambda i: f"{i}: {titles[i]}")
    _reader(int(document_id), user.name)
