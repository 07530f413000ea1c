"""workbench.files.atomic_write: the whole file or nothing, never a temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbench.files import atomic_write


class Boom(Exception):
    pass


def test_success_writes_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with atomic_write(target) as handle:
        handle.write(b"first part, ")
        handle.write(b"second part")
        assert not target.exists()  # nothing at the target until the block ends
    assert target.read_bytes() == b"first part, second part"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_text_mode_writes_in_the_encoding(tmp_path: Path) -> None:
    target = tmp_path / "codebook.yaml"
    with atomic_write(str(target), "w") as handle:
        handle.write("name: Café\n")
    assert target.read_bytes() == "name: Café\n".encode()


def test_an_exception_leaves_no_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(Boom), atomic_write(target) as handle:
        handle.write(b"half")
        raise Boom
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(Boom), atomic_write(target) as handle:
        handle.write(b"new")
        raise Boom
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    with atomic_write(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_os_errors_creating_or_renaming_go_through_on_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "out.bin"
    with pytest.raises(FileNotFoundError):
        atomic_write(missing).__enter__()
    with pytest.raises(ValueError, match="cannot write") as caught, atomic_write(
            missing, on_error=lambda exc: ValueError(f"cannot write ({exc.strerror})")):
        pass
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    folder = tmp_path / "folder"
    folder.mkdir()  # a folder in the way: the rename fails, and the temporary file goes
    with pytest.raises(ValueError, match="cannot write"), atomic_write(
            folder, on_error=lambda exc: ValueError("cannot write")) as handle:
        handle.write(b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    assert list(folder.iterdir()) == []


def test_errors_inside_the_block_are_not_translated(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="disk full"), atomic_write(
            tmp_path / "out.bin", on_error=lambda exc: ValueError("translated")):
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_permissions(tmp_path: Path) -> None:
    private = tmp_path / "secret.bin"
    with atomic_write(private, permissions=0o600, fsync=False) as handle:
        handle.write(b"key")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "shared.bin") as handle:
            handle.write(b"export")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "shared.bin").stat().st_mode) == 0o644


def test_a_bad_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'wb' or 'w'"):
        atomic_write(tmp_path / "x", "ab")  # type: ignore[call-overload]
