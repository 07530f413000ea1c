"""Codebook files chosen by suffix: YAML or REFI-QDA .qdc, and a clear error for anything else."""

from __future__ import annotations

import pytest

from workbench.coding.codebook import load_codebook
from workbench.coding.codebook_files import (
    codebook_from_bytes,
    codebook_to_bytes,
    load_codebook_file,
    save_codebook_file,
)
from workbench.errors import BadInput


def ids(book):
    return [(t.id, t.parent, t.codable) for t in book.themes]


@pytest.mark.parametrize("name", ["themes.yaml", "themes.YML", "themes.qdc"])
def test_round_trip_by_suffix(tmp_path, name):
    book = load_codebook()
    path = save_codebook_file(book, tmp_path / name)
    assert path.read_bytes().startswith(b"<?xml") == name.endswith(".qdc")
    assert ids(load_codebook_file(path)) == ids(book)
    assert ids(codebook_from_bytes(name, codebook_to_bytes(book, name))) == ids(book)


def test_other_suffixes_are_refused(tmp_path):
    for call in (lambda: load_codebook_file(tmp_path / "themes.txt"),
                 lambda: save_codebook_file(load_codebook(), tmp_path / "themes.json"),
                 lambda: codebook_from_bytes("themes", b"")):
        with pytest.raises(BadInput, match=r"choose a \.yaml, \.yml or \.qdc codebook file"):
            call()
    assert not (tmp_path / "themes.json").exists()


def test_an_unwritable_yaml_file_is_one_clear_error(tmp_path):
    with pytest.raises(BadInput, match="cannot write"):
        save_codebook_file(load_codebook(), tmp_path / "missing" / "themes.yaml")
