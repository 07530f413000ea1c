"""Every `workbench ...` command shown in README.md's shell blocks runs and exits 0, and every
command and group explains itself with `--help`, ending with an example that parses.

The README's commands run in README order, in a temporary project folder whose
``corpus/sample`` is a copy of the fictional mini sample (``corpus/sample-mini``), so that
``workbench ingest corpus/sample`` stays fast. The home is prepared first: the mini sample
ingested with encrypted originals kept, confirmed codings by alice and bob from its gold labels,
one fast topic run and one suggestion batch (both with the fake embedder), so the first block's
`--if-empty`, `--if-none` commands find their work done.

Besides SKIPPED and FAKE_EMBEDDER below: the PostgreSQL block's `workbench ingest corpus/sample`
runs on SQLite (its `export WORKBENCH_DATABASE_URL=...` line is not a workbench command and would
need a server), and `workbench originals key` runs but its key is not exported, because the
home's originals were encrypted under the key the fixture set; `workbench user add` gets its
password from a stubbed getpass.
"""

from __future__ import annotations

import re
import shlex
import shutil

import click
import pytest
from conftest import ROOT, make_pdf

from workbench.cli import cli, main

README = ROOT / "README.md"
PASSWORD = "correct horse battery staple"  # fictional, for `workbench user add` (getpass is stubbed)

SKIPPED = {
    "serve": "starts the Streamlit server, which never returns (the command replaces its process)",
    "model fine-tune": "trains the real encoder for minutes (or in a background process); "
                       "tests/test_fine_tune.py runs it on small data",
}
"""Commands not run, by command name, and why."""

FAKE_EMBEDDER = {("model", "fit"), ("suggest",), ("evaluate",)}
"""Commands that would load the real embedding model: they run with `--embedder fake` added."""

PLACEHOLDERS = {
    "RUN_ID": lambda runs: runs[0], "RUN_A": lambda runs: runs[0], "RUN_B": lambda runs: runs[-1],
}
"""README placeholders for run ids, replaced by saved runs' ids when the command runs. The other
placeholders (reviews/, review.pdf, more/review.pdf, path/to/folder, document 12) are made real
in the project folder."""


def readme_commands() -> list[list[str]]:
    """The words of every `workbench` command in README.md's ```bash blocks, in order, without
    the `workbench` (or `.venv/bin/workbench`) itself; `$(workbench ...)` inside a line counts."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", README.read_text(), re.S | re.M):
        for line in block.splitlines():
            inner = re.findall(r"\$\((workbench [^)]*)\)", line)
            for text in inner or [line]:
                words = shlex.split(text, comments=True)
                if words and (words[0] == "workbench" or words[0].endswith("/workbench")):
                    commands.append(words[1:])
    return commands


def command_name(words: list[str]) -> tuple[str, ...]:
    """The command's path of names, e.g. ('model', 'fit'), from its words."""
    group, path = cli, []
    while isinstance(group, click.Group):
        name = next(w for w in words if w in group.commands)
        path.append(name)
        group = group.commands[name]
    return tuple(path)


@pytest.fixture
def project(tmp_path, settings, monkeypatch):
    """A project folder holding every file the README's commands name, and a prepared home."""
    from export_fixtures import coded_store

    from workbench.config import load_settings
    from workbench.privacy.originals import new_key
    from workbench.store import open_store

    folder = tmp_path / "project"
    shutil.copytree(ROOT / "corpus" / "sample-mini", folder / "corpus" / "sample")
    shutil.copytree(ROOT / "corpus" / "codebooks", folder / "corpus" / "codebooks")
    (folder / "models").mkdir()
    for config in ("default.toml", "fast.toml"):
        shutil.copy(ROOT / "models" / config, folder / "models" / config)
    (folder / "reviews").mkdir()
    (folder / "reviews" / "child-x-review.txt").write_text(
        "Background\n\nJade Kowalczyk, born on 3rd March 2019, lived with her mother at 14 "
        "Brackenfield Close, Marrowby, QX4 7LP. The health visitor rang on 07700 900461.\n")
    (folder / "reviews" / "manifest.csv").write_text("file,year,region\nchild-x-review.txt,2024,London\n")
    shutil.copy(folder / "corpus" / "sample" / "028-child-p-medication-overdose-rapid-review.pdf",
                folder / "review.pdf")
    (folder / "more").mkdir()
    (folder / "more" / "review.pdf").write_bytes(make_pdf(
        ["The school had not seen the child for six weeks and nobody asked why."]))
    benchmark = folder / "path" / "to" / "folder"
    benchmark.mkdir(parents=True)
    (benchmark / "a.txt").write_text("The baby died after sleeping on the sofa with a parent.")
    (benchmark / "labels.csv").write_text("file,themes\na.txt,sudi\n")

    monkeypatch.chdir(folder)
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("WORKBENCH_KEEP_ORIGINALS", "encrypted")
    monkeypatch.setenv("WORKBENCH_ORIGINALS_KEY", new_key())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    store = open_store(load_settings())
    coded_store(store, load_settings(), coders=("alice", "bob"))
    store.close()
    assert main(["model", "fit", "--config", "models/fast.toml", "--quiet"]) == 0
    assert main(["suggest", "--embedder", "fake"]) == 0
    return folder


def test_the_readme_shows_the_commands_this_test_expects():
    names = {command_name(words) for words in readme_commands()}
    assert len(readme_commands()) >= 30
    assert {("ingest",), ("model", "fit"), ("model", "compare"), ("export",), ("import",),
            ("redact",), ("originals", "show"), ("serve",)} <= names


def test_every_readme_command_exits_0(project, capsys):
    from workbench.analysis.runs import list_runs
    from workbench.config import load_settings

    ran, failures = [], []
    for words in readme_commands():
        name = command_name(words)
        if name[0] in SKIPPED or " ".join(name) in SKIPPED:
            continue
        if name in FAKE_EMBEDDER and "--embedder" not in words:
            words = [*words, "--embedder", "fake"]
        runs = [r.run_id for r in list_runs(load_settings().runs_dir)]
        words = [PLACEHOLDERS[w](runs) if w in PLACEHOLDERS else w for w in words]
        code = main(words)
        out, err = capsys.readouterr()
        ran.append(" ".join(name))
        if code != 0:
            failures.append(f"workbench {shlex.join(words)} -> {code}\n{err[-2000:]}")
    assert not failures, "\n\n".join(failures)
    assert len(ran) >= 28


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    """Every group (the root included) and command, as (path of names, command)."""
    yield prefix, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def example_of(help_text: str) -> str:
    """The `workbench ...` command of a help text's example, without what is around it."""
    line = help_text.split("example:\n", 1)[1].splitlines()[0].strip()
    if "$(" in line:
        line = re.search(r"\$\((workbench [^)]*)\)", line).group(1)
    return "workbench " + line.split("workbench ", 1)[1].split(" && ")[0]


@pytest.mark.parametrize("path", [" ".join(p) or "(root)" for p, _ in all_commands()])
def test_help_shows_home_and_an_example_that_parses(path, capsys):
    words = [] if path == "(root)" else path.split()
    assert main([*words, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Usage: workbench {path if words else ''}".rstrip())
    assert "--home DIR" in text and "example:\n" in text, path
    example = shlex.split(example_of(text))[1:]
    leaf = command_name(example)
    command = cli
    for name in leaf:
        command = command.commands[name]  # type: ignore[attr-defined]
    rest = list(example)
    for name in leaf:
        rest.remove(name)
    command.make_context(" ".join(leaf), rest)  # raises a UsageError if the example is wrong
