"""REFI-QDA codebook exchange (.qdc): schema validity, exact round trip, other tools' files, bad input."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path

import pytest

from workbench.coding.codebook import ID_PATTERN, Codebook, Theme, load_codebook
from workbench.errors import BadInput
from workbench.exchange import safexml
from workbench.exchange.qdc import (
    GUID_NAMESPACE,
    QDC_NAMESPACE,
    codebook_from_qdc,
    codebook_to_qdc,
    load_qdc,
    save_qdc,
    theme_guid,
)

etree = pytest.importorskip("lxml.etree")

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "Codebook.xsd"
NS = {"q": QDC_NAMESPACE}
FIX = "export the codebook from the QDA tool as a REFI-QDA codebook (.qdc) and try again"

# A codebook as another tool might write it: braces round some GUIDs, 1/0 booleans, mixed-case and
# three-digit colours, a code without Description, names with spaces, punctuation, accents and a
# repeat, a leading digit, and a <Sets> block.
OTHER_TOOL_QDC = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Another QDA tool 14.2">
  <Codes>
    <Code guid="{6E1B5A0C-2F3D-4E5F-8A9B-0C1D2E3F4A5B}" name="Risk &amp; Protective Factors"
          isCodable="false" color="#FFAA00">
      <Description>Things that raise or lower the risk of harm.
Second line of the description.</Description>
      <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f01" name="Parental mental health" isCodable="true"
            color="#1a2B3c">
        <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f02" name="  Post-natal depression (PND)  "
              isCodable="true" color="#AbC"/>
      </Code>
      <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f03" name="Domestic abuse" isCodable="1"/>
    </Code>
    <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f04" name="Domestic abuse" isCodable="true" color="#00ff00">
      <Description>Second code with the same name.</Description>
    </Code>
    <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f05" name="2019 reforms!" isCodable="0"/>
    <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f06" name="\xc3\x89valuation du risque" isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f07" name="Priority codes">
      <MemberCode guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f01"/>
    </Set>
  </Sets>
</CodeBook>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CodeBook [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f01" name="&lol9;" isCodable="true"/>
  </Codes>
</CodeBook>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes><Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f01" name="&secret;" isCodable="true"/></Codes>
</CodeBook>
"""

DOCTYPE_MESSAGE = (
    "not a REFI-QDA codebook: the file has a DOCTYPE declaration, which .qdc files never contain; it is "
    "refused so that no entity in it is expanded. Export the codebook from the QDA tool as a REFI-QDA "
    "codebook (.qdc) and try again"
)


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def assert_valid(schema, data: bytes) -> None:
    document = etree.fromstring(data)
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)


def codebook_of(*themes: Theme) -> Codebook:
    return Codebook(name="Test", themes=list(themes))


# -- (a) the default codebook is a valid REFI-QDA codebook ----------------------------------------


def test_default_codebook_export_validates_against_the_refi_qda_schema(schema) -> None:
    codebook = load_codebook()
    data = codebook_to_qdc(codebook)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert_valid(schema, data)

    root = etree.fromstring(data)
    assert root.tag == f"{{{QDC_NAMESPACE}}}CodeBook"
    assert root.get("origin") == "Safeguarding Themes Workbench"
    assert root.find("q:Sets", NS) is None
    codes = root.findall(".//q:Code", NS)
    assert len(codes) == len(codebook.themes)
    by_name = {code.get("name"): code for code in codes}
    for theme in codebook.themes:
        code = by_name[theme.name]
        assert code.get("guid") == theme_guid(theme.id)
        assert code.get("isCodable") == ("true" if theme.codable else "false")
        assert code.get("color") == theme.colour
        parent = code.getparent()
        if theme.parent is None:
            assert parent.tag == f"{{{QDC_NAMESPACE}}}Codes"
        else:
            assert parent.get("guid") == theme_guid(theme.parent)


def test_description_is_readable_plain_text() -> None:
    theme = Theme(id="cce", name="Child criminal exploitation", description="Children made to commit crime.",
                  inclusion=["Drug running."], exclusion=["Own offending.", "Peer violence."],
                  seeds=["county lines", "cuckooing"], examples=["He carried drugs."])
    root = etree.fromstring(codebook_to_qdc(codebook_of(theme)))
    assert root.find(".//q:Description", NS).text == (
        "Theme id: cce\n\n"
        "Children made to commit crime.\n\n"
        "Include:\n- Drug running.\n\n"
        "Exclude:\n- Own offending.\n- Peer violence.\n\n"
        "Seeds:\n- county lines\n- cuckooing\n\n"
        "Examples:\n- He carried drugs."
    )


