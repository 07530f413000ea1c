"""Reviewers' decisions: confirm, reject, recode, adjust, code by hand, memo, undo.

Every action is an event in the append-only log and nothing is deleted: undoing the creation
of a coding withdraws it, undoing a change restores what it replaced. Codings belong to their
coder; two coders deciding on the same excerpt each keep their own coding. Updates carry the
version the coder read, and fail with :class:`Conflict` if the coding changed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.errors import Conflict, NotFound, WorkbenchError
from workbench.store import Store, get_document, list_events, record_event
from workbench.store.models import Coding, DocumentMemo, Event, Excerpt, Suggestion, utcnow
from workbench.store.themes import get_theme

STATUSES = ("suggested", "confirmed", "rejected")
UNDOABLE = ("coding.create", "coding.update")


@dataclass(frozen=True)
class CodingView:
    """A coding as read by a reviewer, including the version needed to change it."""

    id: int
    document_id: int
    excerpt_id: int | None
    start: int
    end: int
    theme_id: str
    coder: str
    status: str
    source: str
    score: float | None
    memo: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


def _view(c: Coding) -> CodingView:
    return CodingView(c.id, c.document_id, c.excerpt_id, c.start, c.end, c.theme_id, c.coder,
                      c.status, c.source, c.score, c.memo, c.created_at, c.updated_at, c.version)


def _state(c: Coding) -> dict:
    return {"theme_id": c.theme_id, "start": c.start, "end": c.end, "status": c.status,
            "memo": c.memo, "withdrawn": c.withdrawn}


def _check_coder(coder: str) -> str:
    coder = (coder or "").strip()
    if not coder:
        raise WorkbenchError("a coder name is required; pick one on the sign-in page or pass --coder")
    return coder


def _get_coding(session: Session, coding_id: int) -> Coding:
    coding = session.get(Coding, coding_id)
    if coding is None or coding.withdrawn:
        raise NotFound(f"no coding with id {coding_id}")
    return coding


def _owned(session: Session, coding_id: int, coder: str, expected_version: int | None) -> Coding:
    coding = _get_coding(session, coding_id)
    if coding.coder != coder:
        raise WorkbenchError(f"coding {coding_id} belongs to {coding.coder}; code the span yourself "
                             "instead of changing another coder's coding")
    if expected_version is not None and coding.version != expected_version:
        raise Conflict(
            f"coding {coding_id} was changed at {coding.updated_at:%Y-%m-%d %H:%M:%S} since you read "
            f"it (version {expected_version}, now {coding.version}); reload it and try again"
        )
    return coding


def _create(session: Session, coder: str, **values) -> Coding:
    coding = Coding(coder=coder, withdrawn=False, **values)
    session.add(coding)
    session.flush()
    record_event(session, coder, "coding.create", f"coding:{coding.id}",
                 {"after": _state(coding), "source": coding.source, "excerpt_id": coding.excerpt_id})
    return coding


def _update(session: Session, coding: Coding, coder: str, **changes) -> Coding:
    before = _state(coding)
    for key, value in changes.items():
        setattr(coding, key, value)
    coding.updated_at = utcnow()
    session.flush()
    record_event(session, coder, "coding.update", f"coding:{coding.id}",
                 {"before": before, "after": _state(coding)})
    return coding


def _decide(store: Store, suggestion_id: int, coder: str, status: str, memo: str) -> CodingView:
    coder = _check_coder(coder)
    with store.session() as session:
        suggestion = session.get(Suggestion, suggestion_id)
        if suggestion is None:
            raise NotFound(f"no suggestion with id {suggestion_id}; run `workbench suggest` first")
        excerpt = session.get(Excerpt, suggestion.excerpt_id)
        existing = session.scalar(select(Coding).where(
            Coding.coder == coder, Coding.excerpt_id == excerpt.id,
            Coding.theme_id == suggestion.theme_id, Coding.withdrawn.is_(False)))
        if existing is not None:
            changes = {"status": status}
            if memo:
                changes["memo"] = memo
            return _view(_update(session, existing, coder, **changes))
        return _view(_create(
            session, coder, document_id=excerpt.document_id, excerpt_id=excerpt.id,
            start=excerpt.start, end=excerpt.end, theme_id=suggestion.theme_id, status=status,
            source=f"suggestion:{suggestion.id}", score=suggestion.score, memo=memo))


def confirm(store: Store, suggestion_id: int, coder: str, memo: str = "") -> CodingView:
    """Accept a suggestion: the coder's confirmed coding of the excerpt with its theme."""
    return _decide(store, suggestion_id, coder, "confirmed", memo)


