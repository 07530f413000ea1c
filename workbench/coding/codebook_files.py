"""Codebook files by type: YAML (``.yaml``, ``.yml``) or REFI-QDA (``.qdc``), chosen by suffix.

The one place that decides how a codebook file is read or written, for the command line and
the app alike.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from workbench.coding.codebook import Codebook, load_codebook, save_codebook
from workbench.errors import BadInput

YAML_SUFFIXES = (".yaml", ".yml")
QDC_SUFFIX = ".qdc"
SUFFIXES = (*YAML_SUFFIXES, QDC_SUFFIX)


def _kind(name: str | Path) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix == QDC_SUFFIX:
        return "qdc"
    raise BadInput(f"{name}: choose a .yaml, .yml or .qdc codebook file")


def load_codebook_file(path: str | Path) -> Codebook:
    """Read a YAML or ``.qdc`` codebook; any other suffix is refused with a clear error."""
    from workbench.exchange.qdc import load_qdc

    return load_qdc(path) if _kind(path) == "qdc" else load_codebook(path)


def save_codebook_file(codebook: Codebook, path: str | Path) -> Path:
    """Write a codebook as YAML or ``.qdc``, by the suffix of ``path``; returns the path."""
    from workbench.exchange.qdc import save_qdc

    path = Path(path)
    if _kind(path) == "qdc":
        return save_qdc(codebook, path)
    try:
        save_codebook(codebook, path)
    except OSError as exc:
        raise BadInput(f"codebook {path}: cannot write ({exc.strerror})") from exc
    return path


def codebook_from_bytes(name: str, data: bytes) -> Codebook:
    """Read an uploaded codebook file called ``name`` (its suffix decides the type)."""
    from workbench.exchange.qdc import codebook_from_qdc

    if _kind(name) == "qdc":
        return codebook_from_qdc(data, name=Path(name).stem)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        return load_codebook(path)


def codebook_to_bytes(codebook: Codebook, name: str) -> bytes:
    """The file ``name`` would hold (YAML or ``.qdc``, by its suffix), for a download."""
    with tempfile.TemporaryDirectory() as folder:
        return save_codebook_file(codebook, Path(folder) / Path(name).name).read_bytes()
