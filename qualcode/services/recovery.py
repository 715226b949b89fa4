"""``qualcode db recover OUT``: what can be read from a damaged SQLite study, in a new study file.

Two ways, the first that works:

1. SQLite's own recovery, the ``sqlite3`` program's ``.recover`` (it reads every page it can,
   including rows no index reaches any more). It needs a ``sqlite3`` built with the DBPAGE
   virtual table; builds without it (Debian 12's 3.40 among them) answer "SQL logic error", and
   then qualcode says so and uses the second way.
2. A copy table by table and row by row in rowid order through Python's ``sqlite3``: the schema
   from ``sqlite_master``, every row that reads, each unreadable stretch skipped and counted.

Either way OUT is written in its own folder as a 0600 file and renamed there, the damaged study
is only read, and the search index is rebuilt from the recovered documents.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.db.search import SEARCH_TABLE, SQLITE_DDL, is_search_object
from qualcode.domain.errors import QualcodeError
from qualcode.services.admin import _written_in_place, private_umask

_BATCH = 500
_SKIP_AHEAD = 1000  # how many rowids past an unreadable row are tried one by one


@dataclass
class Recovery:
    """How the study was recovered (``method``, ``why``), rows saved per table, and what was lost."""

    method: str
    why: str
    rows: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


def recover_sqlite(source: Path, out: Path) -> Recovery:
    """Recover the SQLite study ``source`` into a new study file ``out``.

    Raises QualcodeError (naming the file) when ``source`` is missing or not a SQLite database
    at all, or ``out`` exists.
    """
    if not source.is_file():
        raise QualcodeError("no such file", source=str(source))
    if out.resolve() == source.resolve():
        raise QualcodeError("recover into a new file, not over the damaged study", source=str(out))
    with _written_in_place(out) as tmp:
        result, why = _with_sqlite_program(source, tmp)
        if result is None:
            result = _row_by_row(source, tmp, why=why)
        _rebuild_search(tmp)
        _stamp_schema(tmp, result)
        result.rows = _row_counts(tmp)
    return result


def _with_sqlite_program(source: Path, tmp: Path) -> tuple[Recovery | None, str]:
    """SQLite's ``.recover`` into ``tmp``, or (None, why it could not be used)."""
    program = shutil.which("sqlite3")
    if program is None:
        return None, "the sqlite3 program is not installed"
    done = subprocess.run([program, "-readonly", str(source), ".recover"], capture_output=True, timeout=3600)
    script = done.stdout.decode("utf-8", "surrogateescape")
    if done.returncode != 0 or "COMMIT" not in script[-200:]:
        first = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[0]
        return None, f"sqlite3 .recover could not run here ({first}; it needs the DBPAGE table)"
    with private_umask():
        target = sqlite3.connect(tmp)
        try:
            target.executescript(script)
        except sqlite3.Error as exc:
            target.close()
            tmp.write_bytes(b"")
            return None, f"sqlite3 .recover wrote SQL that did not load ({exc})"
        finally:
            target.close()
    return Recovery("sqlite3 .recover", "SQLite's own recovery reads every page it can"), ""


def _row_by_row(source: Path, tmp: Path, *, why: str) -> Recovery:
    result = Recovery("a row-by-row copy", why)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        # A text whose bytes were damaged is saved with U+FFFD where they no longer decode.
        src.text_factory = lambda raw: raw.decode("utf-8", "replace")
        schema = src.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise QualcodeError(
            f"not even the list of tables can be read ({exc}); restore a backup", source=str(source)
        ) from exc
    with private_umask():
        dst = sqlite3.connect(tmp)
    try:
        tables = [
            (name, sql)
            for kind, name, sql in schema
            if kind == "table" and not is_search_object(name, "table")
        ]
        for _, sql in tables:
            dst.execute(sql)
        for name, _ in tables:
            _copy_table(src, dst, name, result)
        for kind, name, sql in schema:
            if kind == "index" and not name.startswith("sqlite_"):
                try:
                    dst.execute(sql)
                except sqlite3.Error as exc:  # a unique index the saved rows no longer satisfy
                    result.lost.append(f"index {name} not rebuilt ({exc})")
        _drop_orphans(dst, result)
        dst.commit()
    finally:
        dst.close()
        src.close()
    return result


