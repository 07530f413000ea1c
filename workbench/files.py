"""Writing files so that a reader never sees half of one: a temporary file beside the target, renamed."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, NoReturn, TextIO, overload

OSErrorHandler = Callable[[OSError], BaseException]


@overload
def atomic_write(path: str | os.PathLike[str], mode: Literal["wb"] = "wb", *, fsync: bool = True,
                 permissions: int = 0o666, encoding: str = "utf-8",
                 on_error: OSErrorHandler | None = None) -> AbstractContextManager[BinaryIO]: ...


@overload
def atomic_write(path: str | os.PathLike[str], mode: Literal["w"], *, fsync: bool = True,
                 permissions: int = 0o666, encoding: str = "utf-8",
                 on_error: OSErrorHandler | None = None) -> AbstractContextManager[TextIO]: ...


def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *, fsync: bool = True,
                 permissions: int = 0o666, encoding: str = "utf-8",
                 on_error: OSErrorHandler | None = None) -> AbstractContextManager[IO[Any]]:
    """A file object on a new temporary file in ``path``'s folder, renamed onto ``path`` on success.

    The temporary file is in the same folder, so the rename is atomic; it is flushed (and
    fsync'd when ``fsync``) before the rename and removed when the block raises, leaving an
    earlier file at ``path`` as it was. ``mode`` is "wb" or "w" (text in ``encoding``); the file
    is created with ``permissions`` less the umask. ``on_error`` turns an OSError from creating
    or renaming the temporary file (not one raised inside the block) into the exception raised.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write mode must be 'wb' or 'w', not {mode!r}")
    return _atomic_write(Path(path), mode, fsync, permissions, encoding, on_error)


def _raise(exc: OSError, on_error: OSErrorHandler | None) -> NoReturn:
    if on_error is None:
        raise exc
    raise on_error(exc) from exc


@contextlib.contextmanager
def _atomic_write(target: Path, mode: str, fsync: bool, permissions: int, encoding: str,
                  on_error: OSErrorHandler | None) -> Iterator[IO[Any]]:
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, permissions)
    except OSError as exc:
        _raise(exc, on_error)
    try:
        opened: IO[Any] = (os.fdopen(descriptor, "wb") if mode == "wb"
                           else os.fdopen(descriptor, "w", encoding=encoding))
        with opened as handle:
            yield handle
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        try:
            os.replace(temporary, target)
        except OSError as exc:
            _raise(exc, on_error)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


__all__ = ["atomic_write"]
