"""The rows every export writes: one per coding, with its excerpt, document and theme path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from workbench.coding.codebook import Codebook, theme_path
from workbench.coding.themes import stored_codebook
from workbench.store import Store
from workbench.store.codings import export_codings
from workbench.store.documents import document_text


@dataclass(frozen=True)
class ExportFilter:
    """Which codings to export. Themes include their descendants; statuses default to confirmed."""

    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("confirmed",)
    coders: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class CodingRow:
    coding_id: int
    text: str
    document_id: int
    title: str
    source_name: str
    metadata: dict[str, object]
    start: int
    end: int
    theme_id: str
    theme_name: str
    theme_path: str
    coder: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    memo: str
    source: str
    score: float | None


def descendants(codebook: Codebook, theme_ids: tuple[str, ...]) -> set[str]:
    """The themes ``theme_ids`` and every theme below them in the codebook."""
    wanted = set(theme_ids)
    changed = True
    while changed:
        changed = False
        for theme in codebook.themes:
            if theme.parent in wanted and theme.id not in wanted:
                wanted.add(theme.id)
                changed = True
    return wanted


def coding_rows(store: Store, filters: ExportFilter | None = None,
                batch_size: int = 1000) -> Iterator[CodingRow]:
    """Codings matching ``filters``, by document then position, read in batches (streaming)."""
    filters = filters or ExportFilter()
    codebook = stored_codebook(store, include_inactive=True)
    names = {t.id: t.name for t in codebook.themes}
    paths = {t.id: theme_path(codebook, t.id) for t in codebook.themes}
    themes = sorted(descendants(codebook, filters.themes)) if filters.themes else []
    # Document text is read once per document, not once per coding (rows come in document order).
    with store.session() as session:
        result = export_codings(session, themes, filters.statuses, filters.coders, filters.since,
                                filters.until, batch_size=batch_size)
        current_id: int | None = None
        current_text = ""
        for coding, document_id, title, source_name, meta in result:
            if any(str(meta.get(k)) != str(v) for k, v in filters.metadata.items()):
                continue
            if document_id != current_id:
                current_id = document_id
                current_text = document_text(session, document_id) or ""
            yield CodingRow(
                coding_id=coding.id, text=current_text[coding.start:coding.end],
                document_id=document_id, title=title, source_name=source_name,
                metadata=dict(meta), start=coding.start, end=coding.end,
                theme_id=coding.theme_id, theme_name=names.get(coding.theme_id, coding.theme_id),
                theme_path=paths.get(coding.theme_id, coding.theme_id), coder=coding.coder,
                status=coding.status, created_at=coding.created_at, updated_at=coding.updated_at,
                memo=coding.memo, source=coding.source, score=coding.score)
