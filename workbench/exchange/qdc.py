"""REFI-QDA codebook exchange: ``.qdc`` files (QDA-XML codebook 1.0) for NVivo, ATLAS.ti, MAXQDA and others.

A theme becomes a ``<Code>`` nested under its parent's code. Its description, inclusion and exclusion
criteria, seed keywords and examples go into the code's ``<Description>`` as plain text::

    Theme id: cce

    Passages about children who are groomed ...

    Include:
    - A child is used by others to carry, store or sell drugs ...

    Exclude:
    - ...

    Seeds:
    - county lines

    Examples:
    - ...

so a file written here reads back into exactly the same themes (continuation lines of an item that
holds line breaks are indented by two spaces). Codes from other tools have no such layout: their ids
are made from their names and their whole description becomes the theme's description.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.coding.codebook import ID_PATTERN, Codebook, Theme
from workbench.errors import BadInput
from workbench.exchange.safexml import DeclarationRefused, parse_untrusted
from workbench.files import atomic_write

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Safeguarding Themes Workbench"
# uuid5(NAMESPACE_URL, "urn:safeguarding-themes-workbench:theme"); fixed forever so that a theme's GUID
# never changes and other tools recognise the same code when a codebook is exported again.
GUID_NAMESPACE = uuid.UUID("15b8ff32-1683-5f33-991b-08fb01bb3f46")
SECTIONS = (("inclusion", "Include:"), ("exclusion", "Exclude:"), ("seeds", "Seeds:"),
            ("examples", "Examples:"))

_HEADINGS = {heading: position for position, (_, heading) in enumerate(SECTIONS)}
_ID_LINE = re.compile(r"Theme id: (\S+)")
_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_QDC = "not a REFI-QDA codebook"
_BAD_QDC = "invalid REFI-QDA codebook"
_FIX = "export the codebook from the QDA tool as a REFI-QDA codebook (.qdc) and try again"
_DOCTYPE = (f"{_NOT_QDC}: the file has a DOCTYPE declaration, which .qdc files never contain; it is "
            "refused so that no entity in it is expanded. Export the codebook from the QDA tool as a "
            "REFI-QDA codebook (.qdc) and try again")


def _q(tag: str) -> str:
    return f"{{{QDC_NAMESPACE}}}{tag}"


def theme_guid(theme_id: str) -> str:
    """The code GUID of a theme: the same for the same id in every export."""
    return str(uuid.uuid5(GUID_NAMESPACE, theme_id))


# -- writing ------------------------------------------------------------------------------------


def _description_text(theme: Theme) -> str:
    parts = [f"Theme id: {theme.id}"]
    if theme.description:
        parts.append(theme.description)
    for name, heading in SECTIONS:
        items = getattr(theme, name)
        if items:
            parts.append("\n".join([heading, *("- " + str(item).replace("\n", "\n  ") for item in items)]))
    return "\n\n".join(parts)


def _check_theme(theme: Theme, known: set[str]) -> None:
    if theme.parent is not None and theme.parent not in known:
        raise BadInput(f"theme {theme.id!r} has parent {theme.parent!r}, which is not in the codebook; "
                          "add the parent theme or clear the theme's parent")
    if theme.colour and not _COLOUR.fullmatch(theme.colour):
        raise BadInput(f"theme {theme.id!r} has colour {theme.colour!r}; REFI-QDA needs a hex colour "
                          "such as '#0072B2' (or '#07B'): fix the theme's colour or clear it")
    for name in ("name", "description", *(n for n, _ in SECTIONS)):
        value = getattr(theme, name)
        for text in value if isinstance(value, list) else [value]:
            bad = _XML_INVALID.search(str(text))
            if bad:
                raise BadInput(f"theme {theme.id!r}: its {name} holds the control character "
                                  f"U+{ord(bad.group()):04X}, which XML cannot carry; remove it from the "
                                  "theme")


def codebook_to_qdc(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA codebook document (UTF-8 XML with a declaration)."""
    if not codebook.themes:
        raise BadInput(f"codebook {codebook.name!r} has no themes; a REFI-QDA codebook needs at "
                          "least one code")
    known: set[str] = set()
    children: dict[str | None, list[Theme]] = {}
    for theme in codebook.themes:
        if theme.id in known:
            raise BadInput(f"theme id {theme.id!r} appears twice in codebook {codebook.name!r}; "
                              "give each theme its own id")
        known.add(theme.id)
    for theme in codebook.themes:
        _check_theme(theme, known)
        children.setdefault(theme.parent, []).append(theme)

    # Tags are written unqualified under a literal default-namespace declaration: ElementTree's
    # default_namespace option refuses the schema's unqualified attributes.
    root = ET.Element("CodeBook", {"xmlns": QDC_NAMESPACE, "origin": ORIGIN})
    written: set[str] = set()

    def add(parent: ET.Element, theme: Theme) -> None:
        attributes = {"guid": theme_guid(theme.id), "name": theme.name,
                      "isCodable": "true" if theme.codable else "false"}
        if theme.colour:
            attributes["color"] = theme.colour
        code = ET.SubElement(parent, "Code", attributes)
        ET.SubElement(code, "Description").text = _description_text(theme)
        written.add(theme.id)
        for child in children.get(theme.id, []):
            add(code, child)

    codes = ET.SubElement(root, "Codes")
    for theme in children.get(None, []):
        add(codes, theme)
    stranded = [t.id for t in codebook.themes if t.id not in written]
    if stranded:
        raise BadInput(f"themes {', '.join(stranded)} never reach a top-level theme (their parents "
                          "form a loop); give one theme in the loop no parent or a parent outside it")
    ET.indent(root)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{ET.tostring(root, encoding="unicode")}\n'
            .encode())


