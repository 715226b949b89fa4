"""``qualcode participants withdraw``: a participant withdraws consent; their data goes.

One transaction deletes the participant, their documents, segments, codings and memos, and
the codes that only they gave; it strips their rows from the before/after images of earlier
events (so undo of an old event cannot bring them back) and logs one event that keeps no
interview text and cannot be undone. The report is the difference between the reports read
before and after the deletion inside that transaction (the codebook with its counts, citations
and example quotes, and the funnel); ``dry_run`` rolls the same transaction back, so the
dry-run report is what the real run changes.

Deleted bytes: on SQLite the transaction runs with ``PRAGMA secure_delete`` (freed pages are
zeroed), the full-text index is optimised (its old segments rewritten), then the file is
vacuumed and the WAL checkpointed and truncated. On PostgreSQL the touched tables get
``VACUUM FULL`` (the server's own WAL archive and backups are the administrator's to purge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text, update

from qualcode.db.models import (
    Code,
    CodebookSnapshot,
    CodeStatus,
    Coding,
    Document,
    Event,
    Memo,
    Participant,
    Segment,
)
from qualcode.db.search import SEARCH_TABLE
from qualcode.domain.citations import cite
from qualcode.domain.errors import QualcodeError
from qualcode.domain.labels import natural_key
from qualcode.domain.reports import CodebookEntry
from qualcode.services.funnel import study_funnel
from qualcode.services.lookup import participant_by_label
from qualcode.services.reports import codebook
from qualcode.services.uow import UnitOfWork

WITHDRAW = "participants.withdraw"
_CHUNK = 500


@dataclass(frozen=True)
class CountChange:
    code: str
    before: int
    after: int  # 0: the code vanishes


@dataclass(frozen=True)
class CitationChange:
    code: str
    before: str  # "six Experts (A,B,C,D,E,F)"
    after: str  # "five Experts (B,C,D,E,F)"; "" when nobody is left


@dataclass(frozen=True)
class ExampleChange:
    """An Appendix-B example quote that was the participant's, and the one that replaces it."""

    code: str
    was_marked: bool
    replacement_participant: str | None
    replacement_document: str | None
    replacement_segment_id: int | None
    replacement_text: str | None  # None: the code vanishes


@dataclass(frozen=True)
class FunnelFigures:
    applications: int
    unique_codes: int
    kept_codes: int
    excluded_codes: int


@dataclass(frozen=True)
class WithdrawalReport:
    participant: str
    reason: str
    dry_run: bool
    event_id: int | None
    documents: tuple[str, ...]  # titles removed
    segments: int
    codings: int
    memos: int
    codes_falling: tuple[CountChange, ...]  # counts that fall but stay above 0
    codes_vanishing: tuple[str, ...]
    citations: tuple[CitationChange, ...]
    examples: tuple[ExampleChange, ...]
    funnel_before: FunnelFigures
    funnel_after: FunnelFigures
    # Documents of several speakers (a group transcript) in which the participant speaks:
    # their turns are not removed (a document's text is fixed); the researcher must act.
    shared_documents: tuple[str, ...] = ()
    # Codebook snapshots the participant appears in: their label leaves every code's list,
    # counts lose their codings made before the snapshot, codes only they gave are dropped.
    snapshots: tuple[str, ...] = ()


def _ids(uow: UnitOfWork, query: Any) -> list[int]:
    return list(uow.session.scalars(query))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _entries(uow: UnitOfWork) -> dict[str, CodebookEntry]:
    return {e.code: e for e in codebook(uow, include_excluded=True).entries}


def _funnel(uow: UnitOfWork) -> FunnelFigures:
    f = study_funnel(uow)
    return FunnelFigures(f.applications, f.unique_codes, f.kept_codes, f.excluded_codes)


WITHDRAWN_TITLE = "(a withdrawn document)"


