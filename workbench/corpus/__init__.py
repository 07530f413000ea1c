"""Reading review documents from files: one reader per format, all returning SourceDocument."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from workbench.config import Settings
from workbench.corpus.archive import read_zip
from workbench.corpus.document import Skipped, SourceDocument
from workbench.corpus.manifest import Manifest, load_manifest, metadata_for
from workbench.corpus.pdf import read_pdf
from workbench.corpus.plain import read_plain
from workbench.corpus.tabular import read_csv, read_jsonl, read_xlsx
from workbench.corpus.word import read_docx
from workbench.errors import UnreadableDocument

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".csv", ".xlsx", ".jsonl", ".zip")

__all__ = [
    "SUPPORTED",
    "Manifest",
    "Skipped",
    "SourceDocument",
    "collect_files",
    "load_manifest",
    "metadata_for",
    "read_bytes",
    "read_file",
]


def read_bytes(name: str, data: bytes, settings: Settings) -> Iterator[SourceDocument | Skipped]:
    """Documents (and skipped rows or members) in ``data``, read by the format of ``name``.

    Raises UnreadableDocument when the file as a whole cannot be used.
    """
    suffix = Path(name.lower()).suffix
    if len(data) > settings.max_file_bytes:
        raise UnreadableDocument(
            f"{name}: {len(data) / 1e6:.1f} MB is over the {settings.max_file_mb:g} MB limit "
            "(WORKBENCH_MAX_FILE_MB); split the file or raise the limit"
        )
    if not data.strip():
        raise UnreadableDocument(f"{name}: empty file")
    columns = (settings.text_columns, settings.title_columns)
    if suffix in (".txt", ".md"):
        return read_plain(name, data)
    if suffix == ".docx":
        return read_docx(name, data)
    if suffix == ".pdf":
        return read_pdf(name, data)
    if suffix == ".csv":
        return read_csv(name, data, *columns)
    if suffix == ".xlsx":
        return read_xlsx(name, data, *columns)
    if suffix == ".jsonl":
        return read_jsonl(name, data, *columns)
    if suffix == ".zip":
        member_reader = partial(_read_member, settings=settings)
        return read_zip(
            name, data, member_reader, settings.max_archive_members,
            int(settings.max_archive_mb * 1024 * 1024), settings.max_compression_ratio,
        )
    raise UnreadableDocument(
        f"{name}: unsupported file type {suffix or '(no extension)'}; "
        f"supported: {', '.join(SUPPORTED)}"
    )


def _read_member(name: str, data: bytes, settings: Settings) -> Iterator[SourceDocument | Skipped]:
    yield from read_bytes(name, data, settings)


def read_file(path: Path, name: str, settings: Settings) -> Iterator[SourceDocument | Skipped]:
    """Read one file from disk; whole-file problems come back as a single Skipped."""
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise UnreadableDocument(
                f"{name}: {size / 1e6:.1f} MB is over the {settings.max_file_mb:g} MB limit "
                "(WORKBENCH_MAX_FILE_MB); split the file or raise the limit"
            )
        data = path.read_bytes()
        yield from read_bytes(name, data, settings)
    except UnreadableDocument as exc:
        yield Skipped(name, str(exc))
    except OSError as exc:
        yield Skipped(name, f"{name}: cannot read ({exc.strerror})")


def collect_files(
    paths: Iterable[str | Path], ignore: Iterable[str]
) -> tuple[list[tuple[Path, str]], list[Skipped]]:
    """Expand files and folders into (path, display name) pairs, sorted within each folder.

    Files in folders whose names match an ``ignore`` pattern are left out silently; paths
    that do not exist come back as Skipped.
    """
    patterns = list(ignore)
    found: list[tuple[Path, str]] = []
    missing: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                if any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in patterns):
                    continue
                found.append((child, rel.as_posix()))
        elif path.is_file():
            found.append((path, path.name))
        else:
            missing.append(Skipped(str(path), f"{path}: no such file or folder"))
    return found, missing
