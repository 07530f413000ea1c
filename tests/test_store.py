"""The store on SQLite, and on PostgreSQL when WORKBENCH_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from workbench.errors import NotFound, StoreError
from workbench.store import (
    add_document,
    corpus_stats,
    find_by_sha256,
    get_document,
    list_documents,
    list_events,
    open_store,
    record_event,
)
from workbench.store.database import head_revision

TEXT = "Background\n\nFirst paragraph.\n\nSecond paragraph."


def add(session, sha="a" * 64, **metadata):
    return add_document(
        session, title="Review A", source_name="a.txt", sha256=sha, text=TEXT,
        metadata=metadata, spans=[(12, 28, "Background"), (30, 47, "Background")],
    )


def test_migrations_create_the_schema(any_store):
    tables = set(inspect(any_store.engine).get_table_names())
    assert {"documents", "excerpts", "events", "alembic_version"} <= tables
    assert any_store.revision() == head_revision()
    any_store.migrate()  # a second run is a no-op
    assert any_store.revision() == head_revision()


def test_document_round_trip_with_excerpts(any_store):
    with any_store.session() as s:
        doc_id = add(s, year=2021, region="London").id
    with any_store.session() as s:
        doc = get_document(s, doc_id)
        assert doc.text == TEXT
        assert doc.meta == {"year": 2021, "region": "London"}
        assert [(e.seq, e.text, e.section) for e in doc.excerpts] == [
            (0, "First paragraph.", "Background"), (1, "Second paragraph.", "Background")]
        assert all(e.text == doc.text[e.start:e.end] for e in doc.excerpts)
        assert doc.ingested_at is not None
        assert find_by_sha256(s, "a" * 64).id == doc_id


def test_duplicate_sha256_is_refused(any_store):
    with any_store.session() as s:
        add(s)
    with pytest.raises(IntegrityError), any_store.session() as s:
        add(s)


def test_failed_transaction_leaves_nothing_half_written(any_store):
    with pytest.raises(IntegrityError), any_store.session() as s:
        add_document(s, title="t", source_name="b.txt", sha256="b" * 64, text=TEXT,
                     metadata={}, spans=[(12, 28, ""), (5, 5, "")])  # empty span violates a check
    with any_store.session() as s:
        assert corpus_stats(s).documents == 0
        assert corpus_stats(s).excerpts == 0


def test_events_are_append_only(any_store):
    with any_store.session() as s:
        record_event(s, "alice", "document.ingest", "document:1", {"n": 1})
    with any_store.session() as s:
        [event] = list_events(s)
        assert (event.actor, event.action, event.target, event.payload) == (
            "alice", "document.ingest", "document:1", {"n": 1})
    for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="events are append-only"), any_store.session() as s:
            s.execute(text(statement))
    with any_store.session() as s:
        assert [e.actor for e in list_events(s)] == ["alice"]


def test_stats_and_filters(any_store):
    with any_store.session() as s:
        add(s, "a" * 64, year=2020, review_type="rapid review", region="London")
        add(s, "b" * 64, year=2021, review_type="rapid review", region="North East")
        add(s, "c" * 64, year=2021, review_type="practice briefing", region="London")
    with any_store.session() as s:
        assert corpus_stats(s).as_dict() == {
            "documents": 3, "excerpts": 6,
            "by_year": {"2020": 1, "2021": 2},
            "by_review_type": {"practice briefing": 1, "rapid review": 2},
        }
        assert [d.sha256[0] for d in list_documents(s, region="London")] == ["a", "c"]
        assert [d.sha256[0] for d in list_documents(s, year="2021", region="London")] == ["c"]


def test_missing_document_says_what_to_do(any_store):
    with pytest.raises(NotFound) as info, any_store.session() as s:
        get_document(s, 99)
    assert str(info.value) == "no document with id 99; `workbench corpus stats` shows how many exist"


def test_sqlite_uses_wal_and_foreign_keys(store):
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError), store.session() as s:
        s.execute(text('INSERT INTO excerpts (document_id, seq, start, "end", text, section) '
                       "VALUES (42, 0, 0, 1, 'x', '')"))


def test_sqlite_database_lives_in_home(settings):
    open_store(settings).close()
    assert (settings.home / "workbench.db").exists()


def test_unreachable_server_gives_a_clear_error(settings):
    from dataclasses import replace

    bad = replace(settings, database_url="postgresql+psycopg://u:secret@127.0.0.1:1/none")
    with pytest.raises(StoreError) as info:
        open_store(bad)
    message = str(info.value)
    assert message.startswith("cannot open the database postgresql+psycopg://u:***@127.0.0.1:1/none")
    assert "secret" not in message
    assert message.endswith("check WORKBENCH_DATABASE_URL, that the server is running and that "
                            "the user may connect")


def test_migration_backs_up_an_existing_sqlite_file(settings):
    from sqlalchemy import create_engine

    settings.home.mkdir(parents=True)
    db = settings.home / "workbench.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # an older database: at a revision before head
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    engine.dispose()
    with pytest.raises(StoreError):  # 0000 is unknown to the migrations
        open_store(settings)
    assert [p.name.split(".")[2] for p in settings.home.glob("workbench.db.*.bak")] == ["0000"]


def _themes(session, *ids):
    from workbench.store.themes import add_theme

    for position, theme_id in enumerate(ids):
        add_theme(session, theme_id, {"name": theme_id.title()}, origin="test", position=position)


def test_coding_repository(any_store):
    from workbench.store import codings

    with any_store.session() as s:
        doc = add(s)
        _themes(s, "sudi", "neglect")
        first, second = (e.id for e in doc.excerpts)
        a = codings.add_coding(s, "alice", {"document_id": doc.id, "excerpt_id": first, "start": 12,
                                            "end": 28, "theme_id": "sudi", "status": "confirmed"})
        b = codings.add_coding(s, "bob", {"document_id": doc.id, "excerpt_id": second, "start": 30,
                                          "end": 47, "theme_id": "sudi", "status": "rejected"})
        ids = (a.id, b.id)
    with any_store.session() as s:
        assert codings.find_decision(s, "alice", first, "sudi").id == ids[0]
        assert codings.find_decision(s, "alice", second, "sudi") is None
        assert sorted(codings.excerpt_verdicts(s)) == [("sudi", first, "confirmed"),
                                                       ("sudi", second, "rejected")]
        assert codings.decided_pairs(s, "bob") == {(second, "sudi")}
        updated = codings.update_coding(s, codings.get_coding(s, ids[0]), {"memo": "clear"})
        assert (updated.memo, updated.version) == ("clear", 2)
        assert sorted(codings.move_theme_codings(s, "sudi", "neglect")) == list(ids)
    with any_store.session() as s:
        assert [(c.coder, c.theme_id, c.version) for c in codings.list_codings(s)] == [
            ("alice", "neglect", 3), ("bob", "neglect", 2)]
        assert [c.coder for c in codings.list_codings(s, status="rejected")] == ["bob"]
        rows = list(codings.export_codings(s, statuses=("confirmed",), batch_size=1))
        assert [(c.id, doc_id, title) for c, doc_id, title, _, _ in rows] == [(ids[0], doc.id, "Review A")]
        codings.update_coding(s, codings.get_coding(s, ids[1]), {"withdrawn": True})
    with any_store.session() as s:
        assert codings.find_coding(s, ids[1]).withdrawn
        with pytest.raises(NotFound, match=f"^no coding with id {ids[1]}$"):
            codings.get_coding(s, ids[1])


def test_suggestion_memo_and_user_repositories(any_store):
    from workbench.store import memos, suggestions, users

    with any_store.session() as s:
        doc = add(s)
        _themes(s, "sudi", "neglect")
        assert suggestions.latest_batch(s) is None
        first = doc.excerpts[0].id
        for batch, theme, run in (("b1", "sudi", None), ("b2", "sudi", "r1"), ("b2", "neglect", None)):
            suggestions.add_suggestion(s, batch, first, theme, 0.7, {"seeds": []}, run)
        memo = memos.add_document_memo(s, doc.id, "alice", "Read with the chronology.")
        users.add_user(s, "zoe", "viewer", "hash")
        users.add_user(s, "alice", "admin", "hash")
    with any_store.session() as s:
        assert suggestions.latest_batch(s) == "b2"
        found = list(suggestions.batch_suggestions(s, "b2"))
        assert sorted((g.theme_id, e.id, d.id) for g, e, d in found) == [("neglect", first, doc.id),
                                                                        ("sudi", first, doc.id)]
        assert [g.theme_id for g, _, _ in suggestions.batch_suggestions(s, "b2", run_id="r1")] == ["sudi"]
        assert [g.run_id for g, _, _ in suggestions.batch_suggestions(s, "b2", theme_id="neglect")] == [None]
        suggestions.move_theme_suggestions(s, "sudi", "neglect")
    with any_store.session() as s:
        assert suggestions.get_suggestion(s, 1).theme_id == "neglect"
        with pytest.raises(NotFound, match="^no suggestion with id 99; run `workbench suggest` first$"):
            suggestions.get_suggestion(s, 99)
        assert [(m.id, m.text) for m in memos.list_document_memos(s, doc.id)] == [
            (memo.id, "Read with the chronology.")]
        assert [u.name for u in users.list_users(s)] == ["alice", "zoe"]
        assert users.count_users(s) == 2 and users.find_user(s, "nobody") is None


def test_excerpt_queries_and_events_by_actor(any_store):
    from workbench.store.documents import all_metadata, document_text, get_excerpt, overlapping_excerpts

    with any_store.session() as s:
        doc = add(s, region="London")
        for actor, action in (("alice", "a.one"), ("bob", "b.one"), ("alice", "a.two")):
            record_event(s, actor, action)
    with any_store.session() as s:
        assert sorted(e.seq for e in overlapping_excerpts(s, doc.id, 20, 35)) == [0, 1]
        assert [e.seq for e in overlapping_excerpts(s, doc.id, 28, 30)] == []
        assert get_excerpt(s, doc.excerpts[1].id).text == "Second paragraph."
        with pytest.raises(NotFound, match="^no excerpt with id 99$"):
            get_excerpt(s, 99)
        assert document_text(s, doc.id) == TEXT and document_text(s, 99) is None
        assert list(all_metadata(s)) == [{"region": "London"}]
        assert [e.action for e in list_events(s, actor="alice", newest_first=True)] == ["a.two", "a.one"]
