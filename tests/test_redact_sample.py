"""The sample corpus ingested with redaction on (the default): no planted personal value is left in
the database, in any export format, or on any page of the app."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from app_fixtures import ALICE, app_at, use_home
from conftest import ROOT
from google.protobuf import text_format
from sqlalchemy import MetaData, select

from workbench.analysis.embed import FakeEmbedder, embedding_cache
from workbench.analysis.runs import fit_run
from workbench.analysis.topics import MODELS_DIR, TopicConfig
from workbench.cli import EXPORT_FORMATS, main
from workbench.coding.codebook import load_codebook
from workbench.coding.queue import review_queue
from workbench.coding.review import code_span, confirm
from workbench.coding.suggest import suggest
from workbench.coding.themes import import_codebook, stored_codebook
from workbench.config import load_settings
from workbench.corpus import load_manifest
from workbench.corpus.ingest import Ingestor
from workbench.store import list_documents, open_store

pytestmark = pytest.mark.slow
SAMPLE = ROOT / "corpus" / "sample"


def planted_values() -> list[str]:
    """Every distinct planted value of ``pii.jsonl``, whitespace collapsed."""
    texts: dict[str, str] = {}
    values = set()
    for line in (SAMPLE / "pii.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = texts.setdefault(item["file"], (SAMPLE / item["file"]).read_text(encoding="utf-8"))
        values.add(" ".join(text[item["start"]:item["end"]].split()))
    return sorted(values, key=len, reverse=True)


def leaks(haystack: str, values: list[str]) -> set[str]:
    """Planted values found in ``haystack`` as whole words, case-sensitively."""
    haystack = " ".join(haystack.split())
    return {value for value in values if value in haystack and re.search(
        rf"(?<![\w'’-]){re.escape(value)}(?![\w-])", haystack)}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("redacted") / "home"
    settings = load_settings(home=home, runs_dir=home / "runs")
    assert settings.redact, "redaction is on by default"
    store = open_store(settings)
    report = Ingestor(store, settings, manifest=load_manifest(SAMPLE / "manifest.csv")).ingest_paths([SAMPLE])
    assert report.documents_added == 134 and not report.skipped
    import_codebook(store, load_codebook(), actor="admin")
    run = fit_run(store, settings, TopicConfig.from_toml(MODELS_DIR / "fast.toml"), FakeEmbedder(),
                     codebook=load_codebook())
    suggest(store, stored_codebook(store), FakeEmbedder(), cache=embedding_cache(settings),
            run=run)
    for item in review_queue(store, "alice")[:40]:
        confirm(store, item.suggestion_id, "alice", memo="Seen with the family.")
    # Code every excerpt, so that every export carries the whole corpus's text.
    with store.session() as session:
        spans = [(d.id, e.start, e.end) for d in list_documents(session) for e in d.excerpts]
    for document_id, start, end in spans:
        code_span(store, document_id, start, end, "neglect", "bob")
    store.close()
    return home


def test_the_planted_values_are_many_and_varied() -> None:
    values = planted_values()
    assert len(values) > 300
    assert {"Reuben", "Michelle Okafor-Brayne", "Declan O'Shea"} <= set(values)


def test_no_planted_value_is_left_in_the_database(home: Path) -> None:
    store = open_store(load_settings(home=home))
    tables = MetaData()
    tables.reflect(store.engine)
    cells = []
    with store.engine.connect() as connection:
        for table in tables.sorted_tables:
            for row in connection.execute(select(table)):
                cells.extend(json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict | list)
                             else str(v) for v in row)
    store.close()
    assert len(cells) > 10_000
    assert leaks("\n".join(cells), planted_values()) == set()


def _export_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix in (".xlsx", ".qdpx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        if path.suffix == ".docx":
            import docx

            document = docx.Document(str(path))
            parts.append("\n".join(p.text for p in document.paragraphs))
            parts.extend(cell.text for table in document.tables for row in table.rows for cell in row.cells)
        return "\n".join(re.sub(r"<[^>]+>", " ", part) + part for part in parts)
    return data.decode("utf-8-sig")


def test_no_planted_value_is_left_in_any_export(home: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    values = planted_values()
    sizes = {}
    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"export-{fmt}.{fmt.replace('matrix-', '')}"
        statuses = ["--status", "confirmed", "--status", "suggested", "--status", "rejected"]
        assert main(["export", "--format", fmt, "--out", str(out), *statuses]) == 0
        text = _export_text(out)
        sizes[fmt] = len(text)
        assert leaks(text, values) == set(), fmt
    rows = list(csv.DictReader(io.StringIO((tmp_path / "export-csv.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) > 1600 and any("[Person " in row["text"] for row in rows)
    assert sizes["qdpx"] > 500_000, "the project carries every document's full text"


def _element_texts(node) -> list[str]:
    out = []
    for child in getattr(node, "children", {}).values():
        out.extend(_element_texts(child))
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append(text_format.MessageToString(proto, as_utf8=True))
    value = getattr(node, "value", None)
    if hasattr(value, "to_csv"):
        out.append(value.to_csv())
    return out


def _page_text(app) -> str:
    assert not app.exception, app.exception
    return "\n".join(_element_texts(app.main) + _element_texts(app.sidebar))


def test_no_planted_value_is_shown_in_the_app(home: Path, monkeypatch) -> None:
    use_home(home, monkeypatch)
    values = planted_values()
    shown = []
    for module in ("home", "themes", "review", "codebook", "agreement", "export"):
        shown.append(_page_text(app_at(module, ALICE)))
    corpus = app_at("corpus", ALICE)
    options = corpus.selectbox(key="corpus_document").options
    assert len(options) == 134
    for option in options:
        corpus.selectbox(key="corpus_document").select(option).run()
        shown.append(_page_text(corpus))
    text = "\n".join(shown)
    assert "[Person 1]" in text
    assert leaks(text, values) == set()
