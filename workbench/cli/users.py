"""``workbench user add|list``: app users, needed to serve beyond 127.0.0.1."""

from __future__ import annotations

import sys

import click

from workbench.cli.options import actor_option, group, json_option, pass_settings, print_json
from workbench.config import Settings
from workbench.errors import BadInput


@group()
def user() -> None:
    """Manage app users (needed to serve beyond 127.0.0.1).

    \b
    example:
      workbench user add alice --role admin
    """


def _read_password(name: str, from_stdin: bool) -> str:
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != password:
        raise BadInput("the two passwords differ; nothing was changed")
    return password


@user.command("add")
@click.argument("name", metavar="NAME")
@click.option("--role", required=True, type=click.Choice(["admin", "reviewer", "viewer"]))
@click.option("--password-stdin", is_flag=True,
              help="read the password from the first line of standard input (for scripts)")
@actor_option()
@pass_settings
def add(settings: Settings, name: str, role: str, password_stdin: bool, actor: str) -> None:
    """Add a user with a role: admin, reviewer (codes and decides) or viewer (reads only). The
    password is asked for twice.

    \b
    example:
      workbench user add alice --role reviewer
    """
    from workbench.store import open_store
    from workbench.users import add_user

    added = add_user(open_store(settings), name, _read_password(name, password_stdin), role, actor=actor)
    print(f"Added {added.name} ({added.role}).")


@user.command("list")
@json_option("print a JSON list")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """List users and their roles.

    \b
    example:
      workbench user list
    """
    from workbench.store import open_store
    from workbench.users import list_users

    users = list_users(open_store(settings))
    if as_json:
        print_json([{"name": u.name, "role": u.role} for u in users])
        return
    for u in users:
        print(f"{u.name:<30} {u.role}")
