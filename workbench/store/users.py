"""Repository functions for app users (names, roles, password hashes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.store.models import User


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name``, or None."""
    return session.get(User, name)


def add_user(session: Session, name: str, role: str, password_hash: str) -> User:
    """Insert a user in the caller's transaction."""
    row = User(name=name, role=role, password_hash=password_hash)
    session.add(row)
    return row


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.name))) or 0


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)))
