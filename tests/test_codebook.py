"""The codebook: YAML round trip, and every change in the database as an event."""

from __future__ import annotations

import pytest

from workbench.coding.codebook import Theme, load_codebook, save_codebook
from workbench.coding.review import code_span, list_codings
from workbench.coding.themes import (
    create_theme,
    edit_theme,
    import_codebook,
    merge_themes,
    rename_theme,
    retire_theme,
    split_theme,
    stored_codebook,
)
from workbench.corpus.ingest import Ingestor
from workbench.errors import BadInput, Conflict, NotFound
from workbench.store import list_events


def test_yaml_round_trip(tmp_path):
    codebook = load_codebook()
    save_codebook(codebook, tmp_path / "copy.yaml")
    again = load_codebook(tmp_path / "copy.yaml")
    assert again.themes == codebook.themes
    assert (again.name, again.description) == (codebook.name, codebook.description)


def test_yaml_errors_name_file_and_theme(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("themes:\n  - id: Bad Id\n    name: x\n")
    with pytest.raises(BadInput, match=f"codebook {bad}: theme id 'Bad Id' must be lower-case"):
        load_codebook(bad)
    bad.write_text("themes:\n  - id: a\n    name: A\n  - id: a\n    name: B\n")
    with pytest.raises(BadInput, match=f"codebook {bad}: theme id 'a' appears twice"):
        load_codebook(bad)


@pytest.fixture
def stored(store, settings, tmp_path):
    (tmp_path / "r.txt").write_text("Heading\n\nFirst paragraph about a sofa.\n\nSecond paragraph.")
    Ingestor(store, settings).ingest_paths([tmp_path / "r.txt"])
    import_codebook(store, load_codebook(), actor="admin")
    return store


def test_import_is_idempotent_and_logged(stored):
    codebook = stored_codebook(stored)
    assert [t.id for t in codebook.themes] == [t.id for t in load_codebook().themes]
    assert import_codebook(stored, load_codebook(), actor="admin") == {"added": 0, "updated": 0}
    with stored.session() as s:
        assert len(list_events(s, action="theme.create")) == 20


def test_create_rename_edit_retire(stored):
    create_theme(stored, Theme("online_harm", "Online harm", parent="practice_themes",
                               seeds=["snapchat"]), actor="admin")
    rename_theme(stored, "online_harm", "Online harms", actor="admin")
    edit_theme(stored, "online_harm", actor="admin", seeds=["snapchat", "grooming online"])
    theme = stored_codebook(stored)["online_harm"]
    assert (theme.name, theme.seeds, theme.parent) == ("Online harms", ["snapchat", "grooming online"],
                                                       "practice_themes")
    retire_theme(stored, "online_harm", actor="admin")
    assert "online_harm" not in {t.id for t in stored_codebook(stored).themes}
    assert "online_harm" in {t.id for t in stored_codebook(stored, include_inactive=True).themes}
    with stored.session() as s:
        assert [e.action for e in list_events(s, target="theme:online_harm")] == [
            "theme.create", "theme.rename", "theme.edit", "theme.retire"]
    with pytest.raises(Conflict, match="theme id 'cce' already exists; choose another id"):
        create_theme(stored, Theme("cce", "Again"), actor="admin")
    with pytest.raises(BadInput, match="cannot edit name; editable: "):
        edit_theme(stored, "cce", actor="admin", name="x")


def test_merge_moves_codings_to_the_survivor(stored):
    code_span(stored, 1, 8, 20, "neglect", "alice")
    code_span(stored, 1, 8, 20, "substance_misuse", "bob")
    moved = merge_themes(stored, ["substance_misuse"], "neglect", actor="admin")
    assert moved == 1
    assert {c.theme_id for c in list_codings(stored)} == {"neglect"}
    merged = stored_codebook(stored, include_inactive=True)["substance_misuse"]
    assert merged.id == "substance_misuse"
    with stored.session() as s:
        [event] = list_events(s, action="theme.merge")
        assert event.payload == {"into": "neglect", "codings": [2]}
    with pytest.raises(BadInput, match="cannot merge theme 'neglect' into itself"):
        merge_themes(stored, ["neglect"], "neglect", actor="admin")


def test_split_moves_chosen_codings_and_retires_the_original(stored):
    first = code_span(stored, 1, 8, 20, "mental_health", "alice")
    second = code_span(stored, 1, 8, 20, "mental_health", "bob")
    split_theme(stored, "mental_health",
                [Theme("perinatal_mh", "Perinatal mental health"), Theme("psychosis", "Psychosis")],
                {first.id: "perinatal_mh"}, actor="admin")
    themes = {t.id: t for t in stored_codebook(stored).themes}
    assert "mental_health" not in themes and themes["psychosis"].parent == "family_context"
    assert {c.id: c.theme_id for c in list_codings(stored)} == {first.id: "perinatal_mh",
                                                               second.id: "mental_health"}
    with pytest.raises(BadInput, match="codings assigned to elsewhere, which are not among"):
        split_theme(stored, "cce", [Theme("a_part", "A")], {first.id: "elsewhere"}, actor="admin")


def test_promote_an_emergent_topic(stored):
    from types import SimpleNamespace

    from workbench.coding.themes import promote_topic

    run = SimpleNamespace(run_id="r1", topics=[
        {"id": -1, "words": []},
        {"id": 3, "words": [["lice", 0.4], ["dental", 0.3], ["hygiene", 0.2]]}],
        assignments={1: 3, 2: 3})
    theme = promote_topic(stored, run, 3, "physical_care", "Physical care", actor="alice",
                          parent="family_context")
    assert theme.seeds == ["lice", "dental", "hygiene"]
    assert theme.examples == ["Second paragraph.", "First paragraph about a sofa."]
    assert stored_codebook(stored)["physical_care"].parent == "family_context"
    with stored.session() as s:
        [event] = list_events(s, target="theme:physical_care")
        assert event.payload["origin"] == "run:r1/topic:3"
    with pytest.raises(NotFound, match="run r1 has no topic -1; `workbench model show r1` lists"):
        promote_topic(stored, run, -1, "x_theme", "X", actor="alice")
