"""Lexical evidence: a theme's seed phrases found in an excerpt, matched on spaCy lemmas.

Matching is case-insensitive and on lemmas, so "co-sleeping", "Co-slept" and "co sleep" all match
the seed "co-sleeping", and "missed appointments" matches "missed appointment". Hyphens and other
punctuation inside a phrase are ignored. A match is **negated**, and does not count, when one of
:data:`NEGATION_CUES` ends at most :data:`NEGATION_WINDOW` tokens before it in the same sentence
("there was no evidence of domestic abuse"); a plain "no" or "not" does not negate, because
reviews mostly name what did not happen as the finding itself ("no return home interview was
held" is evidence of exploitation work, not against it). A match inside one of
:data:`STOCK_PHRASES` does not count either: "abuse or neglect" is the statutory wording of a
review's criteria, not evidence that a child was neglected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from workbench.privacy.rules import PLACEHOLDER_RE

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from workbench.coding.codebook import Theme

NEGATION_CUES: tuple[tuple[str, ...], ...] = (
    ("no", "evidence", "of"), ("no", "evidence", "that"), ("no", "indication", "of"),
    ("no", "indication", "that"), ("no", "concern", "about"), ("no", "concern", "regard"),
    ("no", "history", "of"), ("no", "sign", "of"), ("no", "suggestion", "of"),
    ("no", "suggestion", "that"), ("rule", "out"), ("not", "suspect"), ("no", "known"),
)
NEGATION_WINDOW = 4
STOCK_PHRASES: tuple[tuple[str, ...], ...] = (
    ("abuse", "or", "neglect"), ("abuse", "and", "neglect"), ("abuse", "and/or", "neglect"),
    ("neglect", "or", "abuse"), ("neglect", "and", "abuse"), ("harm", "or", "neglect"),
    ("abuse", "neglect", "and", "exploitation"), ("abuse", "neglect", "or", "exploitation"),
)
SENTENCE_ENDS = frozenset({".", "!", "?", ";"})


@dataclass(frozen=True)
class PhraseMatch:
    """One seed phrase of one theme found in a text, with character offsets into that text."""

    theme: int
    phrase: str
    start: int
    end: int
    negated: bool = False
    stock: bool = False   # inside a stock phrase such as "abuse or neglect"

    @property
    def counts(self) -> bool:
        """Whether the match is evidence: neither negated nor part of a stock phrase."""
        return not (self.negated or self.stock)


Token = tuple[str, int, int]  # (lower-case lemma, start, end); "." for a sentence end


def _for_matching(text: str) -> str:
    """Lower case (the lemmatiser then treats "County Lines" as the noun "line"), with redaction
    placeholders as spaces ("[Date of birth]" is not about births); offsets stay the text's."""
    blanked = PLACEHOLDER_RE.sub(lambda m: " " * len(m.group()), text)
    lower = blanked.lower()
    return lower if len(lower) == len(blanked) else blanked


def _tokens(doc: Doc) -> list[Token]:
    out: list[Token] = []
    for token in doc:
        if token.is_space:
            continue
        if token.is_punct:
            if token.text in SENTENCE_ENDS:
                out.append((".", token.idx, token.idx + len(token)))
            continue
        lemma = token.lemma_.lower().replace("-", "") or token.lower_
        out.append((lemma, token.idx, token.idx + len(token)))
    return out


def _in_stock_phrase(lemmas: list[str], start: int, length: int) -> bool:
    """Whether lemmas[start:start + length] lies inside an occurrence of a stock phrase."""
    for phrase in STOCK_PHRASES:
        for first in range(max(0, start + length - len(phrase)), start + 1):
            if tuple(lemmas[first:first + len(phrase)]) == phrase:
                return True
    return False


def _negated(tokens: list[Token], at: int) -> bool:
    """Whether a negation cue ends within NEGATION_WINDOW tokens before token ``at``, in its sentence."""
    before: list[str] = []
    for lemma, _, _ in reversed(tokens[:at]):
        if lemma == "." or len(before) >= NEGATION_WINDOW + 3:
            break
        before.append(lemma)
    before.reverse()
    n = len(before)
    return any(tuple(before[end - len(cue):end]) == cue for cue in NEGATION_CUES
               for end in range(max(len(cue), n - NEGATION_WINDOW), n + 1))


class PhraseLexicon:
    """The seed phrases of a list of themes, ready to match against many texts."""

    def __init__(self, themes: Sequence[Theme], nlp: Language):
        self.nlp = nlp
        self.size = len(themes)
        self._disabled = [p for p in ("parser", "ner") if p in nlp.pipe_names]
        self._by_first: dict[str, list[tuple[tuple[str, ...], int, str]]] = {}
        phrases = [(j, seed) for j, theme in enumerate(themes) for seed in theme.seeds if seed.strip()]
        docs = nlp.pipe((_for_matching(seed) for _, seed in phrases), disable=self._disabled)
        for (j, seed), doc in zip(phrases, docs, strict=True):
            lemmas = tuple(lemma for lemma, _, _ in _tokens(doc) if lemma != ".")
            if lemmas:
                self._by_first.setdefault(lemmas[0], []).append((lemmas, j, seed))
        self._cache: dict[str, list[PhraseMatch]] = {}

    def find(self, texts: Sequence[str]) -> list[list[PhraseMatch]]:
        """Every phrase match in each text (negated ones included, marked), cached by text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        cleaned = (_for_matching(t) for t in missing)
        for text, doc in zip(missing, self.nlp.pipe(cleaned, batch_size=64, disable=self._disabled),
                             strict=True):
            self._cache[text] = self._match(_tokens(doc))
        return [self._cache[t] for t in texts]

    def _match(self, tokens: list[Token]) -> list[PhraseMatch]:
        lemmas = [lemma for lemma, _, _ in tokens]
        found = []
        for i, lemma in enumerate(lemmas):
            for pattern, theme, phrase in self._by_first.get(lemma, ()):
                if tuple(lemmas[i:i + len(pattern)]) == pattern:
                    found.append(PhraseMatch(theme, phrase, tokens[i][1], tokens[i + len(pattern) - 1][2],
                                             _negated(tokens, i),
                                             _in_stock_phrase(lemmas, i, len(pattern))))
        return found

    def counts(self, texts: Sequence[str]) -> np.ndarray:
        """Distinct phrases matched that count as evidence, per text and theme."""
        out = np.zeros((len(texts), self.size), dtype=np.float32)
        for i, matches in enumerate(self.find(texts)):
            for theme, _ in {(m.theme, m.phrase) for m in matches if m.counts}:
                out[i, theme] += 1
        return out
