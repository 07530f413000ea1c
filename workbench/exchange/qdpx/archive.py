"""The archive of a REFI-QDA project, refused whole when it is unsafe (path traversal, links,
bomb-like expansion, as workbench.corpus.archive refuses ingest zips), and its members read."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import BinaryIO

from workbench.config import Settings
from workbench.corpus.archive import unsafe_member_name
from workbench.errors import BadInput
from workbench.exchange.qdpx.common import FIX, NOT_QDPX


def checked_zip(source: str | Path | BinaryIO | bytes, where: str,
                 settings: Settings) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive, refused whole when it is unsafe (as workbench.corpus.archive refuses ingest zips)."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(bytes(source))
    try:
        archive = zipfile.ZipFile(source)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except OSError as exc:
        raise BadInput(f"{where}: cannot read ({exc.strerror or exc}); check the path") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise BadInput(f"{where}: {NOT_QDPX}: not a zip archive ({exc}); {FIX}") from None
    try:
        _check_members(infos, where, settings)
    except BadInput:
        archive.close()
        raise
    return archive, infos


def _check_members(infos: list[zipfile.ZipInfo], where: str, settings: Settings) -> None:
    """Refuse too many members, unsafe paths, links and bomb-like or too large expansion."""
    if len(infos) > settings.max_archive_members:
        raise BadInput(f"{where}: {len(infos)} files in the archive, more than the limit of "
                          f"{settings.max_archive_members} (WORKBENCH_MAX_ARCHIVE_MEMBERS); nothing was "
                          "imported. Raise the limit or export a smaller project")
    limit = settings.max_compression_ratio
    for info in infos:
        if unsafe_member_name(info.filename):
            raise BadInput(f"{where}: unsafe path {info.filename!r} in the archive (path traversal); "
                              f"nothing was imported. A .qdpx holds only project.qde and sources/: {FIX}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BadInput(f"{where}: the archive holds a symbolic link {info.filename!r}; nothing was "
                              f"imported. A .qdpx holds only project.qde and sources/: {FIX}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limit:
            raise BadInput(f"{where}: {info.filename!r} expands {ratio:.0f}x (limit {limit:.0f}x, "
                              "WORKBENCH_MAX_COMPRESSION_RATIO); bomb-like archive rejected, nothing was "
                              f"imported. {FIX[0].upper()}{FIX[1:]}")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > settings.max_archive_mb * 1024 * 1024 or (total > 1024 * 1024 and total / packed > limit):
        raise BadInput(f"{where}: the archive expands to {total / 1e6:.1f} MB ({total / packed:.0f}x its "
                          "size); bomb-like or too large (WORKBENCH_MAX_ARCHIVE_MB), rejected, nothing "
                          "was imported. Export a smaller project or raise the limit")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise BadInput(f"{where}: cannot extract {info.filename!r} ({exc}); {FIX}") from None
    if len(data) > info.file_size:
        raise BadInput(f"{where}: {info.filename!r} is larger than its zip header says; the archive is "
                          f"corrupt or hostile, nothing was imported. {FIX[0].upper()}{FIX[1:]}")
    return data
