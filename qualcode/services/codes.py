"""The codebook: codes with their counts and participants, and themes that group them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Theme
from qualcode.domain.coders import coder_key
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.subcodes import ancestors, check_new_parent
from qualcode.services import read_models
from qualcode.services.history import RowTracker
from qualcode.services.lookup import code_by_name, theme_by_name
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class CodeInfo:
    id: int
    name: str
    status: str
    theme: str | None
    count: int
    participants: tuple[str, ...]
    description: str
    merged_into: str | None
    exclusion_reason: str
    parent: str | None = None  # the parent code of a sub-code


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    name: str
    parent: str | None
    position: int
    depth: int
    codes: tuple[str, ...]
    codings: int


def only_coder(q: Any, coder: str | None) -> Any:
    """Blinded coding: keep only ``coder``'s codings in a query over Coding (no-op for None)."""
    if coder is None:
        return q
    return q.where(Coding.coder_id.in_(select(Coder.id).where(Coder.key == coder_key(coder))))


def code_counts(uow: UnitOfWork, *, coder: str | None = None) -> dict[int, int]:
    """Codings per code id (only ``coder``'s when given); see ``read_models.code_counts``."""
    return read_models.code_counts(uow, only=coder)


def participants_in_order(uow: UnitOfWork) -> list[tuple[int, str]]:
    """(participant id, label) in ``read_models.participant_order``."""
    return read_models.participant_order(uow)


def participant_ids_by_code(uow: UnitOfWork, *, coder: str | None = None) -> dict[int, set[int]]:
    """The participants (ids) whose documents carry each code; see ``read_models``."""
    return read_models.participant_ids_by_code(uow, only=coder)


def theme_order(uow: UnitOfWork, *, coder: str | None = None) -> list[ThemeInfo]:
    """``themes list``: themes depth-first in ``read_models.codebook_tree`` order; ``codings``
    counts a theme's active codings including its sub-themes' (the matrix subtotal), and
    ``codes`` names its own codes and sub-codes, excluded ones too (only ``coder``'s codings
    under blinded coding)."""
    tree = read_models.codebook_tree(uow, viewer=coder, blind=coder is not None, participants=False)
    return [
        ThemeInfo(t.id, t.name, t.parent, t.position, t.depth, tuple(c.name for c in t.codes), t.codings)
        for t in tree.themes
    ]


def list_codes(uow: UnitOfWork, *, include_all: bool = False, coder: str | None = None) -> list[CodeInfo]:
    """``codes list``: codes in ``read_models.codebook_tree`` order (theme by theme, sub-codes
    after their parent, codes in no theme last); ``include_all`` adds excluded and merged codes.

    With ``coder`` (blinded coding) counts and participants come from that coder's codings only.
    """
    tree = read_models.codebook_tree(uow, viewer=coder, blind=coder is not None)
    names = {c.id: c.name for c in tree.codes(merged=True)}
    return [
        CodeInfo(
            c.id,
            c.name,
            c.status,
            c.theme,
            c.count,
            c.participants,
            c.description,
            c.merged_into,
            c.exclusion_reason,
            names.get(c.parent_id) if c.parent_id else None,
        )
        for c in tree.codes(excluded=include_all, merged=include_all)
    ]


def add_theme(uow: UnitOfWork, name: str, *, parent: str | None = None, description: str = "") -> ThemeInfo:
    """``qualcode themes add "Human trafficking" [--parent THEME]``: appended after its siblings."""
    s = uow.session
    name = name.strip()
    if not name:
        raise QualcodeError("a theme needs a name")
    if s.scalar(select(Theme.id).where(Theme.name == name)) is not None:
        raise ConflictError(f"theme {name!r} is already in the study")
    parent_theme = theme_by_name(s, parent) if parent else None
    parent_id = parent_theme.id if parent_theme else None
    position = (
        s.scalar(
            select(func.max(Theme.position)).where(
                Theme.parent_id.is_(parent_id) if parent_id is None else Theme.parent_id == parent_id
            )
        )
        or 0
    ) + 1
    theme = Theme(name=name, parent_id=parent_id, position=position, description=description)
    s.add(theme)
    s.flush()
    tracker = RowTracker(s)
    tracker.watch_new(Theme, [theme.id])
    uow.log("themes.add", f"added theme {name!r}", changes=tracker.changes())
    uow.commit()
    depth = 0
    p = parent_theme
    while p is not None:
        depth += 1
        p = p.parent
    return ThemeInfo(theme.id, name, parent, position, depth, (), 0)


