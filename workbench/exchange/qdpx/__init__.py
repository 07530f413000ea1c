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

from workbench.exchange.qdpx.common import (
    DEFAULT_NAME,
    POSITIONS,
    PROJECT_NAMESPACE,
    Positions,
    source_guid,
    user_guid,
    variable_guid,
)
from workbench.exchange.qdpx.offsets import codepoint_offset, utf16_offset
from workbench.exchange.qdpx.reader import read_qdpx
from workbench.exchange.qdpx.writer import write_qdpx

__all__ = ["DEFAULT_NAME", "POSITIONS", "PROJECT_NAMESPACE", "Positions", "codepoint_offset", "read_qdpx",
           "source_guid", "user_guid", "utf16_offset", "variable_guid", "write_qdpx"]
