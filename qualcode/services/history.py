"""Row-level history: what a change did, so that it can be shown and undone exactly.

A service that changes rows watches them first::

    tracker = RowTracker(uow.session)
    tracker.watch(Coding, coding_ids)       # before images
    ... change rows (ORM or Core) ...
    tracker.watch_new(Coding, new_ids)      # rows the change created
    uow.log("codes.merge", "...", changes=tracker.changes())

``changes()`` stores, per changed row, its image before and after. Undo checks that every
column the event changed still holds the event's value (so later, unrelated edits to other
columns or rows do not block it), then writes the earlier values back. Bulk imports record
only the ids they created (``created_ids``), undone by deleting those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from qualcode.db.models import Base, Coder, Event
from qualcode.domain.errors import ConflictError, NotFoundError

Image = dict[str, Any]
_CHUNK = 500
# Events whose data is gone for good (a withdrawn participant's interview): never undone.
IRREVERSIBLE = {"participants.withdraw": "a withdrawal deletes the participant's data for good"}


def _table(model_or_table: Any) -> Table:
    table = getattr(model_or_table, "__table__", model_or_table)
    assert isinstance(table, Table)
    return table


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$dt"}:
        return datetime.fromisoformat(value["$dt"])
    return value


def _image(row: Any) -> Image:
    return {key: _to_json(value) for key, value in row._mapping.items()}


def read_images(session: Session, model_or_table: Any, ids: Iterable[int]) -> dict[int, Image]:
    """Current images of rows by primary key ``id`` (missing rows are absent)."""
    table = _table(model_or_table)
    wanted = sorted(set(ids))
    found: dict[int, Image] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        for row in session.execute(select(table).where(table.c.id.in_(chunk))):
            found[row.id] = _image(row)
    return found


class RowTracker:
    def __init__(self, session: Session):
        self.session = session
        self._before: dict[str, dict[int, Image | None]] = {}

    def watch(self, model_or_table: Any, ids: Iterable[int]) -> None:
        """Take the before images of rows about to change (or be deleted)."""
        table = _table(model_or_table)
        self.session.flush()
        slot = self._before.setdefault(table.name, {})
        new_ids = [i for i in set(ids) if i not in slot]
        images = read_images(self.session, table, new_ids)
        for i in new_ids:
            slot[i] = images.get(i)

    def watch_new(self, model_or_table: Any, ids: Iterable[int]) -> None:
        """Record rows the change created (they had no before image)."""
        slot = self._before.setdefault(_table(model_or_table).name, {})
        for i in ids:
            slot.setdefault(i, None)

    def changes(self) -> dict[str, Any]:
        """The row changes since ``watch``: ``{"rows": [[table, id, before, after], ...]}``."""
        self.session.flush()
        rows: list[list[Any]] = []
        for name, befores in self._before.items():
            afters = read_images(self.session, Base.metadata.tables[name], befores)
            for row_id, before in sorted(befores.items()):
                after = afters.get(row_id)
                if before != after:
                    rows.append([name, row_id, before, after])
        return {"rows": rows}


def _changed_columns(before: Image, after: Image) -> list[str]:
    return [key for key in after if before.get(key) != after.get(key)]


def _later_events_touching(session: Session, event: Event, table: str, row_id: int) -> Event | None:
    later = session.scalars(
        select(Event).where(Event.id > event.id, Event.undone_by_id.is_(None)).order_by(Event.id)
    )
    for other in later:
        if other.undoes_id is not None:
            continue
        for name, rid, *_ in other.changes.get("rows", []):
            if name == table and rid == row_id:
                return other
        if row_id in other.changes.get("created_ids", {}).get(table, []):
            return other
    return None


def _conflict(session: Session, event: Event, table: str, row_id: int, what: str) -> ConflictError:
    later = _later_events_touching(session, event, table, row_id)
    by = f" by event {later.id} ({later.action}: {later.summary}); undo that first" if later else ""
    return ConflictError(f"cannot undo event {event.id} ({event.action}): {table} {row_id} {what}{by}")


def _table_order() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]  # parents before children


def _self_links(table: Table) -> list[str]:
    """Columns of ``table`` that reference ``table`` itself."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def revert(session: Session, event: Event) -> dict[str, Any]:
    """Put back the rows ``event`` changed; refuse if a later change altered the same values.

    Returns the changes made by the revert itself, in the same form as ``RowTracker.changes``.
    """
    rows: Sequence[list[Any]] = event.changes.get("rows", [])
    created_ids: dict[str, list[int]] = event.changes.get("created_ids", {})
    order = _table_order()

    # Check everything first: an undo is all or nothing.
    current: dict[tuple[str, int], Image | None] = {}
    by_table: dict[str, list[int]] = {}
    for name, row_id, _before, _after in rows:
        by_table.setdefault(name, []).append(row_id)
    for name, ids in by_table.items():
        images = read_images(session, Base.metadata.tables[name], ids)
        for row_id in ids:
            current[(name, row_id)] = images.get(row_id)
    for name, row_id, before, after in rows:
        now = current[(name, row_id)]
        if after is None:
            if now is not None:
                raise _conflict(session, event, name, row_id, "was created again later")
        elif now is None:
            raise _conflict(session, event, name, row_id, "was deleted later")
        else:
            cols = list(after) if before is None else _changed_columns(before, after)
            if any(now.get(c) != after.get(c) for c in cols):
                raise _conflict(session, event, name, row_id, "was changed later")
    for name, ids in created_ids.items():
        present = read_images(session, Base.metadata.tables[name], ids)
        if len(present) != len(set(ids)):
            raise ConflictError(
                f"cannot undo event {event.id} ({event.action}): some of its {name} rows are gone"
            )

    tracker = RowTracker(session)
    for name in order:
        touched = [r for r in rows if r[0] == name]
        if touched:
            tracker.watch(Base.metadata.tables[name], [r[1] for r in touched])
    # Restore deleted rows parent-first, then updated columns, then remove created rows
    # child-first.
    # Rows of one table go in one executemany each (a merge of 10,000 codings is 10,000 rows).
    for name in order:
        table = Base.metadata.tables[name]
        restored = [
            {k: _from_json(v) for k, v in before.items()}
            for tname, _row_id, before, after in rows
            if tname == name and after is None and before is not None
        ]
        if restored:
            # A row may point at another row of its own table (a sub-theme at its theme, a
            # merged code at its survivor): insert without those links, then set them.
            links = _self_links(table)
            session.execute(insert(table), [{**r, **{c: None for c in links}} for r in restored])
            for column in links:
                linked = [{"row_id": r["id"], "v": r[column]} for r in restored if r[column] is not None]
                if linked:
                    session.execute(
                        update(table)
                        .where(table.c.id == bindparam("row_id"))
                        .values({column: bindparam("v")}),
                        linked,
                    )
    for name in order:
        table = Base.metadata.tables[name]
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for tname, row_id, before, after in rows:
            if tname == name and before is not None and after is not None:
                changed = tuple(_changed_columns(before, after))
                if changed:
                    values = {f"v_{c}": _from_json(before[c]) for c in changed}
                    by_columns.setdefault(changed, []).append({"row_id": row_id, **values})
        for changed, params in by_columns.items():
            session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({c: bindparam(f"v_{c}") for c in changed}),
                params,
            )
    # Documents first: their segments, codings and memos go with them (ON DELETE CASCADE).
    for name in ["document", *[n for n in reversed(order) if n != "document"]]:
        table = Base.metadata.tables[name]
        doomed = [r[1] for r in rows if r[0] == name and r[2] is None and r[3] is not None]
        doomed += created_ids.get(name, [])
        for column in _self_links(table) if doomed else []:
            # SQLite checks a RESTRICT link row by row inside one DELETE: unlink first.
            for i in range(0, len(doomed), _CHUNK):
                session.execute(
                    update(table).where(table.c.id.in_(doomed[i : i + _CHUNK])).values({column: None})
                )
        for i in range(0, len(doomed), _CHUNK):
            session.execute(delete(table).where(table.c.id.in_(doomed[i : i + _CHUNK])))
    session.flush()
    return tracker.changes()


