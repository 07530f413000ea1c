"""Ingest: files -> canonical documents -> excerpts -> database, one transaction per document."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from workbench.config import Settings
from workbench.corpus import (
    Manifest,
    Skipped,
    SourceDocument,
    collect_files,
    load_manifest,
    metadata_for,
    read_bytes,
    read_file,
)
from workbench.corpus.segment import Segmenter
from workbench.errors import UnreadableDocument
from workbench.nlp import load_pipeline
from workbench.privacy.originals import check_settings, save_original
from workbench.privacy.redact import Redaction, Redactor, load_redactor, redact_document
from workbench.store import Store, add_document, find_by_sha256, record_event

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, name) after each file."""

MANIFEST_NAMES = ("manifest.csv", "manifest.yaml", "manifest.yml")
"""A folder's own manifest, looked for in this order when no manifest is given."""


def folder_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder`` (the first of MANIFEST_NAMES there), or None."""
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            return load_manifest(folder / name)
    return None


@dataclass
class IngestReport:
    """What an ingest added and what it skipped, with reasons."""

    documents_added: int = 0
    excerpts_added: int = 0
    document_ids: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def extend(self, other: IngestReport) -> None:
        """Add another report's counts, ids and skipped items to this one."""
        self.documents_added += other.documents_added
        self.excerpts_added += other.excerpts_added
        self.document_ids.extend(other.document_ids)
        self.skipped.extend(other.skipped)

    def as_dict(self) -> dict[str, object]:
        return {
            "documents_added": self.documents_added,
            "excerpts_added": self.excerpts_added,
            "skipped": [s.as_dict() for s in self.skipped],
        }


def default_segmenter(settings: Settings) -> Segmenter:
    return Segmenter(
        load_pipeline(settings.spacy_model, sentences_only=True),
        max_tokens=settings.max_excerpt_tokens,
    )


def _lazy(reader, *args):
    """Defer a reader's own checks until iteration, so they are caught in one place."""
    yield from reader(*args)


