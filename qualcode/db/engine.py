"""Engines for a study: a SQLite file (the default) or a PostgreSQL database.

A study location is either a file path (SQLite) or a SQLAlchemy URL
(``postgresql+psycopg://user@host/db``; ``sqlite:///path`` also works).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from qualcode.domain.errors import QualcodeError

# How long a writer waits for another writer on the same SQLite file before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class StudyLocation:
    """Where a study lives: ``url`` for SQLAlchemy, ``path`` when it is a SQLite file."""

    url: URL
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def locate(path_or_url: str) -> StudyLocation:
    """Turn ``--db`` into a location: a file path means SQLite, a URL means what it says."""
    text = path_or_url.strip()
    if not text:
        raise QualcodeError("no study given: use --db PATH_OR_URL or set QUALCODE_DB")
    if "://" in text:
        try:
            url = make_url(text)
        except Exception as exc:  # SQLAlchemy raises ArgumentError with a terse message
            raise QualcodeError(f"not a database URL: {text!r} ({exc})") from exc
        backend = url.get_backend_name()
        if backend == "sqlite":
            if not url.database or url.database == ":memory:":
                raise QualcodeError("a study needs a file: sqlite:///PATH")
            return StudyLocation(url, Path(url.database).expanduser().resolve())
        if backend == "postgresql":
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            return StudyLocation(url, None)
        raise QualcodeError(f"unsupported database {backend!r}: use a file path or postgresql+psycopg://")
    path = Path(text).expanduser().resolve()
    return StudyLocation(URL.create("sqlite+pysqlite", database=str(path)), path)


def create_private_file(path: Path) -> None:
    """Create an empty study file readable by its owner only (interview data is confidential)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise QualcodeError("a file is already there", source=str(path)) from exc
    os.close(fd)
    os.chmod(path, 0o600)  # the umask may have removed bits, never added them; be explicit


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # The driver's own transaction handling is switched off: we emit BEGIN ourselves (below).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN, so two writers queue on the busy timeout instead of
    # one failing at once when it upgrades a read lock (SQLite's deferred-transaction deadlock).
    mode = "IMMEDIATE" if conn.get_execution_options().get("qualcode_write", True) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(location: StudyLocation, *, echo: bool = False) -> Engine:
    """An engine with the pragmas a study needs; no schema work happens here."""
    if location.is_sqlite:
        engine = create_engine(
            location.url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(location.url, echo=echo, pool_pre_ping=True, pool_size=5)
