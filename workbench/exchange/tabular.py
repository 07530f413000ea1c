"""Tabular exports of codings: CSV, XLSX, a theme x document matrix, and JSON Lines.

Every writer takes the rows of :func:`workbench.exchange.rows.coding_rows` and an output that is
either a path (written to a temporary file in the same folder, then renamed, so a failed export
leaves nothing half-written) or a binary file object (written as is).

Metadata columns: the CSV and XLSX writers add one ``meta.<key>`` column per document metadata
key. Pass ``metadata_keys=metadata_keys(store, filters)`` to stream the rows straight from the
database (the helper reads only the documents' metadata, so memory does not grow with the number
of codings). Without it the writer reads the rows into a list to collect the keys in a first
pass: simplest, and fine for tens of thousands of codings (10,000 take under two seconds).

Corpus text, titles, metadata, memos and coder names are untrusted. Every text cell of the CSV
and XLSX files goes through :func:`neutralise`, so a spreadsheet never evaluates a cell as a
formula. JSON Lines is for programs and holds the values unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from workbench.errors import BadInput
from workbench.exchange.rows import CodingRow, ExportFilter
from workbench.files import atomic_write
from workbench.store import Store
from workbench.store.documents import all_metadata

if TYPE_CHECKING:
    from openpyxl import Workbook

Output = str | os.PathLike[str] | BinaryIO
T = TypeVar("T")

COLUMNS: tuple[str, ...] = (
    "coding_id", "text", "document_id", "title", "source_name", "start", "end", "theme_path",
    "theme_id", "theme_name", "coder", "status", "created_at", "updated_at", "memo", "source", "score",
)
"""The fixed columns of the CSV and XLSX codings tables; ``meta.<key>`` columns follow, sorted."""

META_PREFIX = "meta."
BOM = b"\xef\xbb\xbf"
CODINGS_SHEET = "Codings"
COUNTS_SHEET = "Theme x document counts"
PRESENCE_SHEET = "Theme x document presence"
XLSX_MAX_CELL = 32_767  # Excel's limit on characters in one cell
XLSX_TRUNCATED = "… [truncated: Excel cells hold at most 32,767 characters; see the CSV export]"

_DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_fixed_values = attrgetter(*COLUMNS)


def neutralise(value: T) -> T:
    """Prefix an apostrophe to a string a spreadsheet could read as a formula; return others as is."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_STARTS):
        return "'" + value  # type: ignore[return-value]
    return value


def metadata_keys(store: Store, filters: ExportFilter | None = None) -> list[str]:
    """The sorted metadata keys of every document that ``filters.metadata`` admits.

    Reads only the documents' metadata, not their text or codings. The other filters are not
    applied, so the keys are a superset of those in the exported rows: no value is ever left
    out, though a column can be empty.
    """
    wanted = {k: str(v) for k, v in (filters or ExportFilter()).metadata.items()}
    keys: set[str] = set()
    with store.session() as session:
        for stored in all_metadata(session):
            meta = stored or {}
            if all(str(meta.get(k)) == v for k, v in wanted.items()):
                keys.update(str(k) for k in meta)
    return sorted(keys)


def header(keys: Sequence[str]) -> list[str]:
    """The codings table's header: :data:`COLUMNS` then one ``meta.<key>`` column per key."""
    return [*COLUMNS, *(META_PREFIX + k for k in keys)]


# -- output handling ------------------------------------------------------------------------------


@contextmanager
def _binary_output(out: Output) -> Iterator[BinaryIO]:
    """A binary handle on ``out``; a path is written via a temporary file renamed on success."""
    if not isinstance(out, (str, os.PathLike)):
        if isinstance(out, io.TextIOBase) or not callable(getattr(out, "write", None)):
            raise BadInput(
                f"cannot export to {out!r}: pass a path or a file opened in binary mode ('wb')")
        yield out
        return
    path = Path(out)
    if not path.parent.is_dir():
        raise BadInput(f"cannot write {path}: folder {path.parent} does not exist; create it first")
    with atomic_write(path, on_error=lambda exc: BadInput(
            f"cannot write {path}: {exc.strerror or exc}")) as handle:
        yield handle


class _Utf8Writer:
    """Encodes text written to it as UTF-8 onto a binary handle (what ``csv.writer`` needs)."""

    def __init__(self, binary: BinaryIO) -> None:
        self.binary = binary

    def write(self, text: str) -> int:
        self.binary.write(text.encode("utf-8", errors="replace"))
        return len(text)


@contextmanager
def _text_output(out: Output, bom: bool) -> Iterator[_Utf8Writer]:
    """A UTF-8 text writer on ``out``, after a byte-order mark when ``bom``."""
    with _binary_output(out) as binary:
        if bom:
            binary.write(BOM)
        yield _Utf8Writer(binary)


