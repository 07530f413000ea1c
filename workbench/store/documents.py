"""Repository functions for documents and excerpts: the only place they are queried."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.store.models import Document, Excerpt


def add_document(
    session: Session,
    *,
    title: str,
    source_name: str,
    sha256: str,
    text: str,
    metadata: Mapping[str, object],
    spans: Iterable[tuple[int, int, str]],
    redactions: list | None = None,
) -> Document:
    """Insert a document and its excerpts, given as (start, end, section) spans of ``text``."""
    document = Document(
        title=title[:500], source_name=source_name[:1000], sha256=sha256, text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), meta=dict(metadata),
        redactions=redactions,
    )
    session.add(document)
    session.flush()
    for seq, (start, end, section) in enumerate(spans):
        session.add(Excerpt(
            document_id=document.id, seq=seq, start=start, end=end, text=text[start:end],
            section=section[:500],
        ))
    session.flush()
    session.refresh(document)
    return document


def find_by_sha256(session: Session, sha256: str) -> Document | None:
    """The document whose text as read, or as stored (after redaction), has this sha256."""
    return session.scalars(
        select(Document).where(or_(Document.sha256 == sha256, Document.text_sha256 == sha256))
        .order_by(Document.id)
    ).first()


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(
            f"no document with id {document_id}; `workbench corpus stats` shows how many exist"
        )
    return document


def list_documents(session: Session, **metadata: object) -> list[Document]:
    """Documents in id order whose metadata match every given field (values compared as text)."""
    documents = session.scalars(select(Document).order_by(Document.id))
    wanted = {k: str(v) for k, v in metadata.items() if v is not None}
    return [
        d for d in documents
        if all(str(d.meta.get(k)) == v for k, v in wanted.items())
    ]


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count(Document.id))) or 0


def count_excerpts(session: Session) -> int:
    return session.scalar(select(func.count(Excerpt.id))) or 0


@dataclass(frozen=True)
class CorpusStats:
    """Counts of documents and excerpts, and documents by year and by review type."""

    documents: int
    excerpts: int
    by_year: dict[str, int]
    by_review_type: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def corpus_stats(session: Session) -> CorpusStats:
    """Counts of documents and excerpts, and documents by year and by review type."""
    by_year: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for (meta,) in session.execute(select(Document.meta)):
        by_year[str(meta.get("year", "unknown"))] += 1
        by_type[str(meta.get("review_type", "unknown"))] += 1
    return CorpusStats(documents=count_documents(session), excerpts=count_excerpts(session),
                       by_year=dict(sorted(by_year.items())),
                       by_review_type=dict(sorted(by_type.items())))


def get_excerpt(session: Session, excerpt_id: int) -> Excerpt:
    excerpt = session.get(Excerpt, excerpt_id)
    if excerpt is None:
        raise NotFound(f"no excerpt with id {excerpt_id}")
    return excerpt


def overlapping_excerpts(session: Session, document_id: int, start: int, end: int) -> list[Excerpt]:
    """The document's excerpts that share at least one character with ``start``-``end``."""
    return list(session.scalars(select(Excerpt).where(
        Excerpt.document_id == document_id, Excerpt.start < end, Excerpt.end > start)))


def document_text(session: Session, document_id: int) -> str | None:
    """Only the stored text of a document (None when there is no such document)."""
    return session.scalar(select(Document.text).where(Document.id == document_id))


def all_metadata(session: Session) -> Iterator[dict]:
    """Every document's metadata, reading nothing else."""
    yield from session.scalars(select(Document.meta))
