"""The `workbench` command: its JSON output is part of the interface."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from conftest import make_pdf

from workbench.cli import cli, main
from workbench.users import is_loopback


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


def test_codebook_files_of_another_type_are_refused(capsys, tmp_path):
    (tmp_path / "themes.txt").write_text("themes: []\n")
    code, _, err = run(capsys, "codebook", "import", str(tmp_path / "themes.txt"), "--home", str(tmp_path))
    assert code == 1
    assert err == f"error: {tmp_path / 'themes.txt'}: choose a .yaml, .yml or .qdc codebook file\n"


def test_serve_refuses_a_public_address_without_users(capsys, tmp_path):
    code, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--home", str(tmp_path))
    assert code == 1
    assert err == ("error: refusing to serve on 0.0.0.0: serving beyond 127.0.0.1 requires "
                   "sign-in, and no users exist; add one with `workbench user add NAME --role admin`, "
                   "or serve on 127.0.0.1\n")


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def commands(group=cli, prefix=()):
    """Every command (not group) as (words after `workbench`, command)."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_is_documented_in_the_readme():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    names = [" ".join(name) for name, _ in commands()]
    assert set(names) >= {"ingest", "corpus stats", "corpus show", "corpus list", "serve", "settings"}
    for name in names:
        assert f"workbench {name}" in readme, f"README does not show `{name}`"


def test_usage_errors_exit_2_with_the_usage_on_stderr(capsys):
    code, out, err = run(capsys, "corpus", "show", "twelve")
    assert code == 2 and out == ""
    assert err.startswith("Usage: workbench corpus show [OPTIONS] DOC_ID\n")
    assert "Invalid value for 'DOC_ID': 'twelve' is not a valid integer." in err
    code, _, err = run(capsys, "ingest")
    assert code == 2 and "Missing argument 'PATH...'" in err
    code, _, err = run(capsys, "model")
    assert code == 2 and "fit" in err and "compare" in err  # a group alone shows its commands
    code, _, err = run(capsys, "nonsense")
    assert code == 2 and "No such command 'nonsense'" in err
    code, _, err = run(capsys, "export", "--format", "pdf", "--out", "x.pdf")
    assert code == 2 and "'pdf' is not one of 'csv', 'xlsx', 'docx'" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("Usage: workbench [OPTIONS] COMMAND [ARGS]...")
    code, out, _ = run(capsys, "corpus", "-h")
    assert code == 0 and "stats  Count documents and excerpts, by year and by review type." in out


def test_home_on_a_group(capsys, tmp_path, folder):
    home = str(tmp_path / "h")
    run(capsys, "ingest", str(folder / "one.txt"), "--quiet", "--home", home)
    _, out, _ = run(capsys, "corpus", "--home", home, "stats", "--json")
    assert json.loads(out)["documents"] == 1


def test_a_bad_where_is_one_clear_line(capsys, tmp_path):
    code, _, err = run(capsys, "corpus", "list", "--where", "London", "--home", str(tmp_path))
    assert code == 1
    assert err == "error: --where 'London' must look like FIELD=VALUE, e.g. region=London\n"


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
