"""Export benchmark: seconds and peak Python memory of the tabular writers on generated codings.

Usage:
    python benchmarks/export.py                      # 10,000 codings over 20 documents
    python benchmarks/export.py --codings 50000 --documents 100

Builds a temporary SQLite store with generated documents, imports the default codebook and
bulk-inserts confirmed codings (one paragraph each) through the SQLAlchemy session. Each writer
then reads the rows with ``coding_rows`` and writes a file in a temporary folder. Every case
runs twice: once for the wall time, once under tracemalloc for the peak (tracemalloc slows the
code it watches, so the two are measured apart). Times include reading the rows from the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.coding.codebook import load_codebook  # noqa: E402
from workbench.coding.themes import import_codebook  # noqa: E402
from workbench.config import load_settings  # noqa: E402
from workbench.exchange.rows import coding_rows  # noqa: E402
from workbench.exchange.tabular import (  # noqa: E402
    metadata_keys,
    write_csv,
    write_jsonl,
    write_matrix_csv,
    write_xlsx,
)
from workbench.store import Store, add_document, open_store  # noqa: E402
from workbench.store.models import Coding  # noqa: E402

WORDS = ("the health visitor recorded that the baby was seen at home with the mother and her partner "
         "but nobody asked about the partner's history of violence or the family's housing while "
         "school attendance fell and the referral was closed without a strategy discussion").split()
REGIONS = ["London", "North East", "South West", "Yorkshire and the Humber", "West Midlands"]


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."


def build_store(home: Path, n_codings: int, n_documents: int, seed: int = 7) -> Store:
    """A store with ``n_documents`` generated documents and ``n_codings`` confirmed codings."""
    rng = random.Random(seed)
    store = open_store(load_settings(home=home))
    codebook = load_codebook()
    import_codebook(store, codebook, actor="bench")
    themes = [t.id for t in codebook.themes if t.codable]
    per_document = -(-n_codings // n_documents)
    now = dt.datetime.now(dt.UTC)
    values = []
    with store.session() as session:
        for d in range(n_documents):
            paragraphs = [paragraph(rng) for _ in range(max(20, per_document // 3))]
            text = "\n\n".join(paragraphs)
            spans, start = [], 0
            for para in paragraphs:
                spans.append((start, start + len(para)))
                start += len(para) + 2
            document = add_document(
                session, title=f"Rapid Review: Child {d}", source_name=f"review-{d:03}.txt",
                sha256=hashlib.sha256(text.encode()).hexdigest(), text=text, spans=[],
                metadata={"region": rng.choice(REGIONS), "year": 2018 + d % 6,
                          "review_type": "rapid review" if d % 2 else "practice briefing"})
            for _ in range(min(per_document, n_codings - len(values))):
                s, e = rng.choice(spans)
                values.append({
                    "document_id": document.id, "excerpt_id": None, "start": s, "end": e,
                    "theme_id": rng.choice(themes), "coder": rng.choice(["alice", "bob"]),
                    "status": "confirmed", "source": "manual", "score": None,
                    "memo": rng.choice(["", "", "Check the chronology."]), "withdrawn": False,
                    "created_at": now, "updated_at": now, "version": 1})
        session.execute(insert(Coding), values)
    return store


def drain(rows: Iterable[object]) -> None:
    for _ in rows:
        pass


def measure(run: Callable[[], None]) -> tuple[float, float]:
    """Wall seconds of one run, and peak MiB traced during a second run."""
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--codings", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        store = build_store(folder / "home", args.codings, args.documents)
        build_s = time.perf_counter() - started
        n_rows = sum(1 for _ in coding_rows(store))
        cases: list[tuple[str, str, Callable[[], None]]] = [
            ("coding_rows only (no file)", "-", lambda: drain(coding_rows(store))),
            ("write_csv (streamed, metadata_keys)", "codings.csv",
             lambda: write_csv(coding_rows(store), folder / "codings.csv", metadata_keys(store))),
            ("write_csv (rows as list)", "codings.csv",
             lambda: write_csv(coding_rows(store), folder / "codings.csv")),
            ("write_xlsx (streamed, metadata_keys)", "codings.xlsx",
             lambda: write_xlsx(coding_rows(store), folder / "codings.xlsx", metadata_keys(store))),
            ("write_jsonl", "codings.jsonl",
             lambda: write_jsonl(coding_rows(store), folder / "codings.jsonl")),
            ("write_matrix_csv (counts)", "matrix.csv",
             lambda: write_matrix_csv(coding_rows(store), folder / "matrix.csv")),
        ]
        print(f"{n_rows:,} codings over {args.documents} documents (store built in {build_s:.1f} s); "
              f"Python {platform.python_version()}, {platform.machine()}")
        print()
        print(f"| {'case':<38} | {'seconds':>7} | {'peak MiB':>8} | {'file MiB':>8} |")
        print(f"|{'-' * 40}|{'-' * 8}:|{'-' * 9}:|{'-' * 9}:|")
        for name, file_name, run in cases:
            seconds, peak = measure(run)
            size = (folder / file_name).stat().st_size / 2**20 if file_name != "-" else 0.0
            size_text = f"{size:.1f}" if file_name != "-" else "-"
            print(f"| {name:<38} | {seconds:>7.2f} | {peak:>8.1f} | {size_text:>8} |")
        store.close()


if __name__ == "__main__":
    main()
