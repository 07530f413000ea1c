"""Plain text and Markdown files: one file, one document."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.corpus.document import SourceDocument
from workbench.corpus.text import decode, looks_binary
from workbench.errors import UnreadableDocument


def read_plain(name: str, data: bytes) -> Iterator[SourceDocument]:
    if looks_binary(data):
        raise UnreadableDocument(
            f"{name}: binary content, not text; convert it to .txt, .docx or .pdf first"
        )
    text = decode(data, name)
    doc = SourceDocument(source_name=name, text=text)
    if not doc.text.strip():
        raise UnreadableDocument(f"{name}: empty file")
    yield doc
