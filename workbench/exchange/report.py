"""Readable reports of coded excerpts, grouped by theme in codebook order: DOCX and self-contained HTML.

``build_report`` gathers the rows of :func:`workbench.exchange.rows.coding_rows` into a plain
:class:`Report`; ``write_docx`` and ``write_html`` render it. Corpus text, titles, memos and coder
names are untrusted: the HTML writer escapes every piece of text and forbids scripts and remote
resources with a Content-Security-Policy; the DOCX writer only ever adds text runs.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
from dataclasses import dataclass
from typing import BinaryIO

from workbench.coding.codebook import Codebook, theme_path
from workbench.coding.themes import stored_codebook
from workbench.exchange.rows import CodingRow, ExportFilter, coding_rows
from workbench.files import atomic_write
from workbench.store import Store

Output = str | os.PathLike[str] | BinaryIO

# Characters XML 1.0 (and so DOCX) cannot hold; HTML treats them as parse errors.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ReportExcerpt:
    """One coding as shown in a report."""

    coding_id: int
    text: str
    document_id: int
    document_title: str
    source_name: str
    start: int
    end: int
    coder: str
    memo: str

    @property
    def reference(self) -> str:
        """'Document 3: Rapid Review ..., characters 807-1265, coded by alice'."""
        return (f"Document {self.document_id}: {self.document_title}, "
                f"characters {self.start}-{self.end}, coded by {self.coder}")


@dataclass(frozen=True)
class ThemeSection:
    """The excerpts coded with one theme, with the theme's path and description."""

    theme_id: str
    path: str
    description: str
    excerpt_count: int
    document_count: int
    excerpts: tuple[ReportExcerpt, ...]


@dataclass(frozen=True)
class Report:
    """A report's content: sections in codebook order, the filters used and when it was made."""

    title: str
    generated_at: dt.datetime
    filters: ExportFilter
    filters_text: str
    sections: tuple[ThemeSection, ...]

    @property
    def excerpt_count(self) -> int:
        return sum(s.excerpt_count for s in self.sections)

    @property
    def document_count(self) -> int:
        return len({e.document_id for s in self.sections for e in s.excerpts})

    @property
    def generated_text(self) -> str:
        return self.generated_at.strftime("%Y-%m-%d %H:%M UTC")


def describe_filters(filters: ExportFilter, codebook: Codebook | None = None) -> str:
    """The filters in words, e.g. 'status: confirmed; themes: A > B (with sub-themes); coders: alice'."""
    parts = [f"status: {', '.join(filters.statuses) if filters.statuses else 'any'}"]
    if filters.themes:
        names = [theme_path(codebook, t) if codebook else t for t in filters.themes]
        parts.append(f"themes: {'; '.join(names)} (with sub-themes)")
    if filters.coders:
        parts.append(f"coders: {', '.join(filters.coders)}")
    for key, value in sorted(filters.metadata.items()):
        parts.append(f"{key}: {value}")
    if filters.since:
        parts.append(f"updated since {filters.since.isoformat(sep=' ', timespec='minutes')}")
    if filters.until:
        parts.append(f"updated until {filters.until.isoformat(sep=' ', timespec='minutes')}")
    return "; ".join(parts)


def build_report(store: Store, filters: ExportFilter | None = None,
                 title: str = "Coded excerpts") -> Report:
    """Group the codings matching ``filters`` by theme, in codebook order (themes without codings omitted)."""
    filters = filters or ExportFilter()
    codebook = stored_codebook(store, include_inactive=True)
    grouped: dict[str, list[CodingRow]] = {}
    for row in coding_rows(store, filters):
        grouped.setdefault(row.theme_id, []).append(row)
    order = [t.id for t in codebook.themes if t.id in grouped]
    order += sorted(set(grouped) - set(order))  # codings of themes missing from the codebook go last
    descriptions = {t.id: t.description for t in codebook.themes}
    sections = []
    for theme_id in order:
        rows = grouped[theme_id]
        excerpts = tuple(ReportExcerpt(
            coding_id=r.coding_id, text=r.text, document_id=r.document_id, document_title=r.title,
            source_name=r.source_name, start=r.start, end=r.end, coder=r.coder, memo=r.memo,
        ) for r in rows)
        sections.append(ThemeSection(
            theme_id=theme_id, path=rows[0].theme_path, description=descriptions.get(theme_id, ""),
            excerpt_count=len(excerpts), document_count=len({e.document_id for e in excerpts}),
            excerpts=excerpts))
    return Report(title=title, generated_at=dt.datetime.now(dt.UTC), filters=filters,
                  filters_text=describe_filters(filters, codebook), sections=tuple(sections))


