"""Decoding bytes and normalising text into a document's canonical form.

Canonical text is NFC, uses ``\\n`` line ends and holds no control characters other than
tab and newline. After ingest it never changes: every excerpt, coding and redaction is a
pair of code-point offsets into it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from charset_normalizer import from_bytes

from workbench.errors import UnreadableDocument

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
LIKELY_ENCODINGS = ["utf_16", "utf_32", "cp1252", "iso8859_15", "latin_1", "mac_roman"]
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def normalise(text: str) -> str:
    """Return the canonical form of ``text`` (NFC, ``\\n`` line ends, no stray controls)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\x0c", "\n\n")
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    return unicodedata.normalize("NFC", text).strip("\n ")


def looks_binary(data: bytes) -> bool:
    """True when ``data`` looks like binary content rather than text."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a byte-order mark
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return sample.count(0) / len(sample) > 0.01 or controls / len(sample) > 0.05


def decode(data: bytes, name: str) -> str:
    """Decode ``data`` (UTF-8 first, then the detected encoding) or raise UnreadableDocument."""
    if not data.strip():
        raise UnreadableDocument(f"{name}: empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if looks_binary(data):
        raise UnreadableDocument(
            f"{name}: binary content, not text; convert it to .txt, .docx or .pdf first"
        )
    # Reviews are English: prefer the encodings English files actually use, then anything.
    best = from_bytes(data, cp_isolation=LIKELY_ENCODINGS).best() or from_bytes(data).best()
    if best is None:
        raise UnreadableDocument(
            f"{name}: cannot detect the text encoding; save the file as UTF-8 and try again"
        )
    return str(best)


def sha256_text(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
