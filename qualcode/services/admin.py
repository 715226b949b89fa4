"""Looking after a study: integrity check, backup, the event log and undo."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Document, Event, Segment
from qualcode.db.schema import HEAD_REVISION, OpenedStudy, backup_sqlite, current_revision
from qualcode.domain.errors import QualcodeError
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


def check_study(uow: UnitOfWork) -> CheckReport:
    """``qualcode db check``: what a researcher needs to trust the study file."""
    s = uow.session
    report = CheckReport()
    conn = s.connection()
    revision = current_revision(conn)
    if revision == HEAD_REVISION:
        report.checked.append(f"schema at {revision}")
    else:
        report.problems.append(f"schema at {revision}, expected {HEAD_REVISION}")
    if uow.dialect == "sqlite":
        result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        if result == ["ok"]:
            report.checked.append("SQLite integrity check")
        else:
            report.problems.extend(f"integrity: {r}" for r in result[:20])
        fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if fk:
            report.problems.extend(f"foreign key: table {r[0]} row {r[1]} -> {r[2]}" for r in fk[:20])
        else:
            report.checked.append("foreign keys")
    else:
        s.execute(text("SELECT 1"))
        report.checked.append("connection")

    # Every excerpt must be the exact text at its offsets (the document text never changes).
    bad = 0
    shown = 0
    documents = dict(s.execute(select(Document.id, Document.text)).all())
    for seg_id, doc_id, start, end, seg_text in s.execute(
        select(Segment.id, Segment.document_id, Segment.start, Segment.end, Segment.text)
    ).all():
        doc_text = documents.get(doc_id, "")
        if not (0 <= start < end <= len(doc_text)) or doc_text[start:end] != seg_text:
            bad += 1
            if shown < 20:
                shown += 1
                report.problems.append(f"segment {seg_id} does not match its document at [{start}, {end})")
    if not bad:
        report.checked.append(f"{len(documents)} documents, every segment matches its text")
    on_merged = s.scalar(
        select(func.count(Coding.id))
        .join(Code, Code.id == Coding.code_id)
        .where(Code.status == CodeStatus.MERGED)
    )
    if on_merged:
        report.problems.append(f"{on_merged} codings point at merged codes")
    else:
        report.checked.append("no codings on merged codes")
    return report


def backup_study(study: OpenedStudy, target: Path | None) -> Path:
    """A consistent copy: SQLite through its backup API; PostgreSQL through pg_dump."""
    location = study.location
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if location.path is not None:
        if target is None:
            return backup_sqlite(location.path, label="manual")
        if target.exists():
            raise QualcodeError("a file is already there", source=str(target))
        made = backup_sqlite(location.path, label="tmp")
        made.rename(target)
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise QualcodeError("backing up a PostgreSQL study needs pg_dump on the PATH")
    out = target or Path(f"{location.url.database}-{stamp}.sql")
    url = location.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with open(out, "xb") as fh:
        done = subprocess.run([pg_dump, "--no-owner", url], stdout=fh, stderr=subprocess.PIPE)
    if done.returncode != 0:
        out.unlink(missing_ok=True)
        raise QualcodeError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()}")
    out.chmod(0o600)
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


def undo_event(uow: UnitOfWork, event_id: int | None) -> EventInfo:
    """Undo one event exactly; refused if a later change touched the same values."""
    s = uow.session
    event = undoable_event(s, event_id)
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
