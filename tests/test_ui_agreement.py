"""The Agreement page: guidance without two coders, the per-theme table and the disagreements (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_fixtures import app_at, home_store

from workbench.coding.codebook import theme_path
from workbench.coding.review import code_span
from workbench.coding.themes import stored_codebook
from workbench.config import load_settings
from workbench.corpus.ingest import Ingestor
from workbench.store import list_documents
from workbench.users import User

HOSTILE = ("Background\n\n<script>alert(1)</script> and <img src=x onerror=alert(1)> and "
           "[link](javascript:x) were found in the case notes.\n\n"
           "The second paragraph describes a home visit that nobody followed up.")


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


_store = home_store


def _code_two_coders(home: Path, document_id: int | None = None) -> tuple[str, list]:
    """alice confirms a theme on excerpts 1-3 and rejects it on 4; bob confirms 1-2, rejects 3-4."""
    db = _store(home)
    try:
        theme = stored_codebook(db).codable[0]
        with db.session() as s:
            doc = next(d for d in list_documents(s)
                       if len(d.excerpts) >= 4 and (document_id is None or d.id == document_id))
            excerpts = [(doc.id, e.start, e.end, e.text) for e in doc.excerpts[:4]]
        alice = ["confirmed", "confirmed", "confirmed", "rejected"]
        bob = ["confirmed", "confirmed", "rejected", "rejected"]
        for (doc_id, start, end, _), a, b in zip(excerpts, alice, bob, strict=True):
            code_span(db, doc_id, start, end, theme.id, "alice", status=a)
            code_span(db, doc_id, start, end, theme.id, "bob", status=b)
        return theme_path(stored_codebook(db), theme.id), excerpts
    finally:
        db.close()


def test_without_codings_the_page_explains_how_to_get_agreement(home):
    app = app_at("agreement")
    assert not app.exception
    assert "No coder has made decisions yet" in app.info[0].value
    assert "at least two coders" in app.info[0].value
    assert not app.dataframe


def test_one_coder_is_not_enough(home):
    db = _store(home)
    try:
        with db.session() as s:
            doc = list_documents(s)[0]
            start, end = doc.excerpts[0].start, doc.excerpts[0].end
        code_span(db, doc.id, start, end, stored_codebook(db).codable[0].id, "alice")
    finally:
        db.close()
    app = app_at("agreement")
    assert not app.exception
    assert app.info[0].value.startswith("Only one coder has made decisions yet")


def test_the_table_shows_hand_computed_agreement_and_the_disagreement(home):
    path, excerpts = _code_two_coders(home)
    app = app_at("agreement")
    assert not app.exception
    table = app.dataframe[0].value
    # Ratings alice 1,1,1,0 and bob 1,1,0,0 on four units.
    percent = 3 / 4
    chance = (3 / 4) * (2 / 4) + (1 / 4) * (2 / 4)  # both 1, or both 0, by chance
    kappa = (percent - chance) / (1 - chance)  # 0.5
    # Nominal alpha: 5 ones and 3 zeros among n=8 values; one unit holds the pair (1, 0).
    alpha = 1 - (8 - 1) * 2 / (5 * 3 * 2)
    expected = {"units": 4, "percent agreement": f"{percent:.1%}", "kappa": f"{kappa:.2f}",
                "alpha": f"{alpha:.2f}", "disagreements": 1}
    rows = table.to_dict("records")
    assert rows[0] == {"theme": path, **expected}
    assert rows[0]["percent agreement"] == "75.0%" and rows[0]["kappa"] == "0.50"
    assert rows[1] == {"theme": "Overall (all themes)", **expected}
    # The one disagreement is the third excerpt: alice confirmed, bob rejected.
    doc_id, start, end, text = excerpts[2]
    assert app.selectbox(key="agreement_theme").value is not None
    texts = [t.value for t in app.text]
    assert text in texts
    assert f"characters {start}-{end}" in " ".join(texts)
    assert excerpts[0][3] not in texts and excerpts[3][3] not in texts
    who = app.dataframe[1].value.to_dict("records")
    assert who == [{"coder": "alice", "decision": "confirmed"}, {"coder": "bob", "decision": "rejected"}]


def test_viewers_see_agreement_too(home):
    _code_two_coders(home)
    app = app_at("agreement", user=User("vera", "viewer"))
    assert not app.exception
    assert len(app.dataframe) == 2


def test_signed_out_users_are_sent_to_sign_in(home):
    app = app_at("agreement", user=None)
    assert not app.exception
    assert "Sign in first" in app.info[0].value
    assert not app.dataframe


def test_hostile_excerpt_text_shows_literally(home):
    db = _store(home)
    try:
        report = Ingestor(db, load_settings(home=home, runs_dir=home / "runs")).ingest_bytes(
            [("hostile.txt", HOSTILE.encode())])
        [document_id] = report.document_ids
        with db.session() as s:
            doc = next(d for d in list_documents(s) if d.id == document_id)
            excerpt = next(e for e in doc.excerpts if "<script>" in e.text)
            span = (excerpt.start, excerpt.end, excerpt.text)
        theme = stored_codebook(db).codable[0].id
        code_span(db, document_id, span[0], span[1], theme, "alice")
        code_span(db, document_id, span[0], span[1], theme, "bob", status="rejected")
    finally:
        db.close()
    app = app_at("agreement")
    assert not app.exception
    assert span[2] in [t.value for t in app.text]
    rendered = [m.value for m in app.markdown] + [m.value for m in app.caption]
    assert not any("<script>" in value or "onerror" in value for value in rendered)
