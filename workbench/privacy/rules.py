"""The rules of personal-data detection: what each kind looks like, and what is never personal data.

Regular expressions for postcodes, telephone numbers, e-mail addresses, NHS-number shapes, dates
of birth near a cue and street addresses (:func:`rule_findings`), the cues around a person's name
(:func:`person_cue_spans`), the titles, pseudonyms and placeholders the redactor knows, and the
default allow list. :class:`workbench.privacy.redact.Redactor` combines them with spaCy's entities.
The rules are tuned for recall: a missed child's name is worse than an over-redacted word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.privacy.gazetteer import NAME_WORD, chat_lines

KINDS = ("person", "date_of_birth", "date", "address", "postcode", "phone", "email", "nhs_number")
# Overlap resolution: longer wins; on a tie the more specific kind (earlier here) wins.
PRIORITY = {k: i for i, k in enumerate(
    ("email", "nhs_number", "phone", "postcode", "date_of_birth", "date", "address", "person"))}
LABELS = {
    "person": "Person", "address": "Address", "postcode": "Postcode", "phone": "Phone",
    "email": "Email", "nhs_number": "NHS number",
}

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Rev", "Cllr",  # and police ranks:
          "PC", "DC", "DS", "PS", "DI", "DCI", "PCSO", "Sgt", "Insp")
TITLE_RE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Cllr|PC|DC|DS|PS|DI|DCI|PCSO|Sgt|Insp)\.?"
# The placeholders ``redact`` writes: never redacted again, so redacting twice changes nothing.
PLACEHOLDER_RE = re.compile(
    r"\[(?:(?:Person|Address|Postcode|Phone|Email|NHS number) \d+|Date of birth|Date)\]")


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
# One capitalised word: also O'Neill, Lloyd-Jones, Weston-super-Mare, Ryton-on-Dunsmore.
_W = r"[A-Z][a-z]+(?:['’][A-Z]?[a-z]+)?(?:-(?:[a-z]+-)?[A-Z][a-z]+)*"
_SP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # spaces, or one line break (not a blank line)
_STREET_SUFFIX = (
    r"(?:Road|Street|St|Close|Lane|Avenue|Ave|Drive|Way|Court|House|Gardens|Terrace|Crescent|Place|"
    r"Row|Walk|Mews|Cottages|Cottage|Garth|Rise|Yard|Farm|Barn|Bank|Side|Wharf|Mansions|View|Point|"
    r"Tower|Hill|Grove|Square|Parade|Croft|Fold|Green|End|Vale|Mount|Gate|Hall|Lodge|Buildings|Estate|"
    r"Park|Heights|Villas|Boulevard|Quay|Wynd|Brow|Chase|Meadow|Meadows|Field|Fields|Granary|Mill|Drove|"
    r"Loke|Site)"
)
_COMPASS = r"(?:[ \t]+(?:North|South|East|West))?"
_STREET = rf"(?:\d+[A-Za-z]?{_SP})?{_W}(?:{_SP}{_W}){{0,3}}{_SP}{_STREET_SUFFIX}\b{_COMPASS}"
_NUMBERED_STREET = rf"\d+[A-Za-z]?{_SP}{_W}(?:{_SP}{_W}){{0,3}}{_SP}{_STREET_SUFFIX}\b{_COMPASS}"
_UNIT = rf"(?:(?:Flat|Room|Plot|Unit|Apartment|Apt|Pitch|Caravan)\.?{_SP}\d+[A-Za-z]?,{_SP})"
_BUILDING = rf"(?:(?:The{_SP}{_W}|{_W}(?:{_SP}{_W}){{0,2}}{_SP}{_STREET_SUFFIX}),{_SP})"
_TOWN = (rf"(?!(?:{TITLE_RE}|Child|Baby|Mother|Father|The|He|She|They|His|Her|NHS)\b)"
         rf"{_W}(?:[ \t]+{_W}){{0,2}}\b(?!['’]s)")
_CELTIC_STREET = (rf"(?:\d+[A-Za-z]?[ \t]+)?(?:Heol|Ffordd|Stryd|Lôn|Rhodfa|Cilgant|Clos|Maes|Sràid|Rathad|"
                  rf"Ceum|Bóthar|Sráid)(?:[ \t]+(?:y|yr|na|nan|an|a'|h-{_W}|{_W}|[A-Z][a-zà-ÿ]+)){{1,3}}")
_PLACE_CUE = (r"(?:\b(?:[Aa]t|[Oo]n|in|to|from|of|near|off|address|lives|lived|living|moved|visited|"
              r"visit|attended|was|is)|:)[ \t]+")
# Welsh and Gaelic street names, anywhere; other streets without a house number after a place
# word ("police attended Kestrel Close, Marrowby"), before a comma, a stop or a postcode.
CELTIC_STREET_RE = re.compile(rf"\b{_CELTIC_STREET}(?:,{_SP}{_TOWN})?")
UNNUMBERED_STREET_RE = re.compile(
    rf"{_PLACE_CUE}({_W}(?:{_SP}{_W}){{0,3}}{_SP}{_STREET_SUFFIX}\b(?:,{_SP}{_TOWN}"
    rf"(?=\s*(?:,|\.|;|\)|$|\n|{_POSTCODE})))?)")
# The rest of the line after an address label: "Address: 27 Brampton Crescent, Leyton, London".
ADDRESS_LABEL_RE = re.compile(
    r"(?im)^[ \t]*(?:home |current |previous |last known |new |family |child's )?(?:address|location)"
    r"[ \t]*:[ \t]*([^\n]*?)[ \t]*(?=$|\(|[ \t][–-][ \t])")
# Streets written in lower case, as in text messages: "14 cromwell rd", "flat 5 jubilee mansions".
LOWER_STREET_RE = re.compile(
    r"\b(?:flat[ \t]+\d+[a-z]?[ \t,]+|(?:no\.?[ \t]+)?\d+[a-z]?[ \t]+)?[a-z]+(?:[ \t]+[a-z]+)?[ \t]+"
    r"(?:rd|st|road|street|court|close|lane|mansions|view|avenue|ave|drive|way|terrace|crescent|"
    r"gardens|grove|walk|row|house|estate|park)\b")
ADDRESS_RE = re.compile(
    rf"(?:{_UNIT}(?:{_STREET}|{_W}(?:{_SP}{_W}){{0,3}})|{_NUMBERED_STREET}|{_BUILDING}{_STREET})"
    rf"(?:,{_SP}{_STREET})*(?:,{_SP}{_TOWN}(?=\s*(?:,|\.|;|\)|$|\n|{_POSTCODE})|[ \t]+[a-z]))?"
)
# In capitals, as in police logs: "6 BLACKTHORN CLOSE, KIRTON", "FLAT 3, 11 LIQUORPOND STREET".
_CAPS = r"[A-Z][A-Z'’-]+"
CAPS_ADDRESS_RE = re.compile(
    rf"\b(?:(?:FLAT|UNIT|ROOM)[ \t]+\d+[A-Z]?,?[ \t]+)?\d+[A-Z]?[ \t]+{_CAPS}(?:[ \t]+{_CAPS}){{0,3}}[ \t]+"
    rf"(?:{_STREET_SUFFIX.upper()})\b(?:,[ \t]*{_CAPS}(?:[ \t]+{_CAPS})?)?")
# Addresses abroad, the number after the street: "ul. Mickiewicza 8, Łódź", "Strada Libertății 14".
FOREIGN_ADDRESS_RE = re.compile(
    r"\b(?:ul\.|ulica|Strada|Str\.|Rue|Calle|Via|Rua|Avenida|Straße|Strasse|Carrer)[ \t]+"
    r"(?:[^\W\d_][\w'’.-]*[ \t]+){1,4}\d+[A-Za-z]?(?:,[ \t]*[^\W\d_][\w'’-]*)?")
POSTCODE_RE = re.compile(rf"\b{_POSTCODE}\b")
LOWER_POSTCODE_RE = re.compile(r"\b[a-z]{1,2}\d[a-z\d]?[ \t]\d[a-z]{2}\b")  # "b33 8th", "wn5 9qp"
EMAIL_RE = re.compile(r"\b[\w.+'-]+@[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)*\.[A-Za-z]{2,}\b")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+44[ \-]?(?:\(0\)[ \-]?)?\d|\(0\d{2,4}\)[ \-]?|0\d)[\d \-]{6,13}\d\b")
NHS_RE = re.compile(r"(?<![\w/.-])\d{3}([ \-]?)\d{3}\1\d{4}(?![\w/-]|\.\d)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_RE = re.compile(
    rf"\b(?:{_ORD}(?:[ \t]+of)?[ \t]+{_MONTH},?[ \t]+\d{{4}}|{_MONTH}[ \t]+{_ORD},?[ \t]+\d{{4}}|"
    rf"\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}-{_MONTH}-\d{{2,4}})\b"
)
_DOB_CUE = re.compile(r"\b(?:born|DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|b\.)", re.IGNORECASE)
_NAME_BEFORE = re.compile(
    r"(?:\b(?:Child|Baby|Infant|Young Person|Sibling)\s+[A-Z]|"
    r"(?<!\bOn )(?<!\bIn )(?<!\bBy )\b(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?['’]?[a-z]*[ \t]+[A-Z][\w'’-]+)\)?[,:][ \t]*$"
)
_NAME_WORD = NAME_WORD  # capitalised, accents allowed (Siân, Łukasz, O'Neill, Lloyd-Jones)
TITLE_NAME_RE = re.compile(rf"\b{TITLE_RE}[ \t]+{_NAME_WORD}(?![\w'’-])")
_PSEUDO = r"(?:Child|Baby|Infant|Young Person|Sibling) [A-Z]"
CUE_NAME_RE = re.compile(
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
NAME_THEN_VERB_RE = re.compile(
    rf"(?<![\w'’-])({_NAME_WORD}[ \t]+{_NAME_WORD})(?:['’]s)?[ \t]+(?:said|told|reported|stated|explained|"
    r"disclosed|recalled|described|asked|rang|called|texted|visited|attended|denied|agreed)\b"
)
CUE_SINGLE_RE = re.compile(
    r"\b(?:mother|father|brother|sister|half-brother|half-sister|child|son|daughter|partner|cousin|"
    r"friend|boyfriend|girlfriend|baby|grandmother|grandfather),[ \t]+"
    rf"({_NAME_WORD})(?=[,.;)]|[ \t]+(?:and|was|who|had|did|said|aged)\b)|"
    r"\b(?:said|called|named|known as|nicknamed|saved as)[ \t]+"
    rf"[\"“]({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)[\"”]|"
    rf"\b({_NAME_WORD}),?[ \t]+as[ \t]+{_PSEUDO}[ \t]+is[ \t]+(?:named|known|called)"
)
NEXT_NAME_WORD_RE = re.compile(rf"[ \t]+(?!{TITLE_RE}\b)({_NAME_WORD}(?:['’]s)?)\b")
PREV_NAME_WORD_RE = re.compile(rf"(?<![\w'’-])(?!{TITLE_RE}\b)({_NAME_WORD})[ \t]+$")
CALENDAR_RE = re.compile(
    rf"{_MONTH}|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day")
# Double-quoted, or single-quoted where the quotes are not apostrophes inside words.
QUOTED_RE = re.compile(r"[\"“]([^\"”\n]{1,300})[\"”]|(?<!\w)['‘]([^'’\n]{1,300})['’](?!\w)")


@dataclass(frozen=True, order=True)
class Finding:
    """A span of personal data: ``text[start:end]`` of ``kind``, found by ``source``."""

    start: int
    end: int
    kind: str
    source: str


def rule_findings(text: str) -> list[Finding]:
    """Findings of every kind but person, by the regular-expression rules alone."""
    out: list[Finding] = []
    for m in EMAIL_RE.finditer(text):
        out.append(Finding(m.start(), m.end(), "email", "email"))
    for m in (*POSTCODE_RE.finditer(text), *LOWER_POSTCODE_RE.finditer(text)):
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
    for m in (*CAPS_ADDRESS_RE.finditer(text), *FOREIGN_ADDRESS_RE.finditer(text)):
        out.append(Finding(m.start(), m.end(), "address", "address"))
    for m in CELTIC_STREET_RE.finditer(text):
        out.append(Finding(m.start(), m.end(), "address", "address"))
    for m in UNNUMBERED_STREET_RE.finditer(text):
        out.append(Finding(m.start(1), m.end(1), "address", "address"))
    for m in ADDRESS_LABEL_RE.finditer(text):
        value = m.group(1)
        postcode = POSTCODE_RE.search(value.upper())
        end = m.start(1) + (postcode.start() if postcode else len(value))
        end = m.start(1) + len(text[m.start(1):end].rstrip(" ,;"))
        if end > m.start(1) and re.search(r"\d|[A-Za-z]{3}", text[m.start(1):end]):
            out.append(Finding(m.start(1), end, "address", "address-label"))
    for _, _, message_start, message_end in chat_lines(text):
        for m in LOWER_STREET_RE.finditer(text, message_start, message_end):
            out.append(Finding(m.start(), m.end(), "address", "address-chat"))
    return out


def person_cue_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, source) of names the cue rules find: after a relation or role, before a verb of
    speech, a single name after a cue, and a title with its name."""
    spans: list[tuple[int, int, str]] = []
    for m in CUE_NAME_RE.finditer(text):
        spans.append((m.start(1), m.end(1), "cue"))
    for m in NAME_THEN_VERB_RE.finditer(text):
        spans.append((m.start(1), m.end(1), "cue"))
    for m in CUE_SINGLE_RE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g))
        spans.append((m.start(group), m.end(group), "cue-single"))
    for m in TITLE_NAME_RE.finditer(text):
        spans.append((m.start(), m.end(), "title"))
    return spans
