"""Opening the database: engine, sessions, SQLite pragmas and migrations on first use."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from workbench.config import Settings
from workbench.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, **engine_args: object) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **engine_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **engine_args)


class Store:
    """A migrated database and a session factory. Use ``with store.session() as s:``."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def revision(self) -> str:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() or ""

    def migrate(self, backup_dir: Path | None = None) -> None:
        """Bring the schema to the newest migration, backing up an SQLite file first."""
        current, head = self.revision(), head_revision()
        if current == head:
            return
        db_file = self.engine.url.database
        if current and backup_dir and self.engine.dialect.name == "sqlite" and db_file:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            shutil.copy2(db_file, backup_dir / f"workbench.db.{current}.{stamp}.bak")
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings, **engine_args: object) -> Store:
    """Open (creating and migrating on first use) the database that ``settings`` name."""
    url = settings.database
    if url.startswith("sqlite"):
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the workbench home {settings.home} ({exc.strerror}); "
                "choose another with --home or WORKBENCH_HOME"
            ) from exc
    try:
        store = Store(make_engine(url, **engine_args))
        store.migrate(backup_dir=settings.home if url.startswith("sqlite") else None)
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the database {_safe_url(url)}: {exc.orig}; check "
            "WORKBENCH_DATABASE_URL, that the server is running and that the user may connect"
        ) from exc
    except CommandError as exc:
        raise StoreError(
            f"database {_safe_url(url)} has a schema this version of the workbench does not "
            f"know ({exc}); upgrade the workbench, or restore a backup from {settings.home}"
        ) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database {_safe_url(url)}: {exc}") from exc
    return store


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "(unparseable URL)"
