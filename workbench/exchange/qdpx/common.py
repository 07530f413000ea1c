"""What the REFI-QDA project writer and reader share: the namespace, GUIDs, the position count
recorded in a project, and the words of their errors."""

from __future__ import annotations

import re
import uuid
from typing import Literal

from workbench.errors import BadInput
from workbench.exchange.qdc import GUID_NAMESPACE

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
DEFAULT_NAME = "Safeguarding Themes Workbench export"
Positions = Literal["codepoints", "utf16"]
POSITIONS: tuple[str, ...] = ("codepoints", "utf16")

POSITIONS_NOTE = {
    "codepoints": "Selection positions count Unicode code points of the plain text (positions=codepoints).",
    "utf16": "Selection positions count UTF-16 code units of the plain text (positions=utf16).",
}
POSITIONS_MARK = re.compile(r"\(positions=(codepoints|utf16)\)")
FIX = "export the project from the QDA tool as a REFI-QDA project (.qdpx) and try again"
NOT_QDPX = "not a REFI-QDA project (.qdpx)"
INTERNAL = "internal://"


def q(tag: str) -> str:
    """``tag`` in the project namespace, as ElementTree names it."""
    return f"{{{PROJECT_NAMESPACE}}}{tag}"


def make_guid(kind: str, *parts: object) -> str:
    """A GUID that is the same for the same kind and parts in every export."""
    # Theme GUIDs are uuid5 of the bare theme id, which never holds a colon, so these never collide.
    return str(uuid.uuid5(GUID_NAMESPACE, ":".join([kind, *(str(p) for p in parts)])))


def user_guid(name: str) -> str:
    """The user GUID of a coder: the same for the same name in every export."""
    return make_guid("user", name)


def variable_guid(name: str) -> str:
    """The GUID of the variable for a metadata key."""
    return make_guid("variable", name)


def source_guid(sha256: str) -> str:
    """The GUID of a document's source, made from the sha256 of its stored (redacted) text."""
    return make_guid("source", sha256)


def check_positions(positions: str | None, allow_none: bool = False) -> None:
    """Refuse a position count other than "codepoints" or "utf16" (or None, when allowed)."""
    if positions is None and allow_none:
        return
    if positions not in POSITIONS:
        raise BadInput(f"positions must be 'codepoints' or 'utf16', not {positions!r}; use 'utf16' "
                          "only for a tool that counts UTF-16 code units")


def norm_guid(value: str | None) -> str:
    """A GUID as compared: no braces or spaces, lower case."""
    return (value or "").strip().strip("{}").lower()


def tag_name(tag: str) -> str:
    """An element tag for an error message: "<Project> in namespace ..."."""
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return f"<{local}> in namespace {namespace}"
    return f"<{tag}> with no namespace"
