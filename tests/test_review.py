"""Reviewer actions, the event log, concurrency conflicts, blind mode and undo."""

from __future__ import annotations

import pytest

from workbench.coding.codebook import Codebook, Theme
from workbench.coding.review import (
    adjust_span,
    code_span,
    coding_history,
    confirm,
    document_memos,
    list_codings,
    memo_document,
    recode,
    reject,
    reject_and_code,
    undo,
    write_memo,
)
from workbench.coding.themes import import_codebook
from workbench.corpus.ingest import Ingestor
from workbench.errors import Conflict, NotFound, WorkbenchError
from workbench.store import list_events
from workbench.store.models import Suggestion

TEXT = ("Background\n\nThe baby was found unresponsive on the sofa after the parents had been "
        "drinking.\n\nNobody asked the mother's partner about his history of violence.")
CODEBOOK = Codebook("test", [
    Theme("group", "Group", codable=False),
    Theme("sudi", "Sudden unexpected death in infancy", parent="group"),
    Theme("invisible_men", "Invisible men", parent="group"),
    Theme("substance_misuse", "Parental substance misuse", parent="group"),
])


@pytest.fixture
def coded(store, settings, tmp_path):
    (tmp_path / "r.txt").write_text(TEXT)
    Ingestor(store, settings).ingest_paths([tmp_path / "r.txt"])
    import_codebook(store, CODEBOOK, actor="admin")
    with store.session() as s:
        s.add_all([Suggestion(batch="b1", excerpt_id=1, theme_id="sudi", score=0.9, evidence={}),
                   Suggestion(batch="b1", excerpt_id=2, theme_id="invisible_men", score=0.6,
                              evidence={})])
    return store


def test_confirm_creates_the_coders_coding_with_its_source(coded):
    coding = confirm(coded, 1, "alice", memo="clear unsafe sleep")
    assert (coding.status, coding.theme_id, coding.coder, coding.source, coding.score) == (
        "confirmed", "sudi", "alice", "suggestion:1", 0.9)
    assert TEXT[coding.start:coding.end].startswith("The baby was found")
    assert coding.memo == "clear unsafe sleep" and coding.version == 1
    with coded.session() as s:
        [event] = list_events(s, action="coding.create")
        assert (event.actor, event.target) == ("alice", f"coding:{coding.id}")


def test_two_reviewers_keep_their_own_codings(coded):
    a = confirm(coded, 1, "alice")
    b = reject(coded, 1, "bob")
    assert a.id != b.id
    assert [(c.coder, c.status) for c in list_codings(coded)] == [("alice", "confirmed"),
                                                                  ("bob", "rejected")]


def test_deciding_again_updates_rather_than_duplicates(coded):
    first = reject(coded, 1, "alice")
    second = confirm(coded, 1, "alice")
    assert second.id == first.id and second.status == "confirmed" and second.version == 2
    assert [a for _, a, _ in coding_history(coded, first.id)] == ["coding.create", "coding.update"]


def test_stale_update_fails_instead_of_overwriting(coded):
    coding = confirm(coded, 1, "alice")
    recode(coded, coding.id, "substance_misuse", "alice", expected_version=coding.version)
    with pytest.raises(Conflict) as info:
        write_memo(coded, coding.id, "late note", "alice", expected_version=coding.version)
    assert str(info.value).startswith(f"coding {coding.id} was changed at ")
    assert str(info.value).endswith("since you read it (version 1, now 2); reload it and try again")
    [current] = list_codings(coded)
    assert current.theme_id == "substance_misuse" and current.memo == ""


def test_only_the_owner_changes_a_coding(coded):
    coding = confirm(coded, 1, "alice")
    with pytest.raises(WorkbenchError, match=f"coding {coding.id} belongs to alice; code the span "
                                             "yourself instead of changing another coder's coding"):
        recode(coded, coding.id, "invisible_men", "bob")


def test_manual_coding_adjust_and_validation(coded):
    start = TEXT.index("Nobody")
    coding = code_span(coded, 1, start, start + 6, "invisible_men", "carol")
    assert coding.excerpt_id == 2 and coding.source == "manual"
    moved = adjust_span(coded, coding.id, start, len(TEXT), "carol", expected_version=1)
    assert (moved.start, moved.end, moved.version) == (start, len(TEXT), 2)
    with pytest.raises(WorkbenchError, match=r"span 5-500 is outside the document \(0-"):
        code_span(coded, 1, 5, 500, "sudi", "carol")
    with pytest.raises(NotFound, match="no theme 'nope'; known themes: group, sudi"):
        code_span(coded, 1, 0, 5, "nope", "carol")
    with pytest.raises(WorkbenchError, match="a coder name is required"):
        code_span(coded, 1, 0, 5, "sudi", " ")


def test_undo_walks_back_the_coders_own_actions(coded):
    coding = confirm(coded, 1, "alice")
    recode(coded, coding.id, "substance_misuse", "alice")
    confirm(coded, 2, "bob")
    assert undo(coded, "alice") == f"undid coding.update of coding {coding.id}"
    assert [c.theme_id for c in list_codings(coded, coder="alice")] == ["sudi"]
    assert undo(coded, "alice") == f"undid coding.create of coding {coding.id}"
    assert list_codings(coded, coder="alice") == []
    with pytest.raises(WorkbenchError, match="nothing to undo for alice"):
        undo(coded, "alice")
    assert len(list_codings(coded, coder="bob")) == 1
    with coded.session() as s:  # nothing was deleted: the log holds every step
        assert [e.action for e in list_events(s) if e.actor == "alice"] == [
            "coding.create", "coding.update", "coding.undo", "coding.undo"]


def test_blind_mode_shows_only_the_viewers_codings(coded):
    confirm(coded, 1, "alice")
    confirm(coded, 1, "bob")
    assert {c.coder for c in list_codings(coded, viewer="alice", blind=True)} == {"alice"}
    assert {c.coder for c in list_codings(coded, viewer="alice")} == {"alice", "bob"}
    with pytest.raises(WorkbenchError, match="blind mode needs the viewer's coder name"):
        list_codings(coded, blind=True)


def test_document_memos(coded):
    memo_document(coded, 1, "Chronology checked against the GP record.", "alice")
    [(author, text, _)] = document_memos(coded, 1)
    assert (author, text) == ("alice", "Chronology checked against the GP record.")
    with pytest.raises(WorkbenchError, match="a memo cannot be empty"):
        memo_document(coded, 1, "  ", "alice")


def test_unknown_suggestion(coded):
    with pytest.raises(NotFound, match="no suggestion with id 99; run `workbench suggest` first"):
        confirm(coded, 99, "alice")


def test_reject_and_code_records_both_in_one_transaction(coded):
    coding = reject_and_code(coded, 1, "substance_misuse", "alice", memo="drinking, not sleep")
    assert (coding.theme_id, coding.status, coding.source) == ("substance_misuse", "confirmed", "manual")
    assert [(c.theme_id, c.status) for c in list_codings(coded)] == [("sudi", "rejected"),
                                                                     ("substance_misuse", "confirmed")]
    assert TEXT[coding.start:coding.end].startswith("The baby was found")


def test_reject_and_code_with_an_unknown_theme_leaves_nothing_half_done(coded):
    with pytest.raises(NotFound):
        reject_and_code(coded, 1, "no_such_theme", "alice")
    assert list_codings(coded) == []
    with coded.session() as s:
        assert list_events(s, action="coding.create") == []
