"""PDF files: the text layer, page by page. Scanned PDFs need OCR first."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from workbench.corpus.document import SourceDocument
from workbench.errors import UnreadableDocument

logging.getLogger("pypdf").setLevel(logging.ERROR)

MIN_CHARS_PER_PAGE = 20


def read_pdf(name: str, data: bytes) -> Iterator[SourceDocument]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    if not data.lstrip().startswith(b"%PDF"):
        raise UnreadableDocument(f"{name}: not a PDF file (no %PDF header); is the file corrupt?")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                f"{name}: encrypted PDF; remove the password (e.g. print to a new PDF) and try again"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except UnreadableDocument:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableDocument(
            f"{name}: corrupt or unreadable PDF ({exc}); re-export it from the original"
        ) from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if len(text.strip()) < MIN_CHARS_PER_PAGE * max(1, len(pages)) // 2 or not text.strip():
        raise UnreadableDocument(
            f"{name}: PDF has no text layer (scanned?); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`"
        )
    yield SourceDocument(source_name=name, text=text, title=title)
