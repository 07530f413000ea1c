"""Ingest of mixed folders: good files go in, bad ones are reported, nothing half-written."""

from __future__ import annotations

import pytest
from conftest import make_docx, make_pdf, make_scanned_pdf, make_xlsx, make_zip

from workbench.corpus import load_manifest
from workbench.corpus.ingest import Ingestor
from workbench.errors import UnreadableDocument
from workbench.store import corpus_stats, get_document, list_documents, list_events

REVIEW = ("Background\n\nThe baby lived with her mother and the mother's partner.\n\n"
          "Analysis\n\nThe health visitor did not ask who else lived in the home.")


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(REVIEW, encoding="utf-8")
    (folder / "b.md").write_text("# Briefing\n\nPractitioners should see the child alone.")
    (folder / "c.pdf").write_bytes(make_pdf(["A PDF review paragraph about school attendance."]))
    (folder / "d.docx").write_bytes(make_docx(["A Word review paragraph about county lines."]))
    (folder / "e.xlsx").write_bytes(make_xlsx(["title", "text", "year"], [
        ["Row one", "Spreadsheet review one.", 2020], ["Row two", "Spreadsheet review two.", 2021]]))
    (folder / "sub" / "f.zip").write_bytes(make_zip({"g.txt": b"Zipped review text."}))
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    (folder / "scan.pdf").write_bytes(make_scanned_pdf())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bomb.zip").write_bytes(make_zip({"big.txt": b"a" * (30 * 1024 * 1024)}))
    (folder / "copy.txt").write_text(REVIEW, encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / ".hidden.txt").write_text("ignored")
    (folder / "manifest.csv").write_text(
        "file,title,review_type,year,region,harm_type\n"
        "a.txt,Rapid review: Child A,rapid review,2022,London,serious harm\n"
        "d.docx,,practice briefing,2019,North West,\n")
    return folder


def test_mixed_folder_ingests_good_files_and_reports_bad_ones(store, settings, mixed_folder):
    manifest = load_manifest(mixed_folder / "manifest.csv")
    progress = []
    report = Ingestor(store, settings, manifest=manifest).ingest_paths(
        [mixed_folder], progress=lambda done, total, name: progress.append((done, total, name)))
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"bomb.zip", "copy.txt", "corrupt.pdf", "empty.txt", "image.png",
                            "scan.pdf"}
    assert reasons["copy.txt"].startswith("copy.txt: duplicate of document 1 (a.txt), same sha256")
    assert reasons["empty.txt"] == "empty.txt: empty file"
    assert reasons["corrupt.pdf"].startswith("corrupt.pdf: corrupt or unreadable PDF")
    assert reasons["scan.pdf"].startswith("scan.pdf: PDF has no text layer (scanned?)")
    assert "bomb-like archive rejected" in reasons["bomb.zip"]
    assert reasons["image.png"].startswith("image.png: unsupported file type .png")
    assert report.documents_added == 7  # a, b, c, d, two xlsx rows, the zipped g.txt
    assert [p[0] for p in progress] == list(range(1, 13))
    assert all(p[1] == 12 for p in progress)
    with store.session() as s:
        stats = corpus_stats(s)
        assert stats.documents == 7
        assert stats.excerpts == report.excerpts_added
        [a] = list_documents(s, region="London")
        assert a.title == "Rapid review: Child A"
        assert a.meta == {"review_type": "rapid review", "year": 2022, "region": "London",
                          "harm_type": "serious harm"}
        assert [(e.section, e.text) for e in a.excerpts] == [
            ("Background", "The baby lived with her mother and the mother's partner."),
            ("Analysis", "The health visitor did not ask who else lived in the home.")]
        [d] = list_documents(s, review_type="practice briefing")
        assert d.source_name == "d.docx"
        events = list_events(s, action="document.ingest")
        assert len(events) == 7
        assert events[0].payload["source_name"] == "a.txt"
        assert events[0].target == f"document:{a.id}"


def test_reingesting_skips_every_file_as_duplicate(store, settings, mixed_folder):
    Ingestor(store, settings).ingest_paths([mixed_folder])
    again = Ingestor(store, settings).ingest_paths([mixed_folder])
    assert again.documents_added == 0
    assert sum("duplicate of document" in s.reason for s in again.skipped) == 8


def test_failure_while_storing_leaves_nothing_half_written(store, settings, tmp_path, monkeypatch):
    (tmp_path / "one.txt").write_text("First review.\n\nIts second paragraph.")
    (tmp_path / "two.txt").write_text("Second review.")
    import workbench.corpus.ingest as ingest

    real = ingest.add_document

    def failing(session, **kwargs):
        document = real(session, **kwargs)
        if kwargs["source_name"] == "one.txt":
            raise RuntimeError("disk full")
        return document

    monkeypatch.setattr(ingest, "add_document", failing)
    with pytest.raises(RuntimeError):
        Ingestor(store, settings).ingest_paths([tmp_path / "one.txt"])
    report = Ingestor(store, settings).ingest_paths([tmp_path / "two.txt"])
    assert report.documents_added == 1
    with store.session() as s:
        assert corpus_stats(s).documents == 1
        assert corpus_stats(s).excerpts == 1
        ingests = [e for e in list_events(s) if e.action == "document.ingest"]
        assert [e.payload["source_name"] for e in ingests] == ["two.txt"]


