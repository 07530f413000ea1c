"""``workbench redact --check`` and ``workbench originals key|show``."""

from __future__ import annotations

import click

from workbench.cli.options import actor_option, command, group, json_option, pass_settings, print_json
from workbench.config import Settings


@command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", is_flag=True, required=True,
              help="required: only report (redaction itself happens at ingest)")
@json_option()
@pass_settings
def redact(settings: Settings, paths: tuple[str, ...], check: bool, as_json: bool) -> None:
    """Show what ingest would redact in files or folders, with the original text (on this
    terminal only), line and pseudonym; nothing is stored.

    \b
    example:
      workbench redact --check corpus/sample/003-baby-r-head-injury-rapid-review.txt
    """
    from workbench.privacy.check import check_paths

    result = check_paths(paths, settings)
    if as_json:
        print_json(result.as_dict())
        return
    for document in result.documents:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(document.counts.items())) or "nothing"
        print(f"{document.file}: {len(document.findings)} to redact ({counts})")
        for f in document.findings:
            shown = " ".join(f.text.split())
            print(f"  line {f.line:<5} {f.kind:<14} {shown!r} -> {f.pseudonym}")
    for item in result.skipped:
        print(f"Skipped {item.reason}")
    print("Nothing was ingested; `workbench ingest` redacts the same way before storing.")


@group()
def originals() -> None:
    """Keys for, and reading of, unredacted originals (kept only with
    WORKBENCH_KEEP_ORIGINALS=encrypted).

    \b
    example:
      workbench originals show 12 --actor alice
    """


@originals.command("key")
def key() -> None:
    """Print a new random key to set as WORKBENCH_ORIGINALS_KEY (keep it apart from the data).

    \b
    example:
      export WORKBENCH_ORIGINALS_KEY=$(workbench originals key)
    """
    from workbench.privacy.originals import new_key

    print(new_key())


@originals.command("show")
@click.argument("doc_id", type=int, metavar="DOC_ID")
@actor_option(required=True, help="who is reading, recorded in the event log")
@pass_settings
def show(settings: Settings, doc_id: int, actor: str) -> None:
    """Print a document's unredacted original (needs WORKBENCH_ORIGINALS_KEY); each reading is
    recorded in the event log.

    \b
    example:
      workbench originals show 12 --actor alice
    """
    from workbench.privacy.originals import read_original
    from workbench.store import open_store

    print(read_original(open_store(settings), settings, doc_id, actor))
