"""Opening a study: create, check the schema version, upgrade (with a backup first).

Alembic is imported only when a schema has to change, so that opening an up-to-date study
(every list command) stays fast. ``HEAD_REVISION`` is checked against the migration scripts
by a test.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from qualcode.db.engine import StudyLocation, create_private_file, make_engine
from qualcode.db.models import Base, Study, table_of
from qualcode.db.search import create_search_objects, is_search_object
from qualcode.domain.errors import QualcodeError, StudyVersionError

HEAD_REVISION = "0006"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")


@dataclass(frozen=True)
class OpenedStudy:
    location: StudyLocation
    engine: Engine
    upgraded_from: str | None = None
    backup: Path | None = None


def _alembic_config(connection: Connection) -> Any:
    from importlib.resources import files

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("qualcode.migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def current_revision(connection: Connection) -> str | None:
    """The study's schema revision, or None for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        if inspect(connection).has_table("study"):
            raise StudyVersionError("this database has study tables but no schema version")
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def _friendly_db_error(location: StudyLocation, exc: Exception) -> QualcodeError:
    from qualcode.db.damage import damaged_error, describe, is_damage, mark_damaged

    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if is_damage(exc) and "not a database" not in detail:
        mark_damaged(location.path, describe(exc))
        return damaged_error(location.display, describe(exc))
    if "file is not a database" in detail or "not a database" in detail:
        return QualcodeError("not a qualcode study (not a SQLite database)", source=location.display)
    return QualcodeError(f"cannot open the study: {detail}", source=location.display)


def _create_pg_database_if_missing(location: StudyLocation) -> None:
    """``qualcode init postgresql+psycopg://.../NEWDB``: create NEWDB when the server lacks it.

    CREATE DATABASE cannot run in a transaction, so it goes through the server's ``postgres``
    maintenance database with AUTOCOMMIT. Two coders running init at once both succeed.
    """
    from sqlalchemy import create_engine

    name = location.url.database
    if location.is_sqlite or not name:
        return
    probe = make_engine(location)
    try:
        with probe.connect():
            return
    except OperationalError as exc:
        if "does not exist" not in str(exc.orig):
            raise _friendly_db_error(location, exc) from exc
    finally:
        probe.dispose()
    admin = create_engine(location.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    except (OperationalError, DatabaseError) as exc:
        if "already exists" not in str(getattr(exc, "orig", exc)):
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            where = location.display
            raise QualcodeError(f"cannot create database {name!r}: {detail}", source=where) from exc
    finally:
        admin.dispose()


def create_study(location: StudyLocation, title: str) -> OpenedStudy:
    """Create a new, empty study at ``location`` and stamp it at the newest schema."""
    if location.path is not None:
        if location.path.exists():
            raise QualcodeError("a file is already there; choose another name", source=str(location.path))
        create_private_file(location.path)
    _create_pg_database_if_missing(location)
    engine = make_engine(location)
    try:
        with engine.begin() as conn:
            if current_revision(conn) is not None:
                raise QualcodeError("a study already exists in this database", source=location.display)
            Base.metadata.create_all(conn)
            create_search_objects(conn)
            conn.execute(
                text(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD_REVISION})
            conn.execute(
                table_of(Study)
                .insert()
                .values(title=title, research_questions="", created_at=datetime.now(UTC))
            )
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        if location.path is not None:
            location.path.unlink(missing_ok=True)
        raise _friendly_db_error(location, exc) from exc
    except BaseException:
        engine.dispose()
        if location.path is not None:
            location.path.unlink(missing_ok=True)
        raise
    return OpenedStudy(location, engine)


def backup_sqlite(path: Path, *, label: str) -> Path:
    """Copy a SQLite study consistently (the backup API, safe while others read) beside itself."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bak-{label}-{stamp}")
    create_private_file(target)
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def upgrade_study(opened_engine: Engine) -> None:
    """Run the migrations to head in one transaction.

    SQLite: a migration that rebuilds a table (Alembic's batch mode: copy, drop, rename) must
    run with foreign keys off, or dropping a table other tables point at fails; the switch only
    works outside a transaction, so it is set on the raw connection, and the links are checked
    (``PRAGMA foreign_key_check``) before the upgrade commits — SQLite's documented procedure for
    schema changes.
    """
    from alembic import command

    if opened_engine.dialect.name != "sqlite":
        with opened_engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
        return
    with opened_engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                command.upgrade(_alembic_config(conn), "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise QualcodeError(
                        f"upgrading the study would break {len(broken)} link(s) between rows "
                        f"(first in table {broken[0][0]}); nothing was changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def open_study(location: StudyLocation) -> OpenedStudy:
    """Open an existing study; bring an older SQLite file up to date after a backup.

    An older PostgreSQL study is refused: a shared database is upgraded deliberately, by one
    person, with ``qualcode db upgrade``.
    """
    if location.path is not None and not location.path.exists():
        raise QualcodeError(
            f"no study here; create one with: qualcode init {location.path}", source=str(location.path)
        )
    engine = make_engine(location)
    try:
        with engine.connect().execution_options(qualcode_write=False) as conn:
            revision = current_revision(conn)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise _friendly_db_error(location, exc) from exc
    if revision == HEAD_REVISION:
        return OpenedStudy(location, engine)
    if revision is None:
        engine.dispose()
        raise QualcodeError(
            "this database holds no study; create one with: qualcode init", source=location.display
        )
    if revision not in KNOWN_REVISIONS:
        engine.dispose()
        raise StudyVersionError(
            f"the study's schema ({revision}) is newer than this qualcode; upgrade qualcode",
            source=location.display,
        )
    if not location.is_sqlite:
        engine.dispose()
        raise StudyVersionError(
            f"the study's schema is at {revision}, this qualcode needs {HEAD_REVISION}: "
            "run `qualcode db upgrade` once (all coders must have closed qualcode)",
            source=location.display,
        )
    assert location.path is not None
    backup = backup_sqlite(location.path, label=revision)
    upgrade_study(engine)
    return OpenedStudy(location, engine, upgraded_from=revision, backup=backup)


def upgrade_study_at(location: StudyLocation) -> tuple[str | None, str]:
    """``qualcode db upgrade``: bring any study (PostgreSQL included) to the newest schema."""
    engine = make_engine(location)
    try:
        with engine.connect() as conn:
            before = current_revision(conn)
        if before is None:
            raise QualcodeError("this database holds no study", source=location.display)
        if before not in KNOWN_REVISIONS:
            raise StudyVersionError(f"unknown schema revision {before}", source=location.display)
        if before != HEAD_REVISION:
            if location.path is not None:
                backup_sqlite(location.path, label=before)
            upgrade_study(engine)
        return before, HEAD_REVISION
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the database and the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                # The full-text index is not a model (see qualcode.db.search).
                "include_name": lambda name, kind, _parent: not is_search_object(name, kind),
            },
        )
        return list(compare_metadata(ctx, Base.metadata))