def test_uploaded_bytes_are_ingested_like_files(store, settings):
    report = Ingestor(store, settings).ingest_bytes([
        ("up.txt", b"Uploaded review."), ("bad.pdf", b"nope"), ("t.csv", b"title,text\nA,\n")])
    assert report.documents_added == 1
    assert [s.reason for s in report.skipped] == [
        "bad.pdf: not a PDF file (no %PDF header); is the file corrupt?",
        "t.csv#row=2: empty text in column 'text'",
    ]


def test_missing_path_is_reported(store, settings, tmp_path):
    report = Ingestor(store, settings).ingest_paths([tmp_path / "nope"])
    assert [s.reason for s in report.skipped] == [f"{tmp_path / 'nope'}: no such file or folder"]


def test_excerpt_offsets_point_into_the_stored_text(store, settings, tmp_path):
    long_para = " ".join(f"Sentence number {i} describes another home visit in detail."
                         for i in range(60))
    (tmp_path / "long.txt").write_text(f"Title line\n\n{long_para}\n\nShort closing paragraph.")
    Ingestor(store, settings).ingest_paths([tmp_path / "long.txt"])
    with store.session() as s:
        doc = get_document(s, 1)
        assert len(doc.excerpts) > 3
        assert all(e.text == doc.text[e.start:e.end] for e in doc.excerpts)
        assert [e.seq for e in doc.excerpts] == list(range(len(doc.excerpts)))


def test_yaml_manifest(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("a.txt:\n  year: 2020\n  region: London\nb.txt:\n  harm_type: death\n")
    assert load_manifest(path) == {"a.txt": {"year": 2020, "region": "London"},
                                   "b.txt": {"harm_type": "death"}}


def test_manifest_without_file_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,year\na.txt,2020\n")
    with pytest.raises(UnreadableDocument) as info:
        load_manifest(path)
    assert str(info.value) == (f"manifest {path}: no 'file' column (found name, year); add a "
                               "column named file with each document's file name")


# -- a folder's own manifest --------------------------------------------------------------------


def _metadata_by_source(store) -> dict[str, dict[str, object]]:
    with store.session() as s:
        return {d.source_name: d.meta for d in list_documents(s)}


def test_a_folders_own_manifest_is_used_when_none_is_given(store, settings, tmp_path):
    from dataclasses import replace

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a.txt").write_text("A fictional review of a home visit.")
    (first / "manifest.yaml").write_text("a.txt:\n  region: Wessex\nb.txt:\n  region: Wessex\n")
    (second / "b.txt").write_text("Another fictional review about school attendance.")
    (second / "manifest.csv").write_text("file,region,year\nb.txt,Mercia,2021\n")
    (second / "manifest.yml").write_text("b.txt:\n  region: Ignored\n")  # .csv comes first
    (tmp_path / "c.txt").write_text("A loose fictional briefing on missing episodes.")
    report = Ingestor(store, replace(settings, redact=False)).ingest_paths(
        [first, second, tmp_path / "c.txt"])
    assert report.documents_added == 3 and report.skipped == []  # manifests are not documents
    assert _metadata_by_source(store) == {"a.txt": {"region": "Wessex"},
                                          "b.txt": {"region": "Mercia", "year": 2021}, "c.txt": {}}


def test_a_given_manifest_replaces_the_folders_own(store, settings, tmp_path):
    from dataclasses import replace

    (tmp_path / "a.txt").write_text("A fictional review of a home visit.")
    (tmp_path / "manifest.csv").write_text("file,region\na.txt,Wessex\n")
    Ingestor(store, replace(settings, redact=False), manifest={"a.txt": {"region": "Mercia"}}
             ).ingest_paths([tmp_path])
    assert _metadata_by_source(store) == {"a.txt": {"region": "Mercia"}}


def test_a_bad_folder_manifest_stops_the_ingest_before_anything_is_stored(store, settings, tmp_path):
    (tmp_path / "a.txt").write_text("A fictional review of a home visit.")
    (tmp_path / "manifest.csv").write_text("name,region\na.txt,Wessex\n")
    with pytest.raises(UnreadableDocument, match="no 'file' column"):
        Ingestor(store, settings).ingest_paths([tmp_path])
    assert _metadata_by_source(store) == {}


def test_metadata_field_values_over_the_documents(store, settings):
    from dataclasses import replace

    from workbench.corpus.metadata import FILTER_FIELDS, METADATA_FIELDS, distinct_values, field_values

    Ingestor(store, replace(settings, redact=False), manifest={
        "a.txt": {"region": "Wessex", "year": 2021}, "b.txt": {"region": "Mercia", "year": 2019},
        "c.txt": {"region": "", "year": 2021}}).ingest_bytes([
            ("a.txt", b"A fictional review."), ("b.txt", b"Another fictional review."),
            ("c.txt", b"A third fictional review.")])
    assert field_values(store, FILTER_FIELDS) == {
        "region": ["Mercia", "Wessex"], "year": ["2019", "2021"], "review_type": []}
    assert list(field_values(store)) == list(METADATA_FIELDS)
    assert distinct_values([{"year": 2020}, {"year": None}, {}], ["year"]) == {"year": ["2020"]}
