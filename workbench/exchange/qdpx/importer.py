"""Importing a read REFI-QDA project's text sources into the store: documents (ingested, so
redacted and segmented), document memos and codings, each moved onto the stored text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.coding.review import code_span, document_memos, list_codings, memo_document
from workbench.corpus.document import SourceDocument
from workbench.errors import WorkbenchError
from workbench.exchange.qdpx.common import norm_guid, q
from workbench.exchange.qdpx.offsets import Utf16, canonical_map, utf16_offset
from workbench.exchange.qdpx.project import Project, variable_value
from workbench.privacy.redact import Redaction
from workbench.store import Store, find_by_sha256, get_document

if TYPE_CHECKING:  # the ingest modules load spaCy: imported only when a project is read
    from workbench.corpus.ingest import Ingestor


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


@dataclass
class Importer:
    store: Store
    project: Project
    ingestor: Ingestor
    actor: str
    positions: str
    counts: dict[str, int] = field(default_factory=lambda: {"documents": 0, "existing_documents": 0,
                                                            "codings": 0, "memos": 0})

    def source(self, element: ET.Element, name: str) -> None:
        """One TextSource (or a PDF's text representation): its document, memos and codings."""
        project = self.project
        content = element.find(q("PlainTextContent"))
        if content is not None:
            raw: str | None = content.text or ""
        else:
            raw = project.member_text(element.get("plainTextPath") or "", name)
        if raw is None:
            return
        if "ATLAS" in project.origin.upper():  # ATLAS.ti counts a CRLF line end as one character
            raw = raw.replace("\r\n", "\n")
        metadata: dict[str, object] = {}
        for holder in element.findall(q("VariableValue")):
            found = variable_value(holder, project.variables)
            if found is not None:
                metadata[found[0]] = found[1]
        document = SourceDocument(source_name=name, text=raw, metadata=metadata)
        if not document.text.strip():
            project.skip(name, "no text")
            return
        document_id = self._document(document, name)
        if document_id is None:
            return
        _, to_canonical = canonical_map(raw)
        to_codepoints = Utf16(raw).to_codepoints if self.positions == "utf16" else (lambda i: i)
        with self.store.session() as session:
            stored = get_document(session, document_id)
            redacted = Redaction.stored(stored.redactions)
            stored_length = len(stored.text)

        def convert(start: int, end: int) -> tuple[int, int]:
            """Project positions -> canonical text as read -> stored (redacted) text."""
            return redacted.map_span(to_canonical(to_codepoints(start)), to_canonical(to_codepoints(end)))

        self._memos(element, document_id)
        existing = {(c.start, c.end, c.theme_id, c.coder)
                    for c in list_codings(self.store, document_id=document_id, status="confirmed")}
        limit = utf16_offset(raw, len(raw)) if self.positions == "utf16" else len(raw)
        for selection in element.findall(q("PlainTextSelection")):
            start, end = _int(selection.get("startPosition")), _int(selection.get("endPosition"))
            label = f"{name} selection {selection.get('guid', '?')}"
            if start is None or end is None:
                project.skip(label, "its startPosition or endPosition is not a whole number")
                continue
            if not 0 <= start < end <= limit:
                hint = "" if self.positions == "utf16" else (
                    "; if the tool counts UTF-16 code units, import with positions='utf16'")
                project.skip(label, f"positions {start}-{end} are outside its text (0-{limit}){hint}")
                continue
            description = selection.find(q("Description"))
            memo = [description.text or ""] if description is not None else []
            memo = [self.ingestor.redact_note(m) for m in memo + self._referenced_notes(selection)]
            for coding in selection.findall(q("Coding")):
                self._coding(coding, selection, document_id, convert(start, end),
                             "\n\n".join(m.strip() for m in memo if m.strip()), label, existing)
        for coding in element.findall(q("Coding")):  # the whole source coded
            self._coding(coding, element, document_id, (0, stored_length), "", f"{name} (whole source)",
                         existing)

    def _document(self, document: SourceDocument, name: str) -> int | None:
        with self.store.session() as session:
            existing = find_by_sha256(session, document.sha256)
            if existing is not None:
                self.counts["existing_documents"] += 1
                return existing.id
        from workbench.corpus.ingest import IngestReport

        report = IngestReport()
        document_id = self.ingestor.add(document, report)
        self.project.skipped.extend(report.skipped)
        if document_id is not None:
            self.counts["documents"] += 1
        return document_id

    def _referenced_notes(self, element: ET.Element) -> list[str]:
        return [self.project.notes[guid][0] for ref in element.findall(q("NoteRef"))
                if (guid := norm_guid(ref.get("targetGUID"))) in self.project.notes]

    def _memos(self, element: ET.Element, document_id: int) -> None:
        have = {(author, text) for author, text, _ in document_memos(self.store, document_id)}
        for ref in element.findall(q("NoteRef")):
            note = self.project.notes.get(norm_guid(ref.get("targetGUID")))
            if note is None or not note[0].strip():
                continue
            author = self.project.user(note[1]) or self.actor
            text = self.ingestor.redact_note(note[0])
            if (author, text) not in have:
                memo_document(self.store, document_id, text, author)
                have.add((author, text))
                self.counts["memos"] += 1

    def _coding(self, coding: ET.Element, holder: ET.Element, document_id: int, span: tuple[int, int],
                memo: str, label: str, existing: set[tuple[int, int, str, str]]) -> None:
        reference = coding.find(q("CodeRef"))
        code = norm_guid(None if reference is None else reference.get("targetGUID"))
        theme_id = self.project.codes.get(code)
        if theme_id is None:
            self.project.skip(label, f"its coding refers to code {code or '(none)'}, which is not in the "
                                     "project's codebook")
            return
        coder = self.project.user(coding.get("creatingUser"), holder.get("creatingUser")) or self.actor
        key = (*span, theme_id, coder)
        if key in existing:
            return
        try:
            code_span(self.store, document_id, span[0], span[1], theme_id, coder, memo=memo)
        except WorkbenchError as exc:
            self.project.skip(label, str(exc))
            return
        existing.add(key)
        self.counts["codings"] += 1
