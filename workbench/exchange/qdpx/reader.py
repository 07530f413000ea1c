"""Reading a REFI-QDA project (``.qdpx``) into the store: :func:`read_qdpx`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from workbench.coding.themes import import_codebook
from workbench.config import Settings, load_settings
from workbench.errors import BadInput
from workbench.exchange.qdc import QDC_NAMESPACE
from workbench.exchange.qdpx.archive import checked_zip, read_member
from workbench.exchange.qdpx.common import (
    FIX,
    NOT_QDPX,
    POSITIONS_MARK,
    PROJECT_NAMESPACE,
    Positions,
    check_positions,
    norm_guid,
    q,
    tag_name,
)
from workbench.exchange.qdpx.importer import Importer
from workbench.exchange.qdpx.project import Project, project_codebook, text_sources
from workbench.exchange.safexml import DeclarationRefused, parse_untrusted
from workbench.store import Store

if TYPE_CHECKING:  # the ingest modules load spaCy: imported only when a project is read
    from workbench.corpus.segment import Segmenter


def _doctype_message(where: str, member: str) -> str:
    return (f"{where}: {member} has a DOCTYPE declaration, which REFI-QDA projects never contain; it is "
            "refused so that no entity in it is expanded. Export the project from the QDA tool as a "
            "REFI-QDA project (.qdpx) and try again")


def _parse(data: bytes, where: str, member: str) -> ET.Element:
    try:
        return parse_untrusted(data)
    except DeclarationRefused:
        raise BadInput(_doctype_message(where, member)) from None
    except ET.ParseError as exc:
        raise BadInput(f"{where}: {member} is not well-formed XML ({exc}); {FIX}") from None


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

    check_positions(positions, allow_none=True)
    settings = settings or load_settings()
    if isinstance(path_or_file, str | Path):
        where = str(path_or_file)
    else:
        where = str(getattr(path_or_file, "name", "") or "the .qdpx file")
    archive, infos = checked_zip(path_or_file, where, settings)
    with archive:
        members = {info.filename.replace("\\", "/").lower(): info for info in infos}
        candidates = [i for i in infos
                      if "/" not in i.filename.strip("/") and i.filename.lower().endswith(".qde")]
        candidates.sort(key=lambda i: i.filename.lower() != "project.qde")
        if not candidates:
            raise BadInput(f"{where}: {NOT_QDPX}: the archive holds no project.qde; {FIX}")
        member = candidates[0].filename
        root = _parse(read_member(archive, candidates[0], where), where, member)
        if root.tag != q("Project"):
            fix = FIX
            if root.tag == f"{{{QDC_NAMESPACE}}}CodeBook":
                fix = "this is a REFI-QDA codebook: import it as a codebook (.qdc) instead"
            raise BadInput(f"{where}: {member} has root element {tag_name(root.tag)}, expected <Project> "
                              f"in namespace {PROJECT_NAMESPACE}; {fix}")
        description = root.find(q("Description"))
        marked = POSITIONS_MARK.search("" if description is None else description.text or "")
        count = positions or (marked.group(1) if marked else "codepoints")
        name = root.get("name") or Path(where).stem or "Imported project"
        codebook, codes = project_codebook(root, where, name)
        users = {norm_guid(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
                 for u in root.iterfind(f"{q('Users')}/{q('User')}")}
        variables = {norm_guid(v.get("guid")): v.get("name", "").strip()
                     for v in root.iterfind(f"{q('Variables')}/{q('Variable')}")
                     if v.get("name", "").strip()}
        project = Project(where=where, archive=archive, members=members, origin=root.get("origin") or "",
                           users=users, variables=variables, notes={}, codes=codes, settings=settings)
        project.notes = {norm_guid(n.get("guid")): (project.note_text(n), n.get("creatingUser"))
                         for n in root.iterfind(f"{q('Notes')}/{q('Note')}")}
        themes = {"added": 0, "updated": 0}
        if codebook is not None:
            themes = import_codebook(store, codebook, actor=actor)
        importer = Importer(store, project, Ingestor(store, settings, actor=actor, segmenter=segmenter),
                             actor, count)
        for element in text_sources(root, project):
            importer.source(*element)
    return {**importer.counts, "themes": 0 if codebook is None else len(codebook.themes),
            "themes_added": themes["added"], "themes_updated": themes["updated"],
            "skipped": [s.as_dict() for s in project.skipped]}
