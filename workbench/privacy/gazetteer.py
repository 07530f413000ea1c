"""Gazetteers of given names and surnames, and the name rules that use them.

The names come from the person providers of Faker (MIT licence, maintained, about 31,000 given
names and 28,000 surnames over 86 locales: British, Irish, Polish, Romanian, Lithuanian, Turkish,
Arabic, Persian, Indian, Bengali, Nigerian (Yoruba, Igbo), Ghanaian (Twi), Zulu, Chinese,
Vietnamese, Portuguese, Spanish and more). It was chosen over ``names-dataset`` (larger, but built
from a leak of social-network profiles) and ``gender-guesser`` (GPL, given names only). A
gazetteer alone would miss names it lacks and redact words that are also names, so it is one
signal among several: spaCy's recogniser, the cue rules of :mod:`.rules` and the rules below,
and propagation to every later use of a name found once.

Names that are also ordinary English words (:data:`WORD_NAMES`: Hope, Will, Grace, Brown...)
count only in a name's position (followed by a surname, or capitalised inside a sentence), never
at a sentence start or in lower case.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

# Latin letters with their accented forms (Łukasz, Özlem, Ștefan, Nguyễn), upper and lower case.
_LATIN = [chr(c) for c in (*range(0x41, 0x250), *range(0x1E00, 0x1F00))]
UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
LOWER = "".join(c for c in _LATIN if c.islower() and c.isalpha())
_U, _L = f"[{re.escape(UPPER)}]", f"[{re.escape(LOWER)}]"
NAME_PART = rf"{_U}{_L}+(?:['’]{_U}?{_L}+|{_U}{_L}+)?"  # also McBride, MacLeod, DeShawn
NAME_WORD = rf"{NAME_PART}(?:-{NAME_PART})*"
"""One capitalised name word, accents allowed: Siân, O'Neill, D'Souza, Lloyd-Jones."""
CAPS_WORD = rf"{_U}{{2,}}(?:['’]{_U}+)?(?:-{_U}{{2,}})*"
"""One name word in capitals: KAYLEIGH, O'DONNELL, LLOYD-JONES."""

WORD_NAMES = frozenset(w.lower() for w in (
    "Hope", "Will", "Grace", "Joy", "Rose", "Faith", "Summer", "Sunny", "Ivy", "Jack", "Mark", "Bill",
    "Penny", "Sky", "Brook", "Storm", "Reign", "Precious", "Blessing", "Miracle", "Marvellous",
    "King", "Brown", "White", "Young", "Hill", "Wood", "Green", "Black", "May", "June", "April",
    "August", "Dawn", "Chance", "Honor", "Honour", "Amber", "Holly", "Heather", "Crystal", "Star",
    "Autumn", "Rain", "River", "Ocean", "Angel", "Justice", "Glory", "Mercy", "Patience", "Prince",
    "Duke", "Earl", "Frank", "Guy", "Ray", "Rob", "Sue", "Pat", "Don", "Dick", "Art", "Bob", "Lance",
    "Victor", "Gay", "Lily", "Daisy", "Poppy", "Violet", "Jasmine", "Hazel", "Ruby", "Pearl",
    "Jade", "Iris", "Olive", "Sage", "Unity", "Liberty", "Harmony", "Destiny", "Trinity", "Royal",
    "Marshall", "Mason", "Baker", "Cook", "Smith", "Taylor", "Turner", "Carter", "Hunter", "Fisher",
    "Walker", "Ward", "Page", "Bell", "Hall", "Field", "Lane", "Park", "Mills", "Rich", "Noble",
    "Love", "Sweet", "Little", "Long", "Short", "Strong", "Best", "Good", "Moss", "Fox", "Lamb",
    "Swan", "Crane", "Finch", "Wren", "Robin", "Jay", "Hawk", "Wolf", "Bear", "Rock", "Stone",
    "Cliff", "Dale", "Glen", "Heath", "Forest", "Marsh", "Bay", "Shore", "Worth", "Major", "Sterling",
    "Miles", "Norman", "Christian", "Nan", "Nana", "Mum", "Dad", "Mama", "Papa", "Baby", "Child",
    "Officer", "Police", "Doctor", "Nurse", "Social", "Care", "Health", "Court", "School",
))
"""Names that are also ordinary English words: names only where the context says so."""


