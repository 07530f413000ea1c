"""What every command shares: ``--home`` (on every group and command), ``--json``, ``--actor``,
``--quiet``, ``--where``, the settings they resolve to, and JSON printing."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import click

from workbench.config import load_settings
from workbench.errors import BadInput

HOME_KEY = "workbench.home"
HOME_HELP = "workbench home holding the database and caches (default: $WORKBENCH_HOME or ./data)"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def _remember_home(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    # ctx.meta is shared by the whole context chain, so the last --home given wins, wherever it is.
    if value is not None:
        ctx.meta[HOME_KEY] = value


def _home_option() -> click.Option:
    return click.Option(["--home"], metavar="DIR", expose_value=False, callback=_remember_home,
                        help=HOME_HELP)


def _summary(command: click.Command) -> str:
    """The first paragraph of the help, whole (click would cut it at 45 characters)."""
    return " ".join((command.short_help or command.help or "").split("\n\n")[0].split())


class WorkbenchCommand(click.Command):
    """A command that takes ``--home DIR``, like every group above it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_home_option())

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self)


class WorkbenchGroup(click.Group):
    """A group that takes ``--home DIR``, lists its commands in the order they were added and
    makes its sub-commands and sub-groups of the same kinds."""

    command_class = WorkbenchCommand
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.append(_home_option())

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _summary(self)


def command(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A top-level command: ``@command()`` over a function whose docstring is its help."""
    return click.command(name, cls=WorkbenchCommand, context_settings=CONTEXT_SETTINGS, **kwargs)


def group(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], WorkbenchGroup]:
    """A group of commands; its commands are added with ``@the_group.command()``."""
    return click.group(name, cls=WorkbenchGroup, **kwargs)


def pass_settings(function: Callable[..., Any]) -> Callable[..., Any]:
    """Call the command with the Settings for the ``--home`` given anywhere on the line first."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        home = click.get_current_context().meta.get(HOME_KEY)
        return function(load_settings(home=home), *args, **kwargs)

    return wrapper


def json_option(help: str = "print one JSON object") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json``: the command prints machine-readable output (passed as ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def actor_option(required: bool = False, help: str = "name recorded in the event log",
                 ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--actor NAME``, "system" unless required."""
    return click.option("--actor", metavar="NAME", required=required,
                        default=None if required else "system", help=help)


def quiet_option(help: str = "no progress messages") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--quiet", is_flag=True, help=help)


def _parse_where(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    metadata = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise BadInput(f"--where {item!r} must look like FIELD=VALUE, e.g. region=London")
        metadata[key] = value
    return metadata


def where_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--where FIELD=VALUE`` (repeatable), passed as a dict."""
    return click.option("--where", multiple=True, metavar="FIELD=VALUE", callback=_parse_where, help=help)


def print_json(obj: object) -> None:
    print(json.dumps(obj, indent=None, ensure_ascii=False, default=str))
