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
    """A review document; ``text`` is canonical (and redacted) and never changes after ingest."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    source_name: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the text as read, before redaction
    text_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # of ``text`` as stored
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    # [original start, original end, start, end, kind, pseudonym] per replaced span, offsets into
    # the canonical text as read and into ``text``; None when the document was stored unredacted.
    redactions: Mapped[list | None] = mapped_column(JSON, nullable=True, default=None)
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


class ThemeRow(Base):
    """A codebook theme. Themes are never deleted: retired and merged ones stay for history."""

    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[list] = mapped_column(JSON, default=list)
    exclusion: Mapped[list] = mapped_column(JSON, default=list)
    seeds: Mapped[list] = mapped_column(JSON, default=list)
    examples: Mapped[list] = mapped_column(JSON, default=list)
    colour: Mapped[str] = mapped_column(String(16), default="")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id"), nullable=True)
    codable: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    merged_into: Mapped[str | None] = mapped_column(String(64), nullable=True)
    origin: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suggestion(Base):
    """A machine-suggested theme for an excerpt, with its score and evidence."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_excerpt", "excerpt_id"),
                      Index("ix_suggestions_batch", "batch"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(64))
    excerpt_id: Mapped[int] = mapped_column(ForeignKey("excerpts.id"))
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"))
    score: Mapped[float] = mapped_column()
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    run_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coding(Base):
    """A coder's decision that a span of a document shows a theme (or, if rejected, does not)."""

    __tablename__ = "codings"
    __table_args__ = (Index("ix_codings_excerpt", "excerpt_id"), Index("ix_codings_coder", "coder"),
                      Index("ix_codings_theme", "theme_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    excerpt_id: Mapped[int | None] = mapped_column(ForeignKey("excerpts.id"), nullable=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"))
    coder: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64), default="manual")
    score: Mapped[float | None] = mapped_column(nullable=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    withdrawn: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DocumentMemo(Base):
    """A reviewer's memo on a whole document."""

    __tablename__ = "document_memos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """An app user with a role (admin, reviewer, viewer) and a scrypt password hash."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
