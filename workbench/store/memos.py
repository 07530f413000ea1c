"""Repository functions for memos on whole documents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.store.models import DocumentMemo


def add_document_memo(session: Session, document_id: int, author: str, text: str) -> DocumentMemo:
    """Insert a memo and flush, so that it has its id."""
    memo = DocumentMemo(document_id=document_id, author=author, text=text)
    session.add(memo)
    session.flush()
    return memo


def list_document_memos(session: Session, document_id: int) -> list[DocumentMemo]:
    """A document's memos, oldest first."""
    return list(session.scalars(select(DocumentMemo).where(DocumentMemo.document_id == document_id)
                                .order_by(DocumentMemo.id)))