# -- cell values ----------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str:
    """ISO 8601 with an offset; stored times are UTC (SQLite hands them back without a zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _plain(value: object) -> object:
    """Datetimes as ISO strings, lists and objects as JSON text, other values unchanged."""
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _csv_cell(value: object) -> object:
    value = _plain(value)
    return "" if value is None else neutralise(value)


def _xlsx_cell(value: object) -> object:
    value = _plain(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = neutralise(_XML_ILLEGAL.sub("", str(value)))
    if len(text) > XLSX_MAX_CELL:
        text = text[:XLSX_MAX_CELL - len(XLSX_TRUNCATED)] + XLSX_TRUNCATED
    return text


def _row_values(row: CodingRow, keys: Sequence[str]) -> list[object]:
    return [*_fixed_values(row), *(row.metadata.get(k) for k in keys)]


def _with_keys(rows: Iterable[CodingRow],
               keys: Sequence[str] | None) -> tuple[Iterable[CodingRow], list[str]]:
    """The rows and their metadata keys; without keys, the rows are materialised to collect them."""
    if keys is not None:
        return rows, list(keys)
    rows = list(rows)
    return rows, sorted({str(k) for row in rows for k in row.metadata})


# -- theme x document matrix ----------------------------------------------------------------------


class _Matrix:
    """Counts of codings per (theme, document), gathered one row at a time."""

    def __init__(self) -> None:
        self.counts: defaultdict[tuple[str, str], Counter[int]] = defaultdict(Counter)
        self.titles: dict[int, str] = {}

    def add(self, row: CodingRow) -> None:
        self.counts[(row.theme_path, row.theme_id)][row.document_id] += 1
        self.titles.setdefault(row.document_id, row.title)

    def table(self, presence: bool) -> Iterator[list[object]]:
        """Header then one row per theme (sorted by path): counts, or 1/0 when ``presence``."""
        documents = sorted(self.titles)
        yield ["theme_path", "theme_id", *(f"{self.titles[d]} (id {d})" for d in documents)]
        for (path, theme_id), counts in sorted(self.counts.items()):
            values = [counts[d] for d in documents]
            yield [path, theme_id, *([int(v > 0) for v in values] if presence else values)]


# -- writers --------------------------------------------------------------------------------------


def write_csv(rows: Iterable[CodingRow], out: Output, metadata_keys: Sequence[str] | None = None) -> None:
    """Write one CSV row per coding (UTF-8 with BOM, header, ``\\r\\n`` line ends).

    With ``metadata_keys`` the rows stream through (keys not listed are left out); without it
    they are read into a list first to collect the keys.
    """
    rows, keys = _with_keys(rows, metadata_keys)
    with _text_output(out, bom=True) as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(c) for c in header(keys)])
        for row in rows:
            writer.writerow([_csv_cell(v) for v in _row_values(row, keys)])


def write_matrix_csv(rows: Iterable[CodingRow], out: Output, presence: bool = False) -> None:
    """Write the theme x document matrix as CSV (UTF-8 with BOM): coding counts, or 1/0 for presence."""
    matrix = _Matrix()
    for row in rows:
        matrix.add(row)
    with _text_output(out, bom=True) as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        for values in matrix.table(presence):
            writer.writerow([_csv_cell(v) for v in values])


def write_xlsx(rows: Iterable[CodingRow], out: Output, metadata_keys: Sequence[str] | None = None) -> None:
    """Write a workbook: "Codings" (as the CSV) and the theme x document counts and presence sheets.

    Built with openpyxl's write-only mode. Control characters XML cannot hold are dropped and
    cells longer than Excel's 32,767 characters are cut short (the CSV keeps the full text).
    ``metadata_keys`` works as in :func:`write_csv`.
    """
    from openpyxl import Workbook

    rows, keys = _with_keys(rows, metadata_keys)
    book = Workbook(write_only=True)
    try:
        codings = book.create_sheet(CODINGS_SHEET)
        codings.append([_xlsx_cell(c) for c in header(keys)])
        matrix = _Matrix()
        for row in rows:
            codings.append([_xlsx_cell(v) for v in _row_values(row, keys)])
            matrix.add(row)
        for title, presence in ((COUNTS_SHEET, False), (PRESENCE_SHEET, True)):
            sheet = book.create_sheet(title)
            for values in matrix.table(presence):
                sheet.append([_xlsx_cell(v) for v in values])
        with _binary_output(out) as handle:
            book.save(handle)
    except BaseException:
        _discard(book)
        raise


def _discard(book: Workbook) -> None:
    """Close an unsaved write-only workbook's sheets and delete their temporary files."""
    for sheet in book.worksheets:
        with suppress(Exception):
            if not sheet.closed:
                sheet.close()
        writer = getattr(sheet, "_writer", None)  # openpyxl keeps each sheet's temporary file there
        if writer is not None and isinstance(writer.out, str):
            with suppress(OSError, ValueError):
                writer.cleanup()


def write_jsonl(rows: Iterable[CodingRow], out: Output) -> None:
    """Write one JSON object per coding and line (every CodingRow field, times in ISO 8601), UTF-8.

    Values are not neutralised: the file is for programs, not spreadsheets.
    """
    names = [f.name for f in fields(CodingRow)]
    with _text_output(out, bom=False) as handle:
        for row in rows:
            record = {name: getattr(row, name) for name in names}
            record["created_at"] = _iso(row.created_at)
            record["updated_at"] = _iso(row.updated_at)
            handle.write(json.dumps(record, ensure_ascii=False, default=str))
            handle.write("\n")
