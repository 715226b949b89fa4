"""Codebook edits from the command line: in-vivo codes, descriptions, colours, removing a coding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Segment
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.words import in_vivo_name, near_name
from qualcode.services.coding import CodedSpan, code_span, locate_quote
from qualcode.services.history import RowTracker
from qualcode.services.lookup import code_by_name, document_by_ref
from qualcode.services.uow import UnitOfWork
from qualcode.services.workbench import Uncoded, uncode

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _span(
    uow: UnitOfWork,
    document_ref: str,
    start: int | None,
    end: int | None,
    quote: str | None,
    occurrence: int | None,
) -> tuple[int, int, str]:
    doc = document_by_ref(uow.session, document_ref)
    if quote is not None:
        if start is not None or end is not None:
            raise QualcodeError("give either --quote or --start/--end, not both")
        start, end = locate_quote(doc.text, quote, occurrence=occurrence, document=doc.title)
    if start is None or end is None:
        raise QualcodeError("give --start and --end, or --quote")
    if not (0 <= start < end <= len(doc.text)):
        raise QualcodeError(f"span [{start}, {end}) is outside document {doc.title!r} (0..{len(doc.text)})")
    return start, end, doc.text[start:end]


def code_in_vivo(
    uow: UnitOfWork,
    document_ref: str,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
    force: bool = False,
) -> CodedSpan:
    """Code a span with a code named by its own words (in-vivo coding), undoable.

    The name is the selection on one line without surrounding punctuation (at most
    ``qualcode.domain.words.MAX_IN_VIVO`` characters). A code of that name (any case) is reused;
    a new name close to an existing one (the picker's near-name rule) is refused unless ``force``,
    so that the codebook does not grow a near-duplicate by accident.
    """
    start, end, selected = _span(uow, document_ref, start, end, quote, occurrence)
    name = in_vivo_name(selected)
    names = list(uow.session.scalars(select(Code.name)))
    same = [n for n in names if n.casefold() == name.casefold()]
    if same:
        name = same[0]
    elif not force:
        near = near_name(name, names)
        if near is not None:
            raise ConflictError(
                f"{name!r} is close to the existing code {near[0]!r} ({near[1]:.0f}%): code with that one, "
                "or add --force to create the new code"
            )
    return code_span(uow, document_ref, [name], start=start, end=end, allow_new=True)


@dataclass(frozen=True)
class CodeEdited:
    code: str
    field: str
    before: str
    after: str


def _edit(uow: UnitOfWork, name: str, field: str, value: str) -> CodeEdited:
    s = uow.session
    code = code_by_name(s, name)
    if code.status == CodeStatus.MERGED:
        raise ConflictError(f"{code.name!r} was merged; edit the code it was merged into")
    before = getattr(code, field)
    tracker = RowTracker(s)
    tracker.watch(Code, [code.id])
    setattr(code, field, value)
    what = "description" if field == "description" else "colour"
    uow.log(
        f"codes.{what}",
        f"set the {what} of {code.name!r}",
        details={"code": code.name, what: value},
        changes=tracker.changes(),
    )
    uow.commit()
    return CodeEdited(code.name, what, before, value)


def describe_code(uow: UnitOfWork, name: str, description: str) -> CodeEdited:
    """Set a code's description (what it covers, for the codebook); undoable."""
    return _edit(uow, name, "description", description.strip())


def colour_code(uow: UnitOfWork, name: str, colour: str) -> CodeEdited:
    """Set a code's colour as ``#RRGGBB`` (stored upper-case); ``""`` clears it; undoable."""
    colour = colour.strip()
    if colour and not _COLOUR.match(colour):
        raise QualcodeError(f"{colour!r} is not a colour: give #RRGGBB, for example #1F77B4")
    return _edit(uow, name, "colour", colour.upper())


def uncode_span(
    uow: UnitOfWork,
    document_ref: str,
    code: str,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
) -> Uncoded:
    """Remove this coder's coding of ``code`` from exactly that span (what ``u`` does in the
    workbench); the excerpt goes too when nothing else codes it. Undoable. Another coder's coding
    is never removed: that is refused, naming who gave it."""
    s = uow.session
    doc = document_by_ref(s, document_ref)
    start, end, _ = _span(uow, document_ref, start, end, quote, occurrence)
    target = code_by_name(s, code, follow_merges=True)
    rows = s.execute(
        select(Coding.id, Coder.name)
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(
            Segment.document_id == doc.id,
            Segment.start == start,
            Segment.end == end,
            Coding.code_id == target.id,
        )
    ).all()
    mine = [cid for cid, who in rows if who == uow.coder_name.strip()]
    if not mine:
        if rows:
            others = ", ".join(sorted({who for _, who in rows}))
            raise ConflictError(
                f"{target.name!r} on that excerpt was given by {others}, not by you; it stays"
            )
        raise NotFoundError(f"{doc.title!r} [{start}, {end}) does not carry {target.name!r}")
    return uncode(uow, mine[0])
