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
    metadata_for,
    read_bytes,
    read_file,
)
from workbench.errors import UnreadableDocument
from workbench.nlp import load_pipeline
from workbench.segment import Segmenter
from workbench.store import Store, add_document, find_by_sha256, record_event

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, name) after each file."""


@dataclass
class IngestReport:
    """What an ingest added and what it skipped, with reasons."""

    documents_added: int = 0
    excerpts_added: int = 0
    document_ids: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

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
    """Adds documents to a store. Each document is written in its own transaction."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        manifest: Manifest | None = None,
        actor: str = "system",
        segmenter: Segmenter | None = None,
    ):
        self.store = store
        self.settings = settings
        self.manifest = manifest or {}
        self.actor = actor
        self._segmenter = segmenter

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = default_segmenter(self.settings)
        return self._segmenter

    def ingest_paths(
        self, paths: Iterable[str | Path], progress: Progress | None = None
    ) -> IngestReport:
        """Ingest files and folders (recursively); bad files are reported and skipped."""
        report = IngestReport()
        files, missing = collect_files(paths, self.settings.ingest_ignore)
        report.skipped.extend(missing)
        for done, (path, name) in enumerate(files, start=1):
            self._add_all(read_file(path, name, self.settings), report, name)
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

    def _add_all(
        self, items: Iterable[SourceDocument | Skipped], report: IngestReport, name: str
    ) -> None:
        try:
            for item in items:
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                else:
                    self.add(item, report)
        except UnreadableDocument as exc:
            report.skipped.append(Skipped(name, str(exc)))

    def add(self, source: SourceDocument, report: IngestReport) -> int | None:
        """Store one document with its excerpts; returns its id, or None when skipped."""
        metadata = {**source.metadata, **metadata_for(self.manifest, source.source_name)}
        title = str(metadata.pop("title", "") or source.title)
        if not source.text.strip():
            report.skipped.append(Skipped(source.source_name, f"{source.source_name}: no text"))
            return None
        excerpts = self.segmenter.segment(source.text)
        sha = source.sha256
        try:
            with self.store.session() as session:
                existing = find_by_sha256(session, sha)
                if existing is not None:
                    report.skipped.append(Skipped(
                        source.source_name,
                        f"{source.source_name}: duplicate of document {existing.id} "
                        f"({existing.source_name}), same sha256",
                    ))
                    return None
                document = add_document(
                    session, title=title, source_name=source.source_name, sha256=sha,
                    text=source.text, metadata=metadata,
                    spans=[(e.start, e.end, e.section) for e in excerpts],
                )
                record_event(session, self.actor, "document.ingest", f"document:{document.id}", {
                    "source_name": source.source_name, "sha256": sha, "excerpts": len(excerpts),
                })
                doc_id = document.id
        except IntegrityError:
            report.skipped.append(Skipped(
                source.source_name, f"{source.source_name}: duplicate (same sha256)"
            ))
            return None
        report.documents_added += 1
        report.excerpts_added += len(excerpts)
        report.document_ids.append(doc_id)
        return doc_id