def reject(store: Store, suggestion_id: int, coder: str, memo: str = "") -> CodingView:
    """Decline a suggestion: recorded as the coder's rejected coding."""
    return _decide(store, suggestion_id, coder, "rejected", memo)


def code_span(store: Store, document_id: int, start: int, end: int, theme_id: str, coder: str,
              memo: str = "", status: str = "confirmed") -> CodingView:
    """Code any span of a document by hand."""
    coder = _check_coder(coder)
    if status not in STATUSES:
        raise WorkbenchError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    with store.session() as session:
        document = get_document(session, document_id)
        _check_span(document.text, start, end)
        get_theme(session, theme_id)
        excerpt = _excerpt_at(session, document_id, start, end)
        return _view(_create(session, coder, document_id=document_id,
                             excerpt_id=excerpt.id if excerpt else None, start=start, end=end,
                             theme_id=theme_id, status=status, source="manual", memo=memo))


def _check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start < end <= len(text):
        raise WorkbenchError(f"span {start}-{end} is outside the document (0-{len(text)}); "
                             "start must be before end")
    if not text[start:end].strip():
        raise WorkbenchError(f"span {start}-{end} holds only white space")


def _excerpt_at(session: Session, document_id: int, start: int, end: int) -> Excerpt | None:
    """The excerpt that contains most of the span."""
    excerpts = session.scalars(select(Excerpt).where(
        Excerpt.document_id == document_id, Excerpt.start < end, Excerpt.end > start))
    best = max(excerpts, key=lambda e: min(e.end, end) - max(e.start, start), default=None)
    return best


def recode(store: Store, coding_id: int, theme_id: str, coder: str,
           expected_version: int | None = None) -> CodingView:
    """Change the theme of the coder's own coding."""
    coder = _check_coder(coder)
    with store.session() as session:
        coding = _owned(session, coding_id, coder, expected_version)
        get_theme(session, theme_id)
        return _view(_update(session, coding, coder, theme_id=theme_id))


def adjust_span(store: Store, coding_id: int, start: int, end: int, coder: str,
                expected_version: int | None = None) -> CodingView:
    """Move the start and end of the coder's own coding."""
    coder = _check_coder(coder)
    with store.session() as session:
        coding = _owned(session, coding_id, coder, expected_version)
        _check_span(get_document(session, coding.document_id).text, start, end)
        return _view(_update(session, coding, coder, start=start, end=end))


def set_status(store: Store, coding_id: int, status: str, coder: str,
               expected_version: int | None = None) -> CodingView:
    coder = _check_coder(coder)
    if status not in STATUSES:
        raise WorkbenchError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    with store.session() as session:
        coding = _owned(session, coding_id, coder, expected_version)
        return _view(_update(session, coding, coder, status=status))


def write_memo(store: Store, coding_id: int, memo: str, coder: str,
               expected_version: int | None = None) -> CodingView:
    """Set the memo of the coder's own coding."""
    coder = _check_coder(coder)
    with store.session() as session:
        coding = _owned(session, coding_id, coder, expected_version)
        return _view(_update(session, coding, coder, memo=memo))


