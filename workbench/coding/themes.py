"""The codebook in the database: import, ensure, create, rename, edit, retire, merge, split and
promote themes. Every change is one transaction and one event."""

from __future__ import annotations

from workbench.coding.codebook import DEFAULT_CODEBOOK, ID_PATTERN, Codebook, Theme, load_codebook
from workbench.errors import ConfigError, WorkbenchError


def _row_to_theme(row) -> Theme:
    return Theme(id=row.id, name=row.name, description=row.description,
                 inclusion=list(row.inclusion), exclusion=list(row.exclusion),
                 seeds=list(row.seeds), examples=list(row.examples), colour=row.colour,
                 parent=row.parent_id, codable=row.codable)


def stored_codebook(store, include_inactive: bool = False, name: str = "Workbench codebook") -> Codebook:
    """The codebook held in the database (active themes unless ``include_inactive``)."""
    from workbench.store.themes import list_themes

    with store.session() as session:
        rows = list_themes(session, include_inactive)
        return Codebook(name=name, themes=[_row_to_theme(r) for r in rows])


def import_codebook(store, codebook: Codebook, actor: str) -> dict[str, int]:
    """Add a codebook's themes to the database; themes already there are updated in place."""
    from workbench.store import record_event
    from workbench.store.models import ThemeRow
    from workbench.store.themes import next_position, theme_snapshot

    added = updated = 0
    with store.session() as session:
        position = next_position(session)
        for theme in codebook.themes:
            values = {"name": theme.name, "description": theme.description,
                      "inclusion": theme.inclusion, "exclusion": theme.exclusion,
                      "seeds": theme.seeds, "examples": theme.examples, "colour": theme.colour,
                      "parent_id": theme.parent, "codable": theme.codable}
            row = session.get(ThemeRow, theme.id)
            if row is None:
                session.add(ThemeRow(id=theme.id, status="active", origin=f"codebook:{codebook.name}",
                                     position=position, **values))
                session.flush()
                position += 1
                added += 1
                record_event(session, actor, "theme.create", f"theme:{theme.id}", values)
            else:
                before = theme_snapshot(row)
                for key, value in values.items():
                    setattr(row, key, value)
                row.status = "active"
                if theme_snapshot(row) != before:
                    updated += 1
                    record_event(session, actor, "theme.update", f"theme:{theme.id}",
                                 {"before": before, "after": theme_snapshot(row)})
    return {"added": added, "updated": updated}


def _edit(store, theme_id: str, actor: str, action: str, **changes) -> None:
    from workbench.store import record_event
    from workbench.store.themes import get_theme, theme_snapshot

    with store.session() as session:
        row = get_theme(session, theme_id)
        before = theme_snapshot(row)
        for key, value in changes.items():
            setattr(row, key, value)
        record_event(session, actor, action, f"theme:{theme_id}",
                     {"before": before, "after": theme_snapshot(row)})


def create_theme(store, theme: Theme, actor: str, origin: str = "manual") -> None:
    """Add one new theme; its id must be new and its parent must exist."""
    from workbench.store import record_event
    from workbench.store.models import ThemeRow
    from workbench.store.themes import get_theme, next_position

    if not ID_PATTERN.match(theme.id):
        raise ConfigError(f"theme id {theme.id!r} must be lower-case letters, digits and "
                          "underscores, starting with a letter")
    with store.session() as session:
        if session.get(ThemeRow, theme.id) is not None:
            raise WorkbenchError(f"theme id {theme.id!r} already exists; choose another id")
        if theme.parent:
            get_theme(session, theme.parent)
        values = {"name": theme.name, "description": theme.description,
                  "inclusion": theme.inclusion, "exclusion": theme.exclusion, "seeds": theme.seeds,
                  "examples": theme.examples, "colour": theme.colour, "parent_id": theme.parent,
                  "codable": theme.codable}
        session.add(ThemeRow(id=theme.id, status="active", origin=origin,
                             position=next_position(session), **values))
        record_event(session, actor, "theme.create", f"theme:{theme.id}",
                     {**values, "origin": origin})


def rename_theme(store, theme_id: str, name: str, actor: str) -> None:
    if not name.strip():
        raise ConfigError("a theme name cannot be empty")
    _edit(store, theme_id, actor, "theme.rename", name=name.strip())


def edit_theme(store, theme_id: str, actor: str, **fields) -> None:
    """Change any of description, inclusion, exclusion, seeds, examples, colour, parent_id."""
    allowed = {"description", "inclusion", "exclusion", "seeds", "examples", "colour", "parent_id",
               "codable"}
    unknown = set(fields) - allowed
    if unknown:
        raise ConfigError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(sorted(allowed))}")
    _edit(store, theme_id, actor, "theme.edit", **fields)


