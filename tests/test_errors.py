"""The exception tree, and representative raise sites raising the class that says what went wrong."""

from __future__ import annotations

import pytest

from workbench import errors
from workbench.coding.codebook import Codebook, Theme, load_codebook
from workbench.coding.queue import review_queue
from workbench.coding.review import code_span, recode
from workbench.coding.themes import create_theme, import_codebook
from workbench.config import load_settings
from workbench.corpus import read_bytes
from workbench.errors import (
    BadInput,
    Conflict,
    NotFound,
    PermissionDenied,
    SettingsError,
    StoreError,
    UnreadableDocument,
    WorkbenchError,
)
from workbench.exchange.qdc import codebook_from_qdc
from workbench.store import add_document, get_document, open_store
from workbench.users import add_user

TEXT = "Background\n\nThe health visitor rang the school about the bruise on his arm."
CODEBOOK = Codebook("test", [Theme("group", "Group", codable=False),
                             Theme("injury", "Injury", parent="group")])


def test_the_tree():
    for cls in (SettingsError, BadInput, NotFound, Conflict, PermissionDenied, StoreError):
        assert cls.__bases__ == (WorkbenchError,)
    assert UnreadableDocument.__bases__ == (BadInput,)
    assert issubclass(WorkbenchError, Exception) and not issubclass(WorkbenchError, ValueError)
    documented = errors.__doc__ or ""
    assert all(name in documented for name in errors.__all__)


@pytest.fixture
def coded(store):
    with store.session() as session:
        document = add_document(session, title="Review A", source_name="a.txt", sha256="a" * 64,
                                text=TEXT, metadata={}, spans=[(12, len(TEXT), "Background")])
    import_codebook(store, CODEBOOK, actor="admin")
    return store, document.id


def test_settings_errors(tmp_path):
    with pytest.raises(SettingsError, match="^unknown setting 'colour'$"):
        load_settings(home=tmp_path, colour="blue")
    (tmp_path / "workbench.toml").write_text("max_file_mb = [", encoding="utf-8")
    with pytest.raises(SettingsError, match="workbench.toml: not valid TOML"):
        load_settings(home=tmp_path)


def test_bad_input(tmp_path, store):
    with pytest.raises(BadInput, match="^no theme 'nope' in codebook 'test'; known: group, injury$"):
        CODEBOOK["nope"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("themes: [", encoding="utf-8")
    with pytest.raises(BadInput, match=f"^codebook {bad}: not valid YAML"):
        load_codebook(bad)
    with pytest.raises(BadInput, match="the XML is not well-formed"):
        codebook_from_qdc(b"<CodeBook")
    with pytest.raises(BadInput, match="^order 'random' is not one of uncertain, score$"):
        review_queue(store, "alice", order="random")
    with pytest.raises(BadInput, match="^theme id 'Bad' must be lower-case letters"):
        create_theme(store, Theme("Bad", "Bad"), actor="admin")


def test_unreadable_document_is_bad_input(settings):
    with pytest.raises(BadInput) as info:
        list(read_bytes("empty.txt", b"  \n", settings))
    assert type(info.value) is UnreadableDocument
    assert str(info.value) == "empty.txt: empty file"


def test_not_found_conflict_and_permission(coded):
    store, document_id = coded
    with pytest.raises(NotFound, match="^no document with id 99; "), store.session() as session:
        get_document(session, 99)
    with pytest.raises(NotFound, match="^no theme 'nope'; known themes: group, injury$"):
        code_span(store, document_id, 12, 30, "nope", "alice")
    with pytest.raises(Conflict, match="^theme id 'injury' already exists; choose another id$"):
        create_theme(store, Theme("injury", "Injury again"), actor="admin")
    add_user(store, "alice", "correct horse battery", "reviewer")
    with pytest.raises(Conflict, match="^user 'alice' already exists$"):
        add_user(store, "alice", "another long password", "viewer")
    coding = code_span(store, document_id, 12, 30, "injury", "alice")
    with pytest.raises(PermissionDenied, match=f"^coding {coding.id} belongs to alice; "):
        recode(store, coding.id, "group", "bob")


def test_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="^cannot create the workbench home "):
        open_store(load_settings(home=blocker / "home"))
