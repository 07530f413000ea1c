"""Views for people: topic rows, the intertopic map, theme frequency and co-occurrence (fictional data)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.views import (
    CODED_COLUMNS,
    TopicRow,
    co_coded,
    coded_frame,
    cooccurrence,
    excerpt_frame,
    intertopic_map,
    theme_frequency,
    topic_excerpts,
    topic_rows,
    units,
)
from workbench.coding.review import code_span
from workbench.coding.themes import ensure_codebook
from workbench.corpus.ingest import Ingestor
from workbench.errors import BadInput

TOPICS = [
    {"id": -1, "label": "outliers", "size": 4, "words": [["visit", 0.1]], "theme": None},
    {"id": 0, "label": "0_school_attendance", "size": 7,
     "words": [[f"w{i}", 1 - i / 10] for i in range(10)], "theme": "education"},
    {"id": 1, "label": "1_housing", "size": 3, "words": [["housing", 0.5]], "theme": None},
]
CODED = pd.DataFrame({"document_id": [1, 1, 1, 2], "start": [0, 0, 5, 0], "end": [4, 4, 9, 4],
                      "theme": ["a", "b", "c", "a"], "year": ["2020", "2020", "2021", "2021"]})


def test_topic_rows_keep_the_outliers_and_the_top_words():
    rows = topic_rows(TOPICS)
    assert rows[0] == TopicRow(id=-1, size=4, label="outliers", theme=None, words=["visit"])
    assert rows[1] == TopicRow(id=0, size=7, label="0_school_attendance", theme="education",
                               words=[f"w{i}" for i in range(8)])
    assert [r.theme for r in rows] == [None, "education", None]


def test_intertopic_map_projects_the_centroids_without_outliers():
    rng = np.random.default_rng(0)
    centroids = {i: rng.normal(size=16) for i in (-1, 0, 1)}
    points = intertopic_map(TOPICS, centroids)
    assert list(points.columns) == ["topic", "x", "y", "size"]
    assert list(points["topic"]) == [0, 1] and list(points["size"]) == [7, 3]
    # two points: they sit either side of the origin on the first component
    assert points["x"].iloc[0] == pytest.approx(-points["x"].iloc[1])


def test_topic_excerpts():
    assert topic_excerpts({10: 0, 11: 1, 12: 0, 13: -1}, 0) == [10, 12]


def test_cooccurrence_counts_by_excerpt_and_by_document():
    by_excerpt = cooccurrence(CODED, "excerpt")
    assert by_excerpt.loc["a", "a"] == 2 and by_excerpt.loc["a", "b"] == 1 and by_excerpt.loc["a", "c"] == 0
    by_document = cooccurrence(CODED, "document")
    assert by_document.loc["a", "c"] == 1 and by_document.loc["b", "c"] == by_document.loc["c", "b"] == 1
    assert units(CODED, "document").to_dict() == {1: frozenset("abc"), 2: frozenset("a")}
    with pytest.raises(BadInput, match="unknown co-occurrence unit 'page'; choose one of excerpt, document"):
        units(CODED, "page")


def test_co_coded_gives_the_units_and_their_codings_of_both_themes():
    count, chosen = co_coded(CODED, "excerpt", "a", "b")
    assert count == 1 and list(chosen["theme"]) == ["a", "b"]
    count, chosen = co_coded(CODED, "document", "a", "c")
    assert count == 1 and list(chosen["theme"]) == ["a", "c"]
    assert co_coded(CODED, "excerpt", "b", "c")[0] == 0


def test_theme_frequency():
    counts = theme_frequency(CODED, "year")
    assert counts.loc["a", "2020"] == 1 and counts.loc["a", "2021"] == 1 and counts.loc["c", "2020"] == 0


def test_frames_from_the_store(store, settings):
    report = Ingestor(store, replace(settings, redact=False), manifest={"one.txt": {"year": 2022}}
                      ).ingest_bytes([("one.txt", b"Summary\n\nThe family moved house twice."),
                                      ("two.txt", b"Nobody asked who else lived in the home.")])
    excerpts = excerpt_frame(store)
    assert list(excerpts.columns) == ["excerpt_id", "document_id", "title", "text"]
    assert list(excerpts["text"]) == ["The family moved house twice.",
                                      "Nobody asked who else lived in the home."]
    theme = ensure_codebook(store, actor="admin").codable[0]
    first = excerpts.iloc[0]
    code_span(store, report.document_ids[0], 9, 38, theme.id, "alice")
    code_span(store, report.document_ids[1], 0, 6, theme.id, "alice", status="rejected")
    coded = coded_frame(store)
    assert list(coded.columns) == CODED_COLUMNS
    assert coded[["document_id", "text", "theme", "year", "region"]].values.tolist() == [
        [int(first["document_id"]), "The family moved house twice.", theme.name, "2022", "unknown"]]
