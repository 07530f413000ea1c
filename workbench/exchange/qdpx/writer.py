"""Writing a REFI-QDA project: the codings that pass the filters, their sources, codebook, coders,
metadata variables and memos (layout described in :mod:`workbench.exchange.qdpx`)."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import BinaryIO

from workbench.coding.codebook import Codebook
from workbench.coding.review import document_memos
from workbench.coding.themes import stored_codebook
from workbench.errors import BadInput
from workbench.exchange.qdc import ORIGIN, codebook_to_qdc, theme_guid
from workbench.exchange.qdpx.common import (
    DEFAULT_NAME,
    INTERNAL,
    POSITIONS_NOTE,
    PROJECT_NAMESPACE,
    Positions,
    check_positions,
    make_guid,
    source_guid,
    user_guid,
    variable_guid,
)
from workbench.exchange.qdpx.offsets import Utf16
from workbench.exchange.rows import CodingRow, ExportFilter, coding_rows
from workbench.files import atomic_write
from workbench.store import Store, get_document

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: object) -> str:
    """Text XML can carry: characters it cannot are dropped."""
    return _XML_INVALID.sub("", str(text))


def _timestamp(value: dt.datetime | None) -> str:
    value = value or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:  # SQLite hands back naive datetimes; the store writes UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _codebook_element(store: Store, used: set[str]) -> tuple[ET.Element | None, int]:
    """<CodeBook>: the active themes plus retired ones that exported codings use, with their ancestors."""
    everything = stored_codebook(store, include_inactive=True)
    wanted = {t.id for t in stored_codebook(store).themes} | used
    parents = {t.id: t.parent for t in everything.themes}
    for theme_id in list(wanted):
        parent = parents.get(theme_id)
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = parents.get(parent)
    themes = [t for t in everything.themes if t.id in wanted]
    if not themes:
        return None, 0
    qdc_root = ET.fromstring(codebook_to_qdc(Codebook(name=DEFAULT_NAME, themes=themes)))
    for element in qdc_root.iter():
        element.tag = element.tag.split("}", 1)[-1]
    qdc_root.attrib.clear()  # a project's <CodeBook> has no attributes
    return qdc_root, len(themes)


@dataclass
class _Written:
    sources: list[tuple[ET.Element, dict]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    notes: list[ET.Element] = field(default_factory=list)
    themes: set[str] = field(default_factory=set)
    codings: int = 0


def _source_element(store: Store, rows: list[CodingRow], positions: str, archive: zipfile.ZipFile,
                    written: _Written) -> None:
    with store.session() as session:
        document = get_document(session, rows[0].document_id)
        text, sha, title = document.text, document.text_sha256 or document.sha256, document.title
        name, meta, ingested = document.source_name, dict(document.meta), document.ingested_at
    guid = source_guid(sha)
    archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    source = ET.Element("TextSource", {"guid": guid, "name": _clean(name) or guid,
                                       "plainTextPath": f"{INTERNAL}{guid}.txt",
                                       "creationDateTime": _timestamp(ingested)})
    convert = Utf16(text).to_utf16 if positions == "utf16" else (lambda index: index)
    for row in rows:
        coder = user_guid(row.coder)
        written.users[row.coder] = coder
        written.themes.add(row.theme_id)
        selection = ET.SubElement(source, "PlainTextSelection", {
            "guid": make_guid("selection", sha, row.coding_id), "startPosition": str(convert(row.start)),
            "endPosition": str(convert(row.end)), "creatingUser": coder,
            "creationDateTime": _timestamp(row.created_at), "modifyingUser": coder,
            "modifiedDateTime": _timestamp(row.updated_at)})
        if row.memo.strip():
            ET.SubElement(selection, "Description").text = _clean(row.memo)
        coding = ET.SubElement(selection, "Coding", {"guid": make_guid("coding", sha, row.coding_id),
                                                     "creatingUser": coder,
                                                     "creationDateTime": _timestamp(row.created_at)})
        ET.SubElement(coding, "CodeRef", {"targetGUID": theme_guid(row.theme_id)})
        written.codings += 1
    for number, (author, memo, created) in enumerate(document_memos(store, rows[0].document_id), start=1):
        note_guid = make_guid("note", sha, number)
        written.users[author] = user_guid(author)
        note = ET.Element("Note", {"guid": note_guid, "name": _clean(f"Memo {number} on {name} by {author}"),
                                   "creatingUser": user_guid(author),
                                   "creationDateTime": _timestamp(created)})
        ET.SubElement(note, "PlainTextContent").text = _clean(memo)
        written.notes.append(note)
        ET.SubElement(source, "NoteRef", {"targetGUID": note_guid})
    meta.pop("title", None)
    written.sources.append((source, {"title": title, **meta}))


def _variables(written: _Written) -> ET.Element | None:
    """<Variables>, and each source's <VariableValue>s (appended last, as the schema orders them)."""
    values: dict[str, list[object]] = {}
    for _, meta in written.sources:
        for key, value in meta.items():
            if value is not None and value != "":
                values.setdefault(str(key), []).append(value)
    if not values:
        return None
    integer = {key: all(_is_int(v) for v in found) for key, found in values.items()}
    element = ET.Element("Variables")
    for key in values:
        ET.SubElement(element, "Variable", {"guid": variable_guid(key), "name": _clean(key),
                                            "typeOfVariable": "Integer" if integer[key] else "Text"})
    for source, meta in written.sources:
        for key, value in meta.items():
            if value is None or value == "":
                continue
            holder = ET.SubElement(source, "VariableValue")
            ET.SubElement(holder, "VariableRef", {"targetGUID": variable_guid(str(key))})
            if integer[str(key)]:
                ET.SubElement(holder, "IntegerValue").text = str(value)
            else:
                ET.SubElement(holder, "TextValue").text = _clean(_text_value(value))
    return element


