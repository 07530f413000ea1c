"""Rebuild the real-text evaluation set from saved page texts, or record a new one.

The passages are real public text, so none is committed: ``sources.tsv`` holds each passage's
page address, first words, length in words and sha256, ``labels.csv`` its themes. Save each
page's text (as the search tool's ``pages`` corpus returns it) in ``benchmarks/real/pages/``
as ``<first 16 hex digits of sha256(url)>.txt``, then::

    python benchmarks/real/rebuild.py              # writes build/dev and build/test
    python benchmarks/real/rebuild.py check FILE   # checks a labeller's JSONL lines
    python benchmarks/real/rebuild.py record FILE...  # (re)writes sources.tsv and labels.csv
    python benchmarks/real/rebuild.py record --keep-recorded FILE...  # adds to what is recorded

Each folder written has one ``.txt`` per passage and a ``labels.csv`` (``file,themes``), the
form ``workbench evaluate --gold FOLDER`` reads. Labeller lines are JSON objects with ``url``,
``kind``, ``passage`` (copied from the saved page) and ``themes`` (a list of theme ids).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
BUILD = HERE / "build"
SOURCES = HERE / "sources.tsv"
LABELS = HERE / "labels.csv"
CODEBOOK = HERE.parent.parent / "corpus" / "codebooks" / "panel-themes.yaml"
LOCATOR_WORDS = 8
MIN_WORDS, MAX_WORDS = 60, 250


def normalise(text: str) -> str:
    """Every run of whitespace as one space, ends trimmed: what is hashed and matched."""
    return " ".join(text.split())


def digest(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def page_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def split_of(url: str) -> str:
    """test for pages whose address hashes to 8-f in its first hex digit, else dev."""
    return "test" if hashlib.sha256(url.encode("utf-8")).hexdigest()[0] in "89abcdef" else "dev"


def page_text(url: str) -> str:
    path = PAGES / f"{page_key(url)}.txt"
    if not path.exists():
        raise SystemExit(f"missing page text for {url}: save it as {path}")
    return normalise(path.read_text(encoding="utf-8"))


def theme_ids() -> set[str]:
    import yaml

    out: set[str] = set()

    def walk(themes: list[dict]) -> None:
        for theme in themes:
            if theme.get("codable", True):
                out.add(theme["id"])
            walk(theme.get("children") or [])

    walk(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["themes"])
    return out


def check_line(item: dict, known: set[str]) -> list[str]:
    """Problems with one labeller line (empty when it is fine)."""
    problems = []
    for key in ("url", "kind", "passage", "themes"):
        if key not in item:
            problems.append(f"no {key!r}")
    if problems:
        return problems
    passage = normalise(item["passage"])
    words = len(passage.split(" "))
    if not MIN_WORDS <= words <= MAX_WORDS:
        problems.append(f"{words} words, expected {MIN_WORDS}-{MAX_WORDS}")
    try:
        page = page_text(item["url"])
        if passage not in page:
            problems.append("passage is not in the saved page text")
        elif cut(page, " ".join(passage.split(" ")[:LOCATOR_WORDS]), words, digest(passage)) is None:
            problems.append("passage does not start and end between words of the saved page")
    except SystemExit as exc:
        problems.append(str(exc))
    unknown = set(item["themes"]) - known
    if unknown:
        problems.append(f"unknown themes {sorted(unknown)}")
    return problems


def read_lines(paths: list[Path]) -> list[dict]:
    items = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                item = json.loads(line)
                item["where"] = f"{path.name}:{number}"
                items.append(item)
    return items


def check(paths: list[Path]) -> int:
    known = theme_ids()
    bad = 0
    for item in read_lines(paths):
        problems = check_line(item, known)
        if problems:
            bad += 1
            print(f"{item['where']}: {'; '.join(problems)}")
    print(f"{bad} bad line(s)")
    return 1 if bad else 0


def recorded_lines() -> list[dict]:
    """The passages already recorded, as labeller lines, for those whose page text is saved."""
    labels = {row["file"]: row["themes"] for row in csv.DictReader(LABELS.open(encoding="utf-8"))}
    items = []
    for row in csv.DictReader(SOURCES.open(encoding="utf-8"), delimiter="\t"):
        path = PAGES / f"{page_key(row['url'])}.txt"
        passage = cut(page_text(row["url"]), row["locator"], int(row["words"]),
                      row["sha256"]) if path.exists() else None
        if passage is None:
            print(f"dropped {row['file']}: its passage cannot be cut from a saved page ({row['url']})")
            continue
        items.append({"url": row["url"], "kind": row["kind"], "passage": passage,
                      "themes": [t for t in labels[row["file"]].split(";") if t],
                      "where": f"{SOURCES.name}:{row['file']}"})
    return items


def record(paths: list[Path], keep_recorded: bool = False) -> int:
    """Write sources.tsv and labels.csv from labellers' lines (bad or repeated ones are skipped);
    with ``keep_recorded``, the passages already recorded come first."""
    known = theme_ids()
    seen: set[str] = set()
    rows = []
    for item in (recorded_lines() if keep_recorded else []) + read_lines(paths):
        problems = check_line(item, known)
        passage = normalise(item.get("passage", ""))
        if problems or digest(passage) in seen:
            print(f"skipped {item['where']}: {'; '.join(problems) or 'repeated passage'}")
            continue
        seen.add(digest(passage))
        rows.append(item)
    rows.sort(key=lambda item: (split_of(item["url"]), item["url"], page_text(item["url"]).index(
        normalise(item["passage"]))))
    with open(SOURCES, "w", newline="", encoding="utf-8") as sources, \
            open(LABELS, "w", newline="", encoding="utf-8") as labels:
        out = csv.writer(sources, delimiter="\t", lineterminator="\n")
        out.writerow(["file", "split", "url", "kind", "locator", "words", "sha256"])
        label_out = csv.writer(labels, lineterminator="\n")
        label_out.writerow(["file", "themes"])
        for number, item in enumerate(rows, 1):
            passage = normalise(item["passage"])
            name = f"real-{number:03d}.txt"
            words = passage.split(" ")
            out.writerow([name, split_of(item["url"]), item["url"], item["kind"],
                          " ".join(words[:LOCATOR_WORDS]), len(words), digest(passage)])
            label_out.writerow([name, ";".join(sorted(set(item["themes"])))])
    pages = len({item["url"] for item in rows})
    print(f"recorded {len(rows)} passages from {pages} pages in {SOURCES.name} and {LABELS.name}")
    return 0


def cut(text: str, locator: str, words: int, sha256: str) -> str | None:
    """The passage of ``words`` words starting at ``locator`` whose hash is ``sha256``."""
    start = text.find(locator)
    while start >= 0:
        candidate = " ".join(text[start:].split(" ")[:words])
        if digest(candidate) == sha256:
            return candidate
        start = text.find(locator, start + 1)
    return None


def rebuild(out: Path) -> int:
    labels = {row["file"]: row["themes"] for row in csv.DictReader(LABELS.open(encoding="utf-8"))}
    rows = list(csv.DictReader(SOURCES.open(encoding="utf-8"), delimiter="\t"))
    written: dict[str, list[tuple[str, str]]] = {"dev": [], "test": []}
    missing = 0
    for row in rows:
        path = PAGES / f"{page_key(row['url'])}.txt"
        passage = cut(page_text(row["url"]), row["locator"], int(row["words"]),
                      row["sha256"]) if path.exists() else None
        if passage is None:
            missing += 1
            print(f"{row['file']}: not found in {path.name} ({row['url']})", file=sys.stderr)
            continue
        folder = out / row["split"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / row["file"]).write_text(passage + "\n", encoding="utf-8")
        written[row["split"]].append((row["file"], labels[row["file"]]))
    for split, items in written.items():
        (out / split).mkdir(parents=True, exist_ok=True)
        with open(out / split / "labels.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["file", "themes"])
            writer.writerows(items)
        print(f"{split}: {len(items)} passages in {out / split}")
    if missing:
        print(f"{missing} passage(s) could not be rebuilt", file=sys.stderr)
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="rebuild", choices=["rebuild", "check", "record"])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=BUILD)
    parser.add_argument("--keep-recorded", action="store_true",
                        help="record: keep the passages already in sources.tsv (those that rebuild)")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.files)
    if args.command == "record":
        return record(args.files, args.keep_recorded)
    return rebuild(args.out)


if __name__ == "__main__":
    raise SystemExit(main())
