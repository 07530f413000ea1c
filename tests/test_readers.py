"""Readers per format, on real files made in the tests."""

from __future__ import annotations

import zipfile

import pytest
from conftest import (
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
    make_xlsx,
    make_zip,
)

from workbench.corpus import Skipped, SourceDocument, read_bytes
from workbench.errors import UnreadableDocument

PARA = "The health visitor saw the baby at home on two occasions and recorded no concerns."


def read(name, data, settings):
    return list(read_bytes(name, data, settings))


def test_txt_is_decoded_and_normalised(settings):
    filler = "The family moved twice during the period under review. " * 3
    text = f"Cafe\u0301 visit\r\nsecond line  \r\n\r\nNext para\x00. {filler}".encode()
    [doc] = read("a.txt", text, settings)
    assert doc.text == f"Caf\u00e9 visit\nsecond line\n\nNext para. {filler}".strip()
    assert doc.title == "Caf\u00e9 visit"


def test_legacy_encodings_are_detected(settings):
    body = "Le bébé a été vu à la maison par l'infirmière. " * 5
    [doc] = read("latin.txt", body.encode("cp1252"), settings)
    assert "bébé" in doc.text
    [doc16] = read("wide.txt", body.encode("utf-16"), settings)
    assert doc16.text == body.strip()


def test_markdown_title_comes_from_first_heading(settings):
    [doc] = read("r.md", b"# Rapid review: Child K\n\nBody text.", settings)
    assert doc.title == "Rapid review: Child K"


def test_pdf_text_layer_is_read(settings):
    [doc] = read("r.pdf", make_pdf([PARA, "A second paragraph."], title="PDF title"), settings)
    assert "health visitor saw the baby" in doc.text
    assert doc.title == "PDF title"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.txt", b"", "empty.txt: empty file"),
    ("blank.txt", b"  \n \n", "blank.txt: empty file"),
    ("junk.txt", bytes(range(256)) * 40,
     "junk.txt: binary content, not text; convert it to .txt, .docx or .pdf first"),
    ("bad.pdf", b"%PDF-1.7\n%garbage that is not a pdf body\n" * 3, "bad.pdf: corrupt or unreadable PDF"),
    ("fake.pdf", b"PK\x03\x04 not really", "fake.pdf: not a PDF file (no %PDF header); is the file corrupt?"),
    ("scan.pdf", make_scanned_pdf(),
     "scan.pdf: PDF has no text layer (scanned?); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`"),
    ("locked.pdf", make_encrypted_pdf(PARA),
     "locked.pdf: encrypted PDF; remove the password (e.g. print to a new PDF) and try again"),
    ("bad.docx", b"PK\x03\x04garbage", "bad.docx: not a readable Word document (BadZipFile)"),
    ("notes.rtf", b"{\\rtf1 hello}", "notes.rtf: unsupported file type .rtf; supported: .txt, .md, "
     ".docx, .pdf, .csv, .xlsx, .jsonl, .zip"),
])
def test_bad_files_raise_clear_errors(settings, name, data, message):
    with pytest.raises(UnreadableDocument) as info:
        read(name, data, settings)
    assert str(info.value).startswith(message)


def test_size_limit_names_the_setting(settings):
    from dataclasses import replace

    small = replace(settings, max_file_mb=0.001)
    with pytest.raises(UnreadableDocument, match=r"big.txt: 0.0 MB is over the 0.001 MB limit "
                       r"\(WORKBENCH_MAX_FILE_MB\)"):
        read("big.txt", b"word " * 1000, small)


def test_docx_paragraphs_headings_and_tables(settings):
    import io

    import docx

    data = make_docx([PARA, "Second paragraph."], heading="Background", title="Word title")
    document = docx.Document(io.BytesIO(data))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Agency"
    table.cell(0, 1).text = "GP practice"
    out = io.BytesIO()
    document.save(out)
    [doc] = read("r.docx", out.getvalue(), settings)
    assert doc.text == f"Background\n\n{PARA}\n\nSecond paragraph.\n\nAgency\n\nGP practice"
    assert doc.title == "Word title"