def _drop_orphans(dst: sqlite3.Connection, result: Recovery) -> None:
    """Rows whose parent row was lost (a segment of an unreadable document) go too, counted,
    so the recovered study is consistent."""
    for _ in range(20):  # each round can orphan the next level (coding -> segment -> document)
        orphans = dst.execute("PRAGMA foreign_key_check").fetchall()
        if not orphans:
            return
        by_table: dict[str, set[int]] = {}
        for table, rowid, parent, _ in orphans:
            by_table.setdefault(table, set()).add(rowid)
            result.lost.append(f"table {table}: row {rowid} dropped (its {parent} row was lost)")
        for table, rowids in by_table.items():
            quoted = '"' + table.replace('"', '""') + '"'
            dst.executemany(f"DELETE FROM {quoted} WHERE rowid = ?", [(r,) for r in rowids])


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, name: str, result: Recovery) -> None:
    quoted = '"' + name.replace('"', '""') + '"'
    columns = [row[1] for row in src.execute(f"PRAGMA table_info({quoted})")]
    if not columns:
        return
    names = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    insert = f"INSERT INTO {quoted} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    select_from = f"SELECT rowid, {names} FROM {quoted} WHERE rowid > ? ORDER BY rowid LIMIT ?"
    last = -(2**63)
    while True:
        try:
            rows = src.execute(select_from, (last, _BATCH)).fetchall()
        except sqlite3.Error:
            found = _step_past_damage(src, select_from, last)
            if found is None:
                result.lost.append(f"table {name}: rows after rowid {last} could not be read")
                return
            result.lost.append(f"table {name}: unreadable rows between rowid {last} and {found[0]}")
            rows = [found]
        if not rows:
            return
        dst.executemany(insert, [row[1:] for row in rows])
        last = rows[-1][0]


def _step_past_damage(src: sqlite3.Connection, select_from: str, last: int) -> tuple[object, ...] | None:
    """The first readable row after ``last``, trying rowids one by one for a while."""
    for candidate in range(last + 1, last + 1 + _SKIP_AHEAD):
        try:
            rows = src.execute(select_from, (candidate - 1, 1)).fetchall()
        except sqlite3.Error:
            continue
        return tuple(rows[0]) if rows else None
    return None


def _stamp_schema(tmp: Path, result: Recovery) -> None:
    """A study whose schema version row was lost is stamped with this qualcode's: a SQLite
    study is brought up to date whenever it is opened, so the damaged one was at this version."""
    from qualcode.db.schema import HEAD_REVISION

    conn = sqlite3.connect(tmp)
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
        )
        if conn.execute("SELECT COUNT(*) FROM alembic_version").fetchone()[0] == 0:
            conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_REVISION,))
            result.lost.append(f"the schema version was lost; the study is stamped {HEAD_REVISION}")
        conn.commit()
    finally:
        conn.close()


def _rebuild_search(tmp: Path) -> None:
    """The search index again, from the recovered documents (it is derived, never recovered)."""
    conn = sqlite3.connect(tmp)
    try:
        has_documents = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='document'"
        ).fetchone()
        if not has_documents:
            return
        conn.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
        for suffix in ("ai", "ad", "au"):
            conn.execute(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{suffix}")
        for statement in SQLITE_DDL:
            conn.execute(statement)
        conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')")
        conn.commit()
    finally:
        conn.close()


def _row_counts(tmp: Path) -> dict[str, int]:
    conn = sqlite3.connect(tmp)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")
            if not is_search_object(r[0], "table") and not r[0].startswith("sqlite_")
        ]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()
