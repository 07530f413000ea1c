"""read_original: reading a kept original always records the event original.read (fictional text)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench.corpus.ingest import Ingestor
from workbench.errors import NotFound, SettingsError
from workbench.privacy.originals import new_key, read_original
from workbench.store import list_events

REVIEW = "Background\n\nThe health visitor, Priya Kowalczyk, rang the school on 12 March."


def _ingest(store, settings, segmenter) -> int:
    report = Ingestor(store, settings, segmenter=segmenter).ingest_bytes([("r.txt", REVIEW.encode())])
    [document_id] = report.document_ids
    return document_id


def _reads(store) -> list[tuple[str, str, dict]]:
    with store.session() as s:
        return [(e.actor, e.target, e.payload) for e in list_events(s) if e.action == "original.read"]


def test_reading_an_original_is_recorded(store, settings, segmenter):
    keeping = replace(settings, keep_originals="encrypted", originals_key=new_key())
    document_id = _ingest(store, keeping, segmenter)
    assert read_original(store, keeping, document_id, "carol") == REVIEW
    assert read_original(store, keeping, document_id, "dan") == REVIEW
    assert _reads(store) == [("carol", f"document:{document_id}", {}),
                             ("dan", f"document:{document_id}", {})]


def test_failed_reads_are_not_recorded_as_reads(store, settings, segmenter):
    keeping = replace(settings, keep_originals="encrypted", originals_key=new_key())
    document_id = _ingest(store, keeping, segmenter)
    with pytest.raises(NotFound, match="no document with id 99"):
        read_original(store, keeping, 99, "carol")
    with pytest.raises(SettingsError, match="cannot decrypt with this WORKBENCH_ORIGINALS_KEY"):
        read_original(store, replace(keeping, originals_key=new_key()), document_id, "carol")
    assert _reads(store) == []


def test_no_original_kept_by_default(store, settings, segmenter):
    document_id = _ingest(store, settings, segmenter)
    with pytest.raises(NotFound, match="it was ingested with keep_originals 'none'"):
        read_original(store, settings, document_id, "carol")
    assert _reads(store) == []
