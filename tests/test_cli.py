"""The `workbench` command: its JSON output is part of the interface."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import make_pdf

from workbench.cli import build_parser, is_loopback, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("Background\n\nThe child was seen at school.")
    (folder / "two.pdf").write_bytes(make_pdf(["A paragraph from a PDF review."]))
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    (folder / "manifest.csv").write_text("file,year,review_type\none.txt,2021,rapid review\n")
    return folder


def test_ingest_json_contract(capsys, tmp_path, folder):
    home = str(tmp_path / "home")
    code, out, _ = run(capsys, "ingest", str(folder), "--home", home, "--json", "--quiet")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"documents_added", "excerpts_added", "skipped"}
    assert result["documents_added"] == 2
    assert result["excerpts_added"] == 2
    assert [s["path"] for s in result["skipped"]] == ["bad.pdf"]
    assert result["skipped"][0]["reason"].startswith("bad.pdf: corrupt or unreadable PDF")

    code, out, _ = run(capsys, "corpus", "stats", "--json", "--home", home)
    assert json.loads(out) == {"documents": 2, "excerpts": 2,
                               "by_year": {"2021": 1, "unknown": 1},
                               "by_review_type": {"rapid review": 1, "unknown": 1}}

    code, out, _ = run(capsys, "ingest", str(folder), "--home", home, "--if-empty", "--json")
    assert json.loads(out) == {"documents_added": 0, "excerpts_added": 0, "skipped": []}


def test_home_before_or_after_the_command(capsys, tmp_path, folder):
    home = str(tmp_path / "h")
    run(capsys, "--home", home, "ingest", str(folder / "one.txt"), "--quiet")
    _, out, _ = run(capsys, "corpus", "stats", "--json", "--home", home)
    _, out2, _ = run(capsys, "--home", home, "corpus", "stats", "--json")
    assert json.loads(out)["documents"] == json.loads(out2)["documents"] == 1


def test_corpus_show_and_list(capsys, tmp_path, folder):
    home = str(tmp_path / "home")
    run(capsys, "ingest", str(folder), "--home", home, "--quiet")
    code, out, _ = run(capsys, "corpus", "show", "1", "--home", home)
    assert code == 0
    assert out.startswith("Document 1: Background\nSource:   one.txt\n")
    assert "## Background\n\n[1] 12-41\nThe child was seen at school.\n" in out
    _, out, _ = run(capsys, "corpus", "show", "1", "--json", "--home", home)
    shown = json.loads(out)
    assert shown["excerpts"][0]["text"] == shown["text"][12:41]
    _, out, _ = run(capsys, "corpus", "list", "--where", "year=2021", "--json", "--home", home)
    assert [d["source_name"] for d in json.loads(out)] == ["one.txt"]


def test_errors_are_one_clear_line(capsys, tmp_path):
    code, out, err = run(capsys, "corpus", "show", "7", "--home", str(tmp_path))
    assert code == 1
    assert err == "error: no document with id 7; `workbench corpus stats` shows how many exist\n"


def test_serve_refuses_a_public_address_without_users(capsys, tmp_path):
    code, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--home", str(tmp_path))
    assert code == 1
    assert err == ("error: refusing to serve on 0.0.0.0: serving beyond 127.0.0.1 requires "
                   "sign-in, and no users exist; add one with `workbench user add NAME --role admin`, "
                   "or serve on 127.0.0.1\n")


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def _commands(parser, prefix=()):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            if sub._subparsers:
                yield from _commands(sub, (*prefix, name))
            else:
                yield (*prefix, name), sub


def test_every_command_has_help_with_an_example():
    commands = dict(_commands(build_parser()))
    assert {" ".join(c) for c in commands} >= {
        "ingest", "corpus stats", "corpus show", "corpus list", "serve", "settings"}
    for name, parser in commands.items():
        text = parser.format_help()
        assert "example:\n  workbench " in text or "workbench settings" in text \
            or "=$(workbench " in text, name
        assert "--home DIR" in text, name


def test_every_command_is_documented_in_the_readme():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for name in dict(_commands(build_parser())):
        assert f"workbench {' '.join(name)}" in readme, f"README does not show `{' '.join(name)}`"


def test_console_script_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "settings", "--json", "--home", str(tmp_path)],
        capture_output=True, text=True, check=True)
    settings = json.loads(result.stdout)
    assert settings["home"] == str(tmp_path)
    assert settings["database (in effect)"] == f"sqlite:///{tmp_path / 'workbench.db'}"


def test_if_none_flags_skip_work_already_done(capsys, tmp_path, monkeypatch):
    home = str(tmp_path / "home")
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "runs"))
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    (tmp_path / "runs" / "r1" / "run.json").write_text(json.dumps({
        "run_id": "r1", "created_at": "2026-01-01T00:00:00+00:00", "seed": 1, "corpus_hash": "x",
        "n_excerpts": 0, "embedding_model": "fake", "config": {"name": "fast"},
        "metrics": {"n_topics": 0, "outlier_share": 0, "npmi": 0, "diversity": 0}}))
    assert main(["model", "fit", "--if-none", "--home", home]) == 0
    assert "Runs already exist" in capsys.readouterr().err
