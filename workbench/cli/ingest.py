"""``workbench ingest``."""

from __future__ import annotations

import sys

import click

from workbench.cli.options import (
    actor_option,
    command,
    json_option,
    pass_settings,
    print_json,
    quiet_option,
)
from workbench.config import Settings


@command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--manifest", metavar="FILE",
              help="CSV or YAML mapping file names to metadata (default: manifest.csv or "
                   "manifest.yaml inside a given folder)")
@json_option("print one JSON object with the result")
@click.option("--if-empty", is_flag=True, help="do nothing if the database already holds documents")
@actor_option()
@quiet_option("no progress bar")
@pass_settings
def ingest(settings: Settings, paths: tuple[str, ...], manifest: str | None, as_json: bool,
           if_empty: bool, actor: str, quiet: bool) -> None:
    """Read review documents (.txt .md .docx .pdf .csv .xlsx .jsonl .zip, or folders of them)
    into the database; bad files are reported and skipped.

    \b
    example:
      workbench ingest corpus/sample --manifest corpus/sample/manifest.csv --json
    """
    from tqdm import tqdm

    from workbench.corpus import load_manifest
    from workbench.corpus.ingest import Ingestor, IngestReport
    from workbench.store import count_documents, open_store

    store = open_store(settings)
    if if_empty:
        with store.session() as session:
            existing = count_documents(session)
        if existing:
            if as_json:
                print_json(IngestReport().as_dict())
            else:
                print(f"The database already holds {existing} documents; nothing ingested.")
            return
    bar = tqdm(total=0, unit="file", desc="Ingesting", file=sys.stderr, disable=quiet)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name[-40:], refresh=False)
        bar.update(1)

    ingestor = Ingestor(store, settings, manifest=load_manifest(manifest) if manifest else None,
                        actor=actor)
    report = ingestor.ingest_paths(paths, progress=progress)
    bar.close()
    if as_json:
        print_json(report.as_dict())
        return
    print(f"Added {report.documents_added} documents ({report.excerpts_added} excerpts).")
    for skipped in report.skipped:
        print(f"Skipped {skipped.reason}")