# -- (b) export -> import is exact ---------------------------------------------------------------


def test_default_codebook_round_trips_exactly() -> None:
    codebook = load_codebook()
    imported = codebook_from_qdc(codebook_to_qdc(codebook), name=codebook.name)
    assert [asdict(t) for t in imported.themes] == [asdict(t) for t in codebook.themes]
    assert imported.themes == codebook.themes
    assert imported.name == codebook.name


def test_awkward_themes_round_trip_exactly(schema) -> None:
    themes = [
        Theme(id="group", name="Group <&> \"quoted\"", codable=False, colour="#abc"),
        Theme(id="tricky", name="Tricky", parent="group", colour="#0072B2",
              description="First paragraph.\n\nInclude:\nnot a section, just prose\n\nExclude:",
              inclusion=["one line", "two\nlines", "  indented start", ""],
              seeds=["Include:", "- dash"], examples=["Examples:\n- nested"]),
        Theme(id="bare", name="Bare", parent="tricky"),
        Theme(id="seeds_only", name="Seeds only", seeds=["alpha", "beta"]),
        Theme(id="unicode", name="Évaluation — “risk”", description="Naïve café ✓"),
    ]
    codebook = codebook_of(*themes)
    data = codebook_to_qdc(codebook)
    assert_valid(schema, data)
    assert codebook_from_qdc(data).themes == themes


def test_save_and_load_qdc(tmp_path: Path) -> None:
    codebook = load_codebook()
    path = save_qdc(codebook, tmp_path / "panel.qdc")
    assert path.read_bytes() == codebook_to_qdc(codebook)
    loaded = load_qdc(path)
    assert loaded.name == "panel"
    assert loaded.themes == codebook.themes
    assert load_qdc(path, name="Panel priority themes").name == "Panel priority themes"


# -- (c) codebooks from other tools ---------------------------------------------------------------


def test_other_tools_codebook_imports_with_slug_ids_and_parents(schema) -> None:
    assert_valid(schema, OTHER_TOOL_QDC)
    codebook = codebook_from_qdc(OTHER_TOOL_QDC)
    assert codebook.name == "Imported codebook"
    assert codebook.description == "Imported from a REFI-QDA codebook written by Another QDA tool 14.2."
    got = [(t.id, t.name, t.parent, t.codable, t.colour) for t in codebook.themes]
    assert got == [
        ("risk_protective_factors", "Risk & Protective Factors", None, False, "#ffaa00"),
        ("parental_mental_health", "Parental mental health", "risk_protective_factors", True, "#1a2b3c"),
        ("post_natal_depression_pnd", "  Post-natal depression (PND)  ", "parental_mental_health", True,
         "#aabbcc"),
        ("domestic_abuse", "Domestic abuse", "risk_protective_factors", True, ""),
        ("domestic_abuse_2", "Domestic abuse", None, True, "#00ff00"),
        ("code_2019_reforms", "2019 reforms!", None, False, ""),
        ("evaluation_du_risque", "Évaluation du risque", None, True, ""),
    ]
    assert all(ID_PATTERN.match(t.id) for t in codebook.themes)
    first = codebook["risk_protective_factors"]
    assert first.description == ("Things that raise or lower the risk of harm.\n"
                                 "Second line of the description.")
    assert (first.inclusion, first.exclusion, first.seeds, first.examples) == ([], [], [], [])
    assert codebook["domestic_abuse_2"].description == "Second code with the same name."
    assert codebook["domestic_abuse"].description == ""
    assert codebook.path("post_natal_depression_pnd") == [
        "Risk & Protective Factors", "Parental mental health", "  Post-natal depression (PND)  "]

    # Once imported, the codebook keeps its ids through our own export.
    again = codebook_to_qdc(codebook)
    assert_valid(schema, again)
    assert codebook_from_qdc(again).themes == codebook.themes


