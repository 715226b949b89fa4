"""Looking after a study: integrity check, backup, the event log and undo."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from qualcode.db.damage import clear_mark, describe
from qualcode.db.models import Base, Code, Coder, CodeStatus, Coding, Document, Event, Segment
from qualcode.db.schema import HEAD_REVISION, OpenedStudy, backup_sqlite, current_revision
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.terminal import visible
from qualcode.services.history import revert, undoable_event
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class CheckReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventInfo:
    id: int
    at: datetime
    coder: str | None
    action: str
    summary: str
    details: dict[str, object]
    undone_by: int | None
    undoes: int | None


def _readable(s: Session, report: CheckReport, what: str, query: Any) -> list[Any] | None:
    """Rows of ``query``, or None with a problem recorded (its message holds no study text)."""
    try:
        return list(s.execute(query).all())
    except DBAPIError as exc:
        s.rollback()
        report.problems.append(f"{what}: cannot be read ({describe(exc)})")
        return None


def _scan_tables(s: Session, report: CheckReport) -> None:
    """Read every row of every table, so a damaged page anywhere is found and named by table
    and the id after which reading failed (never by its contents)."""
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        last = 0
        while True:
            try:
                ids = [
                    row[0]
                    for row in s.execute(
                        select(*table.c).where(table.c.id > last).order_by(table.c.id).limit(500)
                    ).all()
                ]
            except DBAPIError as exc:
                s.rollback()
                report.problems.append(
                    f"table {table.name}: rows after id {last} cannot be read ({describe(exc)})"
                )
                break
            if not ids:
                break
            last = ids[-1]


def check_study(uow: UnitOfWork) -> CheckReport:
    """``qualcode db check``: every problem a researcher needs to know before trusting the study.

    SQLite's integrity and foreign-key checks (every message, not the first few), a read of every
    row of every table, the schema revision, and every excerpt against its document. Problems name
    tables, rows, segments and pages, never the study's text. A study that checks clean loses its
    damage mark (``qualcode.db.damage``).
    """
    s = uow.session
    report = CheckReport()
    conn = s.connection()
    try:
        revision = current_revision(conn)
    except DBAPIError as exc:
        s.rollback()
        revision = None
        report.problems.append(f"schema version cannot be read ({describe(exc)})")
    if revision == HEAD_REVISION:
        report.checked.append(f"schema at {revision}")
    elif revision is not None:
        report.problems.append(f"schema at {revision}, expected {HEAD_REVISION}")
    if uow.dialect == "sqlite":
        result = _readable(s, report, "SQLite integrity check", text("PRAGMA integrity_check(100000)"))
        if result is not None:
            messages = [str(r[0]) for r in result]
            if messages == ["ok"]:
                report.checked.append("SQLite integrity check")
            else:
                report.problems.extend(f"integrity: {visible(m, keep_newlines=False)}" for m in messages)
        fk = _readable(s, report, "foreign key check", text("PRAGMA foreign_key_check"))
        if fk:
            report.problems.extend(f"foreign key: table {r[0]} row {r[1]} -> {r[2]}" for r in fk)
        elif fk is not None:
            report.checked.append("foreign keys")
    else:
        s.execute(text("SELECT 1"))
        report.checked.append("connection")
    problems_before = len(report.problems)
    _scan_tables(s, report)
    if len(report.problems) == problems_before:
        report.checked.append("every row of every table reads")

    # Every excerpt must be the exact text at its offsets (the document text never changes).
    documents_rows = _readable(s, report, "document texts", select(Document.id, Document.text))
    segments = _readable(
        s,
        report,
        "segments",
        select(Segment.id, Segment.document_id, Segment.start, Segment.end, Segment.text),
    )
    if documents_rows is not None and segments is not None:
        documents = dict(documents_rows)
        bad = 0
        for seg_id, doc_id, start, end, seg_text in segments:
            doc_text = documents.get(doc_id, "")
            if not (0 <= start < end <= len(doc_text)) or doc_text[start:end] != seg_text:
                bad += 1
                report.problems.append(f"segment {seg_id} does not match its document at [{start}, {end})")
        if not bad:
            report.checked.append(f"{len(documents)} documents, every segment matches its text")
    on_merged = _readable(
        s,
        report,
        "codings",
        select(func.count(Coding.id))
        .join(Code, Code.id == Coding.code_id)
        .where(Code.status == CodeStatus.MERGED),
    )
    if on_merged is not None:
        if on_merged[0][0]:
            report.problems.append(f"{on_merged[0][0]} codings point at merged codes")
        else:
            report.checked.append("no codings on merged codes")
    if not report.problems and clear_mark(uow.study.location.path):
        report.checked.append("the damage mark is removed: the study checks clean")
    return report


def check_sqlite_file(path: Path) -> CheckReport:
    """The checks a study too damaged to open still allows, on the file itself (read-only):
    SQLite's integrity and foreign-key checks and a read of every row of every table. Problems
    name tables, rowids and pages, never the text."""
    report = CheckReport()
    report.problems.append("the study cannot be opened (its schema version cannot be read)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        report.problems.append(f"the file cannot be opened as SQLite ({exc})")
        return report
    conn.text_factory = bytes  # a damaged text must not be decoded, let alone printed
    try:
        for what, pragma in (
            ("integrity", "PRAGMA integrity_check(100000)"),
            ("foreign key", "PRAGMA foreign_key_check"),
        ):
            try:
                rows = conn.execute(pragma).fetchall()
            except sqlite3.Error as exc:
                report.problems.append(f"{what} check: cannot be run ({exc})")
                continue
            texts = [
                " ".join(str(v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for v in r)
                for r in rows
            ]
            if texts and texts != ["ok"]:
                report.problems.extend(f"{what}: {visible(t, keep_newlines=False)}" for t in texts)
        try:
            tables = [
                r[0].decode() for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        except sqlite3.Error as exc:
            report.problems.append(f"the list of tables cannot be read ({exc})")
            tables = []
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            try:
                for _ in conn.execute(f"SELECT * FROM {quoted}"):
                    pass
            except sqlite3.Error as exc:
                report.problems.append(f"table {table}: cannot be read whole ({exc})")
    finally:
        conn.close()
    return report


@contextmanager
def private_umask() -> Iterator[None]:
    """Files (and SQLite's journals) created in this block are readable by the owner only from
    their first byte: the umask takes group and other bits away before anything is created."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


@contextmanager
def _written_in_place(target: Path) -> Iterator[Path]:
    """A temporary 0600 file in the target's own folder, renamed onto ``target`` on success.

    Written where it will stay, a backup to another file system (a USB stick) never crosses
    devices on rename; on any failure the temporary file (and a SQLite journal beside it) is
    removed, so nothing is left behind. A target that exists already is refused.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise QualcodeError("the folder does not exist", source=str(folder))
    if target.exists():
        raise QualcodeError("a file is already there", source=str(target))
    with private_umask():
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if target.exists():
            raise QualcodeError("a file is already there", source=str(target))
        os.chmod(tmp, 0o600)
        os.rename(tmp, target)
    except OSError as exc:
        raise QualcodeError(f"cannot write the backup: {exc.strerror or exc}", source=str(target)) from exc
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _sqlite_backup(source: Path, target: Path) -> None:
    with private_umask():
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        except sqlite3.Error as exc:
            raise QualcodeError(f"the backup failed ({exc})", source=str(target)) from exc
        finally:
            dst.close()
            src.close()


@contextmanager
def _pg_environment(url: URL) -> Iterator[tuple[str, dict[str, str]]]:
    """pg_dump's connection string without the password, and an environment that gives the
    password through a temporary 0600 pgpass file (never argv, where ``ps`` shows it)."""
    env = dict(os.environ)
    plain = url.set(drivername="postgresql", password=None)
    if not url.password:
        yield plain.render_as_string(hide_password=False), env
        return
    with private_umask(), tempfile.TemporaryDirectory(prefix="qualcode-pg-") as folder:
        passfile = Path(folder) / "pgpass"

        def escaped(value: object) -> str:  # pgpass: "\\" and ":" escaped with a backslash
            return str(value or "*").replace("\\", "\\\\").replace(":", "\\:")

        line = ":".join(escaped(v) for v in (url.host, url.port, url.database, url.username, url.password))
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(line + "\n")
        env["PGPASSFILE"] = str(passfile)
        env.pop("PGPASSWORD", None)
        yield plain.render_as_string(hide_password=False), env


def _study_schema(url: URL) -> str | None:
    """The schema a study lives in when its URL sets one (``options=-csearch_path=NAME``)."""
    options = url.query.get("options")
    text_options = " ".join(options) if isinstance(options, tuple) else str(options or "")
    found = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_$]*)", text_options)
    return found.group(1) if found else None


def backup_study(study: OpenedStudy, target: Path | None) -> Path:
    """A consistent copy, readable by its owner only from the first byte: SQLite through its
    backup API, PostgreSQL through pg_dump (the password in a temporary pgpass file, not argv).

    The copy is written in the target's folder and renamed there (a target on another file
    system works); on failure nothing is left behind. Raises QualcodeError naming the target.
    """
    location = study.location
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if location.path is not None:
        if target is None:
            with private_umask():
                return backup_sqlite(location.path, label="manual")
        with _written_in_place(target) as tmp:
            _sqlite_backup(location.path, tmp)
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise QualcodeError("backing up a PostgreSQL study needs pg_dump on the PATH")
    out = target or Path(f"{location.url.database}-{stamp}.sql")
    argv = [pg_dump, "--no-owner"]
    schema = _study_schema(location.url)
    if schema:
        argv += ["--schema", schema]  # a study kept in its own schema is that schema
    with _written_in_place(out) as tmp, _pg_environment(location.url) as (conninfo, env):
        with open(tmp, "wb") as fh:
            done = subprocess.run([*argv, "--dbname", conninfo], stdout=fh, stderr=subprocess.PIPE, env=env)
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
            first = next((line for line in lines if "error" in line.lower()), lines[0])
            raise QualcodeError(f"pg_dump failed: {first}", source=str(out))
    return out


def list_events(uow: UnitOfWork, *, limit: int = 50, action: str | None = None) -> list[EventInfo]:
    """The newest events first."""
    q = select(Event, Coder.name).outerjoin(Coder, Coder.id == Event.coder_id).order_by(Event.id.desc())
    if action:
        q = q.where(Event.action == action)
    if limit:
        q = q.limit(limit)
    return [
        EventInfo(e.id, e.at, name, e.action, e.summary, dict(e.details), e.undone_by_id, e.undoes_id)
        for e, name in uow.session.execute(q).all()
    ]


def undo_event(
    uow: UnitOfWork, event_id: int | None, *, theirs: str | None = None, blind: bool = False
) -> EventInfo:
    """Undo one event exactly; refused if a later change touched the same values.

    Without ``event_id``: the newest change of this unit's coder (not of anyone). Another
    coder's event is undone only when ``theirs`` names that coder (ConflictError otherwise).
    """
    s = uow.session
    event = undoable_event(s, event_id, coder_id=uow.coder_id(), theirs=theirs, blind=blind)
    changes = revert(s, event)
    undo = uow.log(
        "undo",
        f"undid event {event.id} ({event.action}: {event.summary})",
        details={"event": event.id, "action": event.action},
        changes=changes,
    )
    undo.undoes_id = event.id
    event.undone_by_id = undo.id
    uow.commit()
    coder = s.scalar(select(Coder.name).where(Coder.id == event.coder_id)) if event.coder_id else None
    return EventInfo(
        event.id, event.at, coder, event.action, event.summary, dict(event.details), undo.id, None
    )


def redoable_event(uow: UnitOfWork) -> Event:
    """The undo this unit's coder can take back: their newest undo not yet redone, provided
    they made no other change since (a new change ends what can be redone, as in an editor).

    Another coder's changes in between do not matter: redo, like undo, is per coder.
    """
    s = uow.session
    coder_id = uow.coder_id()
    for event in s.scalars(select(Event).where(Event.coder_id == coder_id).order_by(Event.id.desc())):
        if event.action == "redo" or (event.action == "undo" and event.undone_by_id is not None):
            continue  # earlier redos, and undos already redone: look further back
        if event.action == "undo":
            return event
        if event.undone_by_id is not None:
            continue  # a change of theirs that is undone again: its undo is further up
        break  # an ordinary change made after the undos
    raise NotFoundError("nothing of yours to redo (redo follows your own undo, before any new change)")


def redo_event(uow: UnitOfWork) -> EventInfo:
    """``qualcode redo`` / ctrl+y: put back the change this coder's newest undo took back.

    It reverts the undo event exactly (refused, like undo, if a later change touched the same
    values). The original event counts as done again (the funnel and reports see it), so the
    next ``undo`` takes the original back again; the redo event itself is bookkeeping, like an
    undo (it records the rows it changed and ``undoes`` the undo).
    """
    s = uow.session
    undo = redoable_event(uow)
    original = s.get(Event, undo.undoes_id) if undo.undoes_id is not None else None
    changes = revert(s, undo)
    what = f"{original.action}: {original.summary}" if original is not None else undo.summary
    redo = uow.log(
        "redo",
        f"redid event {undo.undoes_id} ({what})",
        details={"event": undo.undoes_id, "undo": undo.id},
        changes=changes,
    )
    redo.undoes_id = undo.id
    undo.undone_by_id = redo.id
    if original is not None:
        original.undone_by_id = None
    uow.commit()
    coder = s.scalar(select(Coder.name).where(Coder.id == redo.coder_id)) if redo.coder_id else None
    action, summary = (original.action, original.summary) if original is not None else ("undo", undo.summary)
    return EventInfo(
        undo.undoes_id or undo.id, redo.at, coder, action, summary, dict(redo.details), None, None
    )


def set_study_language(uow: UnitOfWork, language: str | None) -> str:
    """``qualcode language LANG``: the ICU locale the study's text is sorted in (None: automatic,
    Kazakh when the study holds Cyrillic). Returns the language now in force; refuses a locale
    ICU has no collation for."""
    from qualcode.db.models import Study
    from qualcode.domain.collation import check_language
    from qualcode.services.history import RowTracker
    from qualcode.services.read_models import study_language

    if language is not None:
        try:
            language = check_language(language)
        except ValueError as exc:
            raise QualcodeError(str(exc)) from exc
    study_id = uow.session.scalar(select(Study.id).order_by(Study.id).limit(1))
    if study_id is None:
        raise QualcodeError("the study has no settings row; run qualcode db check")
    tracker = RowTracker(uow.session)
    tracker.watch(Study, [study_id])
    uow.session.execute(update(Study).where(Study.id == study_id).values(language=language))
    uow.log("study.language", f"sorting language set to {language or 'automatic'}", changes=tracker.changes())
    uow.commit()
    return study_language(uow)
