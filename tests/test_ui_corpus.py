"""Corpus page: uploads through ingest_uploads, browsing, reading with highlights; safe HTML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from app_fixtures import app_at, home_store

from workbench.coding.queue import review_queue
from workbench.coding.review import confirm
from workbench.config import load_settings
from workbench.store import count_documents, open_store
from workbench.ui.render import highlighted_html, legend_html, safe_colour
from workbench.users import User

HOSTILE = ("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:x)\n\n"
           "A hostile review about a baby's injuries & neglect.")


def _confirm_four(home: Path) -> None:
    """alice confirms the first four suggestions of her queue."""
    store = home_store(home)
    for item in review_queue(store, "alice")[:4]:
        confirm(store, item.suggestion_id, "alice")
    store.close()


@pytest.fixture(scope="module")
def app_home_extras() -> Callable[[Path], None]:
    return _confirm_four


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


# -- highlighted_html ---------------------------------------------------------------------------


def test_highlighted_html_escapes_everything():
    end = len(HOSTILE)
    out = highlighted_html(HOSTILE, [(end - 8, end, "#ff0000", "coded", '<b onmouseover="x">')])
    assert "<script>" not in out and "<img" not in out and 'onmouseover="x"' not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "[link](javascript:x)" in out
    assert "&amp; " in out and "baby&#x27;s" in out
    assert "white-space: pre-wrap" in out and "\n\n" in out


def test_coded_spans_are_marks_and_suggestions_dashed():
    out = highlighted_html("abcdef", [(0, 3, "#112233", "coded", "A"), (3, 6, "#445566", "suggested", "B")])
    assert '<mark class="wb-coded" title="A" style="background: #112233;' in out
    assert "abc</mark>" in out
    assert "underline dashed #445566" in out and "def</span>" in out


def test_overlapping_spans_split_into_segments():
    out = highlighted_html("0123456789", [(2, 6, "#aaaaaa", "coded", "A"), (4, 8, "#bbbbbb", "coded", "B"),
                                          (5, 9, "#cccccc", "suggested", "S")])
    text = out.split(">", 1)[1]
    assert text.startswith("01<mark")
    assert ">23</mark>" in out
    assert 'title="A; B" style="background: linear-gradient(#aaaaaa, #bbbbbb)' in out
    assert ">45</" not in out  # 4 and 5 are in different segments: 5 is also suggested
    assert ">4</mark>" in out and ">5</span></mark>" in out
    assert ">8</span>9</div>" in out


def test_bad_colours_and_spans_are_neutralised():
    assert safe_colour("red; background:url(x)") == "#bbbbbb"
    assert safe_colour("#12ab") == "#12ab"
    out = highlighted_html("abc", [(-5, 99, "x;y", "coded", "A"), (1, 1, "#000", "coded", "empty"),
                                   (0, 2, "#000", "other", "ignored")])
    assert out.count("<mark") == 1 and "#bbbbbb" in out and "ignored" not in out
    assert "&lt;i&gt;" in legend_html([("<i>", "#fff")])


# -- ingest_uploads -----------------------------------------------------------------------------


def test_ingest_uploads_reports_per_file(home):
    from workbench.ui.corpus import ingest_uploads, report_table

    by_file = {}
    seen = []
    report = ingest_uploads([("new.txt", b"Rapid review\n\nThe infant was left alone at night."),
                             ("empty.txt", b"   "), ("bad.pdf", b"not a pdf")],
                            progress=lambda done, total, name: seen.append((done, total, name)),
                            actor="alice", by_file=by_file)
    assert report.documents_added == 1 and report.excerpts_added >= 1
    assert seen == [(1, 3, "new.txt"), (2, 3, "empty.txt"), (3, 3, "bad.pdf")]
    table = report_table(by_file)
    assert table.loc[table["file"] == "new.txt", "result"].tolist() == ["added"]
    skipped = table[table["result"] == "skipped"]
    assert len(skipped) == 2 and all(skipped["reason"].str.len() > 0)
    again = ingest_uploads([("copy.txt", b"Rapid review\n\nThe infant was left alone at night.")])
    assert again.documents_added == 0 and "duplicate" in again.skipped[0].reason


# -- the page -----------------------------------------------------------------------------------


def _count(home) -> int:
    store = open_store(load_settings(home=home, runs_dir=home / "runs"))
    with store.session() as session:
        n = count_documents(session)
    store.close()
    return n


def _documents(app):
    """The documents table (the dataframe with a source column)."""
    return next(d.value for d in app.dataframe if "source" in d.value.columns)


def test_page_renders_documents_and_highlights(home):
    app = app_at("corpus")
    assert not app.exception
    documents = _documents(app)
    assert len(documents) == _count(home)
    assert app.button(key="corpus_ingest").disabled  # until files are chosen
    html = app.get("html")
    assert html, "the document and legend are rendered as HTML"
    body = html[-1].proto.body
    assert body.startswith('<div class="wb-document"')
    assert "wb-coded" in body or "wb-suggested" in body


def test_filters_narrow_the_documents(home):
    app = app_at("corpus")
    app.multiselect(key="corpus_filter_review_type").select("rapid review").run()
    assert not app.exception
    documents = _documents(app)
    assert 0 < len(documents) < _count(home) and set(documents["review_type"]) == {"rapid review"}
    assert set(app.selectbox(key="corpus_document").options) == {
        f"{i}: {t}" for i, t in zip(documents["id"], documents["title"], strict=True)}


def test_confirmed_codings_are_marked(home):
    app = app_at("corpus")
    settings = load_settings(home=home, runs_dir=home / "runs")
    store = open_store(settings)
    from workbench.coding.review import list_codings

    coded_doc = list_codings(store, status="confirmed")[0].document_id
    store.close()
    app.selectbox(key="corpus_document").set_value(coded_doc).run()
    assert not app.exception
    assert "wb-coded" in app.get("html")[-1].proto.body
    assert "confirmed codings" in app.caption[-1].value


def test_viewer_cannot_upload(home):
    app = app_at("corpus", user=User("vic", "viewer"))
    assert not app.exception
    assert app.button(key="corpus_ingest").disabled
    assert any("Viewers can browse" in i.value for i in app.info)
    assert len(_documents(app)) == _count(home)


def test_hostile_document_renders_escaped(home):
    from workbench.ui.corpus import ingest_uploads

    report = ingest_uploads([("hostile.txt", HOSTILE.encode())])
    assert report.documents_added == 1
    app = app_at("corpus")
    app.selectbox(key="corpus_document").set_value(report.document_ids[0]).run()
    assert not app.exception
    body = app.get("html")[-1].proto.body
    assert "<script>" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "[link](javascript:x)" in body
    assert all("<script>" not in m.value for m in app.markdown)


def test_signed_out_visitor_is_sent_to_sign_in(home):
    app = app_at("corpus", user=None)
    assert not app.exception
    assert app.info[0].value.startswith("Sign in first")


def test_redaction_note_says_what_was_replaced_never_the_strings():
    from workbench.ui.corpus import redaction_note

    assert redaction_note(None) == "Stored as read: redaction was off when it was ingested."
    assert redaction_note([]) == "Redacted at ingest: no personal data found."
    note = redaction_note([[0, 4, 0, 10, "person", "[Person 1]"], [9, 19, 15, 30, "date_of_birth",
                                                                      "[Date of birth]"],
                           [30, 34, 40, 50, "person", "[Person 1]"]])
    assert note == "Redacted at ingest: 3 replacements (1 date of birth, 2 person)."


def test_the_reader_says_the_document_was_redacted(home):
    app = app_at("corpus")
    captions = [c.value for c in app.caption]
    assert any("Redacted at ingest:" in c and "person" in c for c in captions), captions
