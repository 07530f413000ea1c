"""Users, roles and password sign-in."""

from __future__ import annotations

import io
import json

import pytest

from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.users import User, add_user, authenticate, check_password, count_users, hash_password


def test_passwords_are_salted_slow_hashes():
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first != second and first.startswith("scrypt$32768$")
    assert check_password("a long passphrase", first) and not check_password("a long passphrasE", first)
    assert not check_password("x", "not-a-hash")


def test_add_and_authenticate(store):
    assert count_users(store) == 0
    add_user(store, "alice", "correct horse battery", "reviewer")
    assert authenticate(store, "alice", "correct horse battery") == User("alice", "reviewer")
    assert authenticate(store, "alice", "wrong password!") is None
    assert authenticate(store, "nobody", "correct horse battery") is None
    assert User("v", "viewer").can_edit is False and User("a", "admin").can_edit is True
    with pytest.raises(WorkbenchError, match="user 'alice' already exists"):
        add_user(store, "alice", "another password", "viewer")
    with pytest.raises(WorkbenchError, match="role 'boss' is not one of admin, reviewer, viewer"):
        add_user(store, "bob", "correct horse battery", "boss")
    with pytest.raises(WorkbenchError, match="passwords must be at least 10 characters long"):
        add_user(store, "bob", "short", "viewer")


def test_user_cli_and_serving_rules(tmp_path, monkeypatch, capsys):
    home = str(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "add", "alice", "--role", "admin", "--password-stdin", "--home", home]) == 0
    assert capsys.readouterr().out == "Added alice (admin).\n"
    assert main(["user", "list", "--json", "--home", home]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "alice", "role": "admin"}]
