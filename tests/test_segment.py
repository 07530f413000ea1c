"""Segmentation into excerpts: offsets are the truth."""

from __future__ import annotations

import spacy
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from workbench.corpus.segment import Segmenter, is_heading, paragraphs

BLANK = spacy.blank("en")
BLANK.add_pipe("sentencizer")


def words(text: str) -> int:
    return len(text.split())


def test_paragraphs_headings_and_sections(segmenter):
    text = ("# Rapid review: Child P\n\nBackground\n\nP lived with her mother.\nShe was four.\n\n"
            "Analysis of practice\n\nNobody asked about the new partner.")
    excerpts = segmenter.segment(text)
    assert [(e.text, e.section) for e in excerpts] == [
        ("P lived with her mother.\nShe was four.", "Background"),
        ("Nobody asked about the new partner.", "Analysis of practice"),
    ]


def test_long_paragraph_splits_at_sentences_under_the_limit():
    sentence = "The school nurse saw the child on {} occasions and noted weight loss each time."
    paragraph = " ".join(sentence.format(n) for n in range(30))
    seg = Segmenter(BLANK, max_tokens=40, count_tokens=words)
    excerpts = seg.segment(paragraph)
    assert len(excerpts) > 1
    assert all(words(e.text) <= 40 for e in excerpts)
    assert all(e.text.endswith("time.") for e in excerpts)
    assert " ".join(e.text for e in excerpts) == paragraph


def test_overlong_sentence_is_split_between_words():
    sentence = " ".join(f"word{i}" for i in range(100)) + "."
    excerpts = Segmenter(BLANK, max_tokens=30, count_tokens=words).segment(sentence)
    assert [words(e.text) for e in excerpts] == [30, 30, 30, 10]


def test_is_heading():
    assert is_heading("## Learning")
    assert is_heading("3. Key practice episodes")
    assert not is_heading("The mother said she was fine.")
    assert not is_heading("two\nlines")
    assert not is_heading("lower case line")


def test_paragraph_offsets_skip_surrounding_whitespace():
    text = "  \n\n First. \n  \n\nSecond\n"
    assert [text[s:e] for s, e in paragraphs(text)] == ["First.", "Second"]


alphabet = st.sampled_from(list("abcXYZ .,!?#\n\t'é’\u00a0") + ["\n\n", "Mr. ", "e.g. ", "[Person 1]"])


def heading_spans(text: str) -> list[tuple[int, int]]:
    """The blocks the segmenter takes as headings (they become sections, never excerpts)."""
    return [(s, e) for s, e in paragraphs(text) if is_heading(text[s:e])]


@hsettings(max_examples=300, deadline=None)
@given(st.lists(alphabet, max_size=400).map("".join), st.integers(8, 40))
def test_excerpts_are_ordered_non_overlapping_and_exact(text, limit):
    """Excerpts are exact, ordered and trimmed, and they cover the text: every character that is not
    whitespace (``str.isspace``) lies in exactly one excerpt or else in exactly one heading block."""
    excerpts = Segmenter(BLANK, max_tokens=limit, count_tokens=words).segment(text)
    previous_end = 0
    for e in excerpts:
        assert previous_end <= e.start < e.end <= len(text)
        assert e.text == text[e.start:e.end]
        assert e.text.strip() == e.text
        previous_end = e.end
    headings = heading_spans(text)
    for i, char in enumerate(text):
        if char.isspace():
            continue
        in_excerpts = sum(e.start <= i < e.end for e in excerpts)
        in_headings = sum(s <= i < e for s, e in headings)
        assert (in_excerpts, in_headings) in ((1, 0), (0, 1)), (i, char, in_excerpts, in_headings)
