"""CSV, XLSX and JSON-lines files: one row (or line) per document.

The text comes from the first of ``Settings.text_columns`` present, the title from the first
of ``Settings.title_columns``; every other column is kept as metadata.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from workbench.corpus.document import Skipped, SourceDocument
from workbench.corpus.text import decode
from workbench.errors import UnreadableDocument

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def json_value(value: object) -> object:
    """A metadata value made JSON-friendly: whole floats become ints, dates ISO strings."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit() and len(value) <= 6:
            return int(value)
    return value


def _pick(columns: Sequence[str], wanted: Sequence[str]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns if c}
    for name in wanted:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def rows_to_documents(
    name: str,
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[object]]],
    text_columns: Sequence[str],
    title_columns: Sequence[str],
    unit: str = "row",
) -> Iterator[SourceDocument | Skipped]:
    """Turn (row number, values) pairs into documents; empty rows become Skipped."""
    header = [str(h).strip() if h is not None else "" for h in header]
    text_col = _pick(header, text_columns)
    if text_col is None:
        raise UnreadableDocument(
            f"{name}: no text column; expected one of {', '.join(text_columns)} "
            f"(found {', '.join(h for h in header if h) or 'no header'}); rename the column or set "
            "WORKBENCH_TEXT_COLUMNS"
        )
    title_col = _pick(header, title_columns)
    for number, values in rows:
        record = {h: values[i] if i < len(values) else None for i, h in enumerate(header) if h}
        if all(v in (None, "") for v in record.values()):
            continue
        text = record.pop(text_col)
        where = f"{name}#{unit}={number}"
        if text is None or not str(text).strip():
            yield Skipped(where, f"{where}: empty text in column {text_col!r}")
            continue
        title = str(record.pop(title_col) or "") if title_col else ""
        metadata = {k: json_value(v) for k, v in record.items() if v not in (None, "")}
        yield SourceDocument(source_name=where, text=str(text), title=title, metadata=metadata)


def read_csv(name: str, data: bytes, text_columns, title_columns) -> Iterator[SourceDocument | Skipped]:
    text = decode(data, name)
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=header_line.count)  # sniff the header only: bodies hold commas
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableDocument(f"{name}: empty file") from None
    except csv.Error as exc:
        raise UnreadableDocument(f"{name}: not valid CSV ({exc})") from exc
    yield from rows_to_documents(
        name, header, ((i, row) for i, row in enumerate(reader, start=2)), text_columns, title_columns
    )


def read_xlsx(name: str, data: bytes, text_columns, title_columns) -> Iterator[SourceDocument | Skipped]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocument(
            f"{name}: not a readable Excel workbook ({type(exc).__name__}); re-save it as .xlsx"
        ) from exc
    found = False
    problems = []
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            where = name if len(book.worksheets) == 1 else f"{name}!{sheet.title}"
            try:
                docs = list(rows_to_documents(
                    where, header, ((i, r) for i, r in enumerate(rows, start=2)),
                    text_columns, title_columns,
                ))
            except UnreadableDocument as exc:
                problems.append(str(exc))
                continue
            found = True
            yield from docs
    finally:
        book.close()
    if not found:
        raise UnreadableDocument(problems[0] if problems else f"{name}: the workbook has no rows")


def read_jsonl(name: str, data: bytes, text_columns, title_columns) -> Iterator[SourceDocument | Skipped]:
    text = decode(data, name)
    objects: list[tuple[int, dict]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}#line={number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"{where}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield Skipped(where, f"{where}: expected a JSON object, got {type(obj).__name__}")
            continue
        objects.append((number, obj))
    keys: list[str] = []
    for _, obj in objects:
        keys.extend(k for k in obj if k not in keys)
    if objects and _pick(keys, text_columns) is None:
        raise UnreadableDocument(
            f"{name}: no text field; expected one of {', '.join(text_columns)}; "
            "rename the field or set WORKBENCH_TEXT_COLUMNS"
        )
    for number, obj in objects:
        row = [obj.get(k) for k in keys]
        yield from rows_to_documents(
            name, keys, [(number, row)], text_columns, title_columns, unit="line"
        )
