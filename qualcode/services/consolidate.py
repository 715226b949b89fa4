"""Consolidating the codebook: duplicate suggestions, merge and unmerge, exclude, include, rename.

Every change records its rows with a RowTracker, so ``qualcode undo`` and ``codes unmerge``
put back exactly what was there (codings with their coders and times, memos, descriptions,
theme placement), even after later, unrelated edits. The event details are what the funnel
reports: a merge carries ``{"into", "from": [...], "reason"}``, an exclusion
``{"codes": [...], "reason"}``, each with the code ids so that later renames do not lose them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Row, bindparam, delete, insert, or_, select, update

from qualcode.db.models import Code, CodeStatus, Coding, Event, Memo, table_of
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.similarity import DEFAULT_THRESHOLD, find_clusters
from qualcode.domain.subcodes import parents_after_merge
from qualcode.services.codes import code_counts
from qualcode.services.history import RowTracker, revert
from qualcode.services.lookup import code_by_name
from qualcode.services.uow import UnitOfWork

MERGE = "codes.merge"
UNMERGE = "codes.unmerge"
EXCLUDE = "codes.exclude"
INCLUDE = "codes.include"
RENAME = "codes.rename"
_CHUNK = 500
_NAME_LIMIT = 500  # Code.name is String(500)


@dataclass(frozen=True)
class SimilarCluster:
    codes: tuple[str, ...]  # suggested survivor first
    suggested: str
    min_score: float
    counts: tuple[int, ...]  # codings per code, in the order of ``codes``


@dataclass(frozen=True)
class MergeResult:
    event_id: int
    into: str
    sources: tuple[str, ...]
    moved: int  # codings now on the target
    dropped: int  # codings that would have doubled a target coding (kept in the history)
    memos: int  # memos carried over to the target (code memos, coding memos, descriptions)


@dataclass(frozen=True)
class UnmergeResult:
    event_id: int  # the unmerge event
    merge_event_id: int
    into: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StatusResult:
    event_id: int
    codes: tuple[str, ...]
    status: str
    reason: str


@dataclass(frozen=True)
class RenameResult:
    event_id: int
    old: str
    new: str


def similar_codes(uow: UnitOfWork, *, threshold: float = DEFAULT_THRESHOLD) -> list[SimilarCluster]:
    """``qualcode codes similar``: clusters of likely duplicate active codes."""
    if not 0 <= threshold <= 100:
        raise QualcodeError(f"--threshold must be between 0 and 100, not {threshold:g}")
    s = uow.session
    active = s.execute(select(Code.id, Code.name).where(Code.status == CodeStatus.ACTIVE)).all()
    per_id = code_counts(uow)
    counts = {name: per_id.get(code_id, 0) for code_id, name in active}
    clusters = find_clusters([name for _, name in active], counts=counts, threshold=threshold)
    return [
        SimilarCluster(c.codes, c.suggested, c.min_score, tuple(counts[n] for n in c.codes)) for c in clusters
    ]


def _unique_names(names: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if not name:
            raise QualcodeError("a code name cannot be empty")
        if name not in seen:
            seen.append(name)
    return seen


def _lock_codes(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Code]:
    """The codes, re-read under a row lock on PostgreSQL (ids in order, so merges never deadlock).

    A coder resolving a source code's name at the same moment waits for this transaction and
    then sees the code merged, so the coding lands on the target. SQLite writers are already
    serialised (BEGIN IMMEDIATE).
    """
    q = select(Code).where(Code.id.in_(sorted(ids))).order_by(Code.id)
    if uow.dialect == "postgresql":
        q = q.with_for_update()
    rows = uow.session.scalars(q.execution_options(populate_existing=True)).all()
    return {c.id: c for c in rows}


def merge_codes(uow: UnitOfWork, sources: Sequence[str], into: str, *, reason: str = "") -> MergeResult:
    """``qualcode codes merge SOURCE... --into TARGET``: one transaction, undoable exactly.

    Codings move to the target. Where a segment would then carry the target twice from the same
    coder, the target's (or the earliest) coding stays, the other's memos move onto it, and the
    dropped coding lives on in the event's history. Memos on the source codes move to the
    target, a source's description becomes a memo on the target (both with their provenance),
    sources become ``merged`` and leave their themes; an unthemed target takes the first
    source's theme place and example quote. Sub-codes of a source become sub-codes of the
    target; a target that sat below a source takes that source's place in the tree
    (``qualcode.domain.subcodes.parents_after_merge``).
    """
    s = uow.session
    names = _unique_names(sources)
    if not names:
        raise QualcodeError("name at least one code to merge")
    target_name = into.strip()
    if target_name in names:
        raise QualcodeError(f"cannot merge code {target_name!r} into itself")
    found = [code_by_name(s, n) for n in [target_name, *names]]
    codes = _lock_codes(uow, [c.id for c in found])
    target = codes[found[0].id]
    if target.status == CodeStatus.MERGED:
        survivor = code_by_name(s, target.name, follow_merges=True)
        raise ConflictError(f"code {target.name!r} was merged into {survivor.name!r}; merge into that code")
    source_codes = [codes[c.id] for c in found[1:]]
    for code in source_codes:
        if code.status == CodeStatus.MERGED:
            survivor = code_by_name(s, code.name, follow_merges=True)
            raise ConflictError(f"code {code.name!r} is already merged into {survivor.name!r}")
    source_ids = [c.id for c in source_codes]
    by_id = {c.id: c.name for c in source_codes}

    coding_rows = s.execute(
        select(Coding.id, Coding.segment_id, Coding.coder_id)
        .where(Coding.code_id.in_(source_ids))
        .order_by(Coding.created_at, Coding.id)
    ).all()
    segments = {r.segment_id for r in coding_rows}
    kept: dict[tuple[int, int], int] = {}
    seg_list = sorted(segments)
    for i in range(0, len(seg_list), _CHUNK):
        for cid, seg, coder in s.execute(
            select(Coding.id, Coding.segment_id, Coding.coder_id).where(
                Coding.code_id == target.id, Coding.segment_id.in_(seg_list[i : i + _CHUNK])
            )
        ).all():
            kept[(seg, coder)] = cid
    moved: list[int] = []
    dropped: dict[int, int] = {}  # dropped coding id -> the coding that stays
    for cid, seg, coder in coding_rows:
        key = (seg, coder)
        if key in kept:
            dropped[cid] = kept[key]
        else:
            kept[key] = cid
            moved.append(cid)

    code_memos = s.execute(
        select(Memo.id, Memo.code_id, Memo.provenance).where(Memo.code_id.in_(source_ids))
    ).all()
    coding_memos: list[Row[int, int | None, str]] = []
    dropped_ids = sorted(dropped)
    for i in range(0, len(dropped_ids), _CHUNK):
        coding_memos += s.execute(
            select(Memo.id, Memo.coding_id, Memo.provenance).where(
                Memo.coding_id.in_(dropped_ids[i : i + _CHUNK])
            )
        ).all()

    parents = dict(
        s.execute(
            select(Code.id, Code.parent_id).where(
                or_(Code.parent_id.is_not(None), Code.id.in_([target.id, *source_ids]))
            )
        ).all()
    )
    new_parents = parents_after_merge(parents, source_ids, target.id)

    tracker = RowTracker(s)
    tracker.watch(Code, [target.id, *source_ids, *new_parents])
    tracker.watch(Coding, [r.id for r in coding_rows])
    tracker.watch(Memo, [m.id for m in code_memos] + [m.id for m in coding_memos])

    for i in range(0, len(moved), _CHUNK):
        s.execute(update(Coding).where(Coding.id.in_(moved[i : i + _CHUNK])).values(code_id=target.id))

    def carried(provenance: str, note: str) -> str:
        return f"{provenance}; {note}" if provenance else note

    memo_table = table_of(Memo)
    if coding_memos:
        s.execute(
            update(memo_table)
            .where(memo_table.c.id == bindparam("memo_id"))
            .values(coding_id=bindparam("new_coding"), provenance=bindparam("new_provenance")),
            [
                {
                    "memo_id": m.id,
                    "new_coding": dropped[m.coding_id],
                    "new_provenance": carried(
                        m.provenance, f"moved from a coding dropped by merging into {target.name!r}"
                    ),
                }
                for m in coding_memos
            ],
        )
    for m in code_memos:
        s.execute(
            update(Memo)
            .where(Memo.id == m.id)
            .values(
                code_id=target.id,
                provenance=carried(
                    m.provenance, f"memo of code {by_id[m.code_id]!r}, merged into {target.name!r}"
                ),
            )
        )
    for i in range(0, len(dropped_ids), _CHUNK):
        s.execute(delete(Coding).where(Coding.id.in_(dropped_ids[i : i + _CHUNK])))

    coder_id = uow.coder_id()
    now = datetime.now(UTC)
    described = [c for c in source_codes if c.description.strip()]
    new_memo_ids = [
        s.execute(
            insert(Memo).returning(Memo.id),
            [
                {
                    "text": c.description,
                    "code_id": target.id,
                    "author_id": coder_id,
                    "provenance": f"description of code {c.name!r}, merged into {target.name!r}",
                    "created_at": now,
                }
            ],
        ).scalar_one()
        for c in described
    ]
    tracker.watch_new(Memo, new_memo_ids)

    if target.theme_id is None:
        placed = next((c for c in source_codes if c.theme_id is not None), None)
        if placed is not None:
            target.theme_id, target.position = placed.theme_id, placed.position
    if target.example_segment_id is None:
        example = next((c for c in source_codes if c.example_segment_id is not None), None)
        if example is not None:
            target.example_segment_id = example.example_segment_id
    for code in source_codes:
        code.status = CodeStatus.MERGED
        code.merged_into_id = target.id
        code.theme_id = None
        code.position = 0
        code.parent_id = None
    if target.id in new_parents:
        target.parent_id = new_parents.pop(target.id)
    s.flush()
    for child_id, parent_id in new_parents.items():
        if child_id not in source_ids:
            # Sub-codes of a merged code follow it into the target, and into the target's theme.
            s.execute(
                update(Code).where(Code.id == child_id).values(parent_id=parent_id, theme_id=target.theme_id)
            )

    event = uow.log(
        MERGE,
        f"merged {', '.join(repr(n) for n in names)} into {target.name!r}",
        details={
            "into": target.name,
            "into_id": target.id,
            "from": [c.name for c in source_codes],
            "from_ids": source_ids,
            "reason": reason.strip(),
            "moved": len(moved),
            "dropped": len(dropped),
        },
        changes=tracker.changes(),
    )
    uow.commit()
    return MergeResult(
        event.id,
        target.name,
        tuple(c.name for c in source_codes),
        len(moved),
        len(dropped),
        len(code_memos) + len(coding_memos) + len(new_memo_ids),
    )


def _merge_event_for(uow: UnitOfWork, ref: str) -> Event:
    s = uow.session
    ref = ref.strip()
    code_id = s.scalar(select(Code.id).where(Code.name == ref))
    if code_id is None and ref.isdigit():
        event = s.get(Event, int(ref))
        if event is None or event.action != MERGE:
            raise NotFoundError(f"event {ref} is not a merge (see qualcode log)")
        if event.undone_by_id is not None:
            raise ConflictError(f"merge event {ref} was already undone by event {event.undone_by_id}")
        return event
    if code_id is None:
        code_by_name(s, ref)  # raises with a "did you mean"
    merges = s.scalars(
        select(Event).where(Event.action == MERGE, Event.undone_by_id.is_(None)).order_by(Event.id.desc())
    )
    for event in merges:
        if event.details.get("into_id") == code_id or code_id in event.details.get("from_ids", []):
            return event
    raise NotFoundError(f"no merge into or from code {ref!r} to undo (see qualcode log)")


def unmerge(uow: UnitOfWork, ref: str) -> UnmergeResult:
    """``qualcode codes unmerge TARGET|EVENT``: undo the newest merge into (or of) a code exactly.

    Refused, naming the event to undo first, when a later change altered the same rows.
    """
    s = uow.session
    merge = _merge_event_for(uow, ref)
    changes = revert(s, merge)
    into = merge.details.get("into", "")
    sources = tuple(merge.details.get("from", []))
    event = uow.log(
        UNMERGE,
        f"unmerged {', '.join(repr(n) for n in sources)} from {into!r} (event {merge.id})",
        details={"event": merge.id, "into": into, "from": list(sources)},
        changes=changes,
    )
    event.undoes_id = merge.id
    merge.undone_by_id = event.id
    uow.commit()
    return UnmergeResult(event.id, merge.id, into, sources)


def _set_status(uow: UnitOfWork, names: Sequence[str], *, exclude: bool, reason: str) -> StatusResult:
    s = uow.session
    wanted = _unique_names(names)
    if not wanted:
        raise QualcodeError("name at least one code")
    codes = [code_by_name(s, n) for n in wanted]
    for code in codes:
        if code.status == CodeStatus.MERGED:
            raise ConflictError(f"code {code.name!r} is merged into another; exclude or include that code")
        if exclude and code.status == CodeStatus.EXCLUDED:
            raise ConflictError(f"code {code.name!r} is already excluded ({code.exclusion_reason})")
        if not exclude and code.status != CodeStatus.EXCLUDED:
            raise ConflictError(f"code {code.name!r} is not excluded")
    tracker = RowTracker(s)
    tracker.watch(Code, [c.id for c in codes])
    for code in codes:
        code.status = CodeStatus.EXCLUDED if exclude else CodeStatus.ACTIVE
        code.exclusion_reason = reason if exclude else ""
    listed = ", ".join(repr(c.name) for c in codes)
    event = uow.log(
        EXCLUDE if exclude else INCLUDE,
        f"excluded {listed}: {reason}" if exclude else f"included {listed} again",
        details={"codes": [c.name for c in codes], "code_ids": [c.id for c in codes], "reason": reason},
        changes=tracker.changes(),
    )
    uow.commit()
    return StatusResult(event.id, tuple(c.name for c in codes), "excluded" if exclude else "active", reason)


def exclude_codes(uow: UnitOfWork, names: Sequence[str], *, reason: str) -> StatusResult:
    """``qualcode codes exclude CODE... --reason``: codings stay, the codes leave reports."""
    reason = reason.strip()
    if not reason:
        raise QualcodeError("give a --reason for the exclusion (the funnel reports it)")
    return _set_status(uow, names, exclude=True, reason=reason)


def include_codes(uow: UnitOfWork, names: Sequence[str]) -> StatusResult:
    """``qualcode codes include CODE...``: excluded codes back into the analysis."""
    return _set_status(uow, names, exclude=False, reason="")


def rename_code(uow: UnitOfWork, old: str, new: str) -> RenameResult:
    """``qualcode codes rename OLD NEW``; a name in use is refused (combining codes is a merge)."""
    s = uow.session
    new = new.strip()
    if not new:
        raise QualcodeError("the new name cannot be empty")
    if len(new) > _NAME_LIMIT:
        raise QualcodeError(f"a code name has at most {_NAME_LIMIT} characters, this one {len(new)}")
    code = code_by_name(s, old.strip())
    if new == code.name:
        raise QualcodeError(f"code {code.name!r} already has that name")
    holder = s.scalar(select(Code).where(Code.name == new))
    if holder is not None:
        raise ConflictError(
            f"code {new!r} is already in the study ({holder.status.value}); to combine the two codes, "
            f"merge them: qualcode codes merge {code.name!r} --into {new!r}"
        )
    tracker = RowTracker(s)
    tracker.watch(Code, [code.id])
    before = code.name
    code.name = new
    event = uow.log(
        RENAME,
        f"renamed code {before!r} to {new!r}",
        details={"from": before, "to": new, "code_id": code.id},
        changes=tracker.changes(),
    )
    uow.commit()
    return RenameResult(event.id, before, new)