class Ingestor:
    """Adds documents to a store. Each document is written in its own transaction.

    With ``settings.redact`` (the default) personal data in the text, title and metadata is
    replaced by pseudonyms before segmentation, so nothing unredacted reaches the database.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        manifest: Manifest | None = None,
        actor: str = "system",
        segmenter: Segmenter | None = None,
        redactor: Redactor | None = None,
    ):
        self.store = store
        self.settings = settings
        self.manifest = manifest or {}
        self._discover = manifest is None  # use each folder's own manifest.csv/.yaml/.yml
        self.actor = actor
        self._segmenter = segmenter
        check_settings(settings)
        self._redactor: Redactor | None = redactor
        if settings.redact and redactor is None:
            self._redactor = load_redactor(settings)

    def redact_note(self, text: str) -> str:
        """Redact a free-text note that arrives with documents (an imported memo)."""
        if self._redactor is None or not self.settings.redact or not text.strip():
            return text
        return redact_document(text, self._redactor).redaction.text

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = default_segmenter(self.settings)
        return self._segmenter

    def ingest_paths(
        self, paths: Iterable[str | Path], progress: Progress | None = None
    ) -> IngestReport:
        """Ingest files and folders (recursively); bad files are reported and skipped.

        Without a manifest given to the Ingestor, the files under each folder take their
        metadata from that folder's own manifest, if it has one (see MANIFEST_NAMES).
        """
        report = IngestReport()
        files: list[tuple[Path, str, Manifest]] = []
        for raw in paths:
            found, missing = collect_files([raw], self.settings.ingest_ignore)
            report.skipped.extend(missing)
            manifest = self.manifest
            if self._discover and Path(raw).is_dir():
                manifest = folder_manifest(Path(raw)) or {}
            files.extend((path, name, manifest) for path, name in found)
        for done, (path, name, manifest) in enumerate(files, start=1):
            self._add_all(read_file(path, name, self.settings), report, name, manifest)
            if progress:
                progress(done, len(files), name)
        return report

    def ingest_bytes(
        self, items: Iterable[tuple[str, bytes]], progress: Progress | None = None
    ) -> IngestReport:
        """Ingest in-memory files (for uploads), as (file name, content) pairs."""
        report = IngestReport()
        items = list(items)
        for done, (name, data) in enumerate(items, start=1):
            self._add_all(_lazy(read_bytes, name, data, self.settings), report, name)
            if progress:
                progress(done, len(items), name)
        return report

    def ingest_each(
        self, items: Iterable[tuple[str, bytes]], progress: Progress | None = None
    ) -> tuple[IngestReport, dict[str, IngestReport]]:
        """Ingest in-memory files one by one: the total report and each file name's own report."""
        total = IngestReport()
        by_file: dict[str, IngestReport] = {}
        items = list(items)
        for done, (name, data) in enumerate(items, start=1):
            by_file[name] = report = self.ingest_bytes([(name, data)])
            total.extend(report)
            if progress:
                progress(done, len(items), name)
        return total, by_file

    def _add_all(
        self, items: Iterable[SourceDocument | Skipped], report: IngestReport, name: str,
        manifest: Manifest | None = None,
    ) -> None:
        try:
            for item in items:
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                else:
                    self.add(item, report, manifest)
        except UnreadableDocument as exc:
            report.skipped.append(Skipped(name, str(exc)))

    def add(self, source: SourceDocument, report: IngestReport,
            manifest: Manifest | None = None) -> int | None:
        """Store one document with its excerpts; returns its id, or None when skipped.

        Metadata comes from the source, overridden by ``manifest`` (default: the Ingestor's).
        """
        entry = metadata_for(self.manifest if manifest is None else manifest, source.source_name)
        metadata = {**source.metadata, **entry}
        title = str(metadata.pop("title", "") or source.title)
        if not source.text.strip():
            report.skipped.append(Skipped(source.source_name, f"{source.source_name}: no text"))
            return None
        sha = source.sha256  # of the text as read, so re-ingesting a file is recognised
        with self.store.session() as session:
            if self._duplicate(session, source, report):
                return None
        text, title, metadata, redaction = self._redacted(source.text, title, metadata)
        excerpts = self.segmenter.segment(text)
        kept = None
        try:
            with self.store.session() as session:
                if self._duplicate(session, source, report):
                    return None
                document = add_document(
                    session, title=title, source_name=source.source_name, sha256=sha,
                    text=text, metadata=metadata,
                    spans=[(e.start, e.end, e.section) for e in excerpts],
                    redactions=None if redaction is None else [list(r) for r in redaction.replacements],
                )
                target = f"document:{document.id}"
                record_event(session, self.actor, "document.ingest", target, {
                    "source_name": source.source_name, "sha256": sha, "excerpts": len(excerpts),
                })
                if redaction is not None:
                    kept = save_original(self.settings, sha, source.text)
                    record_event(session, self.actor, "document.redact", target, {
                        "counts": redaction.counts(),
                        "original": "kept encrypted" if kept else "not kept",
                        "replacements": [list(r) for r in redaction.replacements],
                    })
                doc_id = document.id
        except BaseException as exc:
            if kept is not None:  # nothing half-written: no original without its document
                kept.unlink(missing_ok=True)
            if not isinstance(exc, IntegrityError):
                raise
            report.skipped.append(Skipped(
                source.source_name, f"{source.source_name}: duplicate (same sha256)"
            ))
            return None
        report.documents_added += 1
        report.excerpts_added += len(excerpts)
        report.document_ids.append(doc_id)
        return doc_id

    @staticmethod
    def _duplicate(session, source: SourceDocument, report: IngestReport) -> bool:
        existing = find_by_sha256(session, source.sha256)
        if existing is not None:
            report.skipped.append(Skipped(
                source.source_name,
                f"{source.source_name}: duplicate of document {existing.id} "
                f"({existing.source_name}), same sha256",
            ))
        return existing is not None

    def _redacted(self, text: str, title: str, metadata: dict[str, object]
                  ) -> tuple[str, str, dict[str, object], Redaction | None]:
        """Text, title and metadata with personal data replaced, and the offset map (None if off)."""
        if self._redactor is None or not self.settings.redact:
            return text, title, metadata, None
        fields = {"title": title} | {f"meta:{k}": v for k, v in metadata.items() if isinstance(v, str)}
        redacted = redact_document(text, self._redactor, fields)
        metadata = {k: redacted.fields.get(f"meta:{k}", v) for k, v in metadata.items()}
        return redacted.redaction.text, redacted.fields.get("title", title), metadata, redacted.redaction
