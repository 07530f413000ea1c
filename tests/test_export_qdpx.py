"""REFI-QDA projects (.qdpx): schema validity, exact texts and positions, round trip, memos, other tools'
projects, code points vs UTF-16, and hostile archives and XML."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import uuid
import zipfile
from pathlib import Path

import pytest
from export_fixtures import coded_store

from workbench.coding.codebook import Codebook, Theme
from workbench.coding.review import code_span, document_memos, list_codings, memo_document, write_memo
from workbench.coding.themes import edit_theme, import_codebook, stored_codebook
from workbench.config import load_settings
from workbench.corpus.ingest import Ingestor
from workbench.corpus.text import normalise
from workbench.errors import BadInput
from workbench.exchange import safexml
from workbench.exchange.qdc import GUID_NAMESPACE, theme_guid
from workbench.exchange.qdpx import (
    PROJECT_NAMESPACE,
    codepoint_offset,
    read_qdpx,
    source_guid,
    user_guid,
    utf16_offset,
    variable_guid,
    write_qdpx,
)
from workbench.exchange.qdpx.offsets import canonical_map
from workbench.exchange.rows import ExportFilter, coding_rows
from workbench.store import list_documents, open_store

etree = pytest.importorskip("lxml.etree")

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "Project.xsd"
NS = {"p": PROJECT_NAMESPACE}
FIX = "export the project from the QDA tool as a REFI-QDA project (.qdpx) and try again"
MANIFEST_KEYS = {"review_type", "year", "region", "child_age_band", "harm_type"}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


@pytest.fixture
def coded(store, settings):
    return coded_store(store, settings, coders=("alice", "bob"))


@pytest.fixture
def other(tmp_path):
    """A second, empty store in another home."""
    other_settings = load_settings(home=tmp_path / "other")
    other_store = open_store(other_settings)
    yield other_store, other_settings
    other_store.close()


def assert_valid(schema, qde: bytes) -> None:
    assert schema.validate(etree.fromstring(qde)), "\n".join(str(e) for e in schema.error_log)


def open_project(path: Path) -> tuple[bytes, object, dict[str, str]]:
    """(project.qde bytes, its root, {source guid: text of its sources/*.txt})."""
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde")
        files = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")}
    root = etree.fromstring(qde)
    texts = {}
    for source in root.iterfind("p:Sources/p:TextSource", NS):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        texts[source.get("guid")] = files[f"sources/{path.removeprefix('internal://')}"]
    return qde, root, texts


def project_codings(path: Path) -> set[tuple[str, int, int, str, str]]:
    """(sha256 of the source text, start, end, theme id, coder) of every coding in a .qdpx file."""
    _, root, texts = open_project(path)
    users = {u.get("guid"): u.get("name") for u in root.iterfind("p:Users/p:User", NS)}
    themes = {c.get("guid"): c.find("p:Description", NS).text.split("\n", 1)[0].removeprefix("Theme id: ")
              for c in root.iterfind(".//p:Code", NS)}
    found = set()
    for source in root.iterfind("p:Sources/p:TextSource", NS):
        sha = hashlib.sha256(texts[source.get("guid")].encode("utf-8")).hexdigest()
        for selection in source.iterfind("p:PlainTextSelection", NS):
            for coding in selection.iterfind("p:Coding", NS):
                found.add((sha, int(selection.get("startPosition")), int(selection.get("endPosition")),
                           themes[coding.find("p:CodeRef", NS).get("targetGUID")],
                           users[coding.get("creatingUser")]))
    return found


def store_codings(store, filters: ExportFilter | None = None) -> set[tuple[str, int, int, str, str]]:
    with store.session() as session:
        shas = {d.id: d.text_sha256 for d in list_documents(session)}
    return {(shas[r.document_id], r.start, r.end, r.theme_id, r.coder) for r in coding_rows(store, filters)}


# -- the project file ----------------------------------------------------------------------------


def test_project_validates_and_holds_the_exact_texts_and_excerpts(coded, schema, tmp_path: Path) -> None:
    path = tmp_path / "review.qdpx"
    counts = write_qdpx(coded, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "project.qde" in names
    assert all(n == "project.qde" or (n.startswith("sources/") and n.endswith(".txt")) for n in names)
    qde, root, texts = open_project(path)
    assert qde.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert_valid(schema, qde)
    assert root.get("origin") == "Safeguarding Themes Workbench"

    rows = list(coding_rows(coded))
    with coded.session() as session:
        used = {r.document_id for r in rows}
        documents = {d.text_sha256: d for d in list_documents(session) if d.id in used}
    assert counts["documents"] == len(documents) == len(texts) == len(names) - 1
    assert counts["codings"] == len(rows)
    assert sorted(texts.values()) == sorted(d.text for d in documents.values())
    for guid, text in texts.items():
        assert guid == source_guid(hashlib.sha256(text.encode("utf-8")).hexdigest())

    by_position = {(r.start, r.end, r.coder, theme_guid(r.theme_id)): r.text for r in rows}
    users = {u.get("guid"): u.get("name") for u in root.iterfind("p:Users/p:User", NS)}
    selections = 0
    for source in root.iterfind("p:Sources/p:TextSource", NS):
        text = texts[source.get("guid")]
        document = documents[hashlib.sha256(text.encode("utf-8")).hexdigest()]
        assert source.get("name") == document.source_name
        for selection in source.iterfind("p:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            coding = selection.find("p:Coding", NS)
            assert coding.get("creatingUser") == selection.get("creatingUser")
            code = coding.find("p:CodeRef", NS).get("targetGUID")
            key = (start, end, users[coding.get("creatingUser")], code)
            assert text[start:end] == by_position[key] == document.text[start:end]
            selections += 1
    assert selections == len(rows)
    assert project_codings(path) == store_codings(coded)
    assert "(positions=codepoints)" in root.find("p:Description", NS).text


def test_users_codes_and_variables(coded, tmp_path: Path) -> None:
    write_qdpx(coded, tmp_path / "review.qdpx")
    _, root, _ = open_project(tmp_path / "review.qdpx")
    users = {u.get("name"): u.get("guid") for u in root.iterfind("p:Users/p:User", NS)}
    assert users == {"alice": user_guid("alice"), "bob": user_guid("bob")}
    assert user_guid("alice") == str(uuid.uuid5(GUID_NAMESPACE, "user:alice"))

    codebook = stored_codebook(coded)
    codes = root.findall("p:CodeBook/p:Codes//p:Code", NS)
    assert [c.get("guid") for c in codes] == [theme_guid(t.id) for t in codebook.themes]
    for code, theme in zip(codes, codebook.themes, strict=True):
        assert code.get("name") == theme.name
        assert code.find("p:Description", NS).text.startswith(f"Theme id: {theme.id}")
        parent = code.getparent()
        assert parent.get("guid") == (theme_guid(theme.parent) if theme.parent else None)

    variables = {v.get("name"): v for v in root.iterfind("p:Variables/p:Variable", NS)}
    assert set(variables) == MANIFEST_KEYS | {"title"}
    assert {name: v.get("typeOfVariable") for name, v in variables.items()} == {
        "title": "Text", "review_type": "Text", "year": "Integer", "region": "Text",
        "child_age_band": "Text", "harm_type": "Text"}
    assert all(v.get("guid") == variable_guid(name) for name, v in variables.items())
    with coded.session() as session:
        documents = {d.source_name: d for d in list_documents(session)}
    for source in root.iterfind("p:Sources/p:TextSource", NS):
        document = documents[source.get("name")]
        names = {v.get("guid"): n for n, v in variables.items()}
        values = {}
        for value in source.iterfind("p:VariableValue", NS):
            name = names[value.find("p:VariableRef", NS).get("targetGUID")]
            values[name] = value[1].text if name != "year" else int(value.find("p:IntegerValue", NS).text)
        assert values == {"title": document.title, **document.meta}


def test_only_filtered_codings_are_written(coded, schema, tmp_path: Path) -> None:
    bob = ExportFilter(coders=("bob",))
    write_qdpx(coded, tmp_path / "bob.qdpx", filters=bob)
    assert project_codings(tmp_path / "bob.qdpx") == store_codings(coded, bob)
    _, root, _ = open_project(tmp_path / "bob.qdpx")
    assert [u.get("name") for u in root.iterfind("p:Users/p:User", NS)] == ["bob"]

    rejected = ExportFilter(statuses=("rejected",))
    counts = write_qdpx(coded, tmp_path / "rejected.qdpx", filters=rejected)
    assert counts["codings"] == len(list_codings(coded, status="rejected")) > 0
    assert project_codings(tmp_path / "rejected.qdpx") == store_codings(coded, rejected)
    assert not project_codings(tmp_path / "rejected.qdpx") & store_codings(coded)
    assert_valid(schema, open_project(tmp_path / "rejected.qdpx")[0])


def test_write_to_a_binary_file(coded) -> None:
    out = io.BytesIO()
    counts = write_qdpx(coded, out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert len(archive.namelist()) == counts["documents"] + 1


def test_memos_become_descriptions_and_notes(coded, schema, tmp_path: Path, other) -> None:
    coding = list_codings(coded, coder="alice", status="confirmed")[0]
    write_memo(coded, coding.id, "Sofa sharing after parental drinking.", "alice")
    memo_document(coded, coding.document_id, "Compare with the 2019 review.\nSecond line.", "carol")
    write_qdpx(coded, tmp_path / "memos.qdpx")
    qde, root, _ = open_project(tmp_path / "memos.qdpx")
    assert_valid(schema, qde)

    descriptions = [s.find("p:Description", NS) for s in root.iterfind(".//p:PlainTextSelection", NS)]
    assert [d.text for d in descriptions if d is not None] == ["Sofa sharing after parental drinking."]
    notes = root.findall("p:Notes/p:Note", NS)
    assert len(notes) == 1
    assert notes[0].find("p:PlainTextContent", NS).text == "Compare with the 2019 review.\nSecond line."
    assert notes[0].get("creatingUser") == user_guid("carol")
    refs = root.findall("p:Sources/p:TextSource/p:NoteRef", NS)
    assert [r.get("targetGUID") for r in refs] == [notes[0].get("guid")]
    assert "carol" in {u.get("name") for u in root.iterfind("p:Users/p:User", NS)}

    other_store, other_settings = other
    report = read_qdpx(other_store, tmp_path / "memos.qdpx", actor="importer", settings=other_settings)
    assert report["memos"] == 1
    memos = [c.memo for c in list_codings(other_store) if c.memo]
    assert memos == ["Sofa sharing after parental drinking."]
    with other_store.session() as session:
        document_ids = [d.id for d in list_documents(session)]
    assert [m[:2] for d in document_ids for m in document_memos(other_store, d)] == [
        ("carol", "Compare with the 2019 review.\nSecond line.")]


# -- round trip ----------------------------------------------------------------------------------


def test_round_trip_through_an_empty_store(coded, settings, tmp_path: Path, other) -> None:
    first, second = tmp_path / "first.qdpx", tmp_path / "second.qdpx"
    write_qdpx(coded, first)
    other_store, other_settings = other
    report = read_qdpx(other_store, first, actor="importer", settings=other_settings)
    expected = store_codings(coded)
    assert report["skipped"] == []
    assert report["codings"] == len(expected)
    assert report["documents"] == len({c[0] for c in expected})
    assert report["themes"] == len(stored_codebook(coded).themes)

    write_qdpx(other_store, second)
    assert project_codings(first) == project_codings(second) == expected
    assert store_codings(other_store) == expected
    assert all(c.status == "confirmed" for c in list_codings(other_store))
    assert stored_codebook(other_store).themes == stored_codebook(coded).themes

    with coded.session() as session:
        before = {d.text_sha256: (d.title, d.source_name, d.text, d.meta) for d in list_documents(session)}
    with other_store.session() as session:
        after = {d.text_sha256: (d.title, d.source_name, d.text, d.meta) for d in list_documents(session)}
    assert after == {sha: before[sha] for sha in after}

    _, root_first, _ = open_project(first)
    _, root_second, _ = open_project(second)
    for path in ("p:Users/p:User", "p:Variables/p:Variable", ".//p:Code", "p:Sources/p:TextSource"):
        # a source's creationDateTime is when it was ingested, which the second store did later
        same = [{k: v for k, v in e.attrib.items() if k != "creationDateTime"}
                for root in (root_first, root_second) for e in root.iterfind(path, NS)]
        assert same[:len(same) // 2] == same[len(same) // 2:]

    again = read_qdpx(other_store, first, actor="importer", settings=other_settings)
    assert (again["documents"], again["codings"], again["existing_documents"]) == (0, 0, report["documents"])
    assert store_codings(other_store) == expected


# -- code points and UTF-16 ----------------------------------------------------------------------

EMOJI_TEXT = "Mum said 😀 the baby 👶🏽 slept on the sofa.\n\nA second 🎉 paragraph about bed sharing."


def test_utf16_offset_helpers() -> None:
    text = "a😀b👶🏽c"
    assert [utf16_offset(text, i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 8, 9]
    assert [codepoint_offset(text, u) for u in (0, 1, 3, 4, 6, 8, 9)] == list(range(len(text) + 1))
    assert codepoint_offset(text, 2) == 1  # inside the surrogate pair of 😀: its start
    assert utf16_offset(text, len(text)) == len(text.encode("utf-16-le")) // 2
    assert utf16_offset("plain", 3) == 3


def test_codepoint_and_utf16_positions_differ_by_the_astral_characters(
        store, settings, segmenter, schema, tmp_path: Path, other) -> None:
    Ingestor(store, settings, segmenter=segmenter).ingest_bytes([("emoji.txt", EMOJI_TEXT.encode("utf-8"))])
    import_codebook(store, Codebook(name="t", themes=[Theme(id="sudi", name="SUDI")]), actor="admin")
    with store.session() as session:
        document_id = list_documents(session)[0].id
    phrases = {"slept on the sofa": 3, "bed sharing": 4}  # astral characters before each: 😀 👶 🏽, then 🎉
    for phrase in phrases:
        start = EMOJI_TEXT.index(phrase)
        code_span(store, document_id, start, start + len(phrase), "sudi", "alice")

    write_qdpx(store, tmp_path / "points.qdpx")
    write_qdpx(store, tmp_path / "units.qdpx", positions="utf16")
    points, units = {}, {}
    for path, found in ((tmp_path / "points.qdpx", points), (tmp_path / "units.qdpx", units)):
        qde, root, texts = open_project(path)
        assert_valid(schema, qde)
        assert list(texts.values()) == [EMOJI_TEXT]
        for selection in root.iterfind(".//p:PlainTextSelection", NS):
            found[int(selection.get("startPosition"))] = int(selection.get("endPosition"))
    assert "(positions=utf16)" in root.find("p:Description", NS).text

    encoded = EMOJI_TEXT.encode("utf-16-le")
    for phrase, astral in phrases.items():
        start = EMOJI_TEXT.index(phrase)
        end = start + len(phrase)
        assert points[start] == end
        assert units[start + astral] == end + astral
        assert utf16_offset(EMOJI_TEXT, start) == start + astral
        assert encoded[2 * (start + astral):2 * (end + astral)].decode("utf-16-le") == phrase

    other_store, other_settings = other
    read_qdpx(other_store, tmp_path / "units.qdpx", actor="importer", settings=other_settings,
              segmenter=segmenter)
    assert store_codings(other_store) == store_codings(store)

    with pytest.raises(BadInput, match="positions must be 'codepoints' or 'utf16', not 'bytes'"):
        write_qdpx(store, tmp_path / "bad.qdpx", positions="bytes")  # type: ignore[arg-type]


# -- another tool's project ----------------------------------------------------------------------

NVIVO_TEXT = ("Interview 1\r\n\r\nThe mother said the baby slept on the sofa.  \r\n"
              "She was very tired 😀 that night.\r\n")
USER = "{5C94BC9E-DB8C-4F1D-9CD6-E900C7440860}"


def foreign_project(texts: dict[str, bytes]) -> bytes:
    """A project as another tool might write it: CRLF text with a BOM in Sources/, braced upper-case
    GUIDs, a code group, a memo note, variables, a picture source and a code the codebook lacks."""

    def span(phrase: str) -> str:
        start = NVIVO_TEXT.index(phrase)
        return f'startPosition="{start}" endPosition="{start + len(phrase)}"'

    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Fieldwork" origin="NVivo 14">
  <Users><User guid="{USER}" name="Dr Jones"/></Users>
  <CodeBook><Codes>
    <Code guid="{{AA000000-0000-4000-8000-000000000001}}" name="Risk factors" isCodable="false">
      <Code guid="aa000000-0000-4000-8000-000000000002" name="Unsafe sleep" isCodable="true" color="#FF0000">
        <Description>Baby sleeping on a sofa or with a tired adult.</Description>
      </Code>
      <Code guid="aa000000-0000-4000-8000-000000000003" name="Parental fatigue" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="bb000000-0000-4000-8000-000000000001" name="Age" typeOfVariable="Integer"/>
    <Variable guid="bb000000-0000-4000-8000-000000000002" name="Site" typeOfVariable="Text"/>
  </Variables>
  <Sources>
    <TextSource guid="cc000000-0000-4000-8000-000000000001" name="Interview 1"
                plainTextPath="internal://CC000000-0000-4000-8000-000000000001.txt">
      <PlainTextSelection guid="dd000000-0000-4000-8000-000000000001" {span("baby slept on the sofa")}
                          creatingUser="{USER}">
        <Description>Classic sofa case.</Description>
        <Coding guid="dd000000-0000-4000-8000-000000000011" creatingUser="{USER}">
          <CodeRef targetGUID="AA000000-0000-4000-8000-000000000002"/>
        </Coding>
        <NoteRef targetGUID="ee000000-0000-4000-8000-000000000002"/>
      </PlainTextSelection>
      <PlainTextSelection guid="dd000000-0000-4000-8000-000000000002" {span("She was very tired")}>
        <Coding guid="dd000000-0000-4000-8000-000000000012">
          <CodeRef targetGUID="aa000000-0000-4000-8000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="dd000000-0000-4000-8000-000000000003" {span("that night")}
                          creatingUser="{USER}">
        <Coding guid="dd000000-0000-4000-8000-000000000013" creatingUser="{USER}">
          <CodeRef targetGUID="aa000000-0000-4000-8000-000000000003"/>
        </Coding>
        <Coding guid="dd000000-0000-4000-8000-000000000014" creatingUser="{USER}">
          <CodeRef targetGUID="aa000000-0000-4000-8000-000000000099"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="dd000000-0000-4000-8000-000000000004" startPosition="5" endPosition="9999">
        <Coding guid="dd000000-0000-4000-8000-000000000015">
          <CodeRef targetGUID="aa000000-0000-4000-8000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="ee000000-0000-4000-8000-000000000001"/>
      <VariableValue><VariableRef targetGUID="bb000000-0000-4000-8000-000000000001"/>
        <IntegerValue>34</IntegerValue></VariableValue>
      <VariableValue><VariableRef targetGUID="bb000000-0000-4000-8000-000000000002"/>
        <TextValue>North</TextValue></VariableValue>
    </TextSource>
    <PictureSource guid="cc000000-0000-4000-8000-000000000002" name="Floor plan" path="internal://plan.png"/>
  </Sources>
  <Notes>
    <Note guid="ee000000-0000-4000-8000-000000000001" name="Interview memo" creatingUser="{USER}">
      <PlainTextContent>Mother interviewed at home.</PlainTextContent>
    </Note>
    <Note guid="ee000000-0000-4000-8000-000000000002" name="Coding memo">
      <PlainTextContent>Check the police account.</PlainTextContent>
    </Note>
  </Notes>
</Project>
""".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, data in texts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_another_tools_project_imports_with_line_ends_mapped(store, settings, segmenter, schema) -> None:
    data = foreign_project({"Sources/CC000000-0000-4000-8000-000000000001.txt":
                            b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8")})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert_valid(schema, archive.read("project.qde"))
    report = read_qdpx(store, io.BytesIO(data), actor="importer", settings=settings, segmenter=segmenter)
    assert report["documents"] == 1
    assert report["themes"] == 3
    assert report["codings"] == 3
    assert report["memos"] == 1
    assert report["skipped"] == [
        {"path": "Interview 1 selection dd000000-0000-4000-8000-000000000003",
         "reason": "Interview 1 selection dd000000-0000-4000-8000-000000000003: its coding refers to code "
                   "aa000000-0000-4000-8000-000000000099, which is not in the project's codebook"},
        {"path": "Interview 1 selection dd000000-0000-4000-8000-000000000004",
         "reason": "Interview 1 selection dd000000-0000-4000-8000-000000000004: positions 5-9999 are outside "
                   f"its text (0-{len(NVIVO_TEXT)}); if the tool counts UTF-16 code units, import with "
                   "positions='utf16'"},
        {"path": "Floor plan", "reason": "Floor plan: a PictureSource without a plain text representation; "
                                         "only text is imported"}]

    with store.session() as session:
        (document,) = list_documents(session)
        text, title, meta, name = document.text, document.title, dict(document.meta), document.source_name
    assert text == ("Interview 1\n\nThe mother said the baby slept on the sofa.\n"
                    "She was very tired 😀 that night.")
    assert (name, title, meta) == ("Interview 1", "Interview 1", {"Age": 34, "Site": "North"})
    got = sorted((text[c.start:c.end], c.theme_id, c.coder, c.memo, c.status) for c in list_codings(store))
    assert got == [
        ("She was very tired", "parental_fatigue", "importer", "", "confirmed"),
        ("baby slept on the sofa", "unsafe_sleep", "Dr Jones",
         "Classic sofa case.\n\nCheck the police account.", "confirmed"),
        ("that night", "parental_fatigue", "Dr Jones", "", "confirmed"),
    ]
    themes = {t.id: t for t in stored_codebook(store).themes}
    assert (themes["unsafe_sleep"].parent, themes["unsafe_sleep"].colour) == ("risk_factors", "#ff0000")
    assert not themes["risk_factors"].codable
    memos = [m[:2] for m in document_memos(store, document.id)]
    assert memos == [("Dr Jones", "Mother interviewed at home.")]


def test_offsets_on_another_tools_text_map_to_the_canonical_text() -> None:
    raw = ("\n\n  Cafe\u0301 notes\t \r\nSecond\x0cpage\u2029Third\x07 line\u2028end 😀 "
           "e\u0301te\u0301 words.\r\n\r\n")
    canonical, mapping = canonical_map(raw)
    assert canonical == normalise(raw)
    assert canonical == "Café notes\nSecond\n\npage\n\nThird line\nend 😀 été words."
    for raw_word, word in (("Cafe\u0301", "Café"), ("notes", "notes"), ("Second", "Second"), ("page", "page"),
                           ("Third\x07 line", "Third line"), ("end", "end"), ("😀", "😀"),
                           ("e\u0301te\u0301 words.", "été words.")):
        start = raw.index(raw_word)
        assert canonical[mapping(start):mapping(start + len(raw_word))] == word
    assert mapping(0) == 0 and mapping(len(raw)) == len(canonical)
    same = "Already canonical 😀 text."
    assert canonical_map(same)[1](5) == 5


def test_a_source_outside_the_archive_is_skipped(store, settings, segmenter) -> None:
    data = foreign_project({})
    report = read_qdpx(store, data, actor="importer", settings=settings, segmenter=segmenter)
    assert report["documents"] == report["codings"] == 0
    assert report["skipped"][0] == {
        "path": "Interview 1",
        "reason": "Interview 1: its text file sources/CC000000-0000-4000-8000-000000000001.txt is not in the "
                  "archive"}


# -- hostile input -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
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
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>
"""

MINIMAL = b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>'


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def assert_nothing_imported(store) -> None:
    with store.session() as session:
        assert list_documents(session) == []
    assert stored_codebook(store, include_inactive=True).themes == []


@pytest.mark.parametrize("member", ["../evil.txt", "sources/../../evil.txt", "/etc/cron.d/evil",
                                    "C:/evil.txt"])
def test_path_traversal_is_rejected(store, settings, tmp_path: Path, member: str) -> None:
    path = write_zip(tmp_path / "evil.qdpx", {"project.qde": MINIMAL, member: b"x"})
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, path, actor="importer", settings=settings)
    assert str(caught.value) == (
        f"{path}: unsafe path {member!r} in the archive (path traversal); nothing was imported. "
        f"A .qdpx holds only project.qde and sources/: {FIX}")
    assert_nothing_imported(store)


def test_symbolic_link_is_rejected(store, settings, tmp_path: Path) -> None:
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", MINIMAL)
        link = zipfile.ZipInfo("sources/a.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, path, actor="importer", settings=settings)
    assert str(caught.value) == (
        f"{path}: the archive holds a symbolic link 'sources/a.txt'; nothing was imported. "
        f"A .qdpx holds only project.qde and sources/: {FIX}")


def test_bomb_like_expansion_is_rejected(store, settings, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bomb.qdpx", {"project.qde": MINIMAL, "sources/big.txt": b"0" * (4 << 20)})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("sources/big.txt")
    ratio = info.file_size / info.compress_size
    assert ratio > 100
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, path, actor="importer", settings=settings)
    assert str(caught.value) == (
        f"{path}: 'sources/big.txt' expands {ratio:.0f}x (limit 100x, WORKBENCH_MAX_COMPRESSION_RATIO); "
        f"bomb-like archive rejected, nothing was imported. E{FIX[1:]}")
    assert_nothing_imported(store)


def test_too_large_an_archive_or_too_many_files_is_rejected(store, tmp_path: Path) -> None:
    small = load_settings(home=tmp_path / "small", max_archive_mb=1)
    noise = os.urandom(2 << 20)  # incompressible: too large, not bomb-like
    path = write_zip(tmp_path / "large.qdpx", {"project.qde": MINIMAL, "sources/a.txt": noise})
    with pytest.raises(BadInput, match=r"expands to 2\.1 MB .* too large \(WORKBENCH_MAX_ARCHIVE_MB\)"):
        read_qdpx(store, path, actor="importer", settings=small)
    few = load_settings(home=tmp_path / "few", max_archive_members=2)
    members = {"project.qde": MINIMAL, "sources/a.txt": b"a", "sources/b.txt": b"b"}
    path = write_zip(tmp_path / "many.qdpx", members)
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, path, actor="importer", settings=few)
    assert str(caught.value) == (
        f"{path}: 3 files in the archive, more than the limit of 2 (WORKBENCH_MAX_ARCHIVE_MEMBERS); nothing "
        "was imported. Raise the limit or export a smaller project")


@pytest.mark.parametrize("defused", [True, False], ids=["defusedxml", "expat-prescan"])
@pytest.mark.parametrize("qde", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_doctype_and_entities_are_refused(store, settings, tmp_path: Path, monkeypatch, qde: bytes,
                                          defused: bool) -> None:
    if not defused:  # as without defusedxml installed
        monkeypatch.setattr(safexml, "_defused_fromstring", None)
    path = write_zip(tmp_path / "entities.qdpx", {"project.qde": qde})
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, path, actor="importer", settings=settings)
    assert str(caught.value) == (
        f"{path}: project.qde has a DOCTYPE declaration, which REFI-QDA projects never contain; "
        "it is refused so that no entity in it is expanded. Export the project from the QDA tool as a "
        "REFI-QDA project (.qdpx) and try again")
    assert_nothing_imported(store)


def test_files_that_are_not_projects(store, settings, tmp_path: Path) -> None:
    cases = {
        "plain.qdpx": (None, "not a REFI-QDA project (.qdpx): not a zip archive (File is not a zip file); "
                             f"{FIX}"),
        "empty.qdpx": ({"sources/a.txt": b"text"}, f"not a REFI-QDA project (.qdpx): the archive holds no "
                                                    f"project.qde; {FIX}"),
        "broken.qdpx": ({"project.qde": b"<Project"}, "project.qde is not well-formed XML (unclosed token: "
                                                      f"line 1, column 0); {FIX}"),
        "codebook.qdpx": ({"project.qde": b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'},
                          "project.qde has root element <CodeBook> in namespace urn:QDA-XML:codebook:1.0, "
                          "expected <Project> in namespace urn:QDA-XML:project:1.0; this is a REFI-QDA "
                          "codebook: import it as a codebook (.qdc) instead"),
    }
    for name, (members, message) in cases.items():
        path = tmp_path / name
        if members is None:
            path.write_text("just some notes\n")
        else:
            write_zip(path, members)
        with pytest.raises(BadInput) as caught:
            read_qdpx(store, path, actor="importer", settings=settings)
        assert str(caught.value) == f"{path}: {message}"
    with pytest.raises(BadInput) as caught:
        read_qdpx(store, tmp_path / "missing.qdpx", actor="importer", settings=settings)
    missing = tmp_path / "missing.qdpx"
    assert str(caught.value) == f"{missing}: cannot read (No such file or directory); check the path"
    assert_nothing_imported(store)


# -- writing safely ------------------------------------------------------------------------------


def test_a_failed_export_leaves_the_old_file_untouched(coded, tmp_path: Path) -> None:
    target = tmp_path / "review.qdpx"
    target.write_bytes(b"previous export")
    edit_theme(coded, "sudi", "admin", colour="blue")
    with pytest.raises(BadInput, match="theme 'sudi' has colour 'blue'"):
        write_qdpx(coded, target)
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["review.qdpx"]

    missing = tmp_path / "missing" / "review.qdpx"
    with pytest.raises(BadInput) as caught:
        write_qdpx(coded, missing)
    assert str(caught.value) == (f"project {missing}: cannot write (No such file or directory); check that "
                                 f"the folder {missing.parent} exists and is writable")