def assign_codes(uow: UnitOfWork, theme: str, code_names: list[str]) -> ThemeInfo:
    """Place codes in a theme (each code sits in one theme), after the codes already there."""
    s = uow.session
    target = theme_by_name(s, theme)
    codes = [code_by_name(s, n) for n in code_names]
    if not codes:
        raise QualcodeError("name at least one code")
    merged = [c.name for c in codes if c.status == CodeStatus.MERGED]
    if merged:
        raise QualcodeError(f"merged codes cannot be placed in a theme: {', '.join(merged)}")
    # A sub-code sits in its parent's theme: its sub-codes come along. Placing a sub-code in
    # another theme would cut it from its parent: refused, pointing at `codes move`.
    parents = _parent_links(uow)
    moving = [c.id for c in codes]
    for code in codes:
        if code.parent_id is not None and code.parent_id not in moving:
            parent = s.get(Code, code.parent_id)
            if parent is not None and parent.theme_id != target.id:
                raise ConflictError(
                    f"code {code.name!r} is a sub-code of {parent.name!r}; to take it out of its parent "
                    f"and into this theme: qualcode codes move {code.name!r} --theme {target.name!r}"
                )
    descendants = [d for d in parents if set(ancestors(parents, d)) & set(moving) and d not in moving]
    tracker = RowTracker(s)
    tracker.watch(Code, [*moving, *descendants])
    position = s.scalar(select(func.max(Code.position)).where(Code.theme_id == target.id)) or 0
    for code in codes:
        if code.theme_id == target.id:
            continue
        position += 1
        code.theme_id = target.id
        code.position = position
    if descendants:
        s.execute(update(Code).where(Code.id.in_(descendants)).values(theme_id=target.id))
    uow.log(
        "themes.assign",
        f"placed {len(codes)} code(s) in theme {target.name!r}",
        details={"theme": target.name, "codes": [c.name for c in codes]},
        changes=tracker.changes(),
    )
    uow.commit()
    return next(t for t in theme_order(uow) if t.id == target.id)


def _parent_links(uow: UnitOfWork) -> dict[int, int | None]:
    """``{code id: parent id}`` for every sub-code."""
    return dict(uow.session.execute(select(Code.id, Code.parent_id).where(Code.parent_id.is_not(None))).all())


@dataclass(frozen=True)
class MoveResult:
    event_id: int
    code: str
    parent: str | None
    theme: str | None
    moved: int  # the code and the sub-codes that came along


def move_code(
    uow: UnitOfWork, name: str, *, parent: str | None = None, theme: str | None = None, top: bool = False
) -> MoveResult:
    """``qualcode codes move CODE --parent CODE | --theme THEME | --top``: one undoable change.

    ``parent``: the code becomes a sub-code of ``parent`` and joins its theme. ``theme``: the
    code leaves its parent and sits at the top of ``theme``. ``top``: the code leaves its parent
    and keeps its theme. Its own sub-codes always come along. A code cannot be placed under
    itself or one of its sub-codes, and merged codes do not move (QualcodeError / ConflictError).
    """
    s = uow.session
    if sum(x is not None and x is not False for x in (parent, theme, top)) != 1:
        raise QualcodeError("give one of --parent CODE, --theme THEME or --top")
    code = code_by_name(s, name)
    if code.status == CodeStatus.MERGED:
        raise ConflictError(f"code {code.name!r} is merged into another; move that code")
    parents = _parent_links(uow)
    new_parent: Code | None = None
    theme_id = code.theme_id
    if parent is not None:
        new_parent = code_by_name(s, parent)
        if new_parent.status == CodeStatus.MERGED:
            raise ConflictError(f"code {new_parent.name!r} is merged into another; use that code")
        check_new_parent(parents, code.id, new_parent.id)
        theme_id = new_parent.theme_id
    elif theme is not None:
        theme_id = theme_by_name(s, theme).id
    descendants = [d for d in parents if code.id in ancestors(parents, d)]
    tracker = RowTracker(s)
    tracker.watch(Code, [code.id, *descendants])
    if theme_id != code.theme_id:
        code.position = (s.scalar(select(func.max(Code.position)).where(Code.theme_id == theme_id)) or 0) + 1
    code.parent_id = new_parent.id if new_parent is not None else None
    code.theme_id = theme_id
    if descendants:
        s.execute(update(Code).where(Code.id.in_(descendants)).values(theme_id=theme_id))
    theme_name = s.scalar(select(Theme.name).where(Theme.id == theme_id)) if theme_id else None
    where = f"under {new_parent.name!r}" if new_parent else f"to the top of {theme_name or 'no theme'!r}"
    event = uow.log(
        "codes.move",
        f"moved code {code.name!r} {where}",
        details={
            "code": code.name,
            "code_id": code.id,
            "parent": new_parent.name if new_parent else None,
            "theme": theme_name,
        },
        changes=tracker.changes(),
    )
    uow.commit()
    return MoveResult(
        event.id, code.name, new_parent.name if new_parent else None, theme_name, 1 + len(descendants)
    )
