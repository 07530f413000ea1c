"""spaCy pipelines load by name, with a warned fallback."""

from __future__ import annotations

import logging

from workbench.nlp import load_pipeline


def test_default_pipeline_is_a_trained_english_model():
    nlp = load_pipeline("en_core_web_sm")
    assert nlp.meta["lang"] == "en"
    assert "ner" in nlp.pipe_names
    fast = load_pipeline("en_core_web_sm", sentences_only=True)
    assert [s.text for s in fast("Dr. Khan saw her. She was well.").sents] == [
        "Dr. Khan saw her.", "She was well."]


def test_missing_pipeline_falls_back_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="workbench.nlp"):
        nlp = load_pipeline("no_such_pipeline_xyz")
    assert nlp.pipe_names == ["sentencizer"]
    assert "No trained spaCy pipeline 'no_such_pipeline_xyz' is installed" in caplog.text
    assert "named-entity redaction, lemmas and part-of-speech tags are unavailable" in caplog.text
