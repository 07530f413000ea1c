"""The ``workbench`` command: thin wrappers over library functions, one module per command group.

Machine-readable output (``--json``) is part of the interface; progress goes to stderr. Exit
codes: 0 success, 1 a :class:`~workbench.errors.WorkbenchError` (printed as ``error: MESSAGE``
on stderr), 2 a usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from workbench.cli import codebook, corpus, exchange, ingest, model, privacy, serve, settings, suggest, users
from workbench.cli.options import group
from workbench.errors import WorkbenchError
from workbench.exchange.registry import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS", "cli", "main"]


@group("workbench")
def cli() -> None:
    """Safeguarding Themes Workbench: thematic analysis of safeguarding reviews.

    \b
    example:
      workbench ingest corpus/sample && workbench corpus stats
    """


for _command in (
    ingest.ingest, corpus.corpus, model.model, codebook.codebook, suggest.suggest, suggest.evaluate,
    suggest.agreement, exchange.export, exchange.import_, users.user, privacy.redact,
    privacy.originals, settings.show_settings, serve.serve,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="workbench",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:  # usage errors (exit code 2) and the like
        exc.show()
        return exc.exit_code
    except click.Abort as exc:  # Ctrl+C (exit code 130, as the shell's), or end of input at a prompt
        print("Aborted.", file=sys.stderr)
        return 130 if isinstance(exc.__cause__, KeyboardInterrupt) else 1
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0
