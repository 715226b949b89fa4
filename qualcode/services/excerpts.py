"""The excerpts report's data: every coded excerpt, grouped by theme and code in codebook order."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from qualcode.db.models import Code, Coder, Coding, Document, Memo, Participant, Segment
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.excerpts import Excerpt, ExcerptCode, ExcerptSection, ExcerptsReport
from qualcode.domain.labels import natural_key
from qualcode.services.lookup import code_by_name, participant_by_label
from qualcode.services.reports import codebook
from qualcode.services.uow import UnitOfWork


def _context(text: str, start: int, end: int, size: int) -> tuple[str, str]:
    """Up to ``size`` characters before and after [start, end), cut at word boundaries."""
    if size <= 0:
        return "", ""
    before = text[max(0, start - size) : start]
    if start - size > 0 and " " in before:
        before = before[before.index(" ") + 1 :]
    after = text[end : end + size]
    if end + size < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return before, after


def _turn_time(turns: Sequence[dict[str, Any]], starts: list[int], start: int, end: int) -> str | None:
    """The transcript time of [start, end): from the first overlapping turn to the last."""
    if not turns:
        return None
    i = max(0, bisect.bisect_right(starts, start) - 1)
    first = last = None
    while i < len(turns) and turns[i]["start"] < end:
        if turns[i]["end"] > start:
            first = first or turns[i]
            last = turns[i]
        i += 1
    if first is None or last is None:
        return None
    return f"{str(first['from'])[:8]}–{str(last['to'])[:8]}"


def excerpts_report(
    uow: UnitOfWork,
    *,
    codes: Sequence[str] = (),
    themes: Sequence[str] = (),
    participants: Sequence[str] = (),
    coder: str | None = None,
    context: int = 0,
) -> ExcerptsReport:
    """Every coding of the kept codes, per theme and code in codebook order; within a code by
    participant (natural order), document and position. Filters combine: ``codes`` and
    ``themes`` (a theme includes its sub-themes) choose codes, ``participants`` and ``coder``
    choose codings. ``context`` adds that many characters of surrounding text each side.

    Raises NotFoundError for a code, theme or participant that is not in the study.
    """
    if context < 0:
        raise QualcodeError("--context is a number of characters, 0 or more")
    s = uow.session
    book = codebook(uow)
    wanted_codes = {code_by_name(s, c, follow_merges=True).name for c in codes}
    known_themes = {sec.theme for sec in book.sections if sec.theme is not None}
    for t in themes:
        if t not in known_themes:
            raise NotFoundError(f"no theme {t!r} with codes in the study")
    people = [participant_by_label(s, p).id for p in participants]
    if coder is not None and s.execute(select(Coder.id).where(Coder.name == coder)).first() is None:
        raise NotFoundError(f"no coder {coder!r} in the study")

    chosen_sections = []
    inside: int | None = None  # depth of a chosen theme while walking its sub-themes
    for sec in book.sections:
        if inside is not None and sec.depth <= inside:
            inside = None
        if sec.theme in themes and inside is None:
            inside = sec.depth
        by_theme = not themes or inside is not None
        entries = [e for e in sec.entries if by_theme and (not wanted_codes or e.code in wanted_codes)]
        chosen_sections.append((sec, entries))
    names = {e.code for _, entries in chosen_sections for e in entries}

    q = (
        select(
            Code.name,
            Coding.id,
            Segment.id,
            Participant.label,
            Document.id,
            Document.title,
            Segment.start,
            Segment.end,
            Segment.text,
            Coder.name,
        )
        .join(Coding, Coding.segment_id == Segment.id)
        .join(Code, Code.id == Coding.code_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .where(Code.name.in_(names) if len(names) < 5000 else Code.name.is_not(None))
    )
    if people:
        q = q.where(Document.participant_id.in_(people))
    if coder is not None:
        q = q.where(Coder.name == coder)
    rows = [r for r in s.execute(q).all() if r[0] in names]
    doc_ids = {r[4] for r in rows}
    texts: dict[int, str] = {}
    turns: dict[int, tuple[list[dict[str, Any]], list[int]]] = {}
    if doc_ids:
        for doc_id, meta in s.execute(
            select(Document.id, Document.meta).where(Document.id.in_(doc_ids))
        ).all():
            meta_turns = list((meta or {}).get("turns") or [])
            turns[doc_id] = (meta_turns, [int(t["start"]) for t in meta_turns])
        if context:
            found = s.execute(select(Document.id, Document.text).where(Document.id.in_(doc_ids))).all()
            texts = {doc_id: text for doc_id, text in found}
    coding_memos: dict[int, list[str]] = defaultdict(list)
    code_memos: dict[str, list[str]] = defaultdict(list)
    memo_q = (
        select(Memo.coding_id, Code.name, Memo.text)
        .outerjoin(Code, Code.id == Memo.code_id)
        .where((Memo.coding_id.is_not(None)) | (Memo.code_id.is_not(None)))
        .order_by(Memo.created_at, Memo.id)
    )
    for coding_id, code_name, text in s.execute(memo_q).all():
        if coding_id is not None:
            coding_memos[coding_id].append(text)
        elif code_name in names:
            code_memos[code_name].append(text)

    by_code: dict[str, list[Excerpt]] = defaultdict(list)
    for code, coding_id, seg_id, label, doc_id, title, start, end, text, coder_name in rows:
        before, after = _context(texts[doc_id], start, end, context) if context else ("", "")
        by_code[code].append(
            Excerpt(
                coding_id,
                seg_id,
                label,
                title,
                start,
                end,
                text,
                coder_name,
                _turn_time(*turns.get(doc_id, ([], [])), start, end),
                before,
                after,
                tuple(coding_memos.get(coding_id, ())),
            )
        )
    sections = []
    for sec, entries in chosen_sections:
        found_codes = []
        for e in entries:
            excerpts = sorted(
                by_code.get(e.code, []),
                key=lambda x: (
                    natural_key(x.participant or "\uffff"),
                    natural_key(x.document),
                    x.start,
                    x.coding_id,
                ),
            )
            if excerpts:
                found_codes.append(
                    ExcerptCode(e.code, e.description, tuple(code_memos.get(e.code, ())), tuple(excerpts))
                )
        if found_codes:
            sections.append(ExcerptSection(sec.theme, sec.depth, tuple(found_codes)))
    filters = (
        [f"code {c}" for c in codes]
        + [f"theme {t}" for t in themes]
        + [f"participant {p}" for p in participants]
        + ([f"coder {coder}"] if coder else [])
    )
    return ExcerptsReport(book.title, tuple(sections), tuple(filters))