def test_csv_rows_become_documents_with_metadata(settings):
    data = (b"title,Text,year,region\nFirst,Body one.,2021,London\n"
            b"Second,,2022,North East\nThird,Body three.,2023,South West\n")
    items = read("t.csv", data, settings)
    docs = [i for i in items if isinstance(i, SourceDocument)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [(d.title, d.text, d.metadata) for d in docs] == [
        ("First", "Body one.", {"year": 2021, "region": "London"}),
        ("Third", "Body three.", {"year": 2023, "region": "South West"}),
    ]
    assert docs[0].source_name == "t.csv#row=2"
    assert skipped == [Skipped("t.csv#row=3", "t.csv#row=3: empty text in column 'Text'")]


def test_csv_without_text_column_says_how_to_fix(settings):
    with pytest.raises(UnreadableDocument) as info:
        read("t.csv", b"title,summary\nA,B\n", settings)
    assert str(info.value) == (
        "t.csv: no text column; expected one of text, body, content (found title, summary); "
        "rename the column or set WORKBENCH_TEXT_COLUMNS"
    )


def test_xlsx_rows(settings):
    data = make_xlsx(["title", "body", "year"], [["A", "Alpha text.", 2019], ["B", "Beta.", 2020]])
    docs = read("t.xlsx", data, settings)
    assert [(d.title, d.text, d.metadata["year"]) for d in docs] == [
        ("A", "Alpha text.", 2019), ("B", "Beta.", 2020)]


def test_jsonl_lines_and_bad_lines(settings):
    data = b'{"text": "One.", "region": "London"}\nnot json\n[1]\n{"text": "Two."}\n'
    items = read("d.jsonl", data, settings)
    assert [i.text for i in items if isinstance(i, SourceDocument)] == ["One.", "Two."]
    assert [i.reason for i in items if isinstance(i, Skipped)] == [
        "d.jsonl#line=2: not valid JSON (Expecting value)",
        "d.jsonl#line=3: expected a JSON object, got list",
    ]


def test_zip_members_are_read_and_bad_members_skipped(settings):
    data = make_zip({
        "reviews/a.txt": b"Alpha review text.",
        "reviews/b.pdf": make_pdf([PARA]),
        "reviews/empty.txt": b"",
        "inner.zip": make_zip({"x.txt": b"x"}),
        "__MACOSX/._a.txt": b"junk",
    })
    items = read("batch.zip", data, settings)
    assert sorted(i.source_name for i in items if isinstance(i, SourceDocument)) == [
        "batch.zip/reviews/a.txt", "batch.zip/reviews/b.pdf"]
    assert sorted(i.reason for i in items if isinstance(i, Skipped)) == [
        "batch.zip/inner.zip: nested archives are not read; unpack it first",
        "batch.zip/reviews/empty.txt: empty file",
    ]


def test_zip_path_traversal_rejects_the_whole_archive(settings):
    data = make_zip({"ok.txt": b"fine", "../../etc/evil.txt": b"evil"})
    with pytest.raises(UnreadableDocument) as info:
        read("evil.zip", data, settings)
    assert str(info.value) == ("evil.zip: unsafe path '../../etc/evil.txt' in archive (path "
                               "traversal); nothing from this archive was ingested")


def test_zip_bomb_like_archive_is_rejected(settings):
    data = make_zip({"bomb.txt": b"\0" * (20 * 1024 * 1024)})
    assert len(data) < 100_000
    with pytest.raises(UnreadableDocument, match=r"bomb.zip: 'bomb.txt' expands \d+x \(limit 100x\); "
                       r"bomb-like archive rejected"):
        read("bomb.zip", data, settings)


def test_corrupt_zip(settings):
    with pytest.raises(UnreadableDocument, match=r"^broken.zip: corrupt zip archive"):
        read("broken.zip", b"PK\x03\x04" + b"\x00" * 50, settings)


def test_zip_with_too_many_members(settings):
    from dataclasses import replace

    data = make_zip({f"{i}.txt": b"text" for i in range(5)}, zipfile.ZIP_STORED)
    with pytest.raises(UnreadableDocument, match="5 files in the archive, more than the limit of 3"):
        read("many.zip", data, replace(settings, max_archive_members=3))
