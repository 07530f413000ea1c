"""Unredacted originals: not kept by default; kept encrypted at rest only when asked.

With ``keep_originals = "encrypted"`` each document's canonical text as read, before redaction,
is written to ``HOME/originals/<sha256>.fernet``, encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256 tag) under ``WORKBENCH_ORIGINALS_KEY``. The key lives only in the environment: whoever
holds the database and the folder but not the key cannot read the originals.
"""

from __future__ import annotations

from pathlib import Path

from workbench.config import Settings
from workbench.errors import NotFound, SettingsError
from workbench.files import atomic_write
from workbench.store import Store, get_document, record_event

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
        raise SettingsError(
            "keep_originals is 'encrypted' but WORKBENCH_ORIGINALS_KEY is not set; make a key with "
            "`workbench originals key`, keep it somewhere safe, and set the variable"
        )
    try:
        return Fernet(settings.originals_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SettingsError(
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
    with atomic_write(target, permissions=0o600, fsync=False) as out:  # readable by the owner only
        out.write(token)
    return target


def read_original(store: Store, settings: Settings, document_id: int, actor: str) -> str:
    """A document's kept original, decrypted; the read is recorded as the event ``original.read``.

    Raises NotFound when there is no such document or no original was kept for it, and
    SettingsError when the key is missing or is not the one it was written with.
    """
    with store.session() as session:
        sha256 = get_document(session, document_id).sha256
    text = _decrypt(settings, sha256)
    with store.session() as session:
        record_event(session, actor, "original.read", f"document:{document_id}", {})
    return text


def _decrypt(settings: Settings, sha256: str) -> str:
    """Decrypt the original kept under ``sha256``; clear errors when none was kept or the key is wrong."""
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
        raise SettingsError(
            f"{path}: cannot decrypt with this WORKBENCH_ORIGINALS_KEY; it was written with another key"
        ) from exc
