"""The export formats, in one place for the command line and the app, and one call to write any.

``export(store, "csv", "codings.csv", filters)`` writes to a path the way each writer always
has (tabular files and projects through a temporary file renamed on success);
``export(store, "csv", buffer, filters)`` writes into a binary file object, for a download.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench.coding.themes import stored_codebook
from workbench.errors import BadInput
from workbench.exchange import report as reports
from workbench.exchange import tabular
from workbench.exchange.qdc import codebook_to_qdc, save_qdc
from workbench.exchange.qdpx import DEFAULT_NAME, write_qdpx
from workbench.exchange.rows import CodingRow, ExportFilter, coding_rows
from workbench.store import Store

Output = str | Path | BinaryIO
DEFAULT_TITLE = "Coded excerpts"


@dataclass(frozen=True)
class ExportFormat:
    """A format's name (as the CLI's --format takes it), file name suffix, description, media type."""

    name: str
    suffix: str
    description: str
    media_type: str


@dataclass(frozen=True)
class ExportOptions:
    """``title``: the reports' title and the REFI-QDA project's name (None: each one's default);
    ``presence``: matrix-csv cells are 1/0 instead of coding counts."""

    title: str | None = None
    presence: bool = False


@dataclass(frozen=True)
class ExportResult:
    """The format written and how many codings it holds (0 for the codebook, qdc)."""

    format: str
    rows: int


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXPORT_FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("csv", ".csv", "CSV (one row per coding)", "text/csv"),
    ExportFormat("xlsx", ".xlsx", "Excel workbook", _XLSX),
    ExportFormat("docx", ".docx", "Word report", _DOCX),
    ExportFormat("html", ".html", "HTML report", "text/html"),
    ExportFormat("qdpx", ".qdpx", "REFI-QDA project (.qdpx)", "application/zip"),
    ExportFormat("qdc", ".qdc", "REFI-QDA codebook (.qdc)", "application/xml"),
    ExportFormat("jsonl", ".jsonl", "JSON Lines", "application/x-ndjson"),
    ExportFormat("matrix-csv", "-matrix.csv", "Theme x document matrix (CSV)", "text/csv"),
)}
"""Every export format by name, in the order the CLI and the app list them."""


def export_format(name: str) -> ExportFormat:
    """The format called ``name``; BadInput naming the valid ones otherwise."""
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise BadInput(f"unknown export format {name!r}; choose one of "
                       f"{', '.join(EXPORT_FORMATS)}") from None


def file_name(format_name: str, title: str) -> str:
    """A safe file name for an export titled ``title``: ('csv', 'Coded excerpts') -> 'coded-excerpts.csv'."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "export"
    return stem + export_format(format_name).suffix


def export(store: Store, format_name: str, out: Output, filters: ExportFilter,
           options: ExportOptions = ExportOptions()) -> ExportResult:
    """Write the codings passing ``filters`` (the whole codebook, for qdc) to ``out`` in one format."""
    fmt = export_format(format_name)
    return ExportResult(fmt.name, _WRITERS[fmt.name](store, out, filters, options))


class _Counted:
    """The coding rows passing the filters, counted as a writer streams them."""

    def __init__(self, store: Store, filters: ExportFilter) -> None:
        self.count = 0
        self._rows = coding_rows(store, filters)

    def __iter__(self) -> Iterator[CodingRow]:
        for row in self._rows:
            self.count += 1
            yield row


Writer = Callable[[Store, Output, ExportFilter, ExportOptions], int]
"""Writes one format; returns the number of codings written."""


def _csv(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    rows = _Counted(store, filters)
    tabular.write_csv(rows, out, metadata_keys=tabular.metadata_keys(store, filters))
    return rows.count


def _xlsx(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    rows = _Counted(store, filters)
    tabular.write_xlsx(rows, out, metadata_keys=tabular.metadata_keys(store, filters))
    return rows.count


def _jsonl(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    rows = _Counted(store, filters)
    tabular.write_jsonl(rows, out)
    return rows.count


def _matrix(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    rows = _Counted(store, filters)
    tabular.write_matrix_csv(rows, out, presence=options.presence)
    return rows.count


def _report(write: Callable[[reports.Report, Output], None]) -> Writer:
    def writer(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
        report = reports.build_report(store, filters, title=options.title or DEFAULT_TITLE)
        write(report, out)
        return report.excerpt_count  # one per coding, counted as the report read them
    return writer


def _qdpx(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    return write_qdpx(store, out, filters, name=options.title or DEFAULT_NAME)["codings"]


def _qdc(store: Store, out: Output, filters: ExportFilter, options: ExportOptions) -> int:
    codebook = stored_codebook(store)
    if isinstance(out, str | Path):
        save_qdc(codebook, out)
    else:
        out.write(codebook_to_qdc(codebook))
    return 0


_WRITERS: dict[str, Writer] = {
    "csv": _csv, "xlsx": _xlsx, "docx": _report(reports.write_docx),
    "html": _report(reports.write_html), "qdpx": _qdpx, "qdc": _qdc, "jsonl": _jsonl,
    "matrix-csv": _matrix,
}
