"""Codebooks: hierarchical themes with descriptions, criteria, seed keywords and examples.

The YAML format is that of ``corpus/codebooks/panel-themes.yaml``: a ``themes`` list whose
entries may hold ``children`` to any depth. Groups set ``codable: false``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workbench.config import PROJECT_ROOT
from workbench.errors import ConfigError, WorkbenchError

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_CODEBOOK = PROJECT_ROOT / "corpus" / "codebooks" / "panel-themes.yaml"


@dataclass
class Theme:
    id: str
    name: str
    description: str = ""
    inclusion: list[str] = field(default_factory=list)
    exclusion: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    colour: str = ""
    parent: str | None = None
    codable: bool = True


@dataclass
class Codebook:
    name: str
    themes: list[Theme]
    description: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        self._by_id = {t.id: t for t in self.themes}

    def __getitem__(self, theme_id: str) -> Theme:
        try:
            return self._by_id[theme_id]
        except KeyError:
            raise ConfigError(
                f"no theme {theme_id!r} in codebook {self.name!r}; known: {', '.join(self._by_id)}"
            ) from None

    @property
    def codable(self) -> list[Theme]:
        return [t for t in self.themes if t.codable]

    def path(self, theme_id: str) -> list[str]:
        """Names from the root to the theme, e.g. ['National review themes', 'Sudden ...']."""
        names, current = [], self[theme_id]
        while True:
            names.append(current.name)
            if current.parent is None:
                return names[::-1]
            current = self[current.parent]


def load_codebook(path: str | Path = DEFAULT_CODEBOOK) -> Codebook:
    """Read and validate a YAML codebook; errors name the file and the theme."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"codebook {path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"codebook {path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise ConfigError(f"codebook {path}: expected a mapping with a 'themes' list")
    themes: list[Theme] = []

    def walk(entries: list, parent: str | None) -> None:
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry or "name" not in entry:
                raise ConfigError(f"codebook {path}: every theme needs an id and a name: {entry!r}")
            theme_id = str(entry["id"])
            if not ID_PATTERN.match(theme_id):
                raise ConfigError(
                    f"codebook {path}: theme id {theme_id!r} must be lower-case letters, digits "
                    "and underscores, starting with a letter"
                )
            if any(t.id == theme_id for t in themes):
                raise ConfigError(f"codebook {path}: theme id {theme_id!r} appears twice")
            themes.append(Theme(
                id=theme_id, name=str(entry["name"]),
                description=str(entry.get("description", "")).strip(),
                inclusion=list(entry.get("inclusion") or []),
                exclusion=list(entry.get("exclusion") or []),
                seeds=[str(s) for s in entry.get("seeds") or []],
                examples=[str(s) for s in entry.get("examples") or []],
                colour=str(entry.get("colour", "")), parent=parent,
                codable=bool(entry.get("codable", True)),
            ))
            walk(entry.get("children") or [], theme_id)

    walk(data["themes"], None)
    return Codebook(name=str(data.get("name", path.stem)), themes=themes,
                    description=str(data.get("description", "")).strip(),
                    version=int(data.get("version", 1)))


def save_codebook(codebook: Codebook, path: str | Path) -> None:
    """Write a codebook as YAML in the format load_codebook reads."""

    def entry(theme: Theme) -> dict:
        out: dict = {"id": theme.id, "name": theme.name}
        if not theme.codable:
            out["codable"] = False
        if theme.colour:
            out["colour"] = theme.colour
        if theme.description:
            out["description"] = theme.description
        for key in ("inclusion", "exclusion", "seeds", "examples"):
            if getattr(theme, key):
                out[key] = list(getattr(theme, key))
        children = [entry(t) for t in codebook.themes if t.parent == theme.id]
        if children:
            out["children"] = children
        return out

    data = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        data["description"] = codebook.description
    data["themes"] = [entry(t) for t in codebook.themes if t.parent is None]
    Path(path).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
                          encoding="utf-8")


# -- the codebook in the database ---------------------------------------------------------------


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