@lru_cache(maxsize=1)
def _gazetteers() -> tuple[frozenset[str], frozenset[str]]:
    try:
        import faker.providers.person as person
    except ImportError:  # the redactor still works, on its other signals
        return frozenset(), frozenset()
    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        try:
            provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute, target in (("first_names", given), ("first_names_male", given),
                                  ("first_names_female", given), ("last_names", family)):
            values = getattr(provider, attribute, ())
            if isinstance(values, dict):
                values = list(values)
            if isinstance(values, list | tuple | set | frozenset):
                target.update(v.strip() for v in values if isinstance(v, str) and " " not in v.strip())
    keep = re.compile(rf"{NAME_WORD}")
    return (frozenset(g for g in given if keep.fullmatch(g)),
            frozenset(f for f in family if keep.fullmatch(f)))


def given_names() -> frozenset[str]:
    return _gazetteers()[0]


def surnames() -> frozenset[str]:
    return _gazetteers()[1]


_LETTERS_RE = re.compile(rf"[{re.escape(UPPER + LOWER)}]+")


def title_case(word: str) -> str:
    """KAYLEIGH -> Kayleigh, LLOYD-JONES -> Lloyd-Jones, O'DONNELL -> O'Donnell."""
    return _LETTERS_RE.sub(lambda m: m.group()[0].upper() + m.group()[1:].lower(), word)


def is_given_name(word: str) -> bool:
    """A given name of the gazetteer that is not also an ordinary English word."""
    return word in given_names() and word.lower() not in WORD_NAMES


def is_name(word: str) -> bool:
    """A given name or surname of the gazetteer (ordinary words included)."""
    return word in given_names() or word in surnames()


# -- rules that use the gazetteers -------------------------------------------------------------

_WORD_RE = re.compile(rf"(?<![\w'’-])({NAME_WORD})(?![\w'’-])")
_NEXT_WORD_RE = re.compile(rf"[ \t]+({NAME_WORD})")
_CAPS_RUN_RE = re.compile(rf"(?<![\w'’-])({CAPS_WORD}(?:[ \t]+{CAPS_WORD}){{0,4}})(?![\w'’-])")
_INITIAL_RE = re.compile(rf"(?<![\w.])({_U}\.[ \t]?(?:{_U}\.[ \t]?)?)({NAME_WORD})(?![\w'’-])")
_HEADER_RE = re.compile(
    r"^[ \t]*(?:From|To|Cc|Bcc|Signed|Sent by|Author|Prepared by|Completed by|Attendees|Present|"
    r"Apologies|Participants|Copy to|Written by|Reviewed by)[ \t]*:[ \t]*([^\n]+)$", re.MULTILINE)
_PARTICLES = r"(?:van|von|der|den|de|da|di|du|la|le|bin|binti|bint|ben|al|el|ibn|ap|mac|ní|ó)"
_HEADER_NAME_RE = re.compile(
    rf"[ \t]*((?:{_U}\.[ \t]?)*{NAME_WORD}"
    rf"(?:[ \t]+(?:{_PARTICLES}[ \t]+|{_U}\.[ \t]?)*{NAME_WORD}){{0,3}})[ \t]*$")
_CHAT_RE = re.compile(  # an optional time stamp, the speaker (and an emoji or two), the message
    r"^[ \t]*(\[[^\]\n]{1,25}\][ \t]*|\d{1,2}/\d{1,2}/\d{2,4},?[ \t]+\d{1,2}:\d{2}[ \t]+)?"
    r"([^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*)?)(?:[ \t]*[^\w\s:]{1,3})?[ \t]*:[ \t]+(\S[^\n]*)$",
    re.MULTILINE)
KINSHIP = frozenset(("mum", "mam", "mom", "dad", "nan", "nana", "nanna", "gran", "grandma", "grandad",
                     "mummy", "daddy", "auntie", "aunty", "uncle", "sis", "bro", "babe", "baby"))
_MONTHS_AND_DAYS = frozenset((
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "north", "south", "east", "west"))
# After a known given name at a sentence start, these make it a person ("Ellie said ...").
_PERSON_VERB_RE = re.compile(
    r"[ \t]+(?:said|says|told|tells|was|is|had|has|did|does|went|goes|reported|attended|lives|lived|"
    r"explained|disclosed|asked|stated|wanted|wants|agreed|denied|refused|declined|described|"
    r"became|came|left|returned|moved|stayed|spoke|called|rang|texted|visited|missed|would|could|"
    r"will|and|who|’s|'s)\b")
