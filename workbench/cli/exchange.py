"""``workbench export`` and ``workbench import``: coded excerpts out, REFI-QDA projects in."""

from __future__ import annotations

import datetime as dt
import sys
from typing import cast

import click

from workbench.cli.options import actor_option, command, json_option, pass_settings, print_json, where_option
from workbench.config import Settings
from workbench.errors import BadInput
from workbench.exchange.registry import EXPORT_FORMATS


def _when(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"date {value!r} is not ISO 8601; use e.g. 2026-01-31 or 2026-01-31T17:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@command()
@click.option("--format", "format_name", required=True, type=click.Choice(list(EXPORT_FORMATS)))
@click.option("--out", required=True, metavar="FILE")
@click.option("--theme", multiple=True, metavar="ID",
              help="only these themes and their descendants (repeatable)")
@click.option("--status", multiple=True, type=click.Choice(["confirmed", "rejected", "suggested"]),
              help="codings with this status (repeatable; default: confirmed)")
@click.option("--coder", multiple=True, metavar="NAME", help="only these coders")
@where_option("only documents whose metadata FIELD equals VALUE (repeatable)")
@click.option("--since", metavar="DATE", callback=_when, help="codings changed on or after this ISO date")
@click.option("--until", metavar="DATE", callback=_when, help="codings changed on or before this ISO date")
@click.option("--presence", is_flag=True, help="matrix-csv: 1/0 instead of counts")
@click.option("--title", metavar="TITLE",
              help="docx/html: the report's title (default: Coded excerpts); qdpx: the project's name")
@pass_settings
def export(settings: Settings, format_name: str, out: str, theme: tuple[str, ...], status: tuple[str, ...],
           coder: tuple[str, ...], where: dict[str, str], since: dt.datetime | None,
           until: dt.datetime | None, presence: bool, title: str | None) -> None:
    """Export coded excerpts (confirmed ones by default): CSV, Excel, Word, HTML, REFI-QDA project
    (.qdpx) or codebook (.qdc), JSON lines, or a theme x document matrix.

    \b
    example:
      workbench export --format csv --out codings.csv --theme national_reviews --where region=London
    """
    from workbench.exchange.registry import ExportOptions
    from workbench.exchange.registry import export as export_codings
    from workbench.exchange.rows import ExportFilter
    from workbench.store import open_store

    filters = ExportFilter(themes=theme, statuses=status or ("confirmed",), coders=coder,
                           metadata=where, since=since, until=until)
    export_codings(open_store(settings), format_name, out, filters,
                   ExportOptions(title=title, presence=presence))
    print(f"Wrote {out}", file=sys.stderr)


@command("import")
@click.argument("file", metavar="FILE")
@actor_option()
@json_option()
@pass_settings
def import_(settings: Settings, file: str, actor: str, as_json: bool) -> None:
    """Import a REFI-QDA project (.qdpx): its documents, codebook and codings.

    \b
    example:
      workbench import project.qdpx --actor alice
    """
    from workbench.exchange.qdpx import read_qdpx
    from workbench.store import open_store

    if not file.lower().endswith(".qdpx"):
        raise BadInput(f"{file}: only REFI-QDA projects (.qdpx) can be imported here; use "
                       "`workbench ingest` for documents and `workbench codebook import` for codebooks")
    result = read_qdpx(open_store(settings), file, actor=actor, settings=settings)
    if as_json:
        print_json(result)
        return
    print(", ".join(f"{k} {v}" for k, v in result.items() if not isinstance(v, list)))
    for skipped in cast("list[object]", result.get("skipped", [])):
        print(f"Skipped {skipped}")
