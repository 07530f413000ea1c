"""Users of the app: names, roles and slow password hashes (scrypt). Viewers cannot change anything."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from workbench.errors import BadInput, Conflict
from workbench.store import Store, record_event
from workbench.store import users as user_rows

ROLES = ("admin", "reviewer", "viewer")
SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "reviewer")


def is_loopback(host: str) -> bool:
    """True for addresses only this computer can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    params = {**SCRYPT, "n": int(n)}
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **params)
    return hmac.compare_digest(candidate.hex(), digest)


def add_user(store: Store, name: str, password: str, role: str, actor: str = "system") -> User:
    """Create a user; names are unique, passwords at least 10 characters."""
    name = name.strip()
    if role not in ROLES:
        raise BadInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name:
        raise BadInput("a user name is required")
    if len(password) < 10:
        raise BadInput("passwords must be at least 10 characters long")
    with store.session() as session:
        if user_rows.find_user(session, name) is not None:
            raise Conflict(f"user {name!r} already exists")
        user_rows.add_user(session, name, role, hash_password(password))
        record_event(session, actor, "user.add", f"user:{name}", {"role": role})
    return User(name, role)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the password matches, else None (the same for unknown names)."""
    with store.session() as session:
        row = user_rows.find_user(session, name.strip())
        if row is None:
            check_password(password, hash_password("timing-equaliser"))
            return None
        return User(row.name, row.role) if check_password(password, row.password_hash) else None


def count_users(store: Store) -> int:
    """How many users exist."""
    with store.session() as session:
        return user_rows.count_users(session)


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    with store.session() as session:
        return [User(r.name, r.role) for r in user_rows.list_users(session)]
