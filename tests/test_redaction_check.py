"""check_paths: what ingest would redact in some files, with nothing stored (fictional text)."""

from __future__ import annotations

from conftest import make_zip

from workbench.privacy.check import CheckedDocument, Finding, RedactionCheck, check_paths

TEXT = ("Background\n\nThe health visitor, Priya Kowalczyk, rang on 12 March.\n"
        "Call 07700 900123 for Priya.\n")


def test_findings_name_kind_offsets_line_and_pseudonym(settings, tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,region\na.txt,Wessex\n")  # ignored, as by ingest
    check = check_paths([tmp_path, tmp_path / "missing"], settings)
    assert check.as_dict() == {
        "documents": [{"file": "a.txt", "counts": {"person": 2, "phone": 1}, "findings": [
            {"kind": "person", "start": 32, "end": 47, "line": 3, "text": "Priya Kowalczyk",
             "pseudonym": "[Person 1]"},
            {"kind": "phone", "start": 72, "end": 84, "line": 4, "text": "07700 900123",
             "pseudonym": "[Phone 1]"},
            {"kind": "person", "start": 89, "end": 94, "line": 4, "text": "Priya",
             "pseudonym": "[Person 1]"},
        ]}],
        "skipped": [{"path": str(tmp_path / "missing"),
                     "reason": f"{tmp_path / 'missing'}: no such file or folder"}],
    }
    [document] = check.documents
    assert isinstance(document, CheckedDocument) and isinstance(document.findings[0], Finding)
    assert all(TEXT[f.start:f.end] == f.text for f in document.findings)


def test_nothing_is_stored_and_unreadable_files_are_skipped(settings, tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"not a pdf")
    (tmp_path / "plain.txt").write_text("A fictional review without personal data.")
    (tmp_path / "set.zip").write_bytes(make_zip({"inner.txt": TEXT.encode()}))
    check = check_paths([tmp_path], settings)
    assert isinstance(check, RedactionCheck)
    assert [(d.file, d.counts) for d in check.documents] == [
        ("plain.txt", {}), ("set.zip/inner.txt", {"person": 2, "phone": 1})]
    assert check.documents[0].findings == []
    assert [s.as_dict() for s in check.skipped] == [
        {"path": "bad.pdf", "reason": "bad.pdf: not a PDF file (no %PDF header); is the file corrupt?"}]
    assert not settings.home.exists() or not any(settings.home.iterdir())