def _scrub_snapshots(
    uow: UnitOfWork, label: str, codings: list[tuple[int, Any]], vanishing: set[int]
) -> tuple[str, ...]:
    """Take the participant out of every codebook snapshot; returns the snapshots changed.

    A code's count in a snapshot loses the participant's codings of that code made before the
    snapshot was taken (matched by the code they are on now: a coding merged since is counted
    where it is now); a code whose participants were only this one, or that vanishes now, is
    dropped from the snapshot, with the codes merged into it."""
    s = uow.session
    changed: list[str] = []
    for snap_id, name, taken, data in s.execute(
        select(CodebookSnapshot.id, CodebookSnapshot.name, CodebookSnapshot.created_at, CodebookSnapshot.data)
    ).all():
        codes = (data or {}).get("codes", [])
        if not any(label in c.get("participants", []) for c in codes):
            continue
        before: dict[int, int] = {}
        for code_id, at in codings:
            if at is None or taken is None or at <= taken:
                before[code_id] = before.get(code_id, 0) + 1
        dropped = {
            c["id"]
            for c in codes
            if c.get("participants") == [label] or (c["id"] in vanishing and c.get("status") != "merged")
        }
        grew = True
        while grew:  # codes merged into a dropped one go with it
            grew = False
            for c in codes:
                if c.get("merged_into_id") in dropped and c["id"] not in dropped:
                    dropped.add(c["id"])
                    grew = True
        kept = []
        for c in codes:
            if c["id"] in dropped:
                continue
            c = dict(c)
            if label in c.get("participants", []):
                c["participants"] = [p for p in c["participants"] if p != label]
                c["count"] = max(0, int(c.get("count", 0)) - before.get(c["id"], 0))
            if c.get("merged_into_id") in dropped:
                c["merged_into_id"], c["merged_into"] = None, None
            if c.get("parent_id") in dropped:
                c["parent_id"] = None
            kept.append(c)
        funnel = dict((data or {}).get("funnel", {}))
        if funnel:
            funnel["applications"] = max(0, int(funnel.get("applications", 0)) - sum(before.values()))
        s.execute(
            update(CodebookSnapshot)
            .where(CodebookSnapshot.id == snap_id)
            .values(
                data={
                    **data,
                    "codes": kept,
                    "funnel": funnel,
                    "withdrawn": [*data.get("withdrawn", []), label],
                }
            )
        )
        changed.append(name)
    return tuple(changed)


def _without_titles(value: Any, titles: Sequence[str]) -> Any:
    """``value`` (a summary or JSON details) with every withdrawn document title replaced."""
    if isinstance(value, str):
        for title in titles:
            value = value.replace(title, WITHDRAWN_TITLE)
        return value
    if isinstance(value, list):
        return [_without_titles(v, titles) for v in value]
    if isinstance(value, dict):
        return {k: _without_titles(v, titles) for k, v in value.items()}
    return value


def _scrub_events(uow: UnitOfWork, gone: dict[str, set[int]], titles: Sequence[str]) -> None:
    """Drop the withdrawn rows from earlier events' images and the withdrawn documents'
    titles from their summaries and details (a title may carry a name); a merge's
    ``dropped`` figure loses the folded codings that were the participant's, so the funnel
    stays true."""
    s = uow.session
    # Longest first, so that a title holding another is replaced whole.
    titles = sorted({t for t in titles if t}, key=len, reverse=True)
    rows_of = select(Event.id, Event.summary, Event.changes, Event.details)
    for event_id, summary, changes, details in s.execute(rows_of).all():
        rows = (changes or {}).get("rows", [])
        created = (changes or {}).get("created_ids", {})
        kept = [r for r in rows if r[1] not in gone.get(r[0], ())]
        folded = sum(
            1
            for r in rows
            if r[0] == "coding"
            and r[2] is not None
            and r[3] is None
            and r[2].get("segment_id") in gone["segment"]
        )
        new_created = {t: [i for i in ids if i not in gone.get(t, ())] for t, ids in created.items()}
        new_details = _without_titles(details or {}, titles)
        if folded and "dropped" in new_details:
            new_details["dropped"] = max(0, int(new_details["dropped"]) - folded)
        new_summary = _without_titles(summary or "", titles)
        values: dict[str, Any] = {}
        if len(kept) != len(rows) or new_created != created:
            new_changes = dict(changes)
            new_changes["rows"] = kept
            if created:
                new_changes["created_ids"] = new_created
            values["changes"] = new_changes
        if new_details != (details or {}):
            values["details"] = new_details
        if new_summary != (summary or ""):
            values["summary"] = new_summary
        if values:
            s.execute(update(Event).where(Event.id == event_id).values(values))


