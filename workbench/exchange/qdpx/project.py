"""A REFI-QDA project as read: its archive, users, variables, notes and codes looked up by GUID, its
codebook, and its text sources."""

from __future__ import annotations

import contextlib
import copy
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workbench.coding.codebook import Codebook
from workbench.config import Settings
from workbench.corpus.document import Skipped
from workbench.corpus.text import decode
from workbench.errors import BadInput, UnreadableDocument
from workbench.exchange.qdc import QDC_NAMESPACE, codebook_from_qdc
from workbench.exchange.qdpx.archive import read_member
from workbench.exchange.qdpx.common import INTERNAL, PROJECT_NAMESPACE, norm_guid, q


@dataclass
class Project:
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
            name = self.users.get(norm_guid(guid))
            if name:
                return name
        return None

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, f"{item}: {reason}"))

    def member(self, path: str) -> zipfile.ZipInfo | None:
        """The archive member an ``internal://`` path names (in sources/ or, as NVivo writes, Sources/)."""
        if not path.startswith(INTERNAL):
            return None
        return self.members.get(f"sources/{path[len(INTERNAL):].lstrip('/')}".lower())

    def member_text(self, path: str, item: str) -> str | None:
        """The text of an ``internal://`` source file, or None (and a skip) when it cannot be used."""
        if not path.startswith(INTERNAL):
            self.skip(item, f"its text is in a file outside the project ({path}); only sources inside "
                            "the .qdpx are read: export the project with its sources embedded")
            return None
        info = self.member(path)
        if info is None:
            self.skip(item, f"its text file sources/{path[len(INTERNAL):].lstrip('/')} is not in the "
                            "archive")
            return None
        if info.file_size > self.settings.max_file_bytes:
            self.skip(item, f"{info.file_size / 1e6:.1f} MB is over the {self.settings.max_file_mb:g} MB "
                            "limit (WORKBENCH_MAX_FILE_MB); split the source or raise the limit")
            return None
        try:
            return decode(read_member(self.archive, info, self.where), item)
        except UnreadableDocument as exc:
            self.skip(item, str(exc).removeprefix(f"{item}: "))
            return None

    def note_text(self, note: ET.Element) -> str:
        """A note's text: its PlainTextContent, its internal text file, else its Description."""
        content = note.find(q("PlainTextContent"))
        if content is not None:
            return content.text or ""
        info = self.member(note.get("plainTextPath") or "")
        if info is not None and info.file_size <= self.settings.max_file_bytes:
            with contextlib.suppress(UnreadableDocument):
                return decode(read_member(self.archive, info, self.where), info.filename)
        description = note.find(q("Description"))
        return "" if description is None else description.text or ""


def project_codebook(root: ET.Element, where: str, name: str) -> tuple[Codebook | None, dict[str, str]]:
    """The project's codebook, read by codebook_from_qdc (ids recovered), and code GUID -> theme id."""
    element = root.find(q("CodeBook"))
    if element is None or element.find(f"{q('Codes')}/{q('Code')}") is None:
        return None, {}
    guids: list[str] = []

    def walk(parent: ET.Element) -> None:
        for code in parent.findall(q("Code")):
            guids.append(norm_guid(code.get("guid")))
            walk(code)

    codes = element.find(q("Codes"))
    if codes is not None:  # it is: the check above found a code in it
        walk(codes)
    qdc_root = ET.Element(f"{{{QDC_NAMESPACE}}}CodeBook")
    if root.get("origin"):
        qdc_root.set("origin", root.get("origin", ""))
    qdc_root.extend(copy.deepcopy(child) for child in element)
    for node in qdc_root.iter():
        if node.tag.startswith(f"{{{PROJECT_NAMESPACE}}}"):
            node.tag = f"{{{QDC_NAMESPACE}}}{node.tag.split('}', 1)[1]}"
    try:
        codebook = codebook_from_qdc(ET.tostring(qdc_root, encoding="utf-8"), name=name)
    except BadInput as exc:
        raise BadInput(f"{where}: the project's codebook: {exc}") from None
    return codebook, {guid: theme.id for guid, theme in zip(guids, codebook.themes, strict=True)}


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "IntegerValue": int, "FloatValue": float, "BooleanValue": lambda text: text in ("true", "1")}


def variable_value(element: ET.Element, variables: dict[str, str]) -> tuple[str, object] | None:
    """(variable name, value) of a <VariableValue>; Text, Date and DateTime values stay text."""
    reference = element.find(q("VariableRef"))
    name = variables.get(norm_guid(None if reference is None else reference.get("targetGUID")))
    value = next((child for child in element if child is not reference), None)
    if name is None or value is None:
        return None
    text = value.text or ""
    convert = _CONVERTERS.get(value.tag.split("}", 1)[-1])
    try:
        return name, convert(text.strip()) if convert else text
    except ValueError:
        return name, text


def text_sources(root: ET.Element, project: Project) -> Iterable[tuple[ET.Element, str]]:
    """(text element, name) for each source with a plain text; other kinds are reported as skipped."""
    sources = root.find(q("Sources"))
    for number, element in enumerate([] if sources is None else list(sources), start=1):
        kind = element.tag.split("}", 1)[-1]
        name = (element.get("name") or "").strip() or f"source {number}"
        if kind == "TextSource":
            yield element, name
        elif kind == "PDFSource" and (representation := element.find(q("Representation"))) is not None:
            yield representation, name
        else:
            project.skip(name, f"a {kind} without a plain text representation; only text is imported")
