"""Coders: the study's list of who codes (``qualcode coders list|rename|merge``).

A coder is matched by ``qualcode.domain.coders.coder_key`` (NFKC, case folded), so "Aigerim"
and "aigerim" are one coder; ``UnitOfWork.coder_id`` warns when a new name is close to an
existing one ("Айгерим" beside "Aigerim"), and ``merge_coders`` puts two names of one person
together, undoably.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from qualcode.db.models import Code, Coder, Coding, Document, Event, Memo
from qualcode.domain.coders import clean_name, coder_key
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.services.history import RowTracker
from qualcode.services.read_models import text_key
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class CoderInfo:
    name: str
    codings: int
    events: int
    first_seen: datetime


def coder_by_name(uow: UnitOfWork, name: str) -> Coder:
    """The coder whose name matches ``name`` (case and Unicode form aside); NotFoundError else."""
    found = uow.session.scalars(select(Coder).where(Coder.key == coder_key(name)).order_by(Coder.id)).first()
    if found is None:
        known = ", ".join(list_names(uow)) or "none yet"
        raise NotFoundError(f"no coder called {name!r}; coders: {known}")
    return found


def list_names(uow: UnitOfWork) -> list[str]:
    key = text_key(uow)
    return sorted(uow.session.scalars(select(Coder.name)), key=key)


def list_coders(uow: UnitOfWork) -> list[CoderInfo]:
    """Every coder with their codings and logged changes, in collation order of their names."""
    s = uow.session
    codings = dict(s.execute(select(Coding.coder_id, func.count(Coding.id)).group_by(Coding.coder_id)).all())
    events = dict(s.execute(select(Event.coder_id, func.count(Event.id)).group_by(Event.coder_id)).all())
    key = text_key(uow)
    rows = sorted(
        s.execute(select(Coder.id, Coder.name, Coder.created_at)).all(), key=lambda r: (key(r[1]), r[0])
    )
    return [CoderInfo(name, codings.get(i, 0), events.get(i, 0), at) for i, name, at in rows]


def rename_coder(uow: UnitOfWork, old: str, new: str) -> CoderInfo:
    """Rename a coder everywhere at once (their codings and events follow the row). Refuses a
    name that is already another coder's: merge them instead."""
    s = uow.session
    coder = coder_by_name(uow, old)
    name = clean_name(new)
    if not name:
        raise QualcodeError("a coder needs a name")
    taken = s.scalars(select(Coder).where(Coder.key == coder_key(name), Coder.id != coder.id)).first()
    if taken is not None:
        raise ConflictError(
            f"{taken.name!r} is already a coder; if they are one person: qualcode coders merge "
            f"{coder.name!r} --into {taken.name!r}"
        )
    tracker = RowTracker(s)
    tracker.watch(Coder, [coder.id])
    before = coder.name
    coder.name, coder.key = name, coder_key(name)
    uow.log("coders.rename", f"renamed coder {before!r} to {name!r}", changes=tracker.changes())
    uow.commit()
    return next(c for c in list_coders(uow) if c.name == name)


def merge_coders(uow: UnitOfWork, sources: list[str], into: str) -> CoderInfo:
    """Make ``sources`` one coder with ``into``: their codings, memos, imports, codes and logged
    changes become ``into``'s, and the source coders are removed. Where both coded one excerpt
    with one code, ``into``'s coding stays and the source's is removed (the event keeps it for
    undo). ``qualcode undo`` restores the coders as they were.
    """
    s = uow.session
    target = coder_by_name(uow, into)
    found = [coder_by_name(uow, name) for name in sources]
    if not found:
        raise QualcodeError("name at least one coder to merge")
    ids = sorted({c.id for c in found} - {target.id})
    if not ids:
        raise QualcodeError(f"{target.name!r} is the coder to merge into; name others")
    tracker = RowTracker(s)
    theirs = s.execute(
        select(Coding.id, Coding.segment_id, Coding.code_id).where(Coding.coder_id.in_(ids))
    ).all()
    mine = set(s.execute(select(Coding.segment_id, Coding.code_id).where(Coding.coder_id == target.id)).all())
    tracker.watch(Coding, [r[0] for r in theirs])
    keep: set[tuple[int, int]] = set(mine)
    twice: list[int] = []
    moved: list[int] = []
    for coding_id, segment_id, code_id in theirs:
        if (segment_id, code_id) in keep:
            twice.append(coding_id)
        else:
            keep.add((segment_id, code_id))
            moved.append(coding_id)
    for model, column in (
        (Memo, Memo.author_id),
        (Document, Document.imported_by_id),
        (Code, Code.created_by_id),
        (Event, Event.coder_id),
    ):
        tracker.watch(model, s.scalars(select(model.id).where(column.in_(ids))).all())  # type: ignore[attr-defined]
    tracker.watch(Coder, ids)
    for chunk in [twice[i : i + 500] for i in range(0, len(twice), 500)]:
        s.execute(delete(Coding).where(Coding.id.in_(chunk)))
    for chunk in [moved[i : i + 500] for i in range(0, len(moved), 500)]:
        s.execute(update(Coding).where(Coding.id.in_(chunk)).values(coder_id=target.id))
    s.execute(update(Memo).where(Memo.author_id.in_(ids)).values(author_id=target.id))
    s.execute(update(Document).where(Document.imported_by_id.in_(ids)).values(imported_by_id=target.id))
    s.execute(update(Code).where(Code.created_by_id.in_(ids)).values(created_by_id=target.id))
    s.execute(update(Event).where(Event.coder_id.in_(ids)).values(coder_id=target.id))
    names = [c.name for c in found if c.id != target.id]
    s.execute(delete(Coder).where(Coder.id.in_(ids)))
    uow.log(
        "coders.merge",
        f"merged coder(s) {', '.join(map(repr, names))} into {target.name!r}",
        details={
            "into": target.name,
            "from": names,
            "codings_moved": len(moved),
            "codings_twice": len(twice),
        },
        changes=tracker.changes(),
    )
    uow.commit()
    return next(c for c in list_coders(uow) if c.name == target.name)