def save_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write the codebook to a ``.qdc`` file; returns the path."""
    path = Path(path)
    data = codebook_to_qdc(codebook)
    try:
        with atomic_write(path) as handle:
            handle.write(data)
    except OSError as exc:
        raise BadInput(f"codebook {path}: cannot write ({exc.strerror})") from exc
    return path


# -- reading ------------------------------------------------------------------------------------


def _parse(data: bytes) -> ET.Element:
    if not isinstance(data, bytes | bytearray):
        raise BadInput(f"a .qdc codebook must be given as bytes, not {type(data).__name__}; read the "
                          "file in binary mode or use load_qdc")
    try:
        return parse_untrusted(bytes(data))
    except DeclarationRefused:
        raise BadInput(_DOCTYPE) from None
    except ET.ParseError as exc:
        raise BadInput(f"{_NOT_QDC}: the XML is not well-formed ({exc}); {_FIX}") from None


def _tag_text(tag: str) -> str:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return f"<{local}> in namespace {namespace}"
    return f"<{tag}> with no namespace"


def _read_sections(lines: list[str]) -> dict[str, list[str]] | None:
    """The Include/Exclude/Seeds/Examples blocks, or None when ``lines`` are not exactly such blocks."""
    sections: dict[str, list[str]] = {}
    last, i = -1, 0
    while i < len(lines):
        position = _HEADINGS.get(lines[i])
        if position is None or position <= last:
            return None
        last, i = position, i + 1
        items: list[str] = []
        while i < len(lines) and lines[i] != "":
            line = lines[i]
            if line == "-" or line.startswith("- "):
                items.append(line[2:])
            elif line.startswith("  ") and items:
                items[-1] += "\n" + line[2:]
            else:
                return None
            i += 1
        if not items:
            return None
        sections[SECTIONS[position][0]] = items
        if i < len(lines):
            i += 1
            if i == len(lines):
                return None
    return sections


def _read_description(text: str) -> tuple[str | None, dict[str, Any]]:
    """(theme id, Theme fields) from a Description; the id is None unless codebook_to_qdc wrote it."""
    lines = text.strip("\n").split("\n")
    marker = _ID_LINE.fullmatch(lines[0])
    if not marker or not ID_PATTERN.match(marker.group(1)) or (len(lines) > 1 and lines[1] != ""):
        return None, {"description": text.strip()}
    body = lines[2:]
    for start, line in enumerate(body):
        if line in _HEADINGS and (start == 0 or body[start - 1] == ""):
            sections = _read_sections(body[start:])
            if sections is not None:
                return marker.group(1), {"description": "\n".join(body[:max(start - 1, 0)]), **sections}
    return marker.group(1), {"description": "\n".join(body)}


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    if not slug:
        return "code"
    return slug if slug[0].isalpha() else f"code_{slug}"


@dataclass
class _Code:
    name: str
    codable: bool
    colour: str
    parent: int | None
    theme_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # Theme's keyword arguments


def _read_code(element: ET.Element, number: int, parent: int | None) -> _Code:
    name = element.get("name")
    if name is None or not name.strip():
        raise BadInput(f"{_BAD_QDC}: code number {number} (guid {element.get('guid', 'none')}) has no "
                          "name; name the code in the QDA tool and export the codebook again")
    codable_text = (element.get("isCodable") or "true").strip()
    if codable_text not in ("true", "1", "false", "0"):
        raise BadInput(f"{_BAD_QDC}: code {name!r} has isCodable={codable_text!r}; it must be true or "
                          "false: fix the attribute in the file")
    description = element.find(_q("Description"))
    theme_id, fields = _read_description("" if description is None else description.text or "")
    colour = (element.get("color") or "").strip()
    if colour and not _COLOUR.fullmatch(colour):
        raise BadInput(f"{_BAD_QDC}: code {name!r} has color {colour!r}; it must be #RRGGBB or #RGB "
                          "hex such as '#0072b2': fix or remove the color attribute")
    if colour and theme_id is None:  # another tool's code: normalise to #rrggbb
        colour = colour.lower() if len(colour) == 7 else "#" + "".join(c * 2 for c in colour[1:].lower())
    return _Code(name=name, codable=codable_text in ("true", "1"), colour=colour, parent=parent,
                 theme_id=theme_id, fields=fields)


def _theme_ids(codes: list[_Code]) -> list[str]:
    """Each code's theme id: the one this workbench wrote, else one made from its name, never twice."""
    used: set[str] = set()
    written: list[str | None] = []
    for code in codes:  # ids written by this workbench first, so that made-up ids never take them
        keep = code.theme_id if code.theme_id is not None and code.theme_id not in used else None
        written.append(keep)
        if keep is not None:
            used.add(keep)
    ids: list[str] = []
    for code, theme_id in zip(codes, written, strict=True):
        if theme_id is None:
            base = theme_id = _slug(code.name)
            suffix = 1
            while theme_id in used:
                suffix += 1
                theme_id = f"{base}_{suffix}"
            used.add(theme_id)
        ids.append(theme_id)
    return ids