def retire_theme(store, theme_id: str, actor: str) -> None:
    """Stop offering a theme; it and its codings stay for history."""
    _edit(store, theme_id, actor, "theme.retire", status="retired")


def merge_themes(store, source_ids: list[str], target_id: str, actor: str) -> int:
    """Merge themes into ``target_id``: their codings and suggestions move to the survivor.

    Returns the number of codings moved. The merged themes are kept with status 'merged'.
    """
    from sqlalchemy import select, update

    from workbench.store import record_event
    from workbench.store.models import Coding, Suggestion
    from workbench.store.themes import get_theme

    if target_id in source_ids:
        raise ConfigError(f"cannot merge theme {target_id!r} into itself")
    with store.session() as session:
        get_theme(session, target_id)
        moved = 0
        for source in source_ids:
            row = get_theme(session, source)
            coding_ids = list(session.scalars(select(Coding.id).where(Coding.theme_id == source)))
            session.execute(update(Coding).where(Coding.theme_id == source)
                            .values(theme_id=target_id, version=Coding.version + 1)
                            .execution_options(synchronize_session=False))
            session.execute(update(Suggestion).where(Suggestion.theme_id == source)
                            .values(theme_id=target_id).execution_options(synchronize_session=False))
            row.status, row.merged_into = "merged", target_id
            moved += len(coding_ids)
            record_event(session, actor, "theme.merge", f"theme:{source}",
                         {"into": target_id, "codings": coding_ids})
    return moved


def split_theme(store, theme_id: str, parts: list[Theme], assignments: dict[int, str], actor: str) -> None:
    """Split a theme into new ``parts``; ``assignments`` moves codings (id -> new theme id).

    The original theme is retired; codings not listed stay with it for history.
    """
    from workbench.store import record_event
    from workbench.store.models import Coding
    from workbench.store.themes import get_theme

    targets = {p.id for p in parts}
    stray = {t for t in assignments.values() if t not in targets}
    if stray:
        raise ConfigError(f"codings assigned to {', '.join(sorted(stray))}, which are not among the "
                          "new themes of the split")
    with store.session() as session:
        original = get_theme(session, theme_id)
        parent = original.parent_id
    for part in parts:
        create_theme(store, Theme(**{**part.__dict__, "parent": part.parent or parent}), actor,
                     origin=f"split:{theme_id}")
    with store.session() as session:
        for coding_id, new_theme in assignments.items():
            coding = session.get(Coding, coding_id)
            if coding is None or coding.theme_id != theme_id:
                raise ConfigError(f"coding {coding_id} is not coded with {theme_id!r}")
            coding.theme_id = new_theme
        record_event(session, actor, "theme.split", f"theme:{theme_id}",
                     {"into": sorted(targets), "codings": {str(k): v for k, v in assignments.items()}})
    retire_theme(store, theme_id, actor)


def promote_topic(store, run, topic_id: int, theme_id: str, name: str, actor: str,
                  parent: str | None = None, n_examples: int = 3) -> Theme:
    """Turn an emergent topic of a saved run into a new theme (seeds = topic words)."""
    from workbench.store.models import Excerpt

    topic = next((t for t in run.topics if t["id"] == topic_id), None)
    if topic is None or topic_id < 0:
        raise ConfigError(f"run {run.run_id} has no topic {topic_id}; `workbench model show "
                          f"{run.run_id}` lists its topics")
    members = [e for e, t in run.assignments.items() if t == topic_id]
    with store.session() as session:
        texts = [session.get(Excerpt, e).text for e in members[: n_examples * 5]]
    examples = sorted(texts, key=len)[:n_examples]
    theme = Theme(id=theme_id, name=name, description=f"Emergent topic {topic_id} of run {run.run_id}: "
                  + ", ".join(w for w, _ in topic["words"][:10]) + ".",
                  seeds=[w for w, _ in topic["words"][:10]], examples=examples, parent=parent)
    create_theme(store, theme, actor, origin=f"run:{run.run_id}/topic:{topic_id}")
    return theme


def ensure_codebook(store, actor: str = "system") -> Codebook:
    """The stored codebook; the default one is imported first (by ``actor``) when none is stored."""
    codebook = stored_codebook(store)
    if not codebook.themes:
        import_codebook(store, load_codebook(DEFAULT_CODEBOOK), actor=actor)
        codebook = stored_codebook(store)
    return codebook
