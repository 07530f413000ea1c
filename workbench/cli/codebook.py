"""``workbench codebook import|export|list``."""

from __future__ import annotations

import sys

import click

from workbench.cli.options import actor_option, group, json_option, pass_settings, print_json
from workbench.config import Settings
from workbench.errors import NotFound


@group()
def codebook() -> None:
    """Import, export and list the codebook.

    \b
    example:
      workbench codebook import corpus/codebooks/panel-themes.yaml
    """


@codebook.command("import")
@click.argument("file", metavar="FILE")
@actor_option()
@json_option()
@pass_settings
def import_(settings: Settings, file: str, actor: str, as_json: bool) -> None:
    """Add a codebook's themes to the database (YAML, or REFI-QDA .qdc); existing themes are
    updated.

    \b
    example:
      workbench codebook import corpus/codebooks/panel-themes.yaml
    """
    from workbench.coding.codebook_files import load_codebook_file
    from workbench.coding.themes import import_codebook
    from workbench.store import open_store

    result = import_codebook(open_store(settings), load_codebook_file(file), actor=actor)
    if as_json:
        print_json(result)
    else:
        print(f"Imported {file}: {result['added']} themes added, {result['updated']} updated.")


@codebook.command("export")
@click.option("--out", required=True, metavar="FILE", help="a .yaml/.yml or .qdc file")
@pass_settings
def export(settings: Settings, out: str) -> None:
    """Write the stored codebook as YAML, or as REFI-QDA .qdc for NVivo, ATLAS.ti, MAXQDA.

    \b
    example:
      workbench codebook export --out themes.qdc
    """
    from workbench.coding.codebook_files import save_codebook_file
    from workbench.coding.themes import stored_codebook
    from workbench.store import open_store

    book = stored_codebook(open_store(settings))
    if not book.themes:
        raise NotFound("no codebook in the database; import one with `workbench codebook import FILE`")
    save_codebook_file(book, out)
    print(f"Wrote {len(book.themes)} themes to {out}", file=sys.stderr)


@codebook.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="include retired and merged themes")
@json_option("print a JSON list")
@pass_settings
def list_(settings: Settings, include_inactive: bool, as_json: bool) -> None:
    """Show the theme hierarchy.

    \b
    example:
      workbench codebook list --json
    """
    from workbench.coding.themes import stored_codebook
    from workbench.store import open_store

    book = stored_codebook(open_store(settings), include_inactive=include_inactive)
    if as_json:
        print_json([{"id": t.id, "name": t.name, "parent": t.parent, "codable": t.codable,
                     "seeds": t.seeds, "colour": t.colour} for t in book.themes])
        return
    if not book.themes:
        print("No codebook yet; import one with `workbench codebook import FILE`.")
    for theme in book.themes:
        depth = len(book.path(theme.id)) - 1
        print(f"{'  ' * depth}{theme.id:<24} {theme.name}{'' if theme.codable else '  (group)'}")
