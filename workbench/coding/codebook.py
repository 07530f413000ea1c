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
from workbench.errors import BadInput
from workbench.files import atomic_write

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
            raise BadInput(
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


def theme_path(codebook: Codebook, theme_id: str) -> str:
    """'National review themes > Non-accidental injury ...' for a theme id; the id itself when
    the codebook does not hold the theme or one of its ancestors."""
    try:
        return " > ".join(codebook.path(theme_id))
    except BadInput:
        return theme_id


def load_codebook(path: str | Path = DEFAULT_CODEBOOK) -> Codebook:
    """Read and validate a YAML codebook; errors name the file and the theme."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"codebook {path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise BadInput(f"codebook {path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise BadInput(f"codebook {path}: expected a mapping with a 'themes' list")
    themes: list[Theme] = []

    def walk(entries: list[object], parent: str | None) -> None:
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry or "name" not in entry:
                raise BadInput(f"codebook {path}: every theme needs an id and a name: {entry!r}")
            theme_id = str(entry["id"])
            if not ID_PATTERN.match(theme_id):
                raise BadInput(
                    f"codebook {path}: theme id {theme_id!r} must be lower-case letters, digits "
                    "and underscores, starting with a letter"
                )
            if any(t.id == theme_id for t in themes):
                raise BadInput(f"codebook {path}: theme id {theme_id!r} appears twice")
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

    def entry(theme: Theme) -> dict[str, object]:
        out: dict[str, object] = {"id": theme.id, "name": theme.name}
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

    data: dict[str, object] = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        data["description"] = codebook.description
    data["themes"] = [entry(t) for t in codebook.themes if t.parent is None]
    with atomic_write(path, "w") as handle:
        handle.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
