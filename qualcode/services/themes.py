"""Themes beyond add/assign: rename, move under another theme, reorder; a code's example quote.

Every change records its rows with a RowTracker, so ``qualcode undo`` puts them back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from qualcode.db.models import Code, CodeStatus, Coding, Document, Participant, Segment, Theme
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.services.codes import ThemeInfo, theme_order
from qualcode.services.history import RowTracker
from qualcode.services.lookup import code_by_name, theme_by_name
from qualcode.services.uow import UnitOfWork


def _info(uow: UnitOfWork, theme_id: int) -> ThemeInfo:
    return next(t for t in theme_order(uow) if t.id == theme_id)


def _siblings(uow: UnitOfWork, parent_id: int | None) -> list[Theme]:
    cond = Theme.parent_id.is_(None) if parent_id is None else Theme.parent_id == parent_id
    return list(uow.session.scalars(select(Theme).where(cond).order_by(Theme.position, Theme.id)))


def _renumber(order: list[Theme]) -> None:
    for i, theme in enumerate(order, start=1):
        if theme.position != i:
            theme.position = i


def _place(order: list[Theme], theme: Theme, *, before: Theme | None, after: Theme | None) -> list[Theme]:
    rest = [t for t in order if t.id != theme.id]
    if before is not None:
        i = rest.index(before)
    elif after is not None:
        i = rest.index(after) + 1
    else:
        i = len(rest)
    return rest[:i] + [theme] + rest[i:]


def _sibling(uow: UnitOfWork, name: str | None, parent_id: int | None, what: str) -> Theme | None:
    if not name:
        return None
    other = theme_by_name(uow.session, name)
    if other.parent_id != parent_id:
        raise QualcodeError(f"--{what} {other.name!r} is not a sibling of the theme at its new place")
    return other


def rename_theme(uow: UnitOfWork, old: str, new: str) -> ThemeInfo:
    """``qualcode themes rename OLD NEW``."""
    s = uow.session
    theme = theme_by_name(s, old)
    new = new.strip()
    if not new:
        raise QualcodeError("a theme needs a name")
    if new != theme.name and s.scalar(select(Theme.id).where(Theme.name == new)) is not None:
        raise ConflictError(f"theme {new!r} is already in the study")
    tracker = RowTracker(s)
    tracker.watch(Theme, [theme.id])
    before = theme.name
    theme.name = new
    uow.log(
        "themes.rename",
        f"renamed theme {before!r} to {new!r}",
        details={"from": before, "to": new},
        changes=tracker.changes(),
    )
    uow.commit()
    return _info(uow, theme.id)


def move_theme(
    uow: UnitOfWork,
    name: str,
    *,
    parent: str | None = None,
    top: bool = False,
    before: str | None = None,
    after: str | None = None,
) -> ThemeInfo:
    """``qualcode themes move THEME (--under PARENT | --top) [--before X | --after X]``.

    Without --under/--top the theme stays under its parent and is only reordered.
    """
    s = uow.session
    theme = theme_by_name(s, name)
    if parent and top:
        raise QualcodeError("give --under PARENT or --top, not both")
    if before and after:
        raise QualcodeError("give --before or --after, not both")
    new_parent: Theme | None
    if parent:
        new_parent = theme_by_name(s, parent)
        walk: Theme | None = new_parent
        while walk is not None:
            if walk.id == theme.id:
                raise ConflictError(f"theme {theme.name!r} cannot go under itself or one of its sub-themes")
            walk = walk.parent
    elif top:
        new_parent = None
    else:
        new_parent = theme.parent
    new_parent_id = new_parent.id if new_parent else None
    before_t = _sibling(uow, before, new_parent_id, "before")
    after_t = _sibling(uow, after, new_parent_id, "after")
    if theme in (before_t, after_t):
        raise QualcodeError("a theme cannot be placed before or after itself")
    old_parent_id = theme.parent_id
    tracker = RowTracker(s)
    touched = {t.id for t in _siblings(uow, old_parent_id)} | {t.id for t in _siblings(uow, new_parent_id)}
    tracker.watch(Theme, touched | {theme.id})
    theme.parent_id = new_parent_id
    s.flush()
    _renumber(_place(_siblings(uow, new_parent_id), theme, before=before_t, after=after_t))
    if old_parent_id != new_parent_id:
        _renumber(_siblings(uow, old_parent_id))
    where = f"under {new_parent.name!r}" if new_parent else "at the top level"
    uow.log(
        "themes.move",
        f"moved theme {theme.name!r} {where}",
        details={"theme": theme.name, "parent": new_parent.name if new_parent else None},
        changes=tracker.changes(),
    )
    uow.commit()
    return _info(uow, theme.id)


@dataclass(frozen=True)
class ExampleSet:
    code: str
    segment_id: int | None
    participant: str | None
    document: str | None
    text: str | None


def set_code_example(uow: UnitOfWork, code_name: str, segment_id: int | None) -> ExampleSet:
    """``qualcode codes example CODE --segment ID`` (``--clear``: back to qualcode's pick).

    The segment must carry a coding of the code: the codebook shows it as the example quote.
    """
    s = uow.session
    code = code_by_name(s, code_name)
    if code.status == CodeStatus.MERGED:
        raise QualcodeError(f"code {code.name!r} was merged; set the example on the code it was merged into")
    found = None
    if segment_id is not None:
        found = s.execute(
            select(Segment.id, Segment.text, Document.title, Participant.label)
            .join(Document, Document.id == Segment.document_id)
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .where(Segment.id == segment_id)
        ).first()
        if found is None:
            raise NotFoundError(f"no segment {segment_id} (see qualcode segments --code {code.name!r})")
        coded = s.scalar(
            select(Coding.id).where(Coding.segment_id == segment_id, Coding.code_id == code.id).limit(1)
        )
        if coded is None:
            raise QualcodeError(
                f"segment {segment_id} is not coded with {code.name!r}; "
                f"pick one from qualcode segments --code {code.name!r}"
            )
    tracker = RowTracker(s)
    tracker.watch(Code, [code.id])
    code.example_segment_id = segment_id
    summary = (
        f"set the example quote of {code.name!r} to segment {segment_id}"
        if segment_id is not None
        else f"cleared the example quote of {code.name!r}"
    )
    uow.log(
        "codes.example",
        summary,
        details={"code": code.name, "segment": segment_id},
        changes=tracker.changes(),
    )
    uow.commit()
    if found is None:
        return ExampleSet(code.name, None, None, None, None)
    return ExampleSet(code.name, found[0], found[3], found[2], found[1])