def _write(store: Store, handle: BinaryIO, filters: ExportFilter | None, positions: str,
           name: str) -> dict[str, int]:
    written = _Written()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for _, group in groupby(coding_rows(store, filters), key=lambda row: row.document_id):
            _source_element(store, list(group), positions, archive, written)
        codebook, n_codes = _codebook_element(store, written.themes)
        variables = _variables(written)
        root = ET.Element("Project", {"xmlns": PROJECT_NAMESPACE, "name": _clean(name) or DEFAULT_NAME,
                                      "origin": ORIGIN, "creationDateTime": _timestamp(None)})
        if written.users:
            users = ET.SubElement(root, "Users")
            for user, guid in sorted(written.users.items()):
                ET.SubElement(users, "User", {"guid": guid, "name": _clean(user)})
        if codebook is not None:
            root.append(codebook)
        if variables is not None:
            root.append(variables)
        if written.sources:
            ET.SubElement(root, "Sources").extend(source for source, _ in written.sources)
        if written.notes:
            ET.SubElement(root, "Notes").extend(written.notes)
        ET.SubElement(root, "Description").text = f"Exported by the {ORIGIN}. {POSITIONS_NOTE[positions]}"
        ET.indent(root)
        xml = f'<?xml version="1.0" encoding="UTF-8"?>\n{ET.tostring(root, encoding="unicode")}\n'
        archive.writestr("project.qde", xml.encode("utf-8"))
    return {"documents": len(written.sources), "codings": written.codings, "users": len(written.users),
            "codes": n_codes, "variables": 0 if variables is None else len(variables),
            "notes": len(written.notes)}


def write_qdpx(store: Store, out: str | Path | BinaryIO, filters: ExportFilter | None = None,
               positions: Positions = "codepoints", name: str = DEFAULT_NAME) -> dict[str, int]:
    """Write the codings passing ``filters`` (default: confirmed) as a REFI-QDA project.

    ``out`` is a path (written to a temporary file beside it, then renamed, so nothing is ever
    half-written) or a binary file. ``positions`` is "codepoints" (the default) or "utf16" for tools
    that count UTF-16 code units. Returns counts of documents, codings, users, codes, variables, notes.
    """
    check_positions(positions)
    if not isinstance(out, str | Path):
        return _write(store, out, filters, positions, name)
    path = Path(out)

    def cannot_write(exc: OSError) -> BadInput:
        return BadInput(f"project {path}: cannot write ({exc.strerror}); check that the folder "
                           f"{path.parent} exists and is writable")

    with atomic_write(path, on_error=cannot_write) as handle:
        return _write(store, handle, filters, positions, name)