def codebook_from_qdc(data: bytes, name: str = "Imported codebook") -> Codebook:
    """Read a REFI-QDA codebook (from this workbench or another tool) into a Codebook.

    Codes written by codebook_to_qdc get back their theme id, fields and colour exactly. Other codes
    get ids made from their names (lower case, other characters to '_', '_2', '_3' ... on repeats),
    their whole description as the theme description, and colours as lower-case '#rrggbb'.
    """
    root = _parse(data)
    if root.tag != _q("CodeBook"):
        fix = _FIX
        if root.tag == "{urn:QDA-XML:project:1.0}Project":
            fix = "this is a REFI-QDA project (.qde/.qdpx): export just the codebook (.qdc) and try again"
        raise BadInput(f"{_NOT_QDC}: root element is {_tag_text(root.tag)}, expected <CodeBook> in "
                          f"namespace {QDC_NAMESPACE}; {fix}")
    codes_element = root.find(_q("Codes"))
    if codes_element is None or codes_element.find(_q("Code")) is None:
        raise BadInput(f"{_BAD_QDC}: <CodeBook> has no <Codes> element holding a <Code>; {_FIX}")

    codes: list[_Code] = []

    def walk(element: ET.Element, parent: int | None) -> None:
        for child in element.findall(_q("Code")):
            codes.append(_read_code(child, len(codes) + 1, parent))
            walk(child, len(codes) - 1)

    walk(codes_element, None)
    ids = _theme_ids(codes)
    themes = [Theme(id=ids[i], name=code.name, colour=code.colour, codable=code.codable,
                    parent=None if code.parent is None else ids[code.parent], **code.fields)
              for i, code in enumerate(codes)]
    origin = root.get("origin")
    description = f"Imported from a REFI-QDA codebook written by {origin}." if origin else ""
    return Codebook(name=name, themes=themes, description=description)


def load_qdc(path: str | Path, name: str | None = None) -> Codebook:
    """Read a ``.qdc`` file; the codebook is named after the file unless ``name`` is given."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"codebook {path}: cannot read ({exc.strerror})") from exc
    try:
        return codebook_from_qdc(data, name=name or path.stem)
    except BadInput as exc:
        raise BadInput(f"codebook {path}: {exc}") from None
