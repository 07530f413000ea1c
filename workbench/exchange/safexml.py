"""Parsing untrusted XML (REFI-QDA codebooks and projects): DTDs and entities are refused, never expanded.

defusedxml does the refusing when it is installed; without it an expat pre-scan refuses a DOCTYPE or
ENTITY declaration before ElementTree sees the data. Both :mod:`workbench.exchange.qdc` and
:mod:`workbench.exchange.qdpx` parse through :func:`parse_untrusted` and word their own errors.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from xml.parsers import expat

try:  # defusedxml refuses DTDs and entities; without it an expat pre-scan refuses them instead
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring as _defused
except ImportError:  # pragma: no cover - depends on the environment
    class DefusedXmlException(Exception):  # type: ignore[no-redef]
        """Stands in for defusedxml's exception; never raised."""

    _defused = None

# Tests set this to None to exercise the pre-scan as if defusedxml were not installed.
_defused_fromstring: Callable[..., ET.Element] | None = _defused


class DeclarationRefused(ValueError):
    """The XML holds a DOCTYPE or ENTITY declaration, refused so that no entity is expanded."""


def _refuse_declarations(data: bytes) -> None:
    """Raise DeclarationRefused at a DOCTYPE or ENTITY declaration; malformed XML is left to ElementTree."""

    def refuse(*_args: object) -> None:
        raise DeclarationRefused

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    with contextlib.suppress(expat.ExpatError):  # not well-formed: ElementTree reports it
        scanner.Parse(data, True)


def parse_untrusted(data: bytes) -> ET.Element:
    """The root element of ``data``.

    Raises DeclarationRefused for a DOCTYPE or ENTITY declaration and ``ET.ParseError`` when the
    data is not well-formed XML.
    """
    if _defused_fromstring is not None:
        try:
            return _defused_fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise DeclarationRefused from None
    _refuse_declarations(data)
    return ET.fromstring(data)


__all__ = ["DeclarationRefused", "parse_untrusted"]