_PLACE_BEFORE_RE = re.compile(r"\b(?:in|at|from|near|of)[ \t]+$")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
# Police logs: a rank (and collar number) or a title in capitals, then a name in capitals.
_CAPS_TITLE_RE = re.compile(
    rf"\b(?:PC|DC|PS|DS|SGT|INSP|PCSO|MR|MRS|MS|MISS|DR)\.?(?:[ \t]+\d{{3,5}})?[ \t]*:?[ \t]+"
    rf"((?:{_U}\.[ \t]?)*(?:(?:DE|DA|VAN|VON|AL|EL|BIN)[ \t]+)?{CAPS_WORD})")
# A nickname in quotes right after a name: Patrick "Paddy" McDonagh, Rukhsana Begum ("Ruksi").
_NICKNAME_RE = re.compile(rf"{NAME_WORD}[ \t]+\(?[\"“]({NAME_WORD})[\"”]")
_LOWER_WORD_RE = re.compile(rf"(?<![\w'’-])({_L}{{2,}}(?:-{_L}{{2,}})?)(?![\w'’-])")
FIELD_LABELS = frozenset((
    "from", "to", "cc", "bcc", "subject", "date", "sent", "re", "tel", "mobile", "email", "e-mail",
    "name", "address", "dob", "note", "notes", "time", "location", "outcome", "action", "actions",
    "re", "ref", "nb", "ps", "update", "reply", "message", "status", "type", "source",
))


PERSON_LABEL_WORDS = frozenset((
    "subject", "child", "children", "sibling", "siblings", "parent", "parents", "mother", "father",
    "stepfather", "stepmother", "step-father", "step-mother", "carer", "carers", "adult", "person",
    "persons", "oic", "officer", "supervisor", "suspect", "victim", "aggrieved", "witness",
    "informant", "name", "names", "known", "aka", "brother", "sister", "partner", "grandmother",
    "grandfather", "aunt", "uncle", "referrer", "worker", "attendees", "present", "participants",
    "chair", "signed", "author", "baby", "son", "daughter", "boyfriend", "girlfriend", "alias",
))
_LABEL_LINE_RE = re.compile(r"^[ \t]*([A-Za-z][A-Za-z\d /'’()-]{0,30}?)[ \t]*:[ \t]*([^\n]+)$", re.MULTILINE)
_TITLES_RE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|PC|DC|DS|PS|DI|Sgt|Insp|MR|MRS|MS|MISS|DR)\.?[ \t]+")
_VALUE_NAME_RE = re.compile(
    rf"((?:{_U}\.[ \t]?)*(?:{NAME_WORD}|{CAPS_WORD})"
    rf"(?:[ \t]+(?:{_PARTICLES}[ \t]+|{_U}\.[ \t]?)*(?:{NAME_WORD}|{CAPS_WORD})){{0,3}})")


def _is_person_label(label: str) -> bool:
    return any(word in PERSON_LABEL_WORDS for word in re.split(r"[ /()-]+", label.lower()))


def labelled_name_spans(text: str, ordinary) -> list[tuple[int, int, str]]:
    """Names given as the value of a label that introduces people ("Mother: ...", "SUBJECT
    CHILD: ...", "Children: A and B", "Also known as: ..."), in title case or capitals."""
    spans = []
    for line in _LABEL_LINE_RE.finditer(text):
        if not _is_person_label(line.group(1)):
            continue
        for item in re.finditer(r"[^,;&]+", line.group(2)):
            for part in re.split(r"\band\b", item.group()):
                start = line.start(2) + item.start() + item.group().find(part)
                part_stripped = part.lstrip(" \t\"“(")
                start += len(part) - len(part_stripped)
                title = _TITLES_RE.match(part_stripped)
                if title:
                    start += title.end()
                    part_stripped = part_stripped[title.end():]
                name = _VALUE_NAME_RE.match(part_stripped)
                if name and not ordinary(name.group(1).split()[0]):
                    spans.append((start, start + name.end(1), "label"))
    return spans


