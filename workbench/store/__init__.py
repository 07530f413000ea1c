"""The database: models, migrations and repository functions. The only package with SQL.

One module per noun holds its repository functions (documents, events, themes, codings,
suggestions, memos, users); each takes the caller's ``Session``, so the caller decides where a
transaction begins and ends (``with store.session() as session:``).
"""

from sqlalchemy.orm import Session

from workbench.store.database import Store, open_store
from workbench.store.documents import (
    add_document,
    corpus_stats,
    count_documents,
    count_excerpts,
    find_by_sha256,
    get_document,
    list_documents,
)
from workbench.store.events import list_events, record_event
from workbench.store.models import Document, Event, Excerpt

__all__ = [
    "Document",
    "Event",
    "Excerpt",
    "Session",
    "Store",
    "add_document",
    "corpus_stats",
    "count_documents",
    "count_excerpts",
    "find_by_sha256",
    "get_document",
    "list_documents",
    "list_events",
    "open_store",
    "record_event",
]
