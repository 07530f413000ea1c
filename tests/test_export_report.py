"""Reports of coded excerpts by theme: the Report structure, the DOCX and the self-contained HTML."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from export_fixtures import MINI, coded_store
from sqlalchemy import distinct, func, select

from workbench.coding.codebook import load_codebook
from workbench.coding.review import code_span, write_memo
from workbench.coding.themes import import_codebook
from workbench.corpus.ingest import Ingestor
from workbench.exchange import report as report_module
from workbench.exchange.report import (
    Report,
    ReportExcerpt,
    ThemeSection,
    build_report,
    write_docx,
    write_html,
)
from workbench.exchange.rows import ExportFilter
from workbench.privacy.redact import Redaction
from workbench.store import list_documents
from workbench.store.models import Coding

CODEBOOK = load_codebook()
NATIONAL = {"cce", "sudi", "nai_under1", "invisible_men"}  # the children of the national_reviews group
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))"]
VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr", "source", "area", "base", "embed"}
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "section", "h1", "h2", "p",
                "table", "thead", "tbody", "tr", "th", "td", "a", "div", "blockquote", "strong"}


def path_of(theme_id: str) -> str:
    return " > ".join(CODEBOOK.path(theme_id))


def expected_counts(store, coder: str | None = None) -> dict[str, tuple[int, int]]:
    """Confirmed codings per theme, straight from the database: (codings, documents)."""
    query = (select(Coding.theme_id, func.count(Coding.id), func.count(distinct(Coding.document_id)))
             .where(Coding.status == "confirmed", Coding.withdrawn.is_(False)).group_by(Coding.theme_id))
    if coder:
        query = query.where(Coding.coder == coder)
    with store.session() as s:
        return {theme: (n, docs) for theme, n, docs in s.execute(query)}


def codebook_order(counts: dict) -> list[str]:
    return [t.id for t in CODEBOOK.themes if t.id in counts]


@pytest.fixture
def coded(store, settings):
    """The mini sample coded from gold by alice and bob; alice's first gold coding carries a memo."""
    coded_store(store, settings, coders=("alice", "bob"))
    first = next(json.loads(line) for line in (MINI / "gold.jsonl").read_text().splitlines()
                 if json.loads(line)["themes"])
    with store.session() as s:
        doc = next(d for d in list_documents(s) if d.source_name == first["file"])
        start, end = Redaction.stored(doc.redactions).map_span(first["start"], first["end"])
        coding = s.scalar(select(Coding).where(
            Coding.document_id == doc.id, Coding.start == start, Coding.end == end,
            Coding.theme_id == first["themes"][0], Coding.coder == "alice"))
        assert coding.status == "confirmed"
        known = {"id": coding.id, "theme": coding.theme_id, "document_id": doc.id, "title": doc.title,
                 "text": doc.text[start:end], "start": start, "end": end}
    write_memo(store, known["id"], "Sleeping arrangements & the sofa: see <para 4>.", "alice")
    known["memo"] = "Sleeping arrangements & the sofa: see <para 4>."
    known["reference"] = (f"Document {known['document_id']}: {known['title']}, "
                          f"characters {known['start']}-{known['end']}, coded by alice")
    return store, known


@pytest.fixture
def hostile(store, settings, tmp_path):
    """A store with one hostile document whose three paragraphs are coded by hand."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hostile.txt").write_text("Hostile input\n\n" + "\n\n".join(HOSTILE) + "\n", encoding="utf-8")
    manifest = {"hostile.txt": {"title": "<b>Bold</b> & <i>co</i>"}}
    Ingestor(store, settings, manifest=manifest).ingest_paths([folder])
    import_codebook(store, CODEBOOK, actor="admin")
    with store.session() as s:
        (doc,) = list_documents(s)
        doc_id, text = doc.id, doc.text
    for para in HOSTILE:
        start = text.index(para)
        code_span(store, doc_id, start, start + len(para), "info_sharing", "alice",
                  memo="<script>memo()</script>")
    return store


# -- reading the outputs back -----------------------------------------------------------------


def docx_paragraphs(source) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph, in order."""
    return [(p.style.name, p.text) for p in docx.Document(source).paragraphs]


