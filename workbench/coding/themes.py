"""The codebook in the database: import, ensure, create, rename, edit, retire, merge, split and
promote themes. Every change is one transaction and one event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.coding.codebook import DEFAULT_CODEBOOK, ID_PATTERN, Codebook, Theme, load_codebook
from workbench.errors import BadInput, Conflict, NotFound
from workbench.store import Store, record_event
from workbench.store.codings import find_coding, move_theme_codings, update_coding
from workbench.store.documents import get_excerpt
from workbench.store.suggestions import move_theme_suggestions
from workbench.store.themes import (
    add_theme,
    find_theme,
    get_theme,
    list_themes,
    next_position,
    theme_snapshot,
    update_theme,
)

if TYPE_CHECKING:
    from workbench.analysis.runs import Run
    from workbench.store.models import ThemeRow


def _row_to_theme(row: ThemeRow) -> Theme:
    return Theme(id=row.id, name=row.name, description=row.description,
                 inclusion=list(row.inclusion), exclusion=list(row.exclusion),
                 seeds=list(row.seeds), examples=list(row.examples), colour=row.colour,
                 parent=row.parent_id, codable=row.codable)


def _values(theme: Theme) -> dict[str, object]:
    """A theme's editable fields as stored (see ``THEME_FIELDS``)."""
    return {"name": theme.name, "description": theme.description,
            "inclusion": theme.inclusion, "exclusion": theme.exclusion,
            "seeds": theme.seeds, "examples": theme.examples, "colour": theme.colour,
            "parent_id": theme.parent, "codable": theme.codable}


def stored_codebook(store: Store, include_inactive: bool = False,
                    name: str = "Workbench codebook") -> Codebook:
    """The codebook held in the database (active themes unless ``include_inactive``)."""
    with store.session() as session:
        rows = list_themes(session, include_inactive)
        return Codebook(name=name, themes=[_row_to_theme(r) for r in rows])


def import_codebook(store: Store, codebook: Codebook, actor: str) -> dict[str, int]:
    """Add a codebook's themes to the database; themes already there are updated in place."""
    added = updated = 0
    with store.session() as session:
        position = next_position(session)
        for theme in codebook.themes:
            values = _values(theme)
            row = find_theme(session, theme.id)
            if row is None:
                add_theme(session, theme.id, values, origin=f"codebook:{codebook.name}",
                          position=position)
                position += 1
                added += 1
                record_event(session, actor, "theme.create", f"theme:{theme.id}", values)
            else:
                before = theme_snapshot(row)
                update_theme(row, {**values, "status": "active"})
                if theme_snapshot(row) != before:
                    updated += 1
                    record_event(session, actor, "theme.update", f"theme:{theme.id}",
                                 {"before": before, "after": theme_snapshot(row)})
    return {"added": added, "updated": updated}


def _edit(store: Store, theme_id: str, actor: str, action: str, **changes: object) -> None:
    with store.session() as session:
        row = get_theme(session, theme_id)
        before = theme_snapshot(row)
        update_theme(row, changes)
        record_event(session, actor, action, f"theme:{theme_id}",
                     {"before": before, "after": theme_snapshot(row)})


def create_theme(store: Store, theme: Theme, actor: str, origin: str = "manual") -> None:
    """Add one new theme; its id must be new and its parent must exist."""
    if not ID_PATTERN.match(theme.id):
        raise BadInput(f"theme id {theme.id!r} must be lower-case letters, digits and "
                       "underscores, starting with a letter")
    with store.session() as session:
        if find_theme(session, theme.id) is not None:
            raise Conflict(f"theme id {theme.id!r} already exists; choose another id")
        if theme.parent:
            get_theme(session, theme.parent)
        values = _values(theme)
        add_theme(session, theme.id, values, origin=origin, position=next_position(session))
        record_event(session, actor, "theme.create", f"theme:{theme.id}",
                     {**values, "origin": origin})


def rename_theme(store: Store, theme_id: str, name: str, actor: str) -> None:
    """Give a theme a new (non-empty) name."""
    if not name.strip():
        raise BadInput("a theme name cannot be empty")
    _edit(store, theme_id, actor, "theme.rename", name=name.strip())