def memo_document(store: Store, document_id: int, text: str, author: str) -> int:
    """Add a memo to a document; returns its id."""
    author = _check_coder(author)
    if not text.strip():
        raise WorkbenchError("a memo cannot be empty")
    with store.session() as session:
        get_document(session, document_id)
        memo = DocumentMemo(document_id=document_id, author=author, text=text)
        session.add(memo)
        session.flush()
        record_event(session, author, "document.memo", f"document:{document_id}",
                     {"memo_id": memo.id})
        return memo.id


def document_memos(store: Store, document_id: int) -> list[tuple[str, str, dt.datetime]]:
    with store.session() as session:
        rows = session.scalars(select(DocumentMemo).where(DocumentMemo.document_id == document_id)
                               .order_by(DocumentMemo.id))
        return [(m.author, m.text, m.created_at) for m in rows]


def undo(store: Store, coder: str) -> str:
    """Undo the coder's most recent coding action not yet undone; returns what was undone."""
    coder = _check_coder(coder)
    with store.session() as session:
        events = session.scalars(select(Event).where(Event.actor == coder).order_by(Event.id.desc()))
        undone: set[int] = set()
        target: Event | None = None
        for event in events:
            if event.action == "coding.undo":
                undone.add(int(event.payload["undoes"]))
            elif event.action in UNDOABLE and event.id not in undone:
                target = event
                break
        if target is None:
            raise WorkbenchError(f"nothing to undo for {coder}")
        coding = session.get(Coding, int(target.target.split(":")[1]))
        restore = {"withdrawn": True} if target.action == "coding.create" else dict(target.payload["before"])
        before = _state(coding)
        for key, value in restore.items():
            setattr(coding, key, value)
        coding.updated_at = utcnow()
        session.flush()
        record_event(session, coder, "coding.undo", f"coding:{coding.id}",
                     {"undoes": target.id, "before": before, "after": _state(coding)})
        return f"undid {target.action} of coding {coding.id}"


def list_codings(store: Store, viewer: str | None = None, blind: bool = False,
                 document_id: int | None = None, status: str | None = None,
                 coder: str | None = None) -> list[CodingView]:
    """Codings, oldest first. In blind mode a viewer sees only their own."""
    if blind and not viewer:
        raise WorkbenchError("blind mode needs the viewer's coder name")
    with store.session() as session:
        query = select(Coding).where(Coding.withdrawn.is_(False)).order_by(Coding.id)
        if blind:
            query = query.where(Coding.coder == viewer)
        if coder:
            query = query.where(Coding.coder == coder)
        if document_id is not None:
            query = query.where(Coding.document_id == document_id)
        if status:
            query = query.where(Coding.status == status)
        return [_view(c) for c in session.scalars(query)]


def coding_history(store: Store, coding_id: int) -> list[tuple[str, str, dict]]:
    """(actor, action, payload) of every event about a coding, oldest first."""
    with store.session() as session:
        return [(e.actor, e.action, e.payload) for e in list_events(session, target=f"coding:{coding_id}")]


class ExcerptContext(NamedTuple):
    """An excerpt with its neighbours in the document (for showing it in context)."""

    before: str
    text: str
    after: str
    title: str
    section: str
    document_id: int
    start: int
    end: int


def excerpt_context(store: Store, excerpt_id: int) -> ExcerptContext:
    """The previous excerpt, the excerpt, the next excerpt ('' at the ends), the document's
    title and the excerpt's section; also its document id and span."""
    with store.session() as session:
        excerpt = session.get(Excerpt, excerpt_id)
        if excerpt is None:
            raise NotFound(f"no excerpt with id {excerpt_id}")
        document = get_document(session, excerpt.document_id)
        by_seq = {e.seq: e.text for e in document.excerpts}
        return ExcerptContext(by_seq.get(excerpt.seq - 1, ""), excerpt.text, by_seq.get(excerpt.seq + 1, ""),
                              document.title, excerpt.section, document.id, excerpt.start, excerpt.end)
