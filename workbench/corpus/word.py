"""Word (.docx) files: paragraphs and table cells in document order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from workbench.corpus.document import SourceDocument
from workbench.errors import UnreadableDocument


def read_docx(name: str, data: bytes) -> Iterator[SourceDocument]:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(
            f"{name}: not a readable Word document ({type(exc).__name__}); "
            "open and re-save it in Word, or save it as .txt"
        ) from exc
    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t"))
            blocks.append(text.strip())
        elif tag == "tbl":
            for cell in child.iter():
                if cell.tag.endswith("}tc"):
                    text = " ".join(
                        (n.text or "") for n in cell.iter() if n.tag.endswith("}t")
                    ).strip()
                    blocks.append(text)
    text = "\n\n".join(b for b in blocks if b)
    if not text.strip():
        raise UnreadableDocument(f"{name}: the Word document has no text")
    title = (document.core_properties.title or "").strip()
    yield SourceDocument(source_name=name, text=text, title=title)
