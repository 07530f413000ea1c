"""AppTests of the codebook page."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_fixtures import app_at

from workbench.analysis.runs import latest_run
from workbench.coding import review
from workbench.coding.codebook import Codebook, Theme
from workbench.coding.queue import review_queue
from workbench.coding.themes import stored_codebook
from workbench.config import load_settings
from workbench.exchange.qdc import codebook_to_qdc
from workbench.store import open_store
from workbench.ui.codebook import import_codebook_file
from workbench.users import User


@pytest.fixture
def home(app_home_copy: Path) -> Path:
    """A private copy of the shared built home (conftest.app_home_copy)."""
    return app_home_copy


@pytest.fixture
def store(home: Path):
    opened = open_store(load_settings(home=home, runs_dir=home / "runs"))
    yield opened
    opened.close()


def _ids(store, include_inactive: bool = False) -> set[str]:
    return {t.id for t in stored_codebook(store, include_inactive).themes}


def test_renders_the_hierarchy(home, store):
    app = app_at("codebook")
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["id"]) == _ids(store)
    assert {"path", "id", "name", "codable", "seeds", "colour"} <= set(table.columns)
    assert not app.button(key="codebook_split").disabled


def test_merge_two_themes(home, store):
    item = review_queue(store, "alice")[0]
    review.confirm(store, item.suggestion_id, "bob")
    source = item.theme_id
    target = next(t.id for t in stored_codebook(store).codable if t.id != source)
    app = app_at("codebook")
    app.multiselect(key="codebook_merge_sources").select(source)
    app.selectbox(key="codebook_merge_target").set_value(target)
    app.button(key="codebook_merge").click().run()
    assert not app.exception
    assert any("1 codings moved" in s.value for s in app.success)
    assert source not in _ids(store)
    assert review.list_codings(store, coder="bob")[0].theme_id == target


def test_rename_and_edit(home, store):
    app = app_at("codebook")
    theme_id = "cce"
    app.selectbox(key="codebook_theme").set_value(theme_id).run()
    app.text_input(key=f"codebook_name_{theme_id}").input("Exploitation by criminals")
    app.text_area(key=f"codebook_seeds_{theme_id}").input("county lines\ntrap house")
    app.button(key="codebook_save").click().run()
    assert not app.exception
    theme = stored_codebook(store)[theme_id]
    assert theme.name == "Exploitation by criminals"
    assert theme.seeds == ["county lines", "trap house"]


def test_create_and_retire(home, store):
    app = app_at("codebook")
    app.text_input(key="codebook_new_id").input("online_harm")
    app.text_input(key="codebook_new_name").input("Online harm")
    app.button(key="codebook_create_button").click().run()
    assert not app.exception
    assert "online_harm" in _ids(store)
    app.selectbox(key="codebook_theme").set_value("online_harm").run()
    app.button(key="codebook_retire").click().run()
    assert not app.exception
    assert "online_harm" not in _ids(store)
    assert "online_harm" in _ids(store, include_inactive=True)


def test_create_with_a_bad_id_says_why(home, store):
    app = app_at("codebook")
    app.text_input(key="codebook_new_id").input("Bad Id")
    app.text_input(key="codebook_new_name").input("Bad")
    app.button(key="codebook_create_button").click().run()
    assert not app.exception
    assert any("lower-case" in e.value for e in app.error)


def test_split(home, store):
    app = app_at("codebook")
    app.selectbox(key="codebook_split_theme").set_value("cce")
    app.text_area(key="codebook_split_parts").input("cce_drugs | Drug running\ncce_theft | Theft")
    app.button(key="codebook_split").click().run()
    assert not app.exception
    assert {"cce_drugs", "cce_theft"} <= _ids(store)
    assert "cce" not in _ids(store)


def test_promote_a_topic_of_the_run(home, store):
    run = latest_run(home / "runs")
    topics = [t for t in run.topics if t["id"] >= 0]
    topic = next((t for t in topics if t["theme"] is None), topics[0])
    app = app_at("codebook")
    app.selectbox(key="codebook_promote_run").set_value(run.run_id)
    app.selectbox(key="codebook_promote_topic").set_value(topic["id"])
    app.text_input(key="codebook_promote_id").input("new_pattern")
    app.text_input(key="codebook_promote_name").input("A new pattern")
    app.button(key="codebook_promote").click().run()
    assert not app.exception
    theme = stored_codebook(store)["new_pattern"]
    assert theme.name == "A new pattern"
    assert theme.seeds == [w for w, _ in topic["words"][:10]]


def test_import_a_qdc_file(home, store):
    book = Codebook("Other tool", [Theme("online_harm", "Online <b>harm</b>", seeds=["grooming online"]),
                                   Theme("sexting", "Sexting", parent="online_harm")])
    app = app_at("codebook")  # so that the page's store is this home's
    assert not app.exception
    counts = import_codebook_file("other.qdc", codebook_to_qdc(book), "alice")
    assert counts == {"added": 2, "updated": 0}
    assert stored_codebook(store)["sexting"].parent == "online_harm"
    app.run()
    assert "Online <b>harm</b>" in set(app.dataframe[0].value["name"])


def test_import_a_bad_file_says_why(home):
    app_at("codebook")
    with pytest.raises(Exception, match="qdc"):
        import_codebook_file("notes.txt", b"hello", "alice")


def test_exports_are_offered(home):
    app = app_at("codebook")
    assert not app.exception
    keys = {b.proto.id for b in app.get("download_button")}
    assert any("codebook_export_yaml" in k for k in keys) and any("codebook_export_qdc" in k for k in keys)


def test_viewer_cannot_change_anything(home, store):
    app = app_at("codebook", user=User("vera", "viewer"))
    assert not app.exception
    for key in ("codebook_save", "codebook_retire", "codebook_create_button", "codebook_merge",
                "codebook_split", "codebook_promote"):
        assert app.button(key=key).disabled, key
    assert app.multiselect(key="codebook_merge_sources").disabled
    assert app.text_input(key="codebook_new_id").disabled
    assert any("viewer" in c.value for c in app.caption)