def chat_lines(text: str) -> list[tuple[int, int, int, int]]:
    """(speaker start, speaker end, message start, message end) of each line of a transcribed
    chat: "[Fri 21:15] Brooke: ..." or "tommy: ...". A speaker counts when its line has a time
    stamp, or it is written in lower case on two lines or more, or it is a known given name."""
    lines = [m for m in _CHAT_RE.finditer(text) if m.group(2).lower() not in FIELD_LABELS | KINSHIP
             and not _is_person_label(m.group(2))]
    counts: dict[str, int] = {}
    for m in lines:
        counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    # A conversation: two speakers or more with two lines each or more.
    conversation = sum(1 for n in counts.values() if n >= 2) >= 2
    return [(m.start(2), m.end(2), m.start(3), m.end(3)) for m in lines
            if m.group(1) or (counts[m.group(2)] >= 2 and (m.group(2).islower() or conversation))
            or (is_given_name(m.group(2).split()[0]) and all(w[0].isupper() for w in m.group(2).split()))]


def gazetteer_name_spans(text: str, stop_words: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, source) of names found by the gazetteers and by the layout of forms, e-mails
    and chats: known given names (extended over a following surname), runs of capitals that start
    with one, an initial and a surname, the names after "From:", "To:", "Signed:" and similar,
    chat speakers and the known given names written in lower case in their messages."""
    spans: list[tuple[int, int, str]] = []

    def ordinary(word: str) -> bool:
        lower = word.lower()
        return lower in stop_words or lower in WORD_NAMES or lower in _MONTHS_AND_DAYS

    for m in _WORD_RE.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(1))  # "Ellie's" is Ellie
        nxt = _NEXT_WORD_RE.match(text, m.end())
        if word not in given_names() or word.lower() in stop_words or word.lower() in _MONTHS_AND_DAYS:
            continue
        with_surname = nxt is not None and not ordinary(nxt.group(1))
        before = text[max(0, m.start() - 30):m.start()]
        # Alone, a known given name counts inside a sentence, not after "in"/"at" (a place).
        alone = is_given_name(word) and not _PLACE_BEFORE_RE.search(before) and (
            not _SENTENCE_START_RE.search(before) or _PERSON_VERB_RE.match(text, m.end()) is not None)
        if with_surname or alone:
            spans.append((m.start(1), m.start(1) + len(word), "gazetteer"))
    spans += labelled_name_spans(text, ordinary)
    for m in _CAPS_TITLE_RE.finditer(text):
        spans.append((m.start(1), m.end(1), "capitals"))
    for m in _NICKNAME_RE.finditer(text):
        spans.append((m.start(1), m.end(1), "nickname"))
    for m in _CAPS_RUN_RE.finditer(text):
        words = list(re.finditer(r"\S+", m.group(1)))
        for k, w in enumerate(words):
            first = title_case(w.group())
            then = title_case(words[k + 1].group()) if k + 1 < len(words) else ""
            if is_given_name(first) or (first in given_names() and then in surnames()):
                last = k
                while last + 1 < len(words) and last - k < 2 and not ordinary(words[last + 1].group()):
                    last += 1
                if last > k:  # a given name and a surname; one word alone may be a heading ("TAB")
                    spans.append((m.start(1) + w.start(), m.start(1) + words[last].end(), "capitals"))
    for m in _INITIAL_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not ordinary(m.group(2)) and text[line_start:m.start()].strip() and not re.match(
                r"(?:Child|Baby|Sibling)\b", m.group(2)):
            spans.append((m.start(1), m.end(2), "initial"))
    for m in _HEADER_RE.finditer(text):
        offset = m.start(1)
        for item in re.finditer(r"[^,;]+", m.group(1)):
            head = re.split(r"\s[–—-]\s|[(<\[]", item.group())[0]
            name = _HEADER_NAME_RE.fullmatch(head)
            if name and not ordinary(name.group(1).split()[0]):
                spans.append((offset + item.start() + name.start(1), offset + item.start() + name.end(1),
                              "header"))
    for speaker_start, speaker_end, message_start, message_end in chat_lines(text):
        spans.append((speaker_start, speaker_end, "chat"))
        for w in _LOWER_WORD_RE.finditer(text, message_start, message_end):
            if w.group(1) not in stop_words and is_given_name(title_case(w.group(1))):
                spans.append((w.start(1), w.end(1), "chat"))
    return spans
