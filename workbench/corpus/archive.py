"""Zip archives of supported files, checked for path traversal and bomb-like expansion."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable, Iterator

from workbench.corpus.document import Skipped, SourceDocument
from workbench.errors import UnreadableDocument

MemberReader = Callable[[str, bytes], Iterator[SourceDocument | Skipped]]


def unsafe_member_name(member: str) -> bool:
    """True for archive member names that escape the extraction folder."""
    parts = member.replace("\\", "/").split("/")
    return member.startswith(("/", "\\")) or ".." in parts or (len(member) > 1 and member[1] == ":")


def check_members(name: str, infos: list[zipfile.ZipInfo], max_members: int, max_total_bytes: int,
                  max_ratio: float) -> None:
    """Refuse the whole archive ``name``: too many members, unsafe paths, links, bomb-like expansion."""
    if len(infos) > max_members:
        raise UnreadableDocument(
            f"{name}: {len(infos)} files in the archive, more than the limit of {max_members} "
            "(WORKBENCH_MAX_ARCHIVE_MEMBERS); split it into smaller archives"
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    for info in infos:
        if unsafe_member_name(info.filename):
            raise UnreadableDocument(
                f"{name}: unsafe path {info.filename!r} in archive (path traversal); "
                "nothing from this archive was ingested"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnreadableDocument(
                f"{name}: archive contains a symbolic link {info.filename!r}; "
                "nothing from this archive was ingested"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > max_ratio:
            raise UnreadableDocument(
                f"{name}: {info.filename!r} expands {ratio:.0f}x (limit {max_ratio:.0f}x); "
                "bomb-like archive rejected"
            )
    if total > max_total_bytes or (total > 1024 * 1024 and total / packed > max_ratio):
        raise UnreadableDocument(
            f"{name}: archive expands to {total / 1e6:.1f} MB ({total / packed:.0f}x its size); "
            "bomb-like or too large (WORKBENCH_MAX_ARCHIVE_MB), rejected"
        )


def read_zip(
    name: str,
    data: bytes,
    read_member: MemberReader,
    max_members: int,
    max_total_bytes: int,
    max_ratio: float,
) -> Iterator[SourceDocument | Skipped]:
    """Check the whole archive first, then read each member with ``read_member``.

    An unsafe archive (path traversal, links, too many members, bomb-like expansion) is
    rejected whole: nothing from it is ingested.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise UnreadableDocument(f"{name}: corrupt zip archive ({exc})") from exc
    check_members(name, infos, max_members, max_total_bytes, max_ratio)
    for info in sorted(infos, key=lambda i: i.filename):
        member = f"{name}/{info.filename}"
        base = info.filename.rsplit("/", 1)[-1]
        if base.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue
        if base.lower().endswith(".zip"):
            yield Skipped(member, f"{member}: nested archives are not read; unpack it first")
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            yield Skipped(member, f"{member}: cannot extract ({exc})")
            continue
        if len(content) > info.file_size:
            raise UnreadableDocument(f"{name}: {info.filename!r} is larger than its header says")
        try:
            yield from read_member(member, content)
        except UnreadableDocument as exc:
            yield Skipped(member, str(exc))
