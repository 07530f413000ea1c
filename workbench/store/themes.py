"""Repository functions for codebook themes."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.store.models import ThemeRow

THEME_FIELDS = ("name", "description", "inclusion", "exclusion", "seeds", "examples", "colour",
                "parent_id", "codable")


def find_theme(session: Session, theme_id: str) -> ThemeRow | None:
    """The theme with this id (whatever its status), or None."""
    return session.get(ThemeRow, theme_id)


def get_theme(session: Session, theme_id: str) -> ThemeRow:
    row = session.get(ThemeRow, theme_id)
    if row is None:
        known = ", ".join(session.scalars(select(ThemeRow.id).order_by(ThemeRow.position)))
        raise NotFound(f"no theme {theme_id!r}; known themes: {known or 'none (import a codebook)'}")
    return row


def list_themes(session: Session, include_inactive: bool = False) -> list[ThemeRow]:
    query = select(ThemeRow).order_by(ThemeRow.position, ThemeRow.id)
    if not include_inactive:
        query = query.where(ThemeRow.status == "active")
    return list(session.scalars(query))


def next_position(session: Session) -> int:
    return (session.scalar(select(func.max(ThemeRow.position))) or 0) + 1


def add_theme(session: Session, theme_id: str, values: Mapping[str, object], origin: str,
              position: int) -> ThemeRow:
    """Insert an active theme with the editable ``values`` (see THEME_FIELDS) and flush, so that
    themes are written in the order they are added (a parent before its children)."""
    row = ThemeRow(id=theme_id, status="active", origin=origin, position=position, **values)
    session.add(row)
    session.flush()
    return row


def update_theme(row: ThemeRow, changes: Mapping[str, object]) -> ThemeRow:
    """Set fields of a theme; the change is written with the caller's transaction."""
    for key, value in changes.items():
        setattr(row, key, value)
    return row


def theme_snapshot(row: ThemeRow) -> dict:
    """The editable fields of a theme, for event payloads."""
    return {f: getattr(row, f) for f in (*THEME_FIELDS, "status", "merged_into")}
