"""``workbench corpus stats|list|show``: inspect the ingested corpus."""

from __future__ import annotations

from typing import Any

import click

from workbench.cli.options import group, json_option, pass_settings, print_json, where_option
from workbench.config import Settings


@group()
def corpus() -> None:
    """Inspect the ingested corpus.

    \b
    example:
      workbench corpus stats --json
    """


@corpus.command("stats")
@json_option()
@pass_settings
def stats(settings: Settings, as_json: bool) -> None:
    """Count documents and excerpts, by year and by review type.

    \b
    example:
      workbench corpus stats --json
    """
    from workbench.store import corpus_stats, open_store

    with open_store(settings).session() as session:
        result = corpus_stats(session)
    if as_json:
        print_json(result.as_dict())
        return
    print(f"Documents: {result.documents}\nExcerpts:  {result.excerpts}")
    for heading, counts in (("By year", result.by_year), ("By review type", result.by_review_type)):
        print(f"{heading}:")
        for value, count in counts.items():
            print(f"  {value:<50} {count:>5}")


@corpus.command("list")
@where_option("keep documents whose metadata FIELD equals VALUE (repeatable)")
@json_option("print a JSON list")
@pass_settings
def list_(settings: Settings, where: dict[str, str], as_json: bool) -> None:
    """List documents, optionally filtered by metadata.

    \b
    example:
      workbench corpus list --where region=London --where year=2021
    """
    from workbench.store import list_documents, open_store

    with open_store(settings).session() as session:
        rows: list[dict[str, Any]] = [{"id": d.id, "title": d.title, "source_name": d.source_name,
                 "excerpts": len(d.excerpts), "metadata": d.meta}
                for d in list_documents(session, **where)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        print(f"{r['id']:>5}  {r['title'][:70]:<70}  {r['excerpts']:>4} excerpts")


@corpus.command("show")
@click.argument("doc_id", type=int, metavar="DOC_ID")
@json_option()
@pass_settings
def show(settings: Settings, doc_id: int, as_json: bool) -> None:
    """Print one document with its excerpts.

    \b
    example:
      workbench corpus show 12
    """
    from workbench.store import get_document, open_store

    with open_store(settings).session() as session:
        doc = get_document(session, doc_id)
        if as_json:
            print_json({
                "id": doc.id, "title": doc.title, "source_name": doc.source_name,
                "sha256": doc.sha256, "metadata": doc.meta, "ingested_at": doc.ingested_at,
                "text": doc.text,
                "excerpts": [{"id": e.id, "start": e.start, "end": e.end, "section": e.section,
                              "text": e.text} for e in doc.excerpts],
            })
            return
        print(f"Document {doc.id}: {doc.title}\nSource:   {doc.source_name}")
        for key, value in sorted(doc.meta.items()):
            print(f"{key + ':':<10}{value}")
        print(f"Excerpts: {len(doc.excerpts)}\n")
        section = None
        for e in doc.excerpts:
            if e.section != section:
                section = e.section
                print(f"## {section}\n")
            print(f"[{e.id}] {e.start}-{e.end}\n{e.text}\n")
