"""Personal-data detection and redaction: tricky names, rule shapes, pseudonyms, the offset map."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.nlp import load_pipeline
from workbench.privacy.redact import Finding, Redactor, redact, redact_text


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(load_pipeline(), deny=["Smithy"])


def _redacted(redactor: Redactor, text: str) -> str:
    return redact_text(text, redactor).text


@pytest.mark.parametrize(("text", "expected"), [
    ("Grace said she was tired. Her mother, Grace Holt, agreed. It was by the grace of a neighbour "
     "that help came.",
     "[Person 1] said she was tired. Her mother, [Person 1], agreed. It was by the grace of a "
     "neighbour that help came."),
    ("Rose Tanner visited. Rose said the flat was cold. Hope Adeyemi is the nurse; Hope rang twice. "
     "Mark Ellis and Will Ford attended; Mark left early and Will stayed.",
     "[Person 1] visited. [Person 1] said the flat was cold. [Person 2] is the nurse; [Person 2] rang "
     "twice. [Person 3] and [Person 4] attended; [Person 3] left early and [Person 4] stayed."),
    ("Her mother, Kerry-Ann O'Donnell, was seen. Kerry-Ann said Ms O'Donnell's sister helped.",
     "Her mother, [Person 1], was seen. [Person 1] said [Person 1]'s sister helped."),
    ("Kayden Marsh was seen by the Health Visitor. Kayden went home. Mr Marsh was absent. "
     "Child A and Baby P were not seen.",
     "[Person 1] was seen by the Health Visitor. [Person 1] went home. [Person 1] was absent. "
     "Child A and Baby P were not seen."),
    ('The boy, Kayden Marsh, told staff "kayden is fine" and left.',
     'The boy, [Person 1], told staff "[Person 1] is fine" and left.'),
])
def test_names(redactor: Redactor, text: str, expected: str) -> None:
    assert _redacted(redactor, text) == expected


def test_two_people_sharing_a_surname_stay_apart(redactor: Redactor) -> None:
    text = "Parents: Kayleigh Furness and Darren Furness. Kayleigh was at work; Darren was not."
    assert _redacted(redactor, text) == (
        "Parents: [Person 1] and [Person 2]. [Person 1] was at work; [Person 2] was not.")


def test_address_over_two_lines_and_postcode(redactor: Redactor) -> None:
    text = ("The family lived at 14 Sowerby Close,\nNetherholme, XD6 1PG. Later at Flat 3, Elm Court, "
            "Bridge Road, Leeds. Back at 14 Sowerby Close, Netherholme.")
    assert _redacted(redactor, text) == (
        "The family lived at [Address 1], [Postcode 1]. Later at [Address 2]. Back at [Address 1].")


def test_dates_of_birth_in_five_formats(redactor: Redactor) -> None:
    text = ("Child A, born 4 June 2008. DOB 04/06/2008. Date of birth: 4th June 2008. "
            "(born 2008-06-04). d.o.b June 4, 2008. The visit was on 5 June 2020.")
    assert _redacted(redactor, text) == (
        "Child A, born [Date of birth]. DOB [Date of birth]. Date of birth: [Date of birth]. "
        "(born [Date of birth]). d.o.b [Date of birth]. The visit was on 5 June 2020.")


def test_contact_details(redactor: Redactor) -> None:
    text = ("Call 07700 900123, +44 7700 900123, (0117) 496 0381, 020 7946 0813 or +44 (0)20 7946 0813; "
            "again 07700 900123. Email j.smith@mail.co.uk. NHS number 485 777 3456 or 485-777-3456 or "
            "4857773456. Postcodes SW1A 1AA, M1 1AE, B33 8TH, EH1 2NG.")
    assert _redacted(redactor, text) == (
        "Call [Phone 1], [Phone 2], [Phone 3], [Phone 4] or [Phone 5]; again [Phone 1]. "
        "Email [Email 1]. NHS number [NHS number 1] or [NHS number 2] or [NHS number 3]. "
        "Postcodes [Postcode 1], [Postcode 2], [Postcode 3], [Postcode 4].")


def test_allow_and_deny_lists(redactor: Redactor) -> None:
    text = "Smithy was seen. The Health Visitor, Child A and Young Person L attended."
    assert _redacted(redactor, text) == (
        "[Person 1] was seen. The Health Visitor, Child A and Young Person L attended.")
    custom = Redactor(load_pipeline(), allow=["Kayden Marsh"])
    assert "Kayden Marsh" in _redacted(custom, "The boy, Kayden Marsh, was seen.")


def test_findings_are_sorted_and_disjoint(redactor: Redactor) -> None:
    text = "Mother: Jade Lee, 4 Elm Road, Leeds, LS1 4AB, 07700 900123, jade.lee@mail.com, born 1 May 1990."
    found = redactor.find(text)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    assert [f.kind for f in found] == [
        "person", "address", "postcode", "phone", "email", "date_of_birth"]


def test_replacements_never_hold_the_original() -> None:
    text = "Ms Jade Lee rang."
    result = redact(text, [Finding(0, 11, "person", "ner")])
    assert result.text == "[Person 1] rang."
    assert result.replacements == [(0, 11, 0, 10, "person", "[Person 1]")]
    assert all("Jade" not in str(part) for r in result.replacements for part in r)


def test_map_span_lines_up_paragraphs(redactor: Redactor) -> None:
    text = "First paragraph about Kayden Marsh.\n\nSecond paragraph: Kayden was seen at 4 Elm Road, Leeds."
    result = redact_text(text, redactor)
    second = text.index("Second")
    start, end = result.map_span(second, len(text))
    assert result.text[start:end] == "Second paragraph: [Person 1] was seen at [Address 1]."
    assert result.map_span(0, len("First paragraph about ")) == (0, len("First paragraph about "))
    # A span cutting into a name widens over the whole pseudonym.
    cut = text.index("Marsh")
    assert result.text[slice(*result.map_span(cut, cut + 2))] == "[Person 1]"


FIRST = ["Kayden", "Ellis", "Tamsin", "Jaydon", "Nevaeh", "Precious", "Tobi", "Ruben"]
LAST = ["Marsh", "Holbrook", "Okafor", "Trelawny", "Quarrie", "Penhallow", "Wierzbicki", "Brough"]
FILLER = ["the", "visit", "was", "brief", "and", "school", "noted", "concerns", "about", "sleep",
          "health", "visitor", "record", "late", "again", "home", "on", "Monday"]


TEMPLATES = ["her mother, {f} {l},", "{f} {l} said", "seen by {f} {l} and", "Ms {f} {l}'s flat;"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_offset_map_property(redactor: Redactor, data: st.DataObject) -> None:
    words = data.draw(st.lists(st.sampled_from(FILLER), min_size=5, max_size=40))
    names = data.draw(st.lists(st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST)),
                               min_size=1, max_size=3))
    for first, last in names:
        template = data.draw(st.sampled_from(TEMPLATES))
        position = data.draw(st.integers(0, len(words)))
        words.insert(position, template.format(f=first, l=last))
        words.insert(data.draw(st.integers(position + 1, len(words))), f"{first} said")
    text = " ".join(words) + "."
    result = redact_text(text, redactor)
    for first, last in names:
        assert first not in result.text and last not in result.text
    spans = [(r[0], r[1]) for r in result.replacements]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    if not any(a < end and b > start for a, b in spans):
        new_start, new_end = result.map_span(start, end)
        assert result.text[new_start:new_end] == text[start:end]
    if not any(a < start < b for a, b in spans):
        assert result.unmap_offset(result.map_offset(start)) == start
    again = redact_text(result.text, redactor)
    assert again.text == result.text, "redacting a redacted text changes nothing"


def test_a_second_pass_finds_names_the_first_missed(redactor: Redactor) -> None:
    # "Kaydee" is in no gazetteer: only the recogniser can find it, and only once "Rowley" is gone.
    text = ("What happened, in brief\nBaby Y, Archie Rowley, was born in April 2020, three weeks into the "
            "first lockdown. His mother, Kaydee\nRowley, was twenty and lived alone.\n\nThe early help "
            "offer was never explained to Kaydee in person.")
    assert [text[f.start:f.end] for f in redactor.find(text, passes=1)] == ["Archie Rowley", "Rowley"]
    findings = redactor.find(text)
    assert [(text[f.start:f.end], f.source) for f in findings] == [
        ("Archie Rowley", "cue"), ("Kaydee", "ner-again"), ("Rowley", "ner-propagated"),
        ("Kaydee", "ner-propagated-again")]
    result = redact(text, findings)
    assert result.text.endswith("His mother, [Person 2]\n[Person 1], was twenty and lived alone.\n\n"
                                "The early help offer was never explained to [Person 2] in person.")
    assert redact_text(result.text, redactor).replacements == []


def test_placeholders_are_not_words_for_topics_or_seeds() -> None:
    from workbench.analysis.topics import VectorizerSettings, analysis_texts
    from workbench.privacy.redact import without_placeholders

    text = "[Person 1] was born on [Date of birth] at [Address 2], [Postcode 1]; [NHS number 1]."
    assert without_placeholders(text).split() == ["was", "born", "on", "at", ",", ";", "."]
    words = analysis_texts([text], VectorizerSettings(), "en_core_web_sm")[0].split()
    assert not {"person", "birth", "date", "address", "postcode", "number"} & set(words)


def test_dates_all_replaces_every_calendar_date_and_keeps_dates_of_birth_apart() -> None:
    text = "Kayleigh was born on 3 April 2019. On 12/03/2024 police attended; a review met on 2024-05-01."
    every = Redactor(load_pipeline(), dates="all")
    assert redact_text(text, every).text == (
        "[Person 1] was born on [Date of birth]. On [Date] police attended; a review met on [Date].")
    births = Redactor(load_pipeline())
    assert redact_text(text, births).text == (
        "[Person 1] was born on [Date of birth]. On 12/03/2024 police attended; a review met on 2024-05-01.")
    assert redact_text(redact_text(text, every).text, every).replacements == []


def test_redact_dates_setting(tmp_path, monkeypatch) -> None:
    from workbench.config import load_settings
    from workbench.errors import SettingsError
    from workbench.privacy.redact import load_redactor

    monkeypatch.setenv("WORKBENCH_REDACT_DATES", "all")
    assert load_redactor(load_settings(home=tmp_path)).dates == "all"
    monkeypatch.setenv("WORKBENCH_REDACT_DATES", "events")
    with pytest.raises(SettingsError) as error:
        load_settings(home=tmp_path)
    assert str(error.value) == "setting 'redact_dates' is 'events'; choose one of: birth, all"
    with pytest.raises(SettingsError) as error:
        Redactor(load_pipeline(), dates="some")
    assert str(error.value) == "redact_dates must be 'birth' or 'all', not 'some'"


FRAMES = [
    "{first} {last} was seen by the health visitor.",
    "The DSL, {first} {last}, emailed the MASH.",
    "Contact details held by the nursery for {first} {last}: none on file.",
    "Following a call from a neighbour, {first} {last} declined to make a statement.",
    "The social worker spoke to {first} alone at school.",
    "Police attended and {first} told officers she was frightened.",
    "{first} said that her step-dad shouted.",
    "The midwife recorded {first}'s disclosure at 34 weeks.",
    "Baby {first} was born early and stayed on the neonatal unit.",
    "Her step-dad, {first} {last}, was not seen by any agency.",
    "Mother: {first} {last} (DOB unknown)",
    "SUBJECT: {FIRST} {LAST}",
    "From: {first} {last} <duty@council.example.org>",
    "Signed: {initial}. {last}",
    "Minutes were taken by {first} {last} and circulated.",
    "A strategy discussion was held; {first} {last} attended for health.",
    "The school noted that {first} was often late and hungry.",
    "It was {first} who raised the alarm.",
    "{first} {last}'s attendance fell to 62%.",
    "Present: {first} {last}, {first2} {last2}",
    "On the home visit {first} {last} would not let the worker in.",
    "The GP, Dr {last}, referred the family.",
    "A family friend, {first} {last}, later moved in.",
    "Reports were shared with {first} {last} in the youth offending service.",
    "{FIRST} {LAST} WAS ARRESTED AT THE ADDRESS.",
    "[Mon 21:15] {first2}: where r u\n[Mon 21:16] {first}: at home\n[Mon 21:17] {first2}: ok",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=st.sampled_from(FRAMES), data=st.data())
def test_gazetteer_names_never_survive_redaction(redactor: Redactor, frame: str, data) -> None:
    from workbench.privacy.gazetteer import WORD_NAMES, given_names, surnames

    firsts = sorted(n for n in given_names() if n.lower() not in WORD_NAMES and n.isascii() and len(n) > 3)
    lasts = sorted(n for n in surnames() if n.lower() not in WORD_NAMES and n.isascii() and len(n) > 3
                   and n.lower() not in redactor.stop_words)
    first, first2 = data.draw(st.sampled_from(firsts)), data.draw(st.sampled_from(firsts))
    last, last2 = data.draw(st.sampled_from(lasts)), data.draw(st.sampled_from(lasts))
    text = frame.format(first=first, last=last, first2=first2, last2=last2, FIRST=first.upper(),
                        LAST=last.upper(), initial=first[0])
    redacted = redact_text(text, redactor).text
    for name in (first, last, first2, last2, first.upper(), last.upper()):
        planted = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        if re.search(planted, text):
            assert not re.search(planted, redacted), (text, redacted)


def test_a_single_capitalised_word_that_is_also_a_given_name_is_not_a_person(redactor: Redactor) -> None:
    assert redact_text("\tTAB indented\n\nSUBJECT: KAYLEIGH MORRIS", redactor).text == (
        "\tTAB indented\n\nSUBJECT: [Person 1]")
