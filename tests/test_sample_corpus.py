"""The fictional sample corpus, its gold files and the default codebook hold what they promise."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import ROOT

from workbench.coding.codebook import load_codebook
from workbench.corpus import collect_files, read_file
from workbench.corpus.document import SourceDocument
from workbench.corpus.ingest import Ingestor
from workbench.corpus.segment import paragraphs
from workbench.store import list_documents

SAMPLE = ROOT / "corpus" / "sample"
MINI = ROOT / "corpus" / "sample-mini"
REGIONS = {"North East", "North West", "Yorkshire and the Humber", "East Midlands",
           "West Midlands", "East of England", "London", "South East", "South West"}
CODABLE = {"cce", "sudi", "nai_under1", "invisible_men", "covid", "ehe", "domestic_abuse",
           "risk_assessment", "sin_criteria", "info_sharing", "professional_curiosity",
           "voice_of_child", "reluctant_engagement", "neglect", "mental_health", "substance_misuse"}
GROUPS = {"national_reviews", "thematic_analyses", "practice_themes", "family_context"}
PII_KINDS = {"person", "date_of_birth", "address", "postcode", "phone", "email", "nhs_number"}
DRAMA_PHONE = re.compile(
    r"^(07700 ?900 ?\d{3}|01632 ?960 ?\d{3}|020 ?7946 ?0\d{3}|0(113|114|115|116|117|118|121|131|141"
    r"|151|161) ?496 ?0\d{3})$")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    with open(SAMPLE / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def texts(manifest, settings_module) -> dict[str, str]:
    """Each sample file as the project's own readers read it."""
    out = {}
    for row in manifest:
        [doc] = list(read_file(SAMPLE / row["file"], row["file"], settings_module))
        assert isinstance(doc, SourceDocument), doc
        out[row["file"]] = doc.text
    return out


@pytest.fixture(scope="module")
def settings_module(tmp_path_factory):
    from workbench.config import load_settings

    return load_settings(home=tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return read_jsonl(SAMPLE / "gold.jsonl")


def test_manifest_describes_every_file(manifest):
    files, _ = collect_files([SAMPLE], ("manifest.csv", "gold.jsonl", "pii.jsonl", "README*"))
    assert sorted(name for _, name in files) == sorted(row["file"] for row in manifest)
    assert len(manifest) >= 100
    for row in manifest:
        assert row["file"].endswith((".txt", ".md"))
        assert row["title"]
        assert 2018 <= int(row["year"]) <= 2024
        assert row["region"] in REGIONS
        assert row["review_type"] in {"rapid review", "practice briefing",
                                      "local child safeguarding practice review summary"}
        assert row["child_age_band"] in {"under 1", "1-4", "5-10", "11-15", "16-17"}
        assert row["harm_type"] in {"death", "serious harm"}
    assert {row["region"] for row in manifest} == REGIONS


def test_files_are_canonical_and_sized_like_reviews(manifest, texts):
    for row in manifest:
        raw = (SAMPLE / row["file"]).read_text(encoding="utf-8")
        assert texts[row["file"]] == raw.strip("\n"), f"{row['file']} is not in canonical form"
        assert 400 <= len(raw.split()) <= 1500, row["file"]


def test_gold_offsets_cover_every_paragraph(manifest, texts, gold):
    by_file = defaultdict(list)
    for g in gold:
        assert set(g) == {"file", "start", "end", "themes"}
        assert set(g["themes"]) <= CODABLE, g
        by_file[g["file"]].append((g["start"], g["end"]))
    assert set(by_file) == set(texts)
    for name, spans in by_file.items():
        assert sorted(spans) == list(paragraphs(texts[name])), f"{name}: gold spans != paragraphs"


def test_theme_coverage(gold):
    paragraphs_per_theme = Counter(t for g in gold for t in g["themes"])
    documents_per_theme = {t: len({g["file"] for g in gold if t in g["themes"]}) for t in CODABLE}
    for theme in CODABLE:
        assert paragraphs_per_theme[theme] >= 25, (theme, paragraphs_per_theme[theme])
        assert documents_per_theme[theme] >= 8, (theme, documents_per_theme[theme])
    # A document carries a theme it evidences in at least two paragraphs (see the data card).
    paragraphs_per_doc: dict[str, Counter] = defaultdict(Counter)
    for g in gold:
        paragraphs_per_doc[g["file"]].update(g["themes"])
    carried = [sum(1 for n in counts.values() if n >= 2) for counts in paragraphs_per_doc.values()]
    assert sum(2 <= n <= 4 for n in carried) / len(carried) > 0.5, "most documents carry 2-4 themes"
    assert sum(1 for g in gold if not g["themes"]) > 100
    assert sum(1 for g in gold if len(g["themes"]) >= 2) > 50


def _sentences(text: str) -> set[str]:
    parts = re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text))
    return {p.strip().lower() for p in parts if len(p.split()) >= 12}