def undoable_event(
    session: Session,
    event_id: int | None,
    *,
    coder_id: int | None = None,
    theirs: str | None = None,
    blind: bool = False,
) -> Event:
    """The event to undo: ``event_id``, or the newest one not yet undone made by ``coder_id``.

    With several coders in one study, ``undo`` takes back your own change, never the newest of
    anyone's. ``event_id`` may name another coder's event only when ``theirs`` names that coder
    (the confirmation); otherwise ConflictError says whose change it is.
    """
    if event_id is None:
        query = (
            select(Event)
            .where(Event.undone_by_id.is_(None), Event.undoes_id.is_(None))
            .where(Event.action.not_in(["study.create"]))
        )
        if coder_id is not None:
            query = query.where(Event.coder_id == coder_id)
        event = session.scalar(query.order_by(Event.id.desc()).limit(1))
        if event is None:
            raise NotFoundError("nothing of yours to undo" if coder_id is not None else "nothing to undo")
        return _reversible(event)
    event = session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"no event {event_id} in the log (see qualcode log)")
    if event.undone_by_id is not None:
        raise ConflictError(f"event {event_id} was already undone by event {event.undone_by_id}")
    if event.undoes_id is not None:
        raise ConflictError(f"event {event_id} is itself an undo; it cannot be undone")
    if blind and event.coder_id != coder_id:  # a blind coder does not see, or undo, others' work
        raise NotFoundError(f"no event {event_id} in the log (see qualcode log)")
    if coder_id is not None and event.coder_id != coder_id:
        owner = (
            session.scalar(select(Coder.name).where(Coder.id == event.coder_id)) if event.coder_id else None
        )
        owner = owner or "no coder"
        if theirs is None or theirs.strip() != owner:
            raise ConflictError(
                f"event {event_id} is {owner}'s change ({event.action}), not yours; to undo it "
                f"anyway, name its coder: undo {event_id} --theirs {owner!r}"
            )
    return _reversible(event)


def _reversible(event: Event) -> Event:
    why = IRREVERSIBLE.get(event.action)
    if why:
        raise ConflictError(
            f"event {event.id} ({event.action}) cannot be undone: {why}; restore a backup instead"
        )
    return event
