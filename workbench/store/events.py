"""The append-only event log: every human and machine action, with who, when and what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.store.models import Event


def record_event(
    session: Session, actor: str, action: str, target: str = "", payload: dict | None = None
) -> Event:
    """Append an event in the caller's transaction."""
    entry = Event(actor=actor, action=action, target=target, payload=payload or {})
    session.add(entry)
    return entry


def list_events(
    session: Session, action: str | None = None, target: str | None = None, limit: int | None = None,
    actor: str | None = None, newest_first: bool = False,
) -> list[Event]:
    """Events oldest (or ``newest_first``) first, optionally filtered by action, target and actor."""
    query = select(Event).order_by(Event.id.desc() if newest_first else Event.id)
    if action:
        query = query.where(Event.action == action)
    if target:
        query = query.where(Event.target == target)
    if actor:
        query = query.where(Event.actor == actor)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