def test_no_long_sentence_in_more_than_two_documents(texts):
    seen = Counter(s for text in texts.values() for s in _sentences(text))
    repeated = [s for s, n in seen.items() if n > 2]
    assert repeated == []


def test_planted_personal_data_is_fictional_and_located(texts):
    pii = read_jsonl(SAMPLE / "pii.jsonl")
    assert {p["kind"] for p in pii} == PII_KINDS
    for p in pii:
        value = texts[p["file"]][p["start"]:p["end"]]
        assert value and value == value.strip(), p
        if p["kind"] == "phone":
            assert DRAMA_PHONE.match(value), value
        elif p["kind"] == "email":
            assert re.search(r"@([\w-]+\.)*example\.(org|com|net)(\.uk)?$", value), value
        elif p["kind"] == "postcode":
            assert value[0] in "QVX", value
        elif p["kind"] == "nhs_number":
            assert re.sub(r"\D", "", value).startswith("999"), value
    with_people = {p["file"] for p in pii if p["kind"] == "person"}
    assert len(with_people) == len(texts)
    kinds = Counter(p["kind"] for p in pii)
    assert min(kinds.values()) >= 10, kinds


def test_sample_ingests_through_the_cli_path(store, settings):
    from workbench.corpus import load_manifest

    report = Ingestor(store, settings, manifest=load_manifest(SAMPLE / "manifest.csv")
                      ).ingest_paths([SAMPLE])
    assert report.skipped == []
    with store.session() as s:
        docs = list_documents(s)
        assert len(docs) == report.documents_added >= 100
        assert all(d.meta["region"] in REGIONS for d in docs)


def test_mini_sample_loads_with_mixed_formats(store, settings):
    """The mini set's gold and pii offsets point into each file's text as read (redaction off)."""
    from dataclasses import replace

    from workbench.corpus import load_manifest

    suffixes = {p.suffix for p in MINI.iterdir()}
    assert {".txt", ".docx", ".pdf", ".csv"} <= suffixes
    report = Ingestor(store, replace(settings, redact=False), manifest=load_manifest(MINI / "manifest.csv")
                      ).ingest_paths([MINI])
    assert report.skipped == []
    assert 10 <= report.documents_added <= 15
    with store.session() as s:
        by_source = {d.source_name: d for d in list_documents(s)}
    mini_gold = read_jsonl(MINI / "gold.jsonl")
    assert {g["file"] for g in mini_gold} == set(by_source)
    for g in mini_gold:
        assert set(g["themes"]) <= CODABLE
        span = by_source[g["file"]].text[g["start"]:g["end"]]
        assert span and span == span.strip()
    for p in read_jsonl(MINI / "pii.jsonl"):
        assert by_source[p["file"]].text[p["start"]:p["end"]].strip()


def test_default_codebook():
    codebook = load_codebook()
    assert {t.id for t in codebook.codable} == CODABLE
    assert {t.id for t in codebook.themes if not t.codable} == GROUPS
    for theme in codebook.codable:
        assert theme.parent in GROUPS
        assert theme.description and theme.inclusion and theme.exclusion, theme.id
        assert 20 <= len(theme.seeds) <= 40, theme.id  # pruned of seeds that only name a service
        assert 3 <= len(theme.examples) <= 5, theme.id
        assert re.match(r"^#[0-9a-fA-F]{6}$", theme.colour), theme.id
    assert len({t.colour for t in codebook.codable}) == 16
    assert codebook.path("invisible_men") == ["National review themes", codebook["invisible_men"].name]
