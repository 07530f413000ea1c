"""SQLAlchemy models. The schema itself changes only through migrations in ``migrations/``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A review document; ``text`` is canonical and never changes after ingest."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    source_name: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    excerpts: Mapped[list[Excerpt]] = relationship(
        back_populates="document", order_by="Excerpt.seq", lazy="selectin"
    )


class Excerpt(Base):
    """A span of a document: ``text == document.text[start:end]`` (code points)."""

    __tablename__ = "excerpts"
    __table_args__ = (
        UniqueConstraint("document_id", "seq", name="uq_excerpts_document_seq"),
        Index("ix_excerpts_document", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(String(500), default="")

    document: Mapped[Document] = relationship(back_populates="excerpts")


class Event(Base):
    """One entry of the append-only log of every human and machine action."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_target", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
