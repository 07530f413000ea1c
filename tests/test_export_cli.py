"""`workbench export` and `workbench import` on the mini sample with confirmed codings."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from export_fixtures import coded_store

from workbench.cli import main
from workbench.config import load_settings
from workbench.store import open_store


@pytest.fixture
def home(tmp_path, settings, store):
    coded_store(store, settings, coders=("alice", "bob"))
    return str(settings.home)


def export(home, fmt, out, *extra):
    assert main(["export", "--format", fmt, "--out", str(out), "--home", home, *extra]) == 0
    return out


def test_every_format_is_written(home, tmp_path):
    for fmt, suffix in [("csv", "csv"), ("xlsx", "xlsx"), ("docx", "docx"), ("html", "html"),
                        ("qdpx", "qdpx"), ("qdc", "qdc"), ("jsonl", "jsonl"), ("matrix-csv", "csv")]:
        out = export(home, fmt, tmp_path / f"out-{fmt}.{suffix}")
        assert out.stat().st_size > 0, fmt
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out-csv.csv").read_text(encoding="utf-8-sig"))))
    lines = (tmp_path / "out-jsonl.jsonl").read_text().splitlines()
    assert len(rows) == len(lines) > 0
    assert {r["status"] for r in rows} == {"confirmed"} and {r["coder"] for r in rows} == {"alice", "bob"}
    with zipfile.ZipFile(tmp_path / "out-qdpx.qdpx") as archive:
        assert "project.qde" in archive.namelist()
    assert (tmp_path / "out-qdc.qdc").read_bytes().startswith(b"<?xml")
    matrix = list(csv.reader(io.StringIO((tmp_path / "out-matrix-csv.csv").read_text(encoding="utf-8-sig"))))
    assert len(matrix) > 1


def test_filters(home, tmp_path):
    def rows(*extra):
        out = export(home, "csv", tmp_path / "f.csv", *extra)
        return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))

    everything = rows()
    national = rows("--theme", "national_reviews")
    assert 0 < len(national) < len(everything)
    assert all(r["theme_path"].startswith("National review themes > ") for r in national)
    assert {r["coder"] for r in rows("--coder", "bob")} == {"bob"}
    assert {r["status"] for r in rows("--status", "rejected")} == {"rejected"}
    london = rows("--where", "region=London")
    assert london and all(r["meta.region"] == "London" for r in london)
    assert rows("--until", "2000-01-01") == []
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--home", home,
                 "--since", "yesterday"]) == 1


def test_qdpx_round_trip_through_the_cli(home, tmp_path, capsys):
    project = export(home, "qdpx", tmp_path / "project.qdpx")
    other = tmp_path / "other"
    assert main(["import", str(project), "--home", str(other), "--json", "--actor", "carol"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["codings"] > 0
    first = export(home, "jsonl", tmp_path / "a.jsonl")
    second = export(str(other), "jsonl", tmp_path / "b.jsonl")

    def key(path):
        return sorted((r["text"], r["theme_id"], r["coder"], r["start"], r["end"])
                      for r in map(json.loads, path.read_text().splitlines()))

    assert key(first) == key(second)
    store = open_store(load_settings(home=other))
    store.close()


def test_import_refuses_other_files(tmp_path, capsys):
    assert main(["import", str(tmp_path / "x.csv"), "--home", str(tmp_path)]) == 1
    assert "only REFI-QDA projects (.qdpx) can be imported here" in capsys.readouterr().err
