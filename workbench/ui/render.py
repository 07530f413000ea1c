"""Safe HTML for documents with highlighted spans: every piece of corpus text is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

Span = tuple[int, int, str, str, str]
"""(start, end, colour, kind: "coded" | "suggested", label)."""

KINDS = ("coded", "suggested")
DEFAULT_COLOUR = "#bbbbbb"
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
           "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30})$")


def safe_colour(colour: str, fallback: str = DEFAULT_COLOUR) -> str:
    """``colour`` if it is a hex code or a plain colour name, else ``fallback`` (no CSS injection)."""
    colour = (colour or "").strip()
    return colour if _COLOUR.match(colour) else fallback


def theme_colours(themes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Theme id -> safe colour, from (id, colour) pairs; themes without one get a palette colour."""
    out = {}
    for n, (theme_id, colour) in enumerate(themes):
        out[theme_id] = safe_colour(colour, PALETTE[n % len(PALETTE)])
    return out


def _boundaries(length: int, spans: Sequence[Span]) -> list[int]:
    points = {0, length}
    for start, end, *_ in spans:
        points.add(min(max(start, 0), length))
        points.add(min(max(end, 0), length))
    return sorted(points)


def _segment(piece: str, covering: list[Span]) -> str:
    """One stretch of text under the same spans: escaped, then wrapped."""
    out = html.escape(piece)
    if not covering:
        return out
    suggested = [s for s in covering if s[3] == "suggested"]
    coded = [s for s in covering if s[3] == "coded"]
    if suggested:
        colour = safe_colour(suggested[0][2])
        title = html.escape("suggested: " + "; ".join(s[4] for s in suggested), quote=True)
        out = (f'<span class="wb-suggested" title="{title}" style="text-decoration: underline dashed '
               f'{colour} 2px; text-underline-offset: 3px;">{out}</span>')
    if coded:
        colours = [safe_colour(s[2]) for s in coded]
        background = colours[0] if len(colours) == 1 else (
            "linear-gradient(" + ", ".join(colours) + ")")
        title = html.escape("; ".join(s[4] for s in coded), quote=True)
        out = (f'<mark class="wb-coded" title="{title}" style="background: {background}; '
               f'color: inherit; padding: 0;">{out}</mark>')
    return out


def highlighted_html(text: str, spans: Iterable[Span]) -> str:
    """``text`` as escaped HTML, coded spans as <mark> (theme colour background), suggested spans
    with a dashed underline; overlapping spans split the text into segments; newlines kept."""
    spans = [s for s in spans if s[3] in KINDS and s[1] > s[0]]
    points = _boundaries(len(text), spans)
    parts = []
    for left, right in zip(points, points[1:], strict=False):
        if right <= left:
            continue
        covering = [s for s in spans if s[0] <= left and s[1] >= right]
        parts.append(_segment(text[left:right], covering))
    return ('<div class="wb-document" style="white-space: pre-wrap; line-height: 1.6;">'
            + "".join(parts) + "</div>")


def legend_html(entries: Iterable[tuple[str, str]]) -> str:
    """A legend of (label, colour) chips, plus the suggested-span style; labels escaped."""
    chips = [f'<span style="background: {safe_colour(c)}; padding: 0 6px; margin-right: 8px;">'
             f"{html.escape(label)}</span>" for label, c in entries]
    chips.append('<span style="text-decoration: underline dashed #555 2px; text-underline-offset: 3px;">'
                  "suggested (dashed underline, theme colour)</span>")
    return '<div class="wb-legend" style="line-height: 2;">' + "".join(chips) + "</div>"
