"""Reviewers' decisions: confirm, reject, recode, adjust, code by hand, memo, undo.

Every action is an event in the append-only log and nothing is deleted: undoing the creation
of a coding withdraws it, undoing a change restores what it replaced. Codings belong to their
coder; two coders deciding on the same excerpt each keep their own coding. Updates carry the
version the coder read, and fail with :class:`Conflict` if the coding changed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from workbench.errors import BadInput, Conflict, NotFound, PermissionDenied
from workbench.store import Store, get_document, list_events, record_event
from workbench.store import codings as coding_rows
from workbench.store.documents import get_excerpt, overlapping_excerpts
from workbench.store.memos import add_document_memo, list_document_memos
from workbench.store.suggestions import excerpt_suggestions, get_suggestion, latest_batch
from workbench.store.themes import get_theme, list_themes

if TYPE_CHECKING:
    from workbench.store import Session
    from workbench.store.models import Coding, Event, Excerpt

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


def _state(c: Coding) -> dict[str, object]:
    return {"theme_id": c.theme_id, "start": c.start, "end": c.end, "status": c.status,
            "memo": c.memo, "withdrawn": c.withdrawn}


def _check_coder(coder: str) -> str:
    coder = (coder or "").strip()
    if not coder:
        raise BadInput("a coder name is required; pick one on the sign-in page or pass --coder")
    return coder


def _owned(session: Session, coding_id: int, coder: str, expected_version: int | None) -> Coding:
    coding = coding_rows.get_coding(session, coding_id)
    if coding.coder != coder:
        raise PermissionDenied(f"coding {coding_id} belongs to {coding.coder}; code the span yourself "
                             "instead of changing another coder's coding")
    if expected_version is not None and coding.version != expected_version:
        raise Conflict(
            f"coding {coding_id} was changed at {coding.updated_at:%Y-%m-%d %H:%M:%S} since you read "
            f"it (version {expected_version}, now {coding.version}); reload it and try again"
        )
    return coding


def _create(session: Session, coder: str, **values: object) -> Coding:
    coding = coding_rows.add_coding(session, coder, values)
    record_event(session, coder, "coding.create", f"coding:{coding.id}",
                 {"after": _state(coding), "source": coding.source, "excerpt_id": coding.excerpt_id})
    return coding


def _update(session: Session, coding: Coding, coder: str, **changes: object) -> Coding:
    before = _state(coding)
    coding_rows.update_coding(session, coding, changes)
    record_event(session, coder, "coding.update", f"coding:{coding.id}",
                 {"before": before, "after": _state(coding)})
    return coding


def _decide(store: Store, suggestion_id: int, coder: str, status: str, memo: str) -> CodingView:
    coder = _check_coder(coder)
    with store.session() as session:
        return _view(_decide_in(session, suggestion_id, coder, status, memo))


def _decide_in(session: Session, suggestion_id: int, coder: str, status: str, memo: str) -> Coding:
    suggestion = get_suggestion(session, suggestion_id)
    excerpt = get_excerpt(session, suggestion.excerpt_id)
    existing = coding_rows.find_decision(session, coder, excerpt.id, suggestion.theme_id)
    if existing is not None:
        changes: dict[str, object] = {"status": status}
        if memo:
            changes["memo"] = memo
        return _update(session, existing, coder, **changes)
    return _create(
        session, coder, document_id=excerpt.document_id, excerpt_id=excerpt.id,
        start=excerpt.start, end=excerpt.end, theme_id=suggestion.theme_id, status=status,
        source=f"suggestion:{suggestion.id}", score=suggestion.score, memo=memo)


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
        raise BadInput(f"status {status!r} is not one of {', '.join(STATUSES)}")
    with store.session() as session:
        return _view(_code_span_in(session, document_id, start, end, theme_id, coder, memo, status))


def _code_span_in(session: Session, document_id: int, start: int, end: int, theme_id: str,
                  coder: str, memo: str, status: str) -> Coding:
    document = get_document(session, document_id)
    _check_span(document.text, start, end)
    get_theme(session, theme_id)
    excerpt = _excerpt_at(session, document_id, start, end)
    return _create(session, coder, document_id=document_id,
                   excerpt_id=excerpt.id if excerpt else None, start=start, end=end,
                   theme_id=theme_id, status=status, source="manual", memo=memo)


def reject_and_code(store: Store, suggestion_id: int, theme_id: str, coder: str,
                    memo: str = "") -> CodingView:
    """Reject a suggestion and code its excerpt with ``theme_id`` instead, in one transaction.

    The rejection stays (the suggestion's classifiers learn from it); the new coding is the
    coder's confirmed, manual coding of the same span. Either both are recorded or neither.
    """
    coder = _check_coder(coder)
    with store.session() as session:
        _decide_in(session, suggestion_id, coder, "rejected", memo)
        excerpt = get_excerpt(session, get_suggestion(session, suggestion_id).excerpt_id)
        return _view(_code_span_in(session, excerpt.document_id, excerpt.start, excerpt.end,
                                   theme_id, coder, memo, "confirmed"))


@dataclass(frozen=True)
class ExcerptDecision:
    """What :func:`decide_excerpt` recorded: themes confirmed and rejected, and the themes the
    coder had already decided on the excerpt, which it left as they were."""

    excerpt_id: int
    confirmed: list[str]
    rejected: list[str]
    kept: list[str]


def decide_excerpt(store: Store, excerpt_id: int, themes: set[str] | list[str], coder: str,
                   memo: str = "") -> ExcerptDecision:
    """Decide every codable theme for one excerpt at once: ``themes`` are confirmed, every other
    codable theme is recorded as rejected, so one reading trains every theme.

    A theme with a suggestion in the latest batch decides that suggestion (its source and score
    are kept); any other gets a manual coding of the excerpt. Themes the coder has already
    decided on this excerpt are kept unchanged, never overwritten. All in one transaction.
    """
    coder = _check_coder(coder)
    with store.session() as session:
        excerpt = get_excerpt(session, excerpt_id)
        codable = [t.id for t in list_themes(session) if t.codable]
        unknown = sorted(set(themes) - set(codable))
        if unknown:
            raise BadInput(f"{', '.join(unknown)}: not codable themes of the stored codebook; "
                           f"choose from {', '.join(codable)}")
        batch = latest_batch(session)
        suggested = {s.theme_id: s for s in excerpt_suggestions(session, batch, excerpt_id)} if batch else {}
        done: dict[str, list[str]] = {"confirmed": [], "rejected": [], "kept": []}
        for theme_id in codable:
            status = "confirmed" if theme_id in themes else "rejected"
            if coding_rows.find_decision(session, coder, excerpt_id, theme_id) is not None:
                done["kept"].append(theme_id)
            elif theme_id in suggested:
                _decide_in(session, suggested[theme_id].id, coder, status, memo)
                done[status].append(theme_id)
            else:
                _create(session, coder, document_id=excerpt.document_id, excerpt_id=excerpt.id,
                        start=excerpt.start, end=excerpt.end, theme_id=theme_id, status=status,
                        source="manual", memo=memo)
                done[status].append(theme_id)
        record_event(session, coder, "excerpt.decide", f"excerpt:{excerpt_id}", done)
    return ExcerptDecision(excerpt_id, done["confirmed"], done["rejected"], done["kept"])


def _check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start < end <= len(text):
        raise BadInput(f"span {start}-{end} is outside the document (0-{len(text)}); "
                             "start must be before end")
    if not text[start:end].strip():
        raise BadInput(f"span {start}-{end} holds only white space")


def _excerpt_at(session: Session, document_id: int, start: int, end: int) -> Excerpt | None:
    """The excerpt that contains most of the span."""
    excerpts = overlapping_excerpts(session, document_id, start, end)
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
    """Change the status (suggested, confirmed, rejected) of the coder's own coding."""
    coder = _check_coder(coder)
    if status not in STATUSES:
        raise BadInput(f"status {status!r} is not one of {', '.join(STATUSES)}")
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
        raise BadInput("a memo cannot be empty")
    with store.session() as session:
        get_document(session, document_id)
        memo = add_document_memo(session, document_id, author, text)
        record_event(session, author, "document.memo", f"document:{document_id}",
                     {"memo_id": memo.id})
        return memo.id


def document_memos(store: Store, document_id: int) -> list[tuple[str, str, dt.datetime]]:
    """(author, text, created at) of a document's memos, oldest first."""
    with store.session() as session:
        return [(m.author, m.text, m.created_at) for m in list_document_memos(session, document_id)]


def undo(store: Store, coder: str) -> str:
    """Undo the coder's most recent coding action not yet undone; returns what was undone."""
    coder = _check_coder(coder)
    with store.session() as session:
        events = list_events(session, actor=coder, newest_first=True)
        undone: set[int] = set()
        target: Event | None = None
        for event in events:
            if event.action == "coding.undo":
                undone.add(int(event.payload["undoes"]))
            elif event.action in UNDOABLE and event.id not in undone:
                target = event
                break
        if target is None:
            raise NotFound(f"nothing to undo for {coder}")
        coding = coding_rows.find_coding(session, int(target.target.split(":")[1]))
        if coding is None:
            raise NotFound(f"no coding with id {target.target.split(':')[1]}")
        restore: Mapping[str, object] = (
            {"withdrawn": True} if target.action == "coding.create" else dict(target.payload["before"]))
        before = _state(coding)
        coding_rows.update_coding(session, coding, restore)
        record_event(session, coder, "coding.undo", f"coding:{coding.id}",
                     {"undoes": target.id, "before": before, "after": _state(coding)})
        return f"undid {target.action} of coding {coding.id}"


def list_codings(store: Store, viewer: str | None = None, blind: bool = False,
                 document_id: int | None = None, status: str | None = None,
                 coder: str | None = None) -> list[CodingView]:
    """Codings, oldest first. In blind mode a viewer sees only their own."""
    if blind and not viewer:
        raise BadInput("blind mode needs the viewer's coder name")
    if blind:
        if coder and coder != viewer:
            return []
        coder = viewer
    with store.session() as session:
        found = coding_rows.list_codings(session, coder=coder, document_id=document_id, status=status)
        return [_view(c) for c in found]


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
        excerpt = get_excerpt(session, excerpt_id)
        document = get_document(session, excerpt.document_id)
        by_seq = {e.seq: e.text for e in document.excerpts}
        return ExcerptContext(by_seq.get(excerpt.seq - 1, ""), excerpt.text, by_seq.get(excerpt.seq + 1, ""),
                              document.title, excerpt.section, document.id, excerpt.start, excerpt.end)