def docx_sections(paragraphs: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The paragraphs under each 'Heading 1', by heading text."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for style, text in paragraphs:
        if style == "Heading 1":
            current = sections.setdefault(text, [])
        else:
            current.append((style, text))
    return sections


class Outline(HTMLParser):
    """Checks that tags nest and close, and records the text of each block element in order."""

    BLOCKS = {"title", "h1", "h2", "p", "blockquote", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.blocks: list[tuple[str, str, str]] = []  # (tag, class, text)
        self._open: list[int] = []
        self.declarations: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in VOID:
            return
        self.stack.append((tag, attributes))
        if tag in self.BLOCKS:
            self.blocks.append((tag, attributes.get("class") or "", ""))
            self._open.append(len(self.blocks) - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element {tag}")
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag in self.BLOCKS:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            tag, cls, text = self.blocks[self._open[-1]]
            self.blocks[self._open[-1]] = (tag, cls, text + data)
        elif data.strip() and self.stack and self.stack[-1][0] not in ("style",):
            self.errors.append(f"loose text {data[:30]!r} in <{self.stack[-1][0]}>")


def parse_html(text: str) -> Outline:
    outline = Outline()
    outline.feed(text)
    outline.close()
    assert outline.errors == []
    assert outline.stack == [], f"unclosed: {[t for t, _ in outline.stack]}"
    assert outline.declarations == ["DOCTYPE html"]
    return outline


def assert_inert(outline: Outline) -> None:
    """No scripts, no event handlers, no resources: only known tags, internal links, a CSP."""
    assert {tag for tag, _ in outline.tags} <= ALLOWED_TAGS
    for tag, attrs in outline.tags:
        for name, value in attrs.items():
            assert name != "src" and not name.startswith("on") and name != "style", (tag, name)
            if name == "href":
                assert value.startswith("#"), value
    csp = [a["content"] for t, a in outline.tags
           if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1
    assert "default-src 'none'" in csp[0] and "style-src 'unsafe-inline'" in csp[0]
    assert "script-src" not in csp[0]


def html_sections(outline: Outline) -> dict[str, list[tuple[str, str, str]]]:
    sections: dict[str, list[tuple[str, str, str]]] = {}
    current: list[tuple[str, str, str]] = []
    for block in outline.blocks:
        if block[0] == "h2":
            current = sections.setdefault(block[2], [])
        else:
            current.append(block)
    return sections


# -- the report structure ---------------------------------------------------------------------


def test_report_groups_confirmed_codings_by_theme_in_codebook_order(coded):
    store, known = coded
    report = build_report(store)
    counts = expected_counts(store)
    assert [s.theme_id for s in report.sections] == codebook_order(counts)
    assert len(report.sections) >= 5
    for section in report.sections:
        assert section.path == path_of(section.theme_id)
        assert section.description == CODEBOOK[section.theme_id].description
        assert (section.excerpt_count, section.document_count) == counts[section.theme_id]
        assert len(section.excerpts) == section.excerpt_count
        assert section.document_count == len({e.document_id for e in section.excerpts})
    assert report.excerpt_count == sum(n for n, _ in counts.values())
    assert report.title == "Coded excerpts" and report.filters == ExportFilter()
    assert report.generated_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - report.generated_at) < dt.timedelta(minutes=5)
    assert report.filters_text == "status: confirmed"

    section = next(s for s in report.sections if s.theme_id == known["theme"])
    excerpt = next(e for e in section.excerpts if e.coding_id == known["id"])
    assert (excerpt.text, excerpt.document_id, excerpt.document_title, excerpt.start, excerpt.end) == (
        known["text"], known["document_id"], known["title"], known["start"], known["end"])
    assert excerpt.source_name.startswith("002-") and excerpt.coder == "alice"
    assert excerpt.memo == known["memo"] and excerpt.reference == known["reference"]


def test_theme_filter_takes_descendants_and_coder_filter_narrows(coded):
    store, _ = coded
    everything = build_report(store)
    assert {s.theme_id for s in everything.sections} - NATIONAL, "the sample codes other themes too"

    national = build_report(store, ExportFilter(themes=("national_reviews",)))
    assert national.sections and {s.theme_id for s in national.sections} <= NATIONAL
    assert [s.theme_id for s in national.sections] == [
        s.theme_id for s in everything.sections if s.theme_id in NATIONAL]
    assert national.filters_text == "status: confirmed; themes: National review themes (with sub-themes)"

    sudi = build_report(store, ExportFilter(themes=("sudi",)))
    assert [s.theme_id for s in sudi.sections] == ["sudi"]

    bob = build_report(store, ExportFilter(coders=("bob",)), title="Bob's codings")
    counts = expected_counts(store, coder="bob")
    assert [s.theme_id for s in bob.sections] == codebook_order(counts)
    assert {(s.theme_id, s.excerpt_count, s.document_count) for s in bob.sections} == {
        (t, n, d) for t, (n, d) in counts.items()}
    assert {e.coder for s in bob.sections for e in s.excerpts} == {"bob"}
    assert bob.excerpt_count < everything.excerpt_count
    assert "coders: bob" in bob.filters_text and bob.title == "Bob's codings"

    nobody = build_report(store, ExportFilter(coders=("nobody",)))
    assert nobody.sections == () and nobody.excerpt_count == 0


# -- DOCX -------------------------------------------------------------------------------------


def test_docx_has_summary_a_heading_per_theme_and_referenced_excerpts(coded, tmp_path):
    store, known = coded
    report = build_report(store)
    out = tmp_path / "report.docx"
    write_docx(report, out)
    document = docx.Document(out)
    paragraphs = docx_paragraphs(out)

    assert paragraphs[0] == ("Title", "Coded excerpts")
    assert paragraphs[1][1].startswith(f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC. ")
    assert "Filters: status: confirmed." in paragraphs[1][1]
    assert document.core_properties.title == "Coded excerpts"

    counts = expected_counts(store)
    order = codebook_order(counts)
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == ["Summary"] + [path_of(t) for t in order]

    (table,) = document.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Theme", "Excerpts", "Documents"]
    assert rows[1:] == [[path_of(t), str(counts[t][0]), str(counts[t][1])] for t in order]

    sections = docx_sections(paragraphs)
    for theme_id in order:
        body = sections[path_of(theme_id)]
        n, d = counts[theme_id]
        assert body[0] == ("Normal", CODEBOOK[theme_id].description)
        assert body[1][1] == f"{n} excerpt{'s' * (n != 1)} from {d} document{'s' * (d != 1)}"
        assert sum(style == "Quote" for style, _ in body) == n

    body = sections[path_of(known["theme"])]
    at = body.index(("Quote", known["text"]))
    assert body[at + 1] == ("Normal", known["reference"])
    assert body[at + 2] == ("Normal", f"Memo: {known['memo']}")
    # the description paragraph is italic
    description = next(p for p in document.paragraphs if p.text == CODEBOOK[known["theme"]].description)
    assert all(run.italic for run in description.runs)


def test_docx_to_a_file_object_and_with_filters(coded):
    store, _ = coded
    report = build_report(store, ExportFilter(themes=("national_reviews",), coders=("bob",)))
    buffer = io.BytesIO()
    write_docx(report, buffer)
    paragraphs = docx_paragraphs(io.BytesIO(buffer.getvalue()))
    assert "themes: National review themes (with sub-themes); coders: bob" in paragraphs[1][1]
    headings = [text for style, text in paragraphs if style == "Heading 1"][1:]
    assert headings and all(h.startswith("National review themes > ") for h in headings)
    assert all(text.endswith("coded by bob") for style, text in paragraphs
               if text.startswith("Document ") and style == "Normal")


# -- HTML -------------------------------------------------------------------------------------


def test_html_is_self_contained_well_formed_and_matches_the_docx(coded, tmp_path):
    store, known = coded
    report = build_report(store)
    out = tmp_path / "report.html"
    write_html(report, out)
    text = out.read_text(encoding="utf-8")
    outline = parse_html(text)
    assert_inert(outline)
    lowered = text.lower()
    assert "<script" not in lowered and "src=" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert "@import" not in lowered and "url(" not in lowered

    counts = expected_counts(store)
    order = codebook_order(counts)
    assert outline.blocks[0] == ("title", "", "Coded excerpts")
    assert outline.blocks[1] == ("h1", "", "Coded excerpts")
    assert outline.blocks[2][2].startswith(f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC. ")
    assert [b[2] for b in outline.blocks if b[0] == "h2"] == ["Summary"] + [path_of(t) for t in order]
    cells = [b[2] for b in outline.blocks if b[0] in ("td", "th")]
    assert cells[:3] == ["Theme", "Excerpts", "Documents"]
    assert cells[3:] == [v for t in order for v in (path_of(t), str(counts[t][0]), str(counts[t][1]))]

    sections = html_sections(outline)
    for theme_id in order:
        body = sections[path_of(theme_id)]
        assert body[0] == ("p", "description", CODEBOOK[theme_id].description)
        assert body[1][1] == "counts" and body[1][2].startswith(f"{counts[theme_id][0]} excerpt")
        assert sum(tag == "blockquote" for tag, _, _ in body) == counts[theme_id][0]

    body = sections[path_of(known["theme"])]
    at = body.index(("blockquote", "", known["text"]))
    assert body[at + 1] == ("p", "ref", known["reference"])
    assert body[at + 2] == ("p", "memo", f"Memo: {known['memo']}")
    assert "see &lt;para 4&gt;." in text and "Sleeping arrangements &amp; the sofa" in text


def test_html_to_a_file_object_with_no_codings(coded):
    store, _ = coded
    buffer = io.BytesIO()
    write_html(build_report(store, ExportFilter(coders=("nobody",)), title="Empty"), buffer)
    outline = parse_html(buffer.getvalue().decode("utf-8"))
    assert_inert(outline)
    assert [b[2] for b in outline.blocks if b[0] == "h2"] == ["Summary"]
    assert ("p", "", "No codings match these filters.") in outline.blocks


# -- untrusted text ---------------------------------------------------------------------------


def test_hostile_text_is_escaped_in_html_and_literal_in_docx(hostile, tmp_path):
    report = build_report(hostile, title="<script>alert('title')</script>")
    assert [e.text for s in report.sections for e in s.excerpts] == HOSTILE

    write_html(report, tmp_path / "hostile.html")
    text = (tmp_path / "hostile.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<img" not in text.lower() and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "[click](javascript:alert(1))" in text and "href=\"javascript" not in text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in text
    outline = parse_html(text)
    assert_inert(outline)
    quotes = [b[2] for b in outline.blocks if b[0] == "blockquote"]
    assert quotes == HOSTILE
    assert outline.blocks[0] == ("title", "", "<script>alert('title')</script>")
    refs = [b[2] for b in outline.blocks if b[1] == "ref"]
    assert all(r.startswith(f"Document {report.sections[0].excerpts[0].document_id}: "
                            "<b>Bold</b> & <i>co</i>, characters ") for r in refs)
    assert [b[2] for b in outline.blocks if b[1] == "memo"] == ["Memo: <script>memo()</script>"] * 3

    write_docx(report, tmp_path / "hostile.docx")
    paragraphs = docx_paragraphs(tmp_path / "hostile.docx")
    assert paragraphs[0] == ("Title", "<script>alert('title')</script>")
    assert [text for style, text in paragraphs if style == "Quote"] == HOSTILE
    assert sum(text == "Memo: <script>memo()</script>" for _, text in paragraphs) == 3
    assert any(text.startswith("Document ") and "<b>Bold</b> & <i>co</i>" in text for _, text in paragraphs)


def test_control_characters_do_not_break_either_format(tmp_path):
    """Ingest normalises text, but memos and hand-made reports may still hold XML-invalid characters."""
    excerpt = ReportExcerpt(coding_id=1, text="Page one ends\x0cpage two\x01 starts.", document_id=7,
                            document_title="T\x00", source_name="t.txt", start=0, end=32, coder="alice",
                            memo="a\x1bb")
    section = ThemeSection(theme_id="neglect", path=path_of("neglect"), description="", excerpt_count=1,
                           document_count=1, excerpts=(excerpt,))
    report = Report(title="Control", generated_at=dt.datetime.now(dt.UTC), filters=ExportFilter(),
                    filters_text="status: confirmed", sections=(section,))
    write_docx(report, tmp_path / "c.docx")
    write_html(report, tmp_path / "c.html")
    paragraphs = docx_paragraphs(tmp_path / "c.docx")
    assert [text for style, text in paragraphs if style == "Quote"] == ["Page one ends page two  starts."]
    assert ("Normal", "Memo: a b") in paragraphs
    outline = parse_html((tmp_path / "c.html").read_text(encoding="utf-8"))
    assert [b[2] for b in outline.blocks if b[0] == "blockquote"] == ["Page one ends page two  starts."]
    assert ("p", "ref", "Document 7: T , characters 0-32, coded by alice") in outline.blocks


# -- writing safely ---------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [write_docx, write_html])
def test_writing_to_a_path_replaces_atomically(hostile, tmp_path, monkeypatch, writer):
    report: Report = build_report(hostile)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.out"
    target.write_bytes(b"previous report")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        writer(report, target)
    assert target.read_bytes() == b"previous report"
    assert os.listdir(folder) == ["report.out"]

    monkeypatch.undo()
    writer(report, str(target))
    assert target.read_bytes() != b"previous report"
    assert os.listdir(folder) == ["report.out"]
    assert Path(target).stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
