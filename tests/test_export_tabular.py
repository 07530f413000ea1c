"""CSV, XLSX, matrix and JSON Lines exports: content, filters, formula neutralisation, atomic writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import fields

import pytest
from export_fixtures import coded_store
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from workbench.coding.codebook import load_codebook, theme_path
from workbench.coding.review import code_span
from workbench.coding.themes import import_codebook, stored_codebook
from workbench.corpus.ingest import Ingestor
from workbench.errors import WorkbenchError
from workbench.exchange.rows import CodingRow, ExportFilter, coding_rows
from workbench.exchange.tabular import (
    BOM,
    COLUMNS,
    COUNTS_SHEET,
    PRESENCE_SHEET,
    metadata_keys,
    neutralise,
    write_csv,
    write_jsonl,
    write_matrix_csv,
    write_xlsx,
)
from workbench.privacy.redact import Redaction
from workbench.store import list_documents
from workbench.store.models import Coding

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
META_COLUMNS = ["meta.child_age_band", "meta.harm_type", "meta.region", "meta.review_type", "meta.year"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def export_csv(rows, **kwargs) -> tuple[list[str], list[dict[str, str]]]:
    out = io.BytesIO()
    write_csv(rows, out, **kwargs)
    header, *body = read_csv(out.getvalue())
    return header, [dict(zip(header, r, strict=True)) for r in body]


def stored_codings(store, status: str = "confirmed") -> list[Coding]:
    with store.session() as session:
        return list(session.scalars(select(Coding).where(
            Coding.status == status, Coding.withdrawn.is_(False))))


def expected_matrix(store) -> tuple[list[str], dict[str, list[int]]]:
    """Document labels and, per theme path, coding counts per document, counted from the database."""
    counts = Counter((c.theme_id, c.document_id) for c in stored_codings(store))
    codebook = stored_codebook(store, include_inactive=True)
    with store.session() as session:
        titles = {d.id: d.title for d in list_documents(session)}
    doc_ids = sorted({d for _, d in counts})
    themes = sorted({t for t, _ in counts}, key=lambda t: (theme_path(codebook, t), t))
    labels = [f"{titles[d]} (id {d})" for d in doc_ids]
    return labels, {theme_path(codebook, t): [counts[(t, d)] for d in doc_ids] for t in themes}


# -- neutralise ---------------------------------------------------------------------------------


def test_neutralise_examples():
    assert neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert neutralise("+1+1") == "'+1+1"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\tTAB") == "'\tTAB"
    assert neutralise("\rCR") == "'\rCR"
    assert neutralise("plain = text") == "plain = text"
    assert neutralise("") == ""
    assert neutralise(-5) == -5
    assert neutralise(None) is None


@given(st.sampled_from(DANGEROUS), st.text())
def test_neutralise_prefixes_every_dangerous_start(first, rest):
    value = first + rest
    assert neutralise(value) == "'" + value


@given(st.text().filter(lambda s: not s.startswith(DANGEROUS)))
def test_neutralise_leaves_other_strings_alone(value):
    assert neutralise(value) == value


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_content(store, settings, tmp_path):
    coded_store(store, settings)
    path = tmp_path / "codings.csv"
    write_csv(coding_rows(store), path)
    data = path.read_bytes()
    assert data.startswith(BOM)
    assert data[len(BOM):].split(b"\r\n", 1)[0].decode() == ",".join([*COLUMNS, *META_COLUMNS])
    assert data.endswith(b"\r\n")
    header, *body = read_csv(data)
    assert header == [*COLUMNS, *META_COLUMNS]
    records = [dict(zip(header, r, strict=True)) for r in body]
    confirmed = stored_codings(store)
    assert len(records) == len(confirmed) > 50
    assert sorted(int(r["coding_id"]) for r in records) == sorted(c.id for c in confirmed)
    assert {r["status"] for r in records} == {"confirmed"}

    # gold: 002-baby-n-sofa-rapid-review.md, 807-1265 of the original, themes sudi and mental_health
    with store.session() as session:
        document = next(d for d in list_documents(session) if d.source_name.startswith("002-"))
        text, title = document.text, document.title
        start, end = Redaction.stored(document.redactions).map_span(807, 1265)
    sudi = next(r for r in records if r["source_name"] == document.source_name
                and r["start"] == str(start) and r["theme_id"] == "sudi")
    assert sudi["end"] == str(end)
    assert sudi["text"] == text[start:end] and "[Person " in sudi["text"]
    assert sudi["text"].startswith("On the night of the death")
    assert sudi["theme_path"] == "National review themes > Sudden unexpected death in infancy"
    assert sudi["theme_name"] == "Sudden unexpected death in infancy"
    assert sudi["title"] == title == "Rapid Review: Baby N (infant death, 2020)"
    assert sudi["coder"] == "alice" and sudi["source"] == "manual" and sudi["score"] == ""
    assert sudi["meta.region"] == "London" and sudi["meta.year"] == "2020"
    created = dt.datetime.fromisoformat(sudi["created_at"])
    assert created.tzinfo is not None
    assert abs(created - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_csv_streamed_with_metadata_keys_equals_materialised(store, settings):
    coded_store(store, settings)
    assert metadata_keys(store) == [c.removeprefix("meta.") for c in META_COLUMNS]
    assert metadata_keys(store, ExportFilter(metadata={"region": "London"})) == metadata_keys(store)
    assert metadata_keys(store, ExportFilter(metadata={"region": "Atlantis"})) == []
    streamed, listed = io.BytesIO(), io.BytesIO()
    write_csv(coding_rows(store), streamed, metadata_keys=metadata_keys(store))
    write_csv(list(coding_rows(store)), listed)
    assert streamed.getvalue() == listed.getvalue()
    header, records = export_csv(coding_rows(store), metadata_keys=["region"])
    assert header == [*COLUMNS, "meta.region"]
    assert len(records) == len(stored_codings(store))


def test_filters_change_the_rows(store, settings):
    coded_store(store, settings, coders=("alice", "bob"))
    all_confirmed = stored_codings(store)

    national = {"cce", "sudi", "nai_under1", "invisible_men"}
    _, records = export_csv(coding_rows(store, ExportFilter(themes=("national_reviews",))))
    assert {r["theme_id"] for r in records} <= national
    assert len(records) == sum(c.theme_id in national for c in all_confirmed) > 0
    assert all(r["theme_path"].startswith("National review themes > ") for r in records)

    _, records = export_csv(coding_rows(store, ExportFilter(themes=("sudi",))))
    assert {r["theme_id"] for r in records} == {"sudi"}

    _, records = export_csv(coding_rows(store, ExportFilter(statuses=("rejected",))))
    assert {r["status"] for r in records} == {"rejected"}
    assert len(records) == len(stored_codings(store, "rejected")) > 0

    _, records = export_csv(coding_rows(store, ExportFilter(coders=("bob",))))
    assert {r["coder"] for r in records} == {"bob"}
    assert len(records) == sum(c.coder == "bob" for c in all_confirmed) > 0

    with store.session() as session:
        london = {d.id for d in list_documents(session) if d.meta.get("region") == "London"}
    _, records = export_csv(coding_rows(store, ExportFilter(metadata={"region": "London"})))
    assert {r["meta.region"] for r in records} == {"London"}
    assert len(records) == sum(c.document_id in london for c in all_confirmed) > 0


# -- formula injection --------------------------------------------------------------------------

HOSTILE_PARAGRAPHS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB indented"]
HOSTILE_TITLE = '=HYPERLINK("http://evil","open me")'
HOSTILE_META = {"region": "\rCR region", "case_ref": "-5", "owner": "@owner", "year": 2024}
# memo, coder for each paragraph's coding
HOSTILE_CODINGS = [("=1+1", "alice"), ("\rCR memo", "+plus"), ("@memo", "@at"), ("-memo", "=coder"),
                   ("plain memo", "alice")]


def hostile_store(store, settings, tmp_path) -> list[str]:
    """A document whose paragraphs, title, metadata, memos and coders all look like formulas."""
    import_codebook(store, load_codebook(), actor="admin")
    manifest = {"hostile.txt": {"title": HOSTILE_TITLE, **HOSTILE_META}}
    (tmp_path / "hostile.txt").write_text("\n\n".join(HOSTILE_PARAGRAPHS), encoding="utf-8")
    report = Ingestor(store, settings, manifest=manifest).ingest_paths([tmp_path / "hostile.txt"])
    (doc_id,) = report.document_ids
    with store.session() as session:
        text = list_documents(session)[0].text
    for para, (memo, coder) in zip(HOSTILE_PARAGRAPHS, HOSTILE_CODINGS, strict=True):
        start = text.index(para)
        code_span(store, doc_id, start, start + len(para), "sudi", coder, memo=memo)
    return HOSTILE_PARAGRAPHS


def test_hostile_csv_cells_are_neutralised(store, settings, tmp_path):
    paragraphs = hostile_store(store, settings, tmp_path)
    header, records = export_csv(coding_rows(store))
    assert header == [*COLUMNS, "meta.case_ref", "meta.owner", "meta.region", "meta.year"]
    assert len(records) == len(paragraphs)
    for record in records:
        for column, cell in record.items():
            assert not cell.startswith(DANGEROUS), (column, cell)
        assert record["title"] == "'" + HOSTILE_TITLE
        assert record["meta.region"] == "'\rCR region"
        assert record["meta.case_ref"] == "'-5" and record["meta.owner"] == "'@owner"
        assert record["meta.year"] == "2024"
    assert [r["text"] for r in records] == ["'" + p for p in paragraphs]
    assert [r["memo"] for r in records] == ["'=1+1", "'\rCR memo", "'@memo", "'-memo", "plain memo"]
    assert [r["coder"] for r in records] == ["alice", "'+plus", "'@at", "'=coder", "alice"]

    out = io.BytesIO()
    write_matrix_csv(coding_rows(store), out)
    header, *body = read_csv(out.getvalue())
    assert header[2].startswith("'=HYPERLINK") and header[2].endswith(")")
    assert body == [["National review themes > Sudden unexpected death in infancy", "sudi", "5"]]


def test_hostile_xlsx_cells_are_neutralised_and_never_formulas(store, settings, tmp_path):
    paragraphs = hostile_store(store, settings, tmp_path)
    path = tmp_path / "codings.xlsx"
    write_xlsx(coding_rows(store), path)
    book = load_workbook(path)
    checked = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS), (sheet.title, cell.coordinate)
                    checked += 1
    assert checked > 50
    sheet = book["Codings"]
    header = [c.value for c in sheet[1]]
    records = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["text"] for r in records] == ["'" + p for p in paragraphs]
    assert [r["memo"] for r in records][0] == "'=1+1"
    assert all(r["memo"].startswith("'") for r in records[:4])
    assert all(r["title"] == "'" + HOSTILE_TITLE for r in records)
    assert all(r["meta.region"].startswith("'") and r["meta.year"] == 2024 for r in records)
    assert [r["coder"] for r in records] == ["alice", "'+plus", "'@at", "'=coder", "alice"]
    assert book[COUNTS_SHEET]["C1"].value.startswith("'=HYPERLINK")


def test_hostile_jsonl_keeps_values_unchanged(store, settings, tmp_path):
    paragraphs = hostile_store(store, settings, tmp_path)
    out = io.BytesIO()
    write_jsonl(coding_rows(store), out)
    records = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert [r["text"] for r in records] == paragraphs
    assert records[0]["title"] == HOSTILE_TITLE and records[0]["memo"] == "=1+1"
    assert records[0]["metadata"] == HOSTILE_META


# -- XLSX and matrix ----------------------------------------------------------------------------


def test_xlsx_sheets_and_matrices(store, settings, tmp_path):
    coded_store(store, settings)
    path = tmp_path / "codings.xlsx"
    write_xlsx(coding_rows(store), path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Codings", COUNTS_SHEET, PRESENCE_SHEET]

    header, *body = list(book["Codings"].values)
    assert list(header) == [*COLUMNS, *META_COLUMNS]
    assert len(body) == len(stored_codings(store))
    csv_header, csv_records = export_csv(coding_rows(store))
    first = dict(zip(header, body[0], strict=True))
    assert first["text"] == csv_records[0]["text"] and first["coding_id"] == int(csv_records[0]["coding_id"])
    assert first["created_at"] == csv_records[0]["created_at"]

    labels, expected = expected_matrix(store)
    assert len(labels) >= 5 and len(expected) >= 5
    for name, presence in ((COUNTS_SHEET, False), (PRESENCE_SHEET, True)):
        top, *rows = list(book[name].values)
        assert list(top) == ["theme_path", "theme_id", *labels]
        got = {r[0]: list(r[2:]) for r in rows}
        assert list(got) == sorted(expected)
        want = {p: [int(v > 0) for v in vs] if presence else vs for p, vs in expected.items()}
        assert got == want
    book.close()


@pytest.mark.parametrize("presence", [False, True])
def test_matrix_csv(store, settings, presence):
    coded_store(store, settings)
    out = io.BytesIO()
    write_matrix_csv(coding_rows(store), out, presence=presence)
    top, *rows = read_csv(out.getvalue())
    labels, expected = expected_matrix(store)
    assert top == ["theme_path", "theme_id", *labels]
    want = {p: [str(int(v > 0) if presence else v) for v in vs] for p, vs in expected.items()}
    assert {r[0]: r[2:] for r in rows} == want
    if presence:
        assert {v for r in rows for v in r[2:]} == {"0", "1"}


# -- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_round_trips_every_field(store, settings, tmp_path):
    coded_store(store, settings)
    path = tmp_path / "codings.jsonl"
    write_jsonl(coding_rows(store), path)
    data = path.read_bytes()
    assert not data.startswith(BOM) and data.endswith(b"\n")
    lines = data.decode("utf-8").splitlines()
    rows = list(coding_rows(store))
    assert len(lines) == len(rows) == len(stored_codings(store))
    names = [f.name for f in fields(CodingRow)]
    for line, row in zip(lines, rows, strict=True):
        record = json.loads(line)
        assert list(record) == names
        assert isinstance(record["metadata"], dict)
        for key in ("created_at", "updated_at"):
            value = dt.datetime.fromisoformat(record[key])
            assert value.tzinfo is not None
            record[key] = value.replace(tzinfo=None) if getattr(row, key).tzinfo is None else value
        assert CodingRow(**record) == row


# -- outputs ------------------------------------------------------------------------------------


def failing_rows(store, after: int):
    for n, row in enumerate(coding_rows(store)):
        if n == after:
            raise RuntimeError("database went away")
        yield row


@pytest.mark.parametrize("writer", [write_csv, write_xlsx, write_jsonl, write_matrix_csv])
def test_failed_export_leaves_nothing_half_written(store, settings, tmp_path, writer):
    coded_store(store, settings)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.out").write_bytes(b"previous export")
    kwargs = {"metadata_keys": []} if writer in (write_csv, write_xlsx) else {}
    with pytest.raises(RuntimeError, match="went away"):
        writer(failing_rows(store, after=10), folder / "keep.out", **kwargs)
    with pytest.raises(RuntimeError, match="went away"):
        writer(failing_rows(store, after=10), folder / "new.out", **kwargs)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.out"]
    assert (folder / "keep.out").read_bytes() == b"previous export"

    writer(coding_rows(store), folder / "keep.out")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.out"]
    assert (folder / "keep.out").read_bytes() != b"previous export"


def test_bad_outputs_raise_clear_errors(store, settings, tmp_path):
    coded_store(store, settings)
    with pytest.raises(WorkbenchError, match="does not exist"):
        write_csv(coding_rows(store), tmp_path / "missing" / "codings.csv")
    with open(tmp_path / "text.csv", "w") as handle, pytest.raises(WorkbenchError, match="binary mode"):
        write_csv(coding_rows(store), handle)
    # a caller's binary file is written and left open
    with open(tmp_path / "binary.jsonl", "wb") as handle:
        write_jsonl(coding_rows(store), handle)
        assert not handle.closed
    assert (tmp_path / "binary.jsonl").read_text().count("\n") == len(stored_codings(store))


def test_empty_export_has_header_only(store, settings):
    coded_store(store, settings)
    header, records = export_csv(coding_rows(store, ExportFilter(coders=("nobody",))))
    assert header == list(COLUMNS) and records == []
    out = io.BytesIO()
    write_xlsx(coding_rows(store, ExportFilter(coders=("nobody",))), out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert [list(r) for r in book[COUNTS_SHEET].values] == [["theme_path", "theme_id"]]

