"""REFI-QDA projects (``.qdpx``): coded documents, codebook, coders and memos for NVivo, ATLAS.ti, MAXQDA ...

A ``.qdpx`` file is a zip holding ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``) and
``sources/<guid>.txt``, the canonical text of each document in UTF-8.

Position convention
    REFI-QDA gives a ``<PlainTextSelection>``'s ``startPosition`` and ``endPosition`` as character
    offsets into the source's plain text file. The workbench's offsets count Unicode code points of a
    document's canonical text, and that text is exactly what ``sources/<guid>.txt`` holds, so by
    default (``positions="codepoints"``) start and end are written unchanged and
    ``text[startPosition:endPosition]`` in Python is the coded excerpt.

    Caveat: some tools (those built on .NET, Java or JavaScript strings) count UTF-16 code units
    instead. The two counts differ only after a character outside the Basic Multilingual Plane (most
    emoji, some rare CJK characters): one code point, but two UTF-16 units. For such a tool write with
    ``positions="utf16"`` (see :func:`utf16_offset`). The project's ``<Description>`` records which
    count was used and :func:`read_qdpx` follows it; projects from other tools are read as code points
    unless ``positions="utf16"`` is given.

Layout
    ``<Users>`` holds every coder and memo author written, each with a GUID made from the name, so the
    same coder has the same GUID in every export. ``<CodeBook>`` is the stored codebook written exactly
    as :mod:`workbench.exchange.qdc` writes it (same GUIDs, same ``Theme id:`` description layout), so a
    project reads back into the same theme ids. Document metadata become ``<Variables>`` (``Integer``
    when every value is a whole number, else ``Text``) plus a ``title`` variable for the document title.
    Each coding is one ``<PlainTextSelection>`` holding one ``<Coding>``; the coding's memo is the
    selection's ``<Description>``, where QDA tools keep a comment on a coded segment. Document memos are
    ``<Note>`` elements in the project's ``<Notes>``, referenced by ``<NoteRef>`` from their source.

Reading
    :func:`read_qdpx` reads its own projects back exactly, and other tools' text sources too: a
    ``sources/`` or ``Sources/`` file with or without a byte-order mark, ``\\r\\n`` line ends and other
    text that ingest normalises. Selections are moved onto the canonical text character by character,
    counting ``\\r\\n`` as two characters, except in projects whose origin names ATLAS.ti, which counts
    it as one. The archive is refused whole if it is unsafe (path traversal, links, bomb-like
    expansion, as ingest refuses zips) and ``project.qde`` if it holds a DOCTYPE.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import datetime as dt
import io
import json
import os
import re
import stat
import tempfile
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal
from xml.parsers import expat

from workbench.coding.codebook import Codebook
from workbench.coding.review import code_span, document_memos, list_codings, memo_document
from workbench.coding.themes import import_codebook, stored_codebook
from workbench.config import Settings, load_settings
from workbench.corpus.archive import unsafe_member_name
from workbench.corpus.document import Skipped, SourceDocument
from workbench.corpus.text import decode, normalise
from workbench.errors import ConfigError, UnreadableDocument, WorkbenchError
from workbench.exchange.qdc import (
    GUID_NAMESPACE,
    ORIGIN,
    QDC_NAMESPACE,
    codebook_from_qdc,
    codebook_to_qdc,
    theme_guid,
)
from workbench.exchange.rows import CodingRow, ExportFilter, coding_rows
from workbench.privacy.redact import Redaction
from workbench.store import Store, find_by_sha256, get_document

if TYPE_CHECKING:  # the ingest modules load spaCy: imported only when a project is read
    from workbench.corpus.ingest import Ingestor
    from workbench.corpus.segment import Segmenter

try:  # defusedxml refuses DTDs and entities; without it an expat pre-scan refuses them instead
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring as _defused_fromstring
except ImportError:  # pragma: no cover - depends on the environment
    class DefusedXmlException(Exception):  # type: ignore[no-redef]
        """Stands in for defusedxml's exception; never raised."""

    _defused_fromstring = None

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
DEFAULT_NAME = "Safeguarding Themes Workbench export"
Positions = Literal["codepoints", "utf16"]
POSITIONS: tuple[str, ...] = ("codepoints", "utf16")

