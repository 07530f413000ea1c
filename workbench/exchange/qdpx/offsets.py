"""Offsets in a source's text: code points and UTF-16 code units, and another tool's text onto the
canonical text (see :mod:`workbench.exchange.qdpx` for the position convention)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable

from workbench.corpus.text import normalise

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# The steps of workbench.corpus.text.normalise, replayed by canonical_map to keep track of offsets.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of the code-point offset ``index`` in ``text``."""
    return index + len(_ASTRAL.findall(text, 0, index))


def codepoint_offset(text: str, utf16_index: int) -> int:
    """The code-point offset of a UTF-16 code-unit offset in ``text`` (inside a surrogate pair: its start)."""
    return Utf16(text).to_codepoints(utf16_index)


class Utf16:
    """Both-way conversion between code-point and UTF-16 offsets of one text, in O(log n) per offset."""

    def __init__(self, text: str):
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]
        self.starts = [position + k for k, position in enumerate(self.astral)]  # in UTF-16 units

    def to_utf16(self, index: int) -> int:
        return index + bisect.bisect_left(self.astral, index)

    def to_codepoints(self, index: int) -> int:
        return index - bisect.bisect_left(self.starts, index)


def canonical_map(raw: str) -> tuple[str, Callable[[int], int]]:
    """The canonical text of ``raw`` and a map from code-point offsets in ``raw`` to offsets in it.

    Replays normalise() (line ends, control characters, trailing spaces, NFC, outer blank lines)
    remembering where each kept character came from, so that a selection made on another tool's text
    (with ``\\r\\n`` line ends, say) lands on the same words of the canonical text.
    """
    canonical = normalise(raw)
    if canonical == raw:
        return canonical, lambda index: index
    chars: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        step = 2 if raw.startswith("\r\n", i) else 1
        if char in "\r\u2028":
            out = "\n"
        elif char in "\u2029\x0c":
            out = "\n\n"
        else:
            out = "" if _CONTROL.match(char) else char
        for kept in out:
            chars.append(kept)
            origin.append(i)
        i += step
    joined = "".join(chars)
    dropped = {j for m in _TRAILING_SPACE.finditer(joined) for j in range(m.start(), m.end() - 1)}
    origin = [o for j, o in enumerate(origin) if j not in dropped]
    spaced = "".join(c for j, c in enumerate(chars) if j not in dropped)
    if unicodedata.is_normalized("NFC", spaced):
        composed, nfc = spaced, (lambda j: j)
    else:
        composed = unicodedata.normalize("NFC", spaced)

        def nfc(j: int) -> int:
            return len(unicodedata.normalize("NFC", spaced[:j]))
    lead = len(composed) - len(composed.lstrip("\n "))
    if composed.strip("\n ") != canonical:  # normalise() changed: fall back to normalising prefixes
        def mapping(index: int) -> int:
            return min(len(normalise(raw[:index])), len(canonical))
        return canonical, mapping

    def mapped(index: int) -> int:
        return min(max(nfc(bisect.bisect_left(origin, index)) - lead, 0), len(canonical))

    return canonical, mapped
