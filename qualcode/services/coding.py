"""Coding excerpts and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from qualcode.db.dialect import insert_ignoring_duplicates
from qualcode.db.models import Code, Coding, Segment, table_of
from qualcode.domain.errors import QualcodeError
from qualcode.domain.spans import find_all
from qualcode.services.documents import resolve_code_ids
from qualcode.services.history import RowTracker
from qualcode.services.lookup import document_by_ref
from qualcode.services.read_models import SegmentRow, excerpts
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class CodedSpan:
    segment_id: int
    document: str
    start: int
    end: int
    text: str
    codes: tuple[str, ...]
    added: tuple[str, ...]
    new_codes: tuple[str, ...]


def locate_quote(text: str, quote: str, *, occurrence: int | None, document: str) -> tuple[int, int]:
    """The span of ``quote`` in ``text``; refuses a missing or ambiguous quote."""
    starts = find_all(text, quote)
    if not starts:
        raise QualcodeError(f"the quote is not in document {document!r} (it must match exactly)")
    if occurrence is None:
        if len(starts) > 1:
            raise QualcodeError(
                f"the quote occurs {len(starts)} times in document {document!r}; "
                "pick one with --occurrence N or give --start/--end"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise QualcodeError(f"the quote occurs {len(starts)} time(s); --occurrence {occurrence} is not one")
    start = starts[occurrence - 1]
    return start, start + len(quote)


def code_span(
    uow: UnitOfWork,
    document_ref: str,
    code_names: list[str],
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
    allow_new: bool = False,
) -> CodedSpan:
    """Apply codes to one span of a document, by offsets or by an exact quote."""
    s = uow.session
    doc = document_by_ref(s, document_ref)
    names = [n.strip() for n in code_names if n.strip()]
    if not names:
        raise QualcodeError("name at least one code")
    if quote is not None:
        if start is not None or end is not None:
            raise QualcodeError("give either --quote or --start/--end, not both")
        start, end = locate_quote(doc.text, quote, occurrence=occurrence, document=doc.title)
    if start is None or end is None:
        raise QualcodeError("give --start and --end, or --quote")
    if not (0 <= start < end <= len(doc.text)):
        raise QualcodeError(f"span [{start}, {end}) is outside document {doc.title!r} (0..{len(doc.text)})")
    coder_id = uow.coder_id()
    tracker = RowTracker(s)
    dialect = s.get_bind().dialect.name
    where_span = (Segment.document_id == doc.id, Segment.start == start, Segment.end == end)
    segment = s.scalar(select(Segment).where(*where_span))
    if segment is None:
        # Another coder may create the same span at the same moment: insert-or-ignore, then read.
        s.execute(
            insert_ignoring_duplicates(table_of(Segment), dialect),
            [{"document_id": doc.id, "start": start, "end": end, "text": doc.text[start:end]}],
        )
        segment = s.scalars(select(Segment).where(*where_span)).one()
        tracker.watch_new(Segment, [segment.id])
    code_ids, new_codes = resolve_code_ids(
        s, names, allow_new=allow_new, coder_id=coder_id, source=f"document {doc.title!r}", new_flag="--new"
    )
    if new_codes:
        tracker.watch_new(Code, list(s.scalars(select(Code.id).where(Code.name.in_(new_codes)))))
    have = set(
        s.scalars(select(Coding.code_id).where(Coding.segment_id == segment.id, Coding.coder_id == coder_id))
    )
    added = []
    for name in names:
        code_id = code_ids[name]
        if code_id in have:
            continue
        have.add(code_id)
        coding_id = s.execute(
            insert_ignoring_duplicates(table_of(Coding), dialect).returning(Coding.id),
            [{"segment_id": segment.id, "code_id": code_id, "coder_id": coder_id}],
        ).scalar()
        if coding_id is None:  # the same coder coded it at the same moment elsewhere
            continue
        tracker.watch_new(Coding, [coding_id])
        added.append(s.get_one(Code, code_id).name)
    all_codes = tuple(
        s.scalars(
            select(Code.name)
            .join(Coding, Coding.code_id == Code.id)
            .where(Coding.segment_id == segment.id)
            .distinct()
            .order_by(Code.name)
        )
    )
    if added:
        uow.log(
            "coding.add",
            f"coded {doc.title!r} [{start}, {end}) with {', '.join(added)}",
            details={"document": doc.title, "start": start, "end": end, "codes": added},
            changes=tracker.changes(),
        )
    uow.commit()
    return CodedSpan(
        segment.id, doc.title, start, end, segment.text, all_codes, tuple(added), tuple(new_codes)
    )


def list_segments(
    uow: UnitOfWork,
    *,
    code: str | None = None,
    participant: str | None = None,
    document: str | None = None,
    coder: str | None = None,
    only_coder: str | None = None,
    codes: Sequence[str] | None = None,
) -> list[SegmentRow]:
    """Coded excerpts, one row per coding, in ``read_models.excerpts`` order (``only_coder``:
    blinded coding, that coder's codings alone; ``codes``: only these codes, exact live names)."""
    return excerpts(
        uow,
        code=code,
        codes=codes,
        participant=participant,
        document=document,
        coder=coder,
        viewer=only_coder,
        blind=only_coder is not None,
    )
