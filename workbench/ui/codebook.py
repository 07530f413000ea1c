"""Codebook: the theme hierarchy; edit, create, merge, split, retire themes; promote a topic of a run;
import and export YAML or REFI-QDA (.qdc). Every change is recorded under the signed-in user's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from workbench.analysis.runs import list_runs, load_run
from workbench.coding import codebook as cb
from workbench.coding import themes
from workbench.coding.codebook_files import codebook_from_bytes, codebook_to_bytes
from workbench.errors import WorkbenchError
from workbench.ui.state import require_user, settings, show_error, store
from workbench.users import User

LIST_FIELDS = (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria"),
               ("seeds", "Seed keywords"), ("examples", "Examples"))


def import_codebook_file(name: str, data: bytes, actor: str) -> dict:
    """Import an uploaded YAML (.yaml/.yml) or REFI-QDA (.qdc) codebook; returns added/updated counts."""
    return themes.import_codebook(store(), codebook_from_bytes(name, data), actor=actor)


def export_yaml(book: cb.Codebook) -> bytes:
    return codebook_to_bytes(book, "codebook.yaml")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _hierarchy(book: cb.Codebook) -> list[dict]:
    """Rows in tree order, names indented by depth."""
    rows: list[dict] = []

    def walk(parent: str | None, depth: int) -> None:
        for theme in (t for t in book.themes if t.parent == parent):
            rows.append({"path": " / ".join(book.path(theme.id)), "id": theme.id,
                         "name": "    " * depth + theme.name, "codable": theme.codable,
                         "seeds": len(theme.seeds), "colour": theme.colour})
            walk(theme.id, depth + 1)

    walk(None, 0)
    known = {r["id"] for r in rows}
    rows += [{"path": t.name, "id": t.id, "name": t.name, "codable": t.codable, "seeds": len(t.seeds),
              "colour": t.colour} for t in book.themes if t.id not in known]  # parent inactive
    return rows


def _act(action: Callable[[], Any], done: str | Callable[[Any], str]) -> None:
    """Run a library call; report success (after a rerun) or its error."""
    try:
        result = action()
    except WorkbenchError as exc:
        show_error(exc)
        return
    st.session_state["codebook_message"] = done(result) if callable(done) else done
    st.rerun()


def _edit(book: cb.Codebook, user: User, off: bool) -> None:
    st.subheader("Edit a theme")
    theme_id = st.selectbox("Theme", [t.id for t in book.themes], key="codebook_theme",
                            format_func=lambda t: f"{book[t].name} ({t})")
    if theme_id is None:
        return
    theme = book[theme_id]
    with st.form(f"codebook_edit_{theme_id}", border=False):
        name = st.text_input("Name", theme.name, key=f"codebook_name_{theme_id}", disabled=off)
        description = st.text_area("Description", theme.description, key=f"codebook_description_{theme_id}",
                                   disabled=off)
        lists = {field: st.text_area(f"{label} (one a line)", "\n".join(getattr(theme, field)),
                                     key=f"codebook_{field}_{theme_id}", disabled=off)
                 for field, label in LIST_FIELDS}
        colour = st.text_input("Colour (#rrggbb)", theme.colour, key=f"codebook_colour_{theme_id}",
                               disabled=off)
        saved = st.form_submit_button("Save theme", type="primary", key="codebook_save", disabled=off)
    if saved:
        def save() -> None:
            if name.strip() != theme.name:
                themes.rename_theme(store(), theme_id, name, user.name)
            themes.edit_theme(store(), theme_id, user.name, description=description.strip(),
                          colour=colour.strip(), **{k: _lines(v) for k, v in lists.items()})
        _act(save, f"Saved theme {theme_id}.")
    if st.button("Retire this theme", key="codebook_retire", disabled=off):
        _act(lambda: themes.retire_theme(store(), theme_id, user.name),
             f"Retired {theme_id}: it is no longer offered; its codings stay.")


def _create(book: cb.Codebook, user: User, off: bool) -> None:
    st.subheader("Create a theme")
    with st.form("codebook_create", clear_on_submit=True, border=False):
        theme_id = st.text_input("Id (lower-case letters, digits, underscores)", key="codebook_new_id",
                                 disabled=off)
        name = st.text_input("Name", key="codebook_new_name", disabled=off)
        parent = st.selectbox("Parent", ["(none)", *[t.id for t in book.themes]], key="codebook_new_parent",
                              disabled=off)
        description = st.text_area("Description", key="codebook_new_description", disabled=off)
        codable = st.checkbox("Codable", True, key="codebook_new_codable", disabled=off)
        created = st.form_submit_button("Create theme", key="codebook_create_button", disabled=off)
    if created:
        theme = cb.Theme(id=theme_id.strip(), name=name.strip(), description=description.strip(),
                         parent=None if parent == "(none)" else parent, codable=codable)
        if not theme.name:
            st.error("A new theme needs a name.")
            return
        _act(lambda: themes.create_theme(store(), theme, user.name), f"Created theme {theme.id}.")


def _merge(book: cb.Codebook, user: User, off: bool) -> None:
    st.subheader("Merge themes")
    ids = [t.id for t in book.themes]
    sources = st.multiselect("Themes to merge", ids, key="codebook_merge_sources", disabled=off)
    target = st.selectbox("Into", ids, key="codebook_merge_target", disabled=off)
    if st.button("Merge", key="codebook_merge", disabled=off):
        if not sources:
            st.error("Choose the themes to merge first.")
            return
        _act(lambda: themes.merge_themes(store(), sources, target, user.name),
             lambda moved: f"Merged {', '.join(sources)} into {target}: {moved} codings moved.")


def _split(book: cb.Codebook, user: User, off: bool) -> None:
    st.subheader("Split a theme")
    st.caption("The new themes are created under the same parent and the original is retired; its "
               "codings stay with it (recode them on the Review page).")
    theme_id = st.selectbox("Theme to split", [t.id for t in book.themes], key="codebook_split_theme",
                            disabled=off)
    parts_text = st.text_area("New themes, one a line: id | name", key="codebook_split_parts", disabled=off)
    if st.button("Split", key="codebook_split", disabled=off):
        parts = []
        for line in _lines(parts_text):
            part_id, bar, part_name = line.partition("|")
            if not bar or not part_id.strip() or not part_name.strip():
                st.error(f"Write each new theme as 'id | name': {line!r}")
                return
            parts.append(cb.Theme(id=part_id.strip(), name=part_name.strip()))
        if not parts:
            st.error("Give at least one new theme, as 'id | name'.")
            return
        _act(lambda: themes.split_theme(store(), theme_id, parts, {}, user.name),
             f"Split {theme_id} into {', '.join(p.id for p in parts)}.")


def _promote(user: User, off: bool) -> None:
    st.subheader("Promote a topic of a run to a theme")
    runs = [r.run_id for r in list_runs(settings().runs_dir)]
    if not runs:
        st.info("No topic runs yet: fit one on the Themes page or with `workbench model fit`.")
        return
    run_id = st.selectbox("Run", runs[::-1], key="codebook_promote_run")
    try:
        run = load_run(settings().runs_dir, run_id)
    except WorkbenchError as exc:
        show_error(exc)
        return
    topics = {t["id"]: t for t in run.topics if t["id"] >= 0}
    if not topics:
        st.info("This run found no topics.")
        return
    mapped = {i: "" if t.get("theme") is None else f" (mapped to {t['theme']})" for i, t in topics.items()}
    order = sorted(topics, key=lambda i: (bool(mapped[i]), i))
    topic_id = st.selectbox("Topic (emergent topics first)", order, key="codebook_promote_topic",
                            format_func=lambda i: topics[i]["label"] + mapped[i])
    with st.form("codebook_promote_form", border=False):
        theme_id = st.text_input("New theme id", key="codebook_promote_id", disabled=off)
        name = st.text_input("New theme name", key="codebook_promote_name", disabled=off)
        promoted = st.form_submit_button("Promote", key="codebook_promote", disabled=off)
    if promoted:
        _act(lambda: themes.promote_topic(store(), run, topic_id, theme_id.strip(), name.strip(), user.name),
             f"Promoted topic {topic_id} of {run_id} to theme {theme_id.strip()}.")


def _import_export(book: cb.Codebook, user: User, off: bool) -> None:
    st.subheader("Import and export")
    upload = st.file_uploader("Import a codebook (.yaml, .yml or REFI-QDA .qdc)", type=["yaml", "yml", "qdc"],
                              key="codebook_upload", disabled=off)
    if upload is not None and st.button("Import", key="codebook_import", disabled=off):
        _act(lambda: import_codebook_file(upload.name, upload.getvalue(), user.name),
             lambda n: f"Imported {upload.name}: {n['added']} themes added, {n['updated']} updated.")
    left, right = st.columns(2)
    try:
        left.download_button("Export YAML", export_yaml(book), "codebook.yaml", "application/x-yaml",
                             key="codebook_export_yaml")
        right.download_button("Export REFI-QDA (.qdc)", codebook_to_bytes(book, "codebook.qdc"),
                              "codebook.qdc", "application/xml", key="codebook_export_qdc")
    except WorkbenchError as exc:
        show_error(exc)


def page() -> None:
    user = require_user()
    st.title("Codebook")
    message = st.session_state.pop("codebook_message", None)
    if message:
        st.success(message)
    off = not user.can_edit
    if off:
        st.caption(f"You are signed in as a viewer ({user.name}): you can read the codebook but not "
                   "change it.")
    book = themes.stored_codebook(store())
    if not book.themes:
        st.info("No themes yet: import a codebook below or with `workbench codebook import`.")
    else:
        st.dataframe(_hierarchy(book), hide_index=True, key="codebook_table")
        _edit(book, user, off)
        _merge(book, user, off)
        _split(book, user, off)
        _promote(user, off)
    _create(book, user, off)
    _import_export(book, user, off)
