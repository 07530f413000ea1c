"""Repository functions for codings: coders' decisions on spans of documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.store.models import Coding, Document, utcnow


def find_coding(session: Session, coding_id: int) -> Coding | None:
    """The coding with this id (withdrawn or not), or None."""
    return session.get(Coding, coding_id)


def get_coding(session: Session, coding_id: int) -> Coding:
    """The coding with this id; a withdrawn one counts as missing."""
    coding = session.get(Coding, coding_id)
    if coding is None or coding.withdrawn:
        raise NotFound(f"no coding with id {coding_id}")
    return coding


def add_coding(session: Session, coder: str, values: Mapping[str, object]) -> Coding:
    """Insert a coding (not withdrawn) and flush, so that it has its id."""
    coding = Coding(coder=coder, withdrawn=False, **values)
    session.add(coding)
    session.flush()
    return coding


def update_coding(session: Session, coding: Coding, changes: Mapping[str, object],
                  touch: bool = True) -> Coding:
    """Set fields of a coding and flush (its version goes up); ``touch`` sets ``updated_at``."""
    for key, value in changes.items():
        setattr(coding, key, value)
    if touch:
        coding.updated_at = utcnow()
    session.flush()
    return coding


def find_decision(session: Session, coder: str, excerpt_id: int, theme_id: str) -> Coding | None:
    """The coder's live coding of this excerpt with this theme, if any."""
    return session.scalar(select(Coding).where(
        Coding.coder == coder, Coding.excerpt_id == excerpt_id, Coding.theme_id == theme_id,
        Coding.withdrawn.is_(False)))


def list_codings(session: Session, coder: str | None = None, document_id: int | None = None,
                 status: str | None = None) -> list[Coding]:
    """Live (not withdrawn) codings, oldest first, optionally filtered."""
    query = select(Coding).where(Coding.withdrawn.is_(False)).order_by(Coding.id)
    if coder:
        query = query.where(Coding.coder == coder)
    if document_id is not None:
        query = query.where(Coding.document_id == document_id)
    if status:
        query = query.where(Coding.status == status)
    return list(session.scalars(query))


def excerpt_verdicts(session: Session) -> Iterator[Row[str, int | None, str]]:
    """(theme id, excerpt id, status) of every live confirmed or rejected coding of an excerpt."""
    yield from session.execute(select(Coding.theme_id, Coding.excerpt_id, Coding.status).where(
        Coding.withdrawn.is_(False), Coding.status.in_(("confirmed", "rejected")),
        Coding.excerpt_id.is_not(None)))


def decided_pairs(session: Session, coder: str) -> set[tuple[int | None, str]]:
    """(excerpt id, theme id) of every live coding by ``coder``."""
    rows = session.execute(select(Coding.excerpt_id, Coding.theme_id).where(
        Coding.coder == coder, Coding.withdrawn.is_(False)))
    return {(excerpt_id, theme_id) for excerpt_id, theme_id in rows}


def move_theme_codings(session: Session, source: str, target: str) -> list[int]:
    """Give every coding of theme ``source`` theme ``target`` (versions go up); their ids."""
    coding_ids = list(session.scalars(select(Coding.id).where(Coding.theme_id == source)))
    session.execute(update(Coding).where(Coding.theme_id == source)
                    .values(theme_id=target, version=Coding.version + 1)
                    .execution_options(synchronize_session=False))
    return coding_ids


ExportRow = Row[Coding, int, str, str, dict]


def export_codings(session: Session, theme_ids: Sequence[str] = (), statuses: Sequence[str] = (),
                   coders: Sequence[str] = (), since: dt.datetime | None = None,
                   until: dt.datetime | None = None, batch_size: int = 1000) -> Iterator[ExportRow]:
    """(coding, document id, title, source name, metadata) of live codings, by document then
    position, fetched ``batch_size`` at a time. Empty filters admit everything."""
    query = (select(Coding, Document.id, Document.title, Document.source_name, Document.meta)
             .join(Document, Coding.document_id == Document.id)
             .where(Coding.withdrawn.is_(False))
             .order_by(Coding.document_id, Coding.start, Coding.end, Coding.id))
    if theme_ids:
        query = query.where(Coding.theme_id.in_(theme_ids))
    if statuses:
        query = query.where(Coding.status.in_(statuses))
    if coders:
        query = query.where(Coding.coder.in_(coders))
    if since:
        query = query.where(Coding.updated_at >= since)
    if until:
        query = query.where(Coding.updated_at <= until)
    yield from session.execute(query.execution_options(yield_per=batch_size))