def edit_theme(store: Store, theme_id: str, actor: str, **fields: object) -> None:
    """Change any of description, inclusion, exclusion, seeds, examples, colour, parent_id."""
    allowed = {"description", "inclusion", "exclusion", "seeds", "examples", "colour", "parent_id",
               "codable"}
    unknown = set(fields) - allowed
    if unknown:
        raise BadInput(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(sorted(allowed))}")
    _edit(store, theme_id, actor, "theme.edit", **fields)


def retire_theme(store: Store, theme_id: str, actor: str) -> None:
    """Stop offering a theme; it and its codings stay for history."""
    _edit(store, theme_id, actor, "theme.retire", status="retired")


def merge_themes(store: Store, source_ids: list[str], target_id: str, actor: str) -> int:
    """Merge themes into ``target_id``: their codings and suggestions move to the survivor.

    Returns the number of codings moved. The merged themes are kept with status 'merged'.
    """
    if target_id in source_ids:
        raise BadInput(f"cannot merge theme {target_id!r} into itself")
    with store.session() as session:
        get_theme(session, target_id)
        moved = 0
        for source in source_ids:
            row = get_theme(session, source)
            coding_ids = move_theme_codings(session, source, target_id)
            move_theme_suggestions(session, source, target_id)
            update_theme(row, {"status": "merged", "merged_into": target_id})
            moved += len(coding_ids)
            record_event(session, actor, "theme.merge", f"theme:{source}",
                         {"into": target_id, "codings": coding_ids})
    return moved


def split_theme(store: Store, theme_id: str, parts: list[Theme], assignments: dict[int, str],
                actor: str) -> None:
    """Split a theme into new ``parts``; ``assignments`` moves codings (id -> new theme id).

    The original theme is retired; codings not listed stay with it for history.
    """
    targets = {p.id for p in parts}
    stray = {t for t in assignments.values() if t not in targets}
    if stray:
        raise BadInput(f"codings assigned to {', '.join(sorted(stray))}, which are not among the "
                       "new themes of the split")
    with store.session() as session:
        original = get_theme(session, theme_id)
        parent = original.parent_id
    for part in parts:
        create_theme(store, Theme(**{**part.__dict__, "parent": part.parent or parent}), actor,
                     origin=f"split:{theme_id}")
    with store.session() as session:
        for coding_id, new_theme in assignments.items():
            coding = find_coding(session, coding_id)
            if coding is None or coding.theme_id != theme_id:
                raise BadInput(f"coding {coding_id} is not coded with {theme_id!r}")
            update_coding(session, coding, {"theme_id": new_theme}, touch=False)
        record_event(session, actor, "theme.split", f"theme:{theme_id}",
                     {"into": sorted(targets), "codings": {str(k): v for k, v in assignments.items()}})
    retire_theme(store, theme_id, actor)


def promote_topic(store: Store, run: Run, topic_id: int, theme_id: str, name: str, actor: str,
                  parent: str | None = None, n_examples: int = 3) -> Theme:
    """Turn an emergent topic of a saved run into a new theme (seeds = topic words)."""
    topic = next((t for t in run.topics if t["id"] == topic_id), None)
    if topic is None or topic_id < 0:
        raise NotFound(f"run {run.run_id} has no topic {topic_id}; `workbench model show "
                       f"{run.run_id}` lists its topics")
    members = [e for e, t in run.assignments.items() if t == topic_id]
    with store.session() as session:
        texts = [get_excerpt(session, e).text for e in members[: n_examples * 5]]
    examples = sorted(texts, key=len)[:n_examples]
    theme = Theme(id=theme_id, name=name, description=f"Emergent topic {topic_id} of run {run.run_id}: "
                  + ", ".join(w for w, _ in topic["words"][:10]) + ".",
                  seeds=[w for w, _ in topic["words"][:10]], examples=examples, parent=parent)
    create_theme(store, theme, actor, origin=f"run:{run.run_id}/topic:{topic_id}")
    return theme


def ensure_codebook(store: Store, actor: str = "system") -> Codebook:
    """The stored codebook; the default one is imported first (by ``actor``) when none is stored."""
    codebook = stored_codebook(store)
    if not codebook.themes:
        import_codebook(store, load_codebook(DEFAULT_CODEBOOK), actor=actor)
        codebook = stored_codebook(store)
    return codebook
