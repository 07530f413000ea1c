"""A store with the mini sample ingested, the default codebook, and confirmed codings from gold."""

from __future__ import annotations

import json

from conftest import ROOT

from workbench.coding.codebook import load_codebook
from workbench.coding.review import code_span, set_status
from workbench.coding.themes import import_codebook
from workbench.corpus import load_manifest
from workbench.corpus.ingest import Ingestor
from workbench.privacy.redact import Redaction
from workbench.store import list_documents

MINI = ROOT / "corpus" / "sample-mini"


def coded_store(store, settings, coders=("alice",), rejected_every: int = 5):
    """Ingest the mini sample and code every gold span's themes as each coder (some rejected)."""
    Ingestor(store, settings, manifest=load_manifest(MINI / "manifest.csv")).ingest_paths([MINI])
    import_codebook(store, load_codebook(), actor="admin")
    with store.session() as s:
        documents = {d.source_name: (d.id, Redaction.stored(d.redactions)) for d in list_documents(s)}
    n = 0
    for line in (MINI / "gold.jsonl").read_text().splitlines():
        item = json.loads(line)
        document_id, offsets = documents[item["file"]]
        start, end = offsets.map_span(item["start"], item["end"])  # gold offsets are into the original
        for theme in item["themes"]:
            for coder in coders:
                coding = code_span(store, document_id, start, end, theme, coder)
                n += 1
                if rejected_every and n % rejected_every == 0:
                    set_status(store, coding.id, "rejected", coder)
    return store
