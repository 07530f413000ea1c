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


def read_labels_csv(folder: str | Path) -> dict[str, set[str]]:
    """A labelled folder's ``labels.csv`` (``file,themes``, themes separated by ``;``): file
    name -> themes."""
    import csv

    labels_file = Path(folder) / "labels.csv"
    if not labels_file.exists():
        raise BadInput(f"{folder} has no labels.csv (columns file,themes); see `workbench "
                       "evaluate --help`")
    with open(labels_file, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not {"file", "themes"} <= set(reader.fieldnames or []):
            raise BadInput(f"{labels_file}: expected columns file,themes, found "
                           f"{','.join(reader.fieldnames or [])}")
        return {row["file"]: {t.strip() for t in (row["themes"] or "").split(";") if t.strip()}
                for row in reader}


def read_labelled_folder(folder: str | Path) -> tuple[list[str], list[str], list[set[str]]]:
    """(file names, texts, themes) of a labelled folder: ``labels.csv`` and the files it names."""
    folder = Path(folder)
    labels = read_labels_csv(folder)
    missing = [name for name in labels if not (folder / name).is_file()]
    if missing:
        raise BadInput(f"{folder / 'labels.csv'} names {len(missing)} file(s) not in {folder}, "
                       f"e.g. {missing[0]}")
    texts = [(folder / name).read_text(encoding="utf-8").strip() for name in labels]
    return list(labels), texts, list(labels.values())


def labelled_pool_and_test(folder: str | Path, test_share: float = 0.5, seed: int = 0,
                           ) -> tuple[list[str], list[set[str]], list[int]]:
    """Texts, themes and test rows for a simulated reviewer: with ``dev/`` and ``test/`` inside
    ``folder`` (as ``benchmarks/real/rebuild.py`` writes), dev then test texts and the test ones'
    rows; otherwise the folder's texts with ``test_share`` of them, drawn with ``seed``, as test."""
    import numpy as np

    folder = Path(folder)
    if (folder / "dev").is_dir() and (folder / "test").is_dir():
        _, dev_texts, dev_gold = read_labelled_folder(folder / "dev")
        _, test_texts, test_gold = read_labelled_folder(folder / "test")
        return (dev_texts + test_texts, dev_gold + test_gold,
                list(range(len(dev_texts), len(dev_texts) + len(test_texts))))
    _, texts, gold = read_labelled_folder(folder)
    order = np.random.default_rng(seed).permutation(len(texts))
    return texts, gold, sorted(int(i) for i in order[: max(1, round(test_share * len(texts)))])
