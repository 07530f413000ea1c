"""The export registry: one list of formats, one export call to a path or a binary file (fictional data)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace

import pytest

from workbench.coding.review import code_span
from workbench.coding.themes import ensure_codebook
from workbench.corpus.ingest import Ingestor
from workbench.errors import BadInput
from workbench.exchange import registry
from workbench.exchange.qdpx import DEFAULT_NAME
from workbench.exchange.registry import EXPORT_FORMATS, ExportOptions, ExportResult, export, file_name
from workbench.exchange.rows import ExportFilter

NAMES = ["csv", "xlsx", "docx", "html", "qdpx", "qdc", "jsonl", "matrix-csv"]
FIRST = "Background\n\nThe family moved house twice in one year.\n\nSchool attendance fell sharply."
SECOND = "Summary\n\nNobody asked who else lived in the home."


@pytest.fixture
def coded(store, settings):
    """Two fictional documents; three confirmed codings (two of one theme in one document), one rejected."""
    Ingestor(store, replace(settings, redact=False), manifest={"one.txt": {"region": "Wessex"}}
             ).ingest_bytes([("one.txt", FIRST.encode()), ("two.txt", SECOND.encode())])
    theme = ensure_codebook(store, actor="admin").codable[0].id
    with store.session() as s:
        from workbench.store import list_documents

        spans = [(d.id, e.start, e.end) for d in list_documents(s) for e in d.excerpts]
    for document_id, start, end in spans:
        code_span(store, document_id, start, end, theme, "alice")
    code_span(store, *spans[0], theme, "bob", status="rejected")
    return store, theme


def test_formats_are_listed_once_in_order():
    assert list(EXPORT_FORMATS) == NAMES
    for name, fmt in EXPORT_FORMATS.items():
        assert fmt.name == name and fmt.suffix.startswith((".", "-")) and fmt.description
        assert "/" in fmt.media_type
    assert file_name("matrix-csv", "Coded excerpts!") == "coded-excerpts-matrix.csv"
    assert file_name("csv", "???") == "export.csv"


def test_an_unknown_format_names_the_valid_ones(coded, tmp_path):
    store, _ = coded
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BadInput) as info:
        export(store, "matrix", out / "out.csv", ExportFilter())
    assert str(info.value) == ("unknown export format 'matrix'; choose one of csv, xlsx, docx, html, "
                               "qdpx, qdc, jsonl, matrix-csv")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", NAMES)
def test_every_format_writes_to_a_path_and_to_a_binary_file(coded, tmp_path, name):
    store, _ = coded
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / f"codings{EXPORT_FORMATS[name].suffix}"
    result = export(store, name, path, ExportFilter())
    assert result == ExportResult(name, 0 if name == "qdc" else 3)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    buffer = io.BytesIO()
    assert export(store, name, buffer, ExportFilter()) == result
    if name in ("csv", "jsonl", "matrix-csv", "qdc"):
        assert buffer.getvalue() == path.read_bytes()
    elif name in ("xlsx", "docx", "qdpx"):
        assert zipfile.is_zipfile(buffer) and zipfile.is_zipfile(path)
    else:
        assert buffer.getvalue().startswith(b"<!DOCTYPE html")


def test_rows_are_counted_as_they_stream(coded, monkeypatch):
    store, _ = coded
    calls = []
    real = registry.coding_rows

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "coding_rows", counting)
    for name in ("csv", "xlsx", "jsonl", "matrix-csv"):
        calls.clear()
        assert export(store, name, io.BytesIO(), ExportFilter(coders=("alice",))).rows == 3
        assert len(calls) == 1, name
    assert export(store, "csv", io.BytesIO(), ExportFilter(statuses=("rejected",))).rows == 1


def test_presence_makes_the_matrix_one_or_zero(coded):
    store, theme = coded
    tables = {}
    for presence in (False, True):
        out = io.BytesIO()
        export(store, "matrix-csv", out, ExportFilter(), ExportOptions(presence=presence))
        tables[presence] = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    header, *rows = tables[False]
    assert header[:2] == ["theme_path", "theme_id"]
    [row] = rows
    assert row[1] == theme and sorted(row[2:]) == ["1", "2"]
    assert sorted(tables[True][1][2:]) == ["1", "1"]


def test_the_title_names_reports_and_projects(coded):
    store, _ = coded
    html = io.BytesIO()
    export(store, "html", html, ExportFilter(), ExportOptions(title="Wessex themes"))
    assert b"<title>Wessex themes</title>" in html.getvalue()
    default = io.BytesIO()
    export(store, "html", default, ExportFilter())
    assert b"<title>Coded excerpts</title>" in default.getvalue()
    names = []
    for options in (ExportOptions(), ExportOptions(title="Wessex themes")):
        project = io.BytesIO()
        export(store, "qdpx", project, ExportFilter(), options)
        with zipfile.ZipFile(project) as archive:
            names.append(ET.fromstring(archive.read("project.qde")).get("name"))
    assert names == [DEFAULT_NAME, "Wessex themes"]