def withdraw_participant(
    uow: UnitOfWork, label: str, *, reason: str, dry_run: bool = False
) -> WithdrawalReport:
    """Remove every trace of one participant's interview data, reporting what changes.

    ``reason`` is required (it goes in the log). Raises NotFoundError for an unknown label.
    With ``dry_run`` nothing is kept: the same deletion runs and is rolled back."""
    if not reason.strip():
        raise QualcodeError("a withdrawal needs --reason (it is kept in the log)")
    s = uow.session
    person = participant_by_label(s, label)
    label = person.label
    if uow.dialect == "sqlite":
        s.execute(text("PRAGMA secure_delete = ON"))
    before = _entries(uow)
    funnel_before = _funnel(uow)
    doc_ids = _ids(uow, select(Document.id).where(Document.participant_id == person.id).order_by(Document.id))
    titles = tuple(s.scalars(select(Document.title).where(Document.id.in_(doc_ids)).order_by(Document.title)))
    shared = tuple(
        sorted(
            title
            for title, meta, owner in s.execute(
                select(Document.title, Document.meta, Document.participant_id).where(
                    Document.source_format.in_(["vtt", "srt"])
                )
            ).all()
            if owner != person.id and label in ((meta or {}).get("participants") or [])
        )
    )
    seg_ids: list[int] = []
    for chunk in _chunks(doc_ids):
        seg_ids += _ids(uow, select(Segment.id).where(Segment.document_id.in_(chunk)))
    coding_ids: list[int] = []
    for chunk in _chunks(seg_ids):
        coding_ids += _ids(uow, select(Coding.id).where(Coding.segment_id.in_(chunk)))
    memo_ids = set(_ids(uow, select(Memo.id).where(Memo.participant_id == person.id)))
    for chunk in _chunks(doc_ids):
        memo_ids |= set(_ids(uow, select(Memo.id).where(Memo.document_id.in_(chunk))))
    for chunk in _chunks(coding_ids):
        memo_ids |= set(_ids(uow, select(Memo.id).where(Memo.coding_id.in_(chunk))))
    touched_codes: set[int] = set()
    withdrawn_codings: list[tuple[int, Any]] = []  # (code id, created at) of every coding removed
    for chunk in _chunks(coding_ids):
        withdrawn_codings += [
            (code_id, at)
            for code_id, at in s.execute(
                select(Coding.code_id, Coding.created_at).where(Coding.id.in_(chunk))
            )
        ]
    touched_codes = {code_id for code_id, _ in withdrawn_codings}

    for chunk in _chunks(sorted(memo_ids)):
        s.execute(delete(Memo).where(Memo.id.in_(chunk)))
    for chunk in _chunks(seg_ids):
        s.execute(update(Code).where(Code.example_segment_id.in_(chunk)).values(example_segment_id=None))
    for chunk in _chunks(coding_ids):
        s.execute(delete(Coding).where(Coding.id.in_(chunk)))
    for chunk in _chunks(seg_ids):
        s.execute(delete(Segment).where(Segment.id.in_(chunk)))
    for chunk in _chunks(doc_ids):
        s.execute(delete(Document).where(Document.id.in_(chunk)))
    s.execute(delete(Participant).where(Participant.id == person.id))

    # Codes only this participant gave go too, with the codes merged into them (their names
    # were folded from the same words).
    still = set(_ids(uow, select(Coding.code_id).where(Coding.code_id.in_(touched_codes)).distinct()))
    vanishing = sorted(touched_codes - still)
    doomed: list[int] = []
    frontier = list(vanishing)
    while frontier:
        doomed += frontier
        frontier = _ids(
            uow,
            select(Code.id).where(Code.merged_into_id.in_(frontier), Code.status == CodeStatus.MERGED),
        )
    vanished_names = tuple(
        sorted(s.scalars(select(Code.name).where(Code.id.in_(vanishing))), key=natural_key)
    )
    # Sub-codes of a code that goes move up to its nearest surviving parent (or the top).
    doomed_set = set(doomed)
    parents = dict(s.execute(select(Code.id, Code.parent_id).where(Code.parent_id.is_not(None))).all())
    for child, parent in parents.items():
        if child in doomed_set or parent not in doomed_set:
            continue
        while parent is not None and parent in doomed_set:
            parent = parents.get(parent)
        s.execute(update(Code).where(Code.id == child).values(parent_id=parent))
    for chunk in _chunks(doomed):
        s.execute(update(Code).where(Code.id.in_(chunk)).values(merged_into_id=None, parent_id=None))
        s.execute(delete(Memo).where(Memo.code_id.in_(chunk)))
    for chunk in _chunks(doomed):
        s.execute(delete(Code).where(Code.id.in_(chunk)))

    gone = {
        "document": set(doc_ids),
        "segment": set(seg_ids),
        "coding": set(coding_ids),
        "memo": memo_ids,
        "participant": {person.id},
        "code": set(doomed),
    }
    _scrub_events(uow, gone, titles)
    snapshots = _scrub_snapshots(uow, label, withdrawn_codings, set(vanishing))
    if uow.dialect == "sqlite":
        s.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"))
    s.flush()

    after = _entries(uow)
    funnel_after = _funnel(uow)
    falling = tuple(
        CountChange(name, e.count, after[name].count)
        for name, e in before.items()
        if name in after and after[name].count < e.count
    )
    citations = tuple(
        CitationChange(name, cite(e.participants), cite(after[name].participants) if name in after else "")
        for name, e in before.items()
        if label in e.participants
    )
    examples = []
    for name, e in before.items():
        if e.example is None or e.example.participant != label:
            continue
        new = after.get(name)
        q = new.example if new else None
        examples.append(
            ExampleChange(
                name,
                e.example.marked,
                q.participant if q else None,
                q.document if q else None,
                q.segment_id if q else None,
                q.text if q else None,
            )
        )
    event_id: int | None = None
    if not dry_run:
        event = uow.log(
            WITHDRAW,
            f"withdrew {label}: {len(doc_ids)} document(s), {len(coding_ids)} coding(s) removed; "
            "cannot be undone",
            details={
                "participant": label,
                "reason": reason.strip(),
                "documents": len(doc_ids),
                "segments": len(seg_ids),
                "codings": len(coding_ids),
                "memos": len(memo_ids),
                "codes_removed": len(vanishing),
            },
        )
        event_id = event.id
        uow.commit()
    else:
        s.rollback()
    return WithdrawalReport(
        label,
        reason.strip(),
        dry_run,
        event_id,
        titles,
        len(seg_ids),
        len(coding_ids),
        len(memo_ids),
        tuple(c for c in falling if c.after > 0),
        vanished_names,
        citations,
        tuple(examples),
        funnel_before,
        funnel_after,
        shared,
        snapshots,
    )