def test_slugs_never_take_an_id_recovered_from_a_workbench_description() -> None:
    data = f"""<CodeBook xmlns="{QDC_NAMESPACE}"><Codes>
      <Code guid="{uuid.uuid4()}" name="Neglect" isCodable="true"/>
      <Code guid="{uuid.uuid4()}" name="Something else" isCodable="true">
        <Description>Theme id: neglect</Description>
      </Code>
      <Code guid="{uuid.uuid4()}" name="***" isCodable="true"/>
    </Codes></CodeBook>""".encode()
    assert [t.id for t in codebook_from_qdc(data).themes] == ["neglect_2", "neglect", "code"]


# -- (d) bad input ---------------------------------------------------------------------------------


def in_codebook(codes: str) -> bytes:
    return f'<CodeBook xmlns="{QDC_NAMESPACE}"><Codes>{codes}</Codes></CodeBook>'.encode()


A_CODE = '<Code guid="7f0c3a52-1b2c-4d3e-9f4a-5b6c7d8e9f01" name="A code" isCodable="true"/>'


BAD_INPUT = [
    pytest.param(b"", f"not a REFI-QDA codebook: the XML is not well-formed (no element found: line 1, "
                      f"column 0); {FIX}", id="empty"),
    pytest.param(b"name: Panel themes\nthemes: []\n",
                 f"not a REFI-QDA codebook: the XML is not well-formed (syntax error: line 1, column 0); "
                 f"{FIX}", id="yaml"),
    pytest.param(b"<CodeBook><Codes>", f"not a REFI-QDA codebook: the XML is not well-formed (no element "
                                       f"found: line 1, column 17); {FIX}", id="truncated"),
    pytest.param(b"<x/>", "not a REFI-QDA codebook: root element is <x> with no namespace, expected "
                          f"<CodeBook> in namespace urn:QDA-XML:codebook:1.0; {FIX}", id="other-root"),
    pytest.param(f"<CodeBook><Codes>{A_CODE}</Codes></CodeBook>".encode(),
                 "not a REFI-QDA codebook: root element is <CodeBook> with no namespace, expected "
                 f"<CodeBook> in namespace urn:QDA-XML:codebook:1.0; {FIX}", id="no-namespace"),
    pytest.param(b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
                 "not a REFI-QDA codebook: root element is <Project> in namespace urn:QDA-XML:project:1.0, "
                 "expected <CodeBook> in namespace urn:QDA-XML:codebook:1.0; this is a REFI-QDA project "
                 "(.qde/.qdpx): export just the codebook (.qdc) and try again", id="project"),
    pytest.param(f'<CodeBook xmlns="{QDC_NAMESPACE}"/>'.encode(),
                 f"invalid REFI-QDA codebook: <CodeBook> has no <Codes> element holding a <Code>; {FIX}",
                 id="no-codes"),
    pytest.param(in_codebook(""),
                 f"invalid REFI-QDA codebook: <CodeBook> has no <Codes> element holding a <Code>; {FIX}",
                 id="empty-codes"),
    pytest.param(in_codebook(A_CODE + '<Code guid="g2" isCodable="true"/>'),
                 "invalid REFI-QDA codebook: code number 2 (guid g2) has no name; name the code in the QDA "
                 "tool and export the codebook again", id="no-name"),
    pytest.param(in_codebook('<Code guid="g1" name="A code" isCodable="yes"/>'),
                 "invalid REFI-QDA codebook: code 'A code' has isCodable='yes'; it must be true or false: "
                 "fix the attribute in the file", id="bad-codable"),
    pytest.param(in_codebook('<Code guid="g1" name="A code" isCodable="true" color="red"/>'),
                 "invalid REFI-QDA codebook: code 'A code' has color 'red'; it must be #RRGGBB or #RGB hex "
                 "such as '#0072b2': fix or remove the color attribute", id="bad-colour"),
    pytest.param(BILLION_LAUGHS, DOCTYPE_MESSAGE, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, DOCTYPE_MESSAGE, id="external-entity"),
    pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE CodeBook>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>',
                 DOCTYPE_MESSAGE, id="bare-doctype"),
]