def _clean(text: str) -> str:
    """Text without the control characters that XML and HTML cannot carry."""
    return _UNSAFE_CHARS.sub(" ", text or "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(section: ThemeSection) -> str:
    return (f"{_plural(section.excerpt_count, 'excerpt')} from "
            f"{_plural(section.document_count, 'document')}")


def _header_lines(report: Report) -> tuple[str, str]:
    return (f"Generated {report.generated_text}. Filters: {report.filters_text}.",
            f"{_plural(report.excerpt_count, 'excerpt')} from "
            f"{_plural(report.document_count, 'document')} under {_plural(len(report.sections), 'theme')}.")


# -- output -------------------------------------------------------------------------------------


def _emit(data: bytes, out: Output) -> None:
    """Write ``data`` to a binary file object, or to a path via a temporary file and a rename."""
    if not isinstance(out, (str, os.PathLike)):
        out.write(data)
        return
    with atomic_write(out) as handle:
        handle.write(data)


# -- DOCX ---------------------------------------------------------------------------------------


def _docx_bytes(report: Report) -> bytes:
    import docx
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    props = document.core_properties
    props.title, props.subject = _clean(report.title), "Coded excerpts by theme"
    props.author = props.last_modified_by = "workbench"
    props.comments = _clean(f"Filters: {report.filters_text}")
    props.created = props.modified = report.generated_at.replace(tzinfo=None)

    document.add_heading(_clean(report.title), level=0)
    for line in _header_lines(report):
        document.add_paragraph(_clean(line))

    document.add_heading("Summary", level=1)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ("Theme", "Excerpts", "Documents"), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(label).bold = True
    for section in report.sections:
        cells = table.add_row().cells
        cells[0].text = _clean(section.path)
        cells[1].text = str(section.excerpt_count)
        cells[2].text = str(section.document_count)
    if not report.sections:
        document.add_paragraph("No codings match these filters.")

    for section in report.sections:
        document.add_heading(_clean(section.path), level=1)
        if section.description:
            document.add_paragraph().add_run(_clean(section.description)).italic = True
        document.add_paragraph(_counts(section))
        for excerpt in section.excerpts:
            document.add_paragraph(_clean(excerpt.text), style="Quote")
            ref = document.add_paragraph().add_run(_clean(excerpt.reference))
            ref.font.size = Pt(9)
            ref.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
            if excerpt.memo:
                memo = document.add_paragraph()
                memo.add_run("Memo: ").bold = True
                memo.add_run(_clean(excerpt.memo))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(report: Report, out: Output) -> None:
    """Write the report as a Word document to a path (atomically) or a binary file object."""
    _emit(_docx_bytes(report), out)


# -- HTML ---------------------------------------------------------------------------------------

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
body { font-family: Georgia, "Times New Roman", serif; color: #222; max-width: 52rem;
       margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5; }
h1 { font-size: 1.9rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
.meta, .counts, .ref { color: #555; font-size: 0.9rem; }
.description { font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; width: 6rem; }
blockquote { margin: 1.2rem 0 0.3rem; padding: 0.4rem 1rem; border-left: 4px solid #7a9cc6;
             background: #f5f7fa; white-space: pre-wrap; overflow-wrap: anywhere; }
.ref { margin: 0 0 0.2rem 1.25rem; overflow-wrap: anywhere; }
.memo { margin: 0 0 0.8rem 1.25rem; font-size: 0.9rem; overflow-wrap: anywhere; }
a { color: inherit; }
@media print { body { margin: 0; max-width: none; } blockquote { break-inside: avoid; } }
"""


def _e(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _html_text(report: Report) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(report.title)}</h1>",
        *(f'<p class="meta">{_e(line)}</p>' for line in _header_lines(report)),
        "</header>",
        '<section id="summary">',
        "<h2>Summary</h2>",
        "<table>",
        '<thead><tr><th>Theme</th><th class="n">Excerpts</th><th class="n">Documents</th></tr></thead>',
        "<tbody>",
    ]
    anchors = {s.theme_id: f"theme-{n}" for n, s in enumerate(report.sections, start=1)}
    for section in report.sections:
        out.append(f'<tr><td><a href="#{anchors[section.theme_id]}">{_e(section.path)}</a></td>'
                   f'<td class="n">{section.excerpt_count}</td>'
                   f'<td class="n">{section.document_count}</td></tr>')
    out += ["</tbody>", "</table>"]
    if not report.sections:
        out.append("<p>No codings match these filters.</p>")
    out.append("</section>")
    for section in report.sections:
        out.append(f'<section class="theme" id="{anchors[section.theme_id]}">')
        out.append(f"<h2>{_e(section.path)}</h2>")
        if section.description:
            out.append(f'<p class="description">{_e(section.description)}</p>')
        out.append(f'<p class="counts">{_e(_counts(section))}</p>')
        for excerpt in section.excerpts:
            out.append('<div class="excerpt">')
            out.append(f"<blockquote>{_e(excerpt.text)}</blockquote>")
            out.append(f'<p class="ref">{_e(excerpt.reference)}</p>')
            if excerpt.memo:
                out.append(f'<p class="memo"><strong>Memo:</strong> {_e(excerpt.memo)}</p>')
            out.append("</div>")
        out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _html_bytes(report: Report) -> bytes:
    return _html_text(report).encode("utf-8")


def write_html(report: Report, out: Output) -> None:
    """Write the report as one self-contained HTML file (no scripts, no remote resources)."""
    _emit(_html_bytes(report), out)
