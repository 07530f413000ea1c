"""Repository functions for machine suggestions (a theme for an excerpt, in a batch)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.store.models import Document, Excerpt, Suggestion


def get_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion with id {suggestion_id}; run `workbench suggest` first")
    return suggestion


def add_suggestion(session: Session, batch: str, excerpt_id: int, theme_id: str, score: float,
                   evidence: dict, run_id: str | None) -> Suggestion:
    """Insert a suggestion in the caller's transaction."""
    suggestion = Suggestion(batch=batch, excerpt_id=excerpt_id, theme_id=theme_id, score=score,
                            evidence=evidence, run_id=run_id)
    session.add(suggestion)
    return suggestion


def latest_batch(session: Session) -> str | None:
    """The newest batch id (batch ids sort by time), or None before any suggestion."""
    return session.scalar(select(func.max(Suggestion.batch)))


def batch_suggestions(session: Session, batch: str, theme_id: str | None = None,
                      run_id: str | None = None) -> Iterator[Row[Suggestion, Excerpt, Document]]:
    """The batch's suggestions with their excerpts and documents, optionally for one theme or run."""
    query = (select(Suggestion, Excerpt, Document)
             .join(Excerpt, Suggestion.excerpt_id == Excerpt.id)
             .join(Document, Excerpt.document_id == Document.id)
             .where(Suggestion.batch == batch))
    if theme_id:
        query = query.where(Suggestion.theme_id == theme_id)
    if run_id:
        query = query.where(Suggestion.run_id == run_id)
    yield from session.execute(query)


def move_theme_suggestions(session: Session, source: str, target: str) -> None:
    """Give every suggestion of theme ``source`` theme ``target``."""
    session.execute(update(Suggestion).where(Suggestion.theme_id == source)
                    .values(theme_id=target).execution_options(synchronize_session=False))


def excerpt_suggestions(session: Session, batch: str, excerpt_id: int) -> list[Suggestion]:
    """The batch's suggestions for one excerpt."""
    return list(session.scalars(select(Suggestion).where(
        Suggestion.batch == batch, Suggestion.excerpt_id == excerpt_id)))
