"""Metadata manifests: a CSV or YAML file mapping file names to metadata.

CSV: a ``file`` column plus any others (review_type, year, region, child_age_band,
harm_type, ...). YAML: a mapping ``file name -> {field: value}`` or a list of mappings each
with a ``file`` key. Unknown columns are kept. A ``title`` column sets the document title.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from workbench.corpus.tabular import json_value
from workbench.corpus.text import decode
from workbench.errors import UnreadableDocument

Manifest = dict[str, dict[str, object]]


def load_manifest(path: str | Path) -> Manifest:
    """Read a manifest; keys are file names as written in it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"manifest {path}: cannot read ({exc.strerror})") from exc
    text = decode(data, f"manifest {path}")
    if path.suffix.lower() in {".yaml", ".yml"}:
        return _from_yaml(path, text)
    if path.suffix.lower() == ".csv":
        return _from_csv(path, text)
    raise UnreadableDocument(f"manifest {path}: use a .csv or .yaml file")


def _from_csv(path: Path, text: str) -> Manifest:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "file" not in fields:
        raise UnreadableDocument(
            f"manifest {path}: no 'file' column (found {', '.join(fields) or 'none'}); "
            "add a column named file with each document's file name"
        )
    out: Manifest = {}
    for row in reader:
        row = {(k or "").strip().lower(): v for k, v in row.items()}
        name = (row.pop("file") or "").strip()
        if name:
            out[name] = {k: json_value(v) for k, v in row.items() if k and v not in (None, "")}
    return out


def _from_yaml(path: Path, text: str) -> Manifest:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UnreadableDocument(f"manifest {path}: not valid YAML ({exc})") from exc
    if isinstance(data, dict):
        items = [{"file": k, **(v or {})} for k, v in data.items()]
    elif isinstance(data, list):
        items = data
    else:
        raise UnreadableDocument(f"manifest {path}: expected a mapping or a list of mappings")
    out: Manifest = {}
    for item in items:
        if not isinstance(item, dict) or "file" not in item:
            raise UnreadableDocument(f"manifest {path}: every entry needs a 'file' key: {item!r}")
        name = str(item.pop("file"))
        out[name] = {str(k).lower(): json_value(v) for k, v in item.items()}
    return out


def metadata_for(manifest: Manifest, source_name: str) -> dict[str, object]:
    """Manifest entry for a source, matched by full name, then by base name."""
    container = source_name.split("#", 1)[0].split("!", 1)[0]
    for key in (source_name, container, container.rsplit("/", 1)[-1]):
        if key in manifest:
            return dict(manifest[key])
    return {}
