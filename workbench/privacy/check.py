"""A dry run of redaction: what ingest would replace in some files, with nothing stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.config import Settings
from workbench.corpus import collect_files, read_file
from workbench.corpus.document import Skipped
from workbench.privacy.redact import load_redactor, redact_document


@dataclass(frozen=True)
class Finding:
    """One string ingest would replace: its kind, code-point offsets, 1-based line and pseudonym."""

    kind: str
    start: int
    end: int
    line: int
    text: str
    pseudonym: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "line": self.line,
                "text": self.text, "pseudonym": self.pseudonym}


@dataclass
class CheckedDocument:
    """The findings in one document (a file, row or archive member), with counts by kind."""

    file: str
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "counts": self.counts,
                "findings": [f.as_dict() for f in self.findings]}


@dataclass
class RedactionCheck:
    """Every document checked, and what could not be read."""

    documents: list[CheckedDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"documents": [d.as_dict() for d in self.documents],
                "skipped": [s.as_dict() for s in self.skipped]}


def check_paths(paths: Sequence[str | Path], settings: Settings) -> RedactionCheck:
    """Read files and folders as ingest would and list what redaction would replace in each
    document's text. Nothing is stored and no event is recorded."""
    redactor = load_redactor(settings)
    files, skipped = collect_files(paths, settings.ingest_ignore)
    check = RedactionCheck(skipped=skipped)
    for path, name in files:
        for item in read_file(path, name, settings):
            if isinstance(item, Skipped):
                check.skipped.append(item)
                continue
            redaction = redact_document(item.text, redactor).redaction
            findings = [
                Finding(kind, start, end, item.text.count("\n", 0, start) + 1,
                        item.text[start:end], pseudonym)
                for start, end, _, _, kind, pseudonym in redaction.replacements
            ]
            check.documents.append(CheckedDocument(item.source_name, redaction.counts(), findings))
    return check