_POSITIONS_NOTE = {
    "codepoints": "Selection positions count Unicode code points of the plain text (positions=codepoints).",
    "utf16": "Selection positions count UTF-16 code units of the plain text (positions=utf16).",
}
_POSITIONS_MARK = re.compile(r"\(positions=(codepoints|utf16)\)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The steps of workbench.corpus.text.normalise, replayed by _canonical_map to keep track of offsets.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_FIX = "export the project from the QDA tool as a REFI-QDA project (.qdpx) and try again"
_NOT_QDPX = "not a REFI-QDA project (.qdpx)"
_INTERNAL = "internal://"


def _q(tag: str) -> str:
    return f"{{{PROJECT_NAMESPACE}}}{tag}"


def _guid(kind: str, *parts: object) -> str:
    # Theme GUIDs are uuid5 of the bare theme id, which never holds a colon, so these never collide.
    return str(uuid.uuid5(GUID_NAMESPACE, ":".join([kind, *(str(p) for p in parts)])))


def user_guid(name: str) -> str:
    """The user GUID of a coder: the same for the same name in every export."""
    return _guid("user", name)


def variable_guid(name: str) -> str:
    """The GUID of the variable for a metadata key."""
    return _guid("variable", name)


def source_guid(sha256: str) -> str:
    """The GUID of a document's source, made from the sha256 of its stored (redacted) text."""
    return _guid("source", sha256)


# -- positions ------------------------------------------------------------------------------------


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of the code-point offset ``index`` in ``text``."""
    return index + len(_ASTRAL.findall(text, 0, index))


def codepoint_offset(text: str, utf16_index: int) -> int:
    """The code-point offset of a UTF-16 code-unit offset in ``text`` (inside a surrogate pair: its start)."""
    return _Utf16(text).to_codepoints(utf16_index)


class _Utf16:
    """Both-way conversion between code-point and UTF-16 offsets of one text, in O(log n) per offset."""

    def __init__(self, text: str):
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]
        self.starts = [position + k for k, position in enumerate(self.astral)]  # in UTF-16 units

    def to_utf16(self, index: int) -> int:
        return index + bisect.bisect_left(self.astral, index)

    def to_codepoints(self, index: int) -> int:
        return index - bisect.bisect_left(self.starts, index)


def _check_positions(positions: str | None, allow_none: bool = False) -> None:
    if positions is None and allow_none:
        return
    if positions not in POSITIONS:
        raise ConfigError(f"positions must be 'codepoints' or 'utf16', not {positions!r}; use 'utf16' "
                          "only for a tool that counts UTF-16 code units")


def _canonical_map(raw: str) -> tuple[str, Callable[[int], int]]:
    """The canonical text of ``raw`` and a map from code-point offsets in ``raw`` to offsets in it.

    Replays normalise() (line ends, control characters, trailing spaces, NFC, outer blank lines)
    remembering where each kept character came from, so that a selection made on another tool's text
    (with ``\\r\\n`` line ends, say) lands on the same words of the canonical text.
    """
    canonical = normalise(raw)
    if canonical == raw:
        return canonical, lambda index: index
    chars: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        step = 2 if raw.startswith("\r\n", i) else 1
        if char in "\r\u2028":
            out = "\n"
        elif char in "\u2029\x0c":
            out = "\n\n"
        else:
            out = "" if _CONTROL.match(char) else char
        for kept in out:
            chars.append(kept)
            origin.append(i)
        i += step
    joined = "".join(chars)
    dropped = {j for m in _TRAILING_SPACE.finditer(joined) for j in range(m.start(), m.end() - 1)}
    origin = [o for j, o in enumerate(origin) if j not in dropped]
    spaced = "".join(c for j, c in enumerate(chars) if j not in dropped)
    if unicodedata.is_normalized("NFC", spaced):
        composed, nfc = spaced, (lambda j: j)
    else:
        composed = unicodedata.normalize("NFC", spaced)

        def nfc(j: int) -> int:
            return len(unicodedata.normalize("NFC", spaced[:j]))
    lead = len(composed) - len(composed.lstrip("\n "))
    if composed.strip("\n ") != canonical:  # normalise() changed: fall back to normalising prefixes
        def mapping(index: int) -> int:
            return min(len(normalise(raw[:index])), len(canonical))
        return canonical, mapping

    def mapped(index: int) -> int:
        return min(max(nfc(bisect.bisect_left(origin, index)) - lead, 0), len(canonical))

    return canonical, mapped


# -- writing --------------------------------------------------------------------------------------


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
                                       "plainTextPath": f"{_INTERNAL}{guid}.txt",
                                       "creationDateTime": _timestamp(ingested)})
    convert = _Utf16(text).to_utf16 if positions == "utf16" else (lambda index: index)
    for row in rows:
        coder = user_guid(row.coder)
        written.users[row.coder] = coder
        written.themes.add(row.theme_id)
        selection = ET.SubElement(source, "PlainTextSelection", {
            "guid": _guid("selection", sha, row.coding_id), "startPosition": str(convert(row.start)),
            "endPosition": str(convert(row.end)), "creatingUser": coder,
            "creationDateTime": _timestamp(row.created_at), "modifyingUser": coder,
            "modifiedDateTime": _timestamp(row.updated_at)})
        if row.memo.strip():
            ET.SubElement(selection, "Description").text = _clean(row.memo)
        coding = ET.SubElement(selection, "Coding", {"guid": _guid("coding", sha, row.coding_id),
                                                     "creatingUser": coder,
                                                     "creationDateTime": _timestamp(row.created_at)})
        ET.SubElement(coding, "CodeRef", {"targetGUID": theme_guid(row.theme_id)})
        written.codings += 1
    for number, (author, memo, created) in enumerate(document_memos(store, rows[0].document_id), start=1):
        note_guid = _guid("note", sha, number)
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
        ET.SubElement(root, "Description").text = f"Exported by the {ORIGIN}. {_POSITIONS_NOTE[positions]}"
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
    _check_positions(positions)
    if not isinstance(out, str | Path):
        return _write(store, out, filters, positions, name)
    path = Path(out)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ConfigError(f"project {path}: cannot write ({exc.strerror}); check that the folder "
                          f"{path.parent} exists and is writable") from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:
            counts = _write(store, handle, filters, positions, name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return counts


# -- reading: the archive and the XML -----------------------------------------------------------


def _checked_zip(source: str | Path | BinaryIO | bytes, where: str,
                 settings: Settings) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive, refused whole when it is unsafe (as workbench.corpus.archive refuses ingest zips)."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(bytes(source))
    try:
        archive = zipfile.ZipFile(source)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read ({exc.strerror or exc}); check the path") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise ConfigError(f"{where}: {_NOT_QDPX}: not a zip archive ({exc}); {_FIX}") from None
    try:
        _check_members(infos, where, settings)
    except ConfigError:
        archive.close()
        raise
    return archive, infos


def _check_members(infos: list[zipfile.ZipInfo], where: str, settings: Settings) -> None:
    """Refuse too many members, unsafe paths, links and bomb-like or too large expansion."""
    if len(infos) > settings.max_archive_members:
        raise ConfigError(f"{where}: {len(infos)} files in the archive, more than the limit of "
                          f"{settings.max_archive_members} (WORKBENCH_MAX_ARCHIVE_MEMBERS); nothing was "
                          "imported. Raise the limit or export a smaller project")
    limit = settings.max_compression_ratio
    for info in infos:
        if unsafe_member_name(info.filename):
            raise ConfigError(f"{where}: unsafe path {info.filename!r} in the archive (path traversal); "
                              f"nothing was imported. A .qdpx holds only project.qde and sources/: {_FIX}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ConfigError(f"{where}: the archive holds a symbolic link {info.filename!r}; nothing was "
                              f"imported. A .qdpx holds only project.qde and sources/: {_FIX}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limit:
            raise ConfigError(f"{where}: {info.filename!r} expands {ratio:.0f}x (limit {limit:.0f}x, "
                              "WORKBENCH_MAX_COMPRESSION_RATIO); bomb-like archive rejected, nothing was "
                              f"imported. {_FIX[0].upper()}{_FIX[1:]}")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > settings.max_archive_mb * 1024 * 1024 or (total > 1024 * 1024 and total / packed > limit):
        raise ConfigError(f"{where}: the archive expands to {total / 1e6:.1f} MB ({total / packed:.0f}x its "
                          "size); bomb-like or too large (WORKBENCH_MAX_ARCHIVE_MB), rejected, nothing "
                          "was imported. Export a smaller project or raise the limit")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise ConfigError(f"{where}: cannot extract {info.filename!r} ({exc}); {_FIX}") from None
    if len(data) > info.file_size:
        raise ConfigError(f"{where}: {info.filename!r} is larger than its zip header says; the archive is "
                          f"corrupt or hostile, nothing was imported. {_FIX[0].upper()}{_FIX[1:]}")
    return data


class _Refused(Exception):
    pass


def _doctype_message(where: str, member: str) -> str:
    return (f"{where}: {member} has a DOCTYPE declaration, which REFI-QDA projects never contain; it is "
            "refused so that no entity in it is expanded. Export the project from the QDA tool as a "
            "REFI-QDA project (.qdpx) and try again")


def _parse(data: bytes, where: str, member: str) -> ET.Element:
    try:
        if _defused_fromstring is not None:
            return _defused_fromstring(data, forbid_dtd=True)
        scanner = expat.ParserCreate()

        def refuse(*_args: object) -> None:
            raise _Refused

        scanner.StartDoctypeDeclHandler = refuse
        scanner.EntityDeclHandler = refuse
        with contextlib.suppress(expat.ExpatError):  # not well-formed: ElementTree reports it below
            scanner.Parse(data, True)
        return ET.fromstring(data)
    except (DefusedXmlException, _Refused):
        raise ConfigError(_doctype_message(where, member)) from None
    except ET.ParseError as exc:
        raise ConfigError(f"{where}: {member} is not well-formed XML ({exc}); {_FIX}") from None


def _norm_guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _tag_name(tag: str) -> str:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return f"<{local}> in namespace {namespace}"
    return f"<{tag}> with no namespace"


# -- reading: the project -----------------------------------------------------------------------


@dataclass
class _Project:
    """What read_qdpx needs from project.qde and the archive, looked up by GUID."""

    where: str
    archive: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]
    origin: str
    users: dict[str, str]
    variables: dict[str, str]
    notes: dict[str, tuple[str, str | None]]
    codes: dict[str, str]
    settings: Settings
    skipped: list[Skipped] = field(default_factory=list)

    def user(self, *guids: str | None) -> str | None:
        for guid in guids:
            name = self.users.get(_norm_guid(guid))
            if name:
                return name
        return None

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, f"{item}: {reason}"))

    def member(self, path: str) -> zipfile.ZipInfo | None:
        """The archive member an ``internal://`` path names (in sources/ or, as NVivo writes, Sources/)."""
        if not path.startswith(_INTERNAL):
            return None
        return self.members.get(f"sources/{path[len(_INTERNAL):].lstrip('/')}".lower())

    def member_text(self, path: str, item: str) -> str | None:
        """The text of an ``internal://`` source file, or None (and a skip) when it cannot be used."""
        if not path.startswith(_INTERNAL):
            self.skip(item, f"its text is in a file outside the project ({path}); only sources inside "
                            "the .qdpx are read: export the project with its sources embedded")
            return None
        info = self.member(path)
        if info is None:
            self.skip(item, f"its text file sources/{path[len(_INTERNAL):].lstrip('/')} is not in the "
                            "archive")
            return None
        if info.file_size > self.settings.max_file_bytes:
            self.skip(item, f"{info.file_size / 1e6:.1f} MB is over the {self.settings.max_file_mb:g} MB "
                            "limit (WORKBENCH_MAX_FILE_MB); split the source or raise the limit")
            return None
        try:
            return decode(_read_member(self.archive, info, self.where), item)
        except UnreadableDocument as exc:
            self.skip(item, str(exc).removeprefix(f"{item}: "))
            return None

    def note_text(self, note: ET.Element) -> str:
        """A note's text: its PlainTextContent, its internal text file, else its Description."""
        content = note.find(_q("PlainTextContent"))
        if content is not None:
            return content.text or ""
        info = self.member(note.get("plainTextPath") or "")
        if info is not None and info.file_size <= self.settings.max_file_bytes:
            with contextlib.suppress(UnreadableDocument):
                return decode(_read_member(self.archive, info, self.where), info.filename)
        description = note.find(_q("Description"))
        return "" if description is None else description.text or ""


def _codebook(root: ET.Element, where: str, name: str) -> tuple[Codebook | None, dict[str, str]]:
    """The project's codebook, read by codebook_from_qdc (ids recovered), and code GUID -> theme id."""
    element = root.find(_q("CodeBook"))
    if element is None or element.find(f"{_q('Codes')}/{_q('Code')}") is None:
        return None, {}
    guids: list[str] = []

    def walk(parent: ET.Element) -> None:
        for code in parent.findall(_q("Code")):
            guids.append(_norm_guid(code.get("guid")))
            walk(code)

    walk(element.find(_q("Codes")))
    qdc_root = ET.Element(f"{{{QDC_NAMESPACE}}}CodeBook")
    if root.get("origin"):
        qdc_root.set("origin", root.get("origin", ""))
    qdc_root.extend(copy.deepcopy(child) for child in element)
    for node in qdc_root.iter():
        if node.tag.startswith(f"{{{PROJECT_NAMESPACE}}}"):
            node.tag = f"{{{QDC_NAMESPACE}}}{node.tag.split('}', 1)[1]}"
    try:
        codebook = codebook_from_qdc(ET.tostring(qdc_root, encoding="utf-8"), name=name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: the project's codebook: {exc}") from None
    return codebook, {guid: theme.id for guid, theme in zip(guids, codebook.themes, strict=True)}


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "IntegerValue": int, "FloatValue": float, "BooleanValue": lambda text: text in ("true", "1")}


def _variable_value(element: ET.Element, variables: dict[str, str]) -> tuple[str, object] | None:
    """(variable name, value) of a <VariableValue>; Text, Date and DateTime values stay text."""
    reference = element.find(_q("VariableRef"))
    name = variables.get(_norm_guid(None if reference is None else reference.get("targetGUID")))
    value = next((child for child in element if child is not reference), None)
    if name is None or value is None:
        return None
    text = value.text or ""
    convert = _CONVERTERS.get(value.tag.split("}", 1)[-1])
    try:
        return name, convert(text.strip()) if convert else text
    except ValueError:
        return name, text


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


@dataclass
class _Importer:
    store: Store
    project: _Project
    ingestor: Ingestor
    actor: str
    positions: str
    counts: dict[str, int] = field(default_factory=lambda: {"documents": 0, "existing_documents": 0,
                                                            "codings": 0, "memos": 0})

    def source(self, element: ET.Element, name: str) -> None:
        """One TextSource (or a PDF's text representation): its document, memos and codings."""
        project = self.project
        content = element.find(_q("PlainTextContent"))
        if content is not None:
            raw: str | None = content.text or ""
        else:
            raw = project.member_text(element.get("plainTextPath") or "", name)
        if raw is None:
            return
        if "ATLAS" in project.origin.upper():  # ATLAS.ti counts a CRLF line end as one character
            raw = raw.replace("\r\n", "\n")
        metadata: dict[str, object] = {}
        for holder in element.findall(_q("VariableValue")):
            found = _variable_value(holder, project.variables)
            if found is not None:
                metadata[found[0]] = found[1]
        document = SourceDocument(source_name=name, text=raw, metadata=metadata)
        if not document.text.strip():
            project.skip(name, "no text")
            return
        document_id = self._document(document, name)
        if document_id is None:
            return
        _, to_canonical = _canonical_map(raw)
        to_codepoints = _Utf16(raw).to_codepoints if self.positions == "utf16" else (lambda i: i)
        with self.store.session() as session:
            stored = get_document(session, document_id)
            redacted = Redaction.stored(stored.redactions)
            stored_length = len(stored.text)

        def convert(start: int, end: int) -> tuple[int, int]:
            """Project positions -> canonical text as read -> stored (redacted) text."""
            return redacted.map_span(to_canonical(to_codepoints(start)), to_canonical(to_codepoints(end)))

        self._memos(element, document_id)
        existing = {(c.start, c.end, c.theme_id, c.coder)
                    for c in list_codings(self.store, document_id=document_id, status="confirmed")}
        limit = utf16_offset(raw, len(raw)) if self.positions == "utf16" else len(raw)
        for selection in element.findall(_q("PlainTextSelection")):
            start, end = _int(selection.get("startPosition")), _int(selection.get("endPosition"))
            label = f"{name} selection {selection.get('guid', '?')}"
            if start is None or end is None:
                project.skip(label, "its startPosition or endPosition is not a whole number")
                continue
            if not 0 <= start < end <= limit:
                hint = "" if self.positions == "utf16" else (
                    "; if the tool counts UTF-16 code units, import with positions='utf16'")
                project.skip(label, f"positions {start}-{end} are outside its text (0-{limit}){hint}")
                continue
            description = selection.find(_q("Description"))
            memo = [description.text or ""] if description is not None else []
            memo = [self.ingestor.redact_note(m) for m in memo + self._referenced_notes(selection)]
            for coding in selection.findall(_q("Coding")):
                self._coding(coding, selection, document_id, convert(start, end),
                             "\n\n".join(m.strip() for m in memo if m.strip()), label, existing)
        for coding in element.findall(_q("Coding")):  # the whole source coded
            self._coding(coding, element, document_id, (0, stored_length), "", f"{name} (whole source)",
                         existing)

    def _document(self, document: SourceDocument, name: str) -> int | None:
        with self.store.session() as session:
            existing = find_by_sha256(session, document.sha256)
            if existing is not None:
                self.counts["existing_documents"] += 1
                return existing.id
        from workbench.corpus.ingest import IngestReport

        report = IngestReport()
        document_id = self.ingestor.add(document, report)
        self.project.skipped.extend(report.skipped)
        if document_id is not None:
            self.counts["documents"] += 1
        return document_id

    def _referenced_notes(self, element: ET.Element) -> list[str]:
        return [self.project.notes[guid][0] for ref in element.findall(_q("NoteRef"))
                if (guid := _norm_guid(ref.get("targetGUID"))) in self.project.notes]

    def _memos(self, element: ET.Element, document_id: int) -> None:
        have = {(author, text) for author, text, _ in document_memos(self.store, document_id)}
        for ref in element.findall(_q("NoteRef")):
            note = self.project.notes.get(_norm_guid(ref.get("targetGUID")))
            if note is None or not note[0].strip():
                continue
            author = self.project.user(note[1]) or self.actor
            text = self.ingestor.redact_note(note[0])
            if (author, text) not in have:
                memo_document(self.store, document_id, text, author)
                have.add((author, text))
                self.counts["memos"] += 1

    def _coding(self, coding: ET.Element, holder: ET.Element, document_id: int, span: tuple[int, int],
                memo: str, label: str, existing: set[tuple[int, int, str, str]]) -> None:
        reference = coding.find(_q("CodeRef"))
        code = _norm_guid(None if reference is None else reference.get("targetGUID"))
        theme_id = self.project.codes.get(code)
        if theme_id is None:
            self.project.skip(label, f"its coding refers to code {code or '(none)'}, which is not in the "
                                     "project's codebook")
            return
        coder = self.project.user(coding.get("creatingUser"), holder.get("creatingUser")) or self.actor
        key = (*span, theme_id, coder)
        if key in existing:
            return
        try:
            code_span(self.store, document_id, span[0], span[1], theme_id, coder, memo=memo)
        except WorkbenchError as exc:
            self.project.skip(label, str(exc))
            return
        existing.add(key)
        self.counts["codings"] += 1


def read_qdpx(store: Store, path_or_file: str | Path | BinaryIO | bytes, actor: str,
              positions: Positions | None = None, settings: Settings | None = None,
              segmenter: Segmenter | None = None) -> dict[str, object]:
    """Import a REFI-QDA project: its text sources, codebook, codings (confirmed) and memos.

    Documents already in the store (same canonical text) are reused and codings already there are not
    added again, so importing the same project twice changes nothing. ``positions`` overrides the
    count the project records (projects from other tools are read as code points). Returns counts of
    documents added, existing documents reused, themes, codings and memos, and what was skipped.
    """
    from workbench.corpus.ingest import Ingestor

    _check_positions(positions, allow_none=True)
    settings = settings or load_settings()
    if isinstance(path_or_file, str | Path):
        where = str(path_or_file)
    else:
        where = str(getattr(path_or_file, "name", "") or "the .qdpx file")
    archive, infos = _checked_zip(path_or_file, where, settings)
    with archive:
        members = {info.filename.replace("\\", "/").lower(): info for info in infos}
        candidates = [i for i in infos
                      if "/" not in i.filename.strip("/") and i.filename.lower().endswith(".qde")]
        candidates.sort(key=lambda i: i.filename.lower() != "project.qde")
        if not candidates:
            raise ConfigError(f"{where}: {_NOT_QDPX}: the archive holds no project.qde; {_FIX}")
        member = candidates[0].filename
        root = _parse(_read_member(archive, candidates[0], where), where, member)
        if root.tag != _q("Project"):
            fix = _FIX
            if root.tag == f"{{{QDC_NAMESPACE}}}CodeBook":
                fix = "this is a REFI-QDA codebook: import it as a codebook (.qdc) instead"
            raise ConfigError(f"{where}: {member} has root element {_tag_name(root.tag)}, expected <Project> "
                              f"in namespace {PROJECT_NAMESPACE}; {fix}")
        description = root.find(_q("Description"))
        marked = _POSITIONS_MARK.search("" if description is None else description.text or "")
        positions = positions or (marked.group(1) if marked else "codepoints")
        name = root.get("name") or Path(where).stem or "Imported project"
        codebook, codes = _codebook(root, where, name)
        users = {_norm_guid(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
                 for u in root.iterfind(f"{_q('Users')}/{_q('User')}")}
        variables = {_norm_guid(v.get("guid")): v.get("name", "").strip()
                     for v in root.iterfind(f"{_q('Variables')}/{_q('Variable')}")
                     if v.get("name", "").strip()}
        project = _Project(where=where, archive=archive, members=members, origin=root.get("origin") or "",
                           users=users, variables=variables, notes={}, codes=codes, settings=settings)
        project.notes = {_norm_guid(n.get("guid")): (project.note_text(n), n.get("creatingUser"))
                         for n in root.iterfind(f"{_q('Notes')}/{_q('Note')}")}
        themes = {"added": 0, "updated": 0}
        if codebook is not None:
            themes = import_codebook(store, codebook, actor=actor)
        importer = _Importer(store, project, Ingestor(store, settings, actor=actor, segmenter=segmenter),
                             actor, positions)
        for element in _sources(root, project):
            importer.source(*element)
    return {**importer.counts, "themes": 0 if codebook is None else len(codebook.themes),
            "themes_added": themes["added"], "themes_updated": themes["updated"],
            "skipped": [s.as_dict() for s in project.skipped]}


def _sources(root: ET.Element, project: _Project) -> Iterable[tuple[ET.Element, str]]:
    """(text element, name) for each source with a plain text; other kinds are reported as skipped."""
    sources = root.find(_q("Sources"))
    for number, element in enumerate([] if sources is None else list(sources), start=1):
        kind = element.tag.split("}", 1)[-1]
        name = (element.get("name") or "").strip() or f"source {number}"
        if kind == "TextSource":
            yield element, name
        elif kind == "PDFSource" and element.find(_q("Representation")) is not None:
            yield element.find(_q("Representation")), name
        else:
            project.skip(name, f"a {kind} without a plain text representation; only text is imported")


__all__ = ["DEFAULT_NAME", "PROJECT_NAMESPACE", "codepoint_offset", "read_qdpx", "source_guid",
           "user_guid", "utf16_offset", "variable_guid", "write_qdpx"]