def purge_freed_space(engine: Any) -> None:
    """After a withdrawal: rewrite the study so deleted bytes are gone from its files.

    SQLite: VACUUM, then a TRUNCATE checkpoint empties the WAL. PostgreSQL: VACUUM FULL of the
    tables a withdrawal touches (dead row versions are rewritten away). Raises QualcodeError
    when another connection keeps the file busy (the withdrawal itself stands)."""
    try:
        _purge(engine)
    except Exception as exc:  # sqlite3.OperationalError "database is locked", a PostgreSQL lock
        raise QualcodeError(
            "the withdrawal is saved, but the study could not be rewritten to clear the deleted "
            f"text from its free space ({type(exc).__name__}: {str(exc).splitlines()[0]}); close "
            "other programs that have it open and run the withdrawal's last step again with "
            "qualcode participants withdraw --vacuum-only"
        ) from exc


def _purge(engine: Any) -> None:
    if engine.dialect.name == "sqlite":
        import sqlite3

        engine.dispose()  # no pooled connection may hold a read snapshot during VACUUM
        conn = sqlite3.connect(engine.url.database, isolation_level=None, timeout=3)
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:  # a reader keeps an older snapshot: pages it sees are not rewritten yet
                raise sqlite3.OperationalError("another connection is reading the study")
        finally:
            conn.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as pg:
            for table in ("memo", "coding", "segment", "document", "participant", "code", "event"):
                pg.exec_driver_sql(f'VACUUM FULL "{table}"')