@pytest.mark.parametrize("parser", ["defusedxml", "stdlib"])
@pytest.mark.parametrize(("data", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message(data: bytes, message: str, parser: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if parser == "defusedxml":
        if safexml._defused_fromstring is None:
            pytest.skip("defusedxml is not installed")
    else:
        monkeypatch.setattr(safexml, "_defused_fromstring", None)
    with pytest.raises(BadInput) as caught:
        codebook_from_qdc(data)
    assert str(caught.value) == message


def test_entities_are_never_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither parser gets as far as building a tree from a document with entity declarations."""
    calls: list[bytes] = []
    monkeypatch.setattr(safexml.ET, "fromstring", lambda data, *a, **k: calls.append(data))
    monkeypatch.setattr(safexml, "_defused_fromstring", None)
    with pytest.raises(BadInput, match="DOCTYPE"):
        codebook_from_qdc(BILLION_LAUGHS)
    assert calls == []


def test_text_instead_of_bytes_is_refused() -> None:
    with pytest.raises(BadInput) as caught:
        codebook_from_qdc(codebook_to_qdc(load_codebook()).decode())  # type: ignore[arg-type]
    assert str(caught.value) == ("a .qdc codebook must be given as bytes, not str; read the file in binary "
                                 "mode or use load_qdc")


def test_load_qdc_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "themes.qdc"
    path.write_bytes(b"<x/>")
    with pytest.raises(BadInput) as caught:
        load_qdc(path)
    assert str(caught.value) == (f"codebook {path}: not a REFI-QDA codebook: root element is <x> with "
                                 "no namespace, expected <CodeBook> in namespace urn:QDA-XML:codebook:1.0; "
                                 f"{FIX}")
    with pytest.raises(BadInput) as caught:
        load_qdc(tmp_path / "missing.qdc")
    missing = tmp_path / "missing.qdc"
    assert str(caught.value) == f"codebook {missing}: cannot read (No such file or directory)"


@pytest.mark.parametrize(("themes", "message"), [
    pytest.param([], "codebook 'Test' has no themes; a REFI-QDA codebook needs at least one code",
                 id="empty"),
    pytest.param([Theme(id="a", name="A"), Theme(id="a", name="A again")],
                 "theme id 'a' appears twice in codebook 'Test'; give each theme its own id", id="duplicate"),
    pytest.param([Theme(id="a", name="A", parent="gone")],
                 "theme 'a' has parent 'gone', which is not in the codebook; add the parent theme or clear "
                 "the theme's parent", id="orphan"),
    pytest.param([Theme(id="a", name="A", parent="b"), Theme(id="b", name="B", parent="a")],
                 "themes a, b never reach a top-level theme (their parents form a loop); give one theme "
                 "in the loop no parent or a parent outside it", id="loop"),
    pytest.param([Theme(id="a", name="A", colour="blue")],
                 "theme 'a' has colour 'blue'; REFI-QDA needs a hex colour such as '#0072B2' (or '#07B'): "
                 "fix the theme's colour or clear it", id="colour"),
    pytest.param([Theme(id="a", name="A", examples=["page one\x0cpage two"])],
                 "theme 'a': its examples holds the control character U+000C, which XML cannot carry; remove "
                 "it from the theme", id="control-character"),
])
def test_unexportable_codebooks_are_refused(themes: list[Theme], message: str) -> None:
    with pytest.raises(BadInput) as caught:
        codebook_to_qdc(codebook_of(*themes))
    assert str(caught.value) == message


# -- (e) GUIDs are stable ------------------------------------------------------------------------


def test_guids_are_stable_across_exports() -> None:
    first = codebook_to_qdc(load_codebook())
    second = codebook_to_qdc(load_codebook())
    assert first == second
    guids = [c.get("guid") for c in etree.fromstring(first).iter(f"{{{QDC_NAMESPACE}}}Code")]
    assert len(set(guids)) == len(guids) == len(load_codebook().themes)
    # Pinned values: changing the namespace or the recipe would give every code a new identity.
    assert uuid.uuid5(uuid.NAMESPACE_URL, "urn:safeguarding-themes-workbench:theme") == GUID_NAMESPACE
    assert theme_guid("cce") == "d577815b-265b-53f2-9330-5b2be0525eca"
    assert theme_guid("national_reviews") == "e45e5899-baed-5b1c-a577-d05d6588d1b6"
    assert uuid.UUID(theme_guid("cce")).version == 5


def test_guid_depends_only_on_the_theme_id() -> None:
    before = Theme(id="sudi", name="Sudden unexpected death in infancy", colour="#3D8FCC")
    after = Theme(id="sudi", name="SUDI (renamed)", description="Changed.", colour="#000000")

    def guid_of(theme: Theme) -> str:
        return etree.fromstring(codebook_to_qdc(codebook_of(theme))).find(".//q:Code", NS).get("guid")

    assert guid_of(before) == guid_of(after) == theme_guid("sudi")
