"""Unredacted originals: not kept by default; kept encrypted at rest only when asked.

With ``keep_originals = "encrypted"`` each document's canonical text as read, before redaction,
is written to ``HOME/originals/<sha256>.fernet``, encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256 tag) under ``WORKBENCH_ORIGINALS_KEY``. The key lives only in the environment: whoever
holds the database and the folder but not the key cannot read the originals.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from workbench.config import Settings
from workbench.errors import ConfigError, NotFound

SUFFIX = ".fernet"


def new_key() -> str:
    """A fresh random key, to be set as WORKBENCH_ORIGINALS_KEY."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def originals_dir(settings: Settings) -> Path:
    return settings.home / "originals"


def _cipher(settings: Settings):
    from cryptography.fernet import Fernet

    if not settings.originals_key:
        raise ConfigError(
            "keep_originals is 'encrypted' but WORKBENCH_ORIGINALS_KEY is not set; make a key with "
            "`workbench originals key`, keep it somewhere safe, and set the variable"
        )
    try:
        return Fernet(settings.originals_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ConfigError(
            "WORKBENCH_ORIGINALS_KEY is not a valid key (32 url-safe base64-encoded bytes); make one "
            "with `workbench originals key`"
        ) from exc


def check_settings(settings: Settings) -> None:
    """Fail early, before any ingest, when originals are to be kept but cannot be."""
    if settings.keep_originals == "encrypted":
        _cipher(settings)


def path_for(settings: Settings, sha256: str) -> Path:
    return originals_dir(settings) / f"{sha256}{SUFFIX}"


def save_original(settings: Settings, sha256: str, text: str) -> Path | None:
    """Keep ``text`` encrypted when the settings ask for it; returns the file written, if any."""
    if settings.keep_originals != "encrypted":
        return None
    token = _cipher(settings).encrypt(text.encode("utf-8"))
    folder = originals_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = path_for(settings, sha256)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(token)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def read_original(settings: Settings, sha256: str) -> str:
    """Decrypt a kept original; clear errors when none was kept or the key is wrong."""
    from cryptography.fernet import InvalidToken

    path = path_for(settings, sha256)
    if not path.exists():
        raise NotFound(
            f"no original is kept for document {sha256[:12]}…: it was ingested with keep_originals "
            "'none' (the default), so only the redacted text exists"
        )
    try:
        return _cipher(settings).decrypt(path.read_bytes()).decode("utf-8")
    except InvalidToken as exc:
        raise ConfigError(
            f"{path}: cannot decrypt with this WORKBENCH_ORIGINALS_KEY; it was written with another key"
        ) from exc
