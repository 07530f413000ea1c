"""Semantic evidence measured per sentence: how close an excerpt's best sentences come to a theme.

A long paragraph about a review's process that has one sentence on a father's history is close
to no theme as a whole; its one sentence is close to ``invisible_men``. So each excerpt is cut
into sentences (:func:`sentence_spans`), every sentence is embedded once (cached like any other
text), and an excerpt's similarity to a theme is that of its best sentence, together with the
whole excerpt's, both kept as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.analysis.embed import Embedder, EmbeddingCache, embed_texts

_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])"   # a full stop before a capital or digit
    r"|\s*\n\s*\n\s*"                                    # a blank line
    r"|\n(?=\s*(?:[-•*]|\d+[.)])\s)")                      # a line break before a list item
MIN_SENTENCE_WORDS = 5


def sentence_spans(text: str, min_words: int = MIN_SENTENCE_WORDS) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, trimmed; a piece shorter than ``min_words``
    words joins the sentence before it (or after it, at the start)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        left = start + len(piece) - len(piece.lstrip())
        right = start + len(piece.rstrip())
        if right > left:
            if spans and (len(text[left:right].split()) < min_words
                          or len(text[spans[-1][0]:spans[-1][1]].split()) < min_words):
                spans[-1] = (spans[-1][0], right)
            else:
                spans.append((left, right))
        start = match.end() if match else len(text)
    return spans


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-9)


@dataclass
class SentenceSimilarity:
    """Per excerpt and theme: the best sentence's similarity and which sentence it was."""

    best: np.ndarray            # (excerpts, themes) cosine of the best sentence
    best_sentence: np.ndarray   # (excerpts, themes) index into that excerpt's spans
    spans: list[list[tuple[int, int]]]


class SentenceEmbeddings:
    """The sentences of many excerpts, embedded once, ready to compare with theme vectors."""

    def __init__(self, texts: Sequence[str], embedder: Embedder, cache: EmbeddingCache | None = None):
        self.spans = [sentence_spans(t) or [(0, len(t))] for t in texts]
        sentences = [t[s:e] for t, spans in zip(texts, self.spans, strict=True) for s, e in spans]
        self.owner = np.repeat(np.arange(len(texts)), [len(s) for s in self.spans])
        vectors, _ = embed_texts(sentences, embedder, cache) if sentences else (
            np.zeros((0, embedder.dimension), dtype=np.float32), None)
        self.vectors = _normalise(vectors)

    def similarity(self, anchors: np.ndarray) -> SentenceSimilarity:
        """Compare every sentence with ``anchors`` (themes x dimension, normalised)."""
        n_texts, n_themes = len(self.spans), anchors.shape[0]
        per_sentence = self.vectors @ anchors.T
        best = np.full((n_texts, n_themes), -1.0, dtype=np.float32)
        best_sentence = np.zeros((n_texts, n_themes), dtype=np.int64)
        offsets = np.r_[0, np.cumsum([len(s) for s in self.spans])]
        for i in range(n_texts):
            block = per_sentence[offsets[i]:offsets[i + 1]]
            if len(block):
                best_sentence[i] = block.argmax(axis=0)
                best[i] = block.max(axis=0)
        return SentenceSimilarity(best, best_sentence, self.spans)
