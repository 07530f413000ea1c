"""Gold theme labels (``gold.jsonl``) mapped onto stored excerpts.

A gold line is ``{"file", "start", "end", "themes"}`` with code-point offsets into the file's
canonical text as read (before redaction). Spans are carried through each document's redaction
map onto the stored text. An excerpt takes the themes of every gold span it overlaps, so a
paragraph split into several excerpts gives each of them the paragraph's labels.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from workbench.errors import BadInput
from workbench.privacy.redact import Redaction
from workbench.store import Session, list_documents


def read_gold(path: str | Path) -> list[dict]:
    path = Path(path)
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInput(f"gold file {path}: cannot read ({exc.strerror})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            out.append({"file": str(item["file"]), "start": int(item["start"]),
                        "end": int(item["end"]), "themes": list(item["themes"])})
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BadInput(
                f"gold file {path} line {number}: expected {{\"file\", \"start\", \"end\", "
                f"\"themes\"}} ({exc})"
            ) from exc
    return out


def excerpt_labels(session: Session, gold: list[dict]) -> dict[int, set[str]]:
    """Themes per excerpt id, for excerpts of documents named in ``gold``."""
    spans = defaultdict(list)
    for item in gold:
        spans[item["file"]].append(item)
    labels: dict[int, set[str]] = {}
    for document in list_documents(session):
        name = document.source_name
        if name not in spans:
            continue
        offsets = Redaction.stored(document.redactions)
        mapped = [(*offsets.map_span(item["start"], item["end"]), item["themes"]) for item in spans[name]]
        for excerpt in document.excerpts:
            themes: set[str] = set()
            for start, end, item_themes in mapped:
                if start < excerpt.end and excerpt.start < end:
                    themes.update(item_themes)
            labels[excerpt.id] = themes
    return labels
