"""A document as read from a file, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.corpus.text import normalise, sha256_text


@dataclass
class SourceDocument:
    """Text and metadata read from one file, row or archive member.

    ``text`` is canonical (see :func:`workbench.corpus.text.normalise`); ``source_name`` is the
    file name (``archive.zip/inner.txt`` for archive members, ``table.csv#row=3`` for rows).
    """

    source_name: str
    text: str
    title: str = ""
    metadata: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.text = normalise(self.text)
        if not self.title:
            self.title = guess_title(self.text, self.source_name)

    @property
    def sha256(self) -> str:
        return sha256_text(self.text)


def guess_title(text: str, source_name: str) -> str:
    """The first Markdown heading or short first line, else the file name."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        line = line.lstrip("#").strip()
        if 0 < len(line) <= 120:
            return line
        break
    return source_name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Skipped:
    """Something ingest could not use, and why."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}
