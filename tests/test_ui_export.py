"""The Export page: filters, preview, build_export in every format, and the download (AppTest)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from app_fixtures import app_at, home_store

from workbench.coding.review import code_span
from workbench.coding.themes import stored_codebook
from workbench.config import load_settings
from workbench.corpus.ingest import Ingestor
from workbench.exchange.rows import ExportFilter
from workbench.store import list_documents
from workbench.ui.export import FORMATS, build_export
from workbench.users import User

HOSTILE = ("Background\n\n=HYPERLINK(\"http://evil.example\") <script>alert(1)</script> "
           "<img src=x onerror=alert(1)> [link](javascript:x) in the notes.\n\n"
           "A second paragraph about a home visit that nobody followed up.")
ZIPPED = {"xlsx", "docx", "qdpx"}


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


_store = home_store


def _code(home: Path) -> dict:
    """alice confirms two excerpts, bob confirms one and rejects one; returns the confirmed codings."""
    db = _store(home)
    try:
        theme = stored_codebook(db).codable[0].id
        with db.session() as s:
            doc = next(d for d in list_documents(s) if len(d.excerpts) >= 3)
            spans = [(e.start, e.end) for e in doc.excerpts[:3]]
            text, region = doc.text, str(doc.meta.get("region"))
        made = [code_span(db, doc.id, *spans[0], theme, "alice"),
                code_span(db, doc.id, *spans[1], theme, "alice"),
                code_span(db, doc.id, *spans[2], theme, "bob"),
                code_span(db, doc.id, *spans[0], theme, "bob", status="rejected")]
    finally:
        db.close()
    confirmed = {c.id: (text[c.start:c.end], c.document_id, c.theme_id, c.coder, c.start, c.end)
                 for c in made if c.status == "confirmed"}
    return {"confirmed": confirmed, "region": region, "theme": theme}


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_page_renders_with_the_default_filters(home):
    app = app_at("export")
    assert not app.exception
    assert app.multiselect(key="export_statuses").value == ["confirmed"]
    assert any("**0** codings match" in m.value for m in app.markdown)
    assert app.button(key="export_prepare") is not None


def test_csv_export_holds_exactly_the_confirmed_codings(home):
    coded = _code(home)
    name, data, mime = build_export("csv", ExportFilter(), "Confirmed codings")
    assert (name, mime) == ("confirmed-codings.csv", "text/csv")
    rows = _csv_rows(data)
    got = {int(r["coding_id"]): (r["text"], int(r["document_id"]), r["theme_id"], r["coder"],
                                 int(r["start"]), int(r["end"])) for r in rows}
    assert got == coded["confirmed"]
    assert {r["status"] for r in rows} == {"confirmed"}
    assert all(r["meta.region"] == coded["region"] for r in rows)
    _, bob_only, _ = build_export("csv", ExportFilter(coders=("bob",)), "x")
    assert [r["coder"] for r in _csv_rows(bob_only)] == ["bob"]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "csv"])
def test_every_other_format_gives_a_file_of_its_kind(home, fmt):
    coded = _code(home)
    name, data, mime = build_export(fmt, ExportFilter(), "Report")
    assert name.startswith("report") and name.endswith(FORMATS[fmt][1]) and mime == FORMATS[fmt][2]
    assert data
    if fmt in ZIPPED:
        assert zipfile.is_zipfile(io.BytesIO(data))
    elif fmt == "qdc":
        assert data.startswith(b"<?xml")
    elif fmt == "html":
        assert data.startswith(b"<!DOCTYPE html")
    elif fmt == "jsonl":
        records = [json.loads(line) for line in data.decode().splitlines()]
        assert {r["coding_id"] for r in records} == set(coded["confirmed"])
    elif fmt == "matrix-csv":
        header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert header[:2] == ["theme_path", "theme_id"]


def test_prepare_download_offers_the_file(home):
    _code(home)
    app = app_at("export")
    assert any("**3** codings match" in m.value for m in app.markdown)
    preview = app.dataframe[0].value
    assert len(preview) == 3 and set(preview["status"]) == {"confirmed"}
    app.selectbox(key="export_format").set_value("xlsx")
    app.button(key="export_prepare").click().run()
    assert not app.exception
    [button] = app.get("download_button")
    assert "coded-excerpts.xlsx" in button.proto.label
    assert "coded-excerpts.xlsx is ready" in app.success[0].value


def test_filters_narrow_the_preview(home):
    coded = _code(home)
    app = app_at("export")
    app.multiselect(key="export_statuses").set_value(["rejected"]).run()
    assert any("**1** coding match" in m.value for m in app.markdown)
    app.multiselect(key="export_statuses").set_value(["confirmed"])
    app.multiselect(key="export_coders").set_value(["alice"]).run()
    assert any("**2** codings match" in m.value for m in app.markdown)
    other = next(v for v in app.selectbox(key="export_meta_region").options
                 if v not in ("(any)", coded["region"]))
    app.selectbox(key="export_meta_region").set_value(other).run()
    assert any("**0** codings match" in m.value for m in app.markdown)
    app.selectbox(key="export_meta_region").set_value("(any)")
    app.checkbox(key="export_use_dates").check().run()  # the last 30 days include today's codings
    assert not app.exception
    assert any("**2** codings match" in m.value for m in app.markdown)


def test_viewers_may_export(home):
    _code(home)
    app = app_at("export", user=User("vera", "viewer"))
    assert not app.button(key="export_prepare").disabled
    app.button(key="export_prepare").click().run()
    assert not app.exception
    assert len(app.get("download_button")) == 1


def test_signed_out_users_cannot_export(home):
    app = app_at("export", user=None)
    assert "Sign in first" in app.info[0].value
    assert not app.get("download_button")


def test_hostile_excerpt_is_escaped_in_html_and_neutralised_in_csv(home):
    db = _store(home)
    try:
        report = Ingestor(db, load_settings(home=home, runs_dir=home / "runs")).ingest_bytes(
            [("hostile.txt", HOSTILE.encode())])
        [document_id] = report.document_ids
        with db.session() as s:
            text = next(d for d in list_documents(s) if d.id == document_id).text
        start = text.index("=HYPERLINK")
        end = text.index("in the notes.")
        code_span(db, document_id, start, end, stored_codebook(db).codable[0].id, "alice")
    finally:
        db.close()
    hostile = text[start:end]
    _, html_data, _ = build_export("html", ExportFilter(), "Report")
    page = html_data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    [row] = _csv_rows(build_export("csv", ExportFilter(), "Report")[1])
    assert row["text"] == "'" + hostile
    app = app_at("export")
    assert not app.exception
    assert list(app.dataframe[0].value["excerpt"]) == [hostile]
    app.selectbox(key="export_format").set_value("html")
    app.button(key="export_prepare").click().run()
    assert not app.exception
    rendered = [m.value for m in app.markdown] + [m.value for m in app.success]
    assert not any("<script>" in value or "onerror" in value for value in rendered)
