"""The excerpts report's data: every coded excerpt, grouped by theme and code in codebook order.

Reads through the read models (``codebook_tree`` for themes, codes and their order, ``excerpts``
for the codings and their order); adds what only this report shows: context, transcript times
and memos.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from qualcode.db.models import Code, Coder, Document, Memo
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.excerpts import Excerpt, ExcerptCode, ExcerptSection, ExcerptsReport
from qualcode.services.lookup import code_by_name, participant_by_label
from qualcode.services.read_models import CodeNode, codebook_tree
from qualcode.services.read_models import excerpts as read_excerpts
from qualcode.services.reports import study_title
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
    viewer: str | None = None,
    blind: bool = False,
) -> ExcerptsReport:
    """Every coding of the active codes, per theme and code in the codebook tree's order, and
    within a code in the excerpts read model's order (participant, document, position).

    Filters combine: ``codes`` and ``themes`` (a theme includes its sub-themes) choose codes,
    ``participants`` and ``coder`` choose codings; under ``blind`` only the viewer's codings.
    ``context`` adds that many characters of surrounding text each side (cut at words).
    Raises NotFoundError for a code, theme, participant or coder that is not in the study.
    """
    if context < 0:
        raise QualcodeError("--context is a number of characters, 0 or more")
    s = uow.session
    tree = codebook_tree(uow, participants=False, viewer=viewer, blind=blind)
    wanted_codes = {code_by_name(s, c, follow_merges=True).name for c in codes}
    for t in themes:
        if t not in {node.name for node in tree.themes}:
            raise NotFoundError(f"no theme {t!r} in the study")
    labels = {participant_by_label(s, p).label for p in participants}
    if coder is not None and s.execute(select(Coder.id).where(Coder.name == coder)).first() is None:
        raise NotFoundError(f"no coder {coder!r} in the study")

    chosen: list[tuple[str | None, int, list[CodeNode]]] = []
    inside: int | None = None  # depth of a chosen theme while walking its sub-themes
    for node in tree.themes:
        if inside is not None and node.depth <= inside:
            inside = None
        if node.name in themes and inside is None:
            inside = node.depth
        if themes and inside is None:
            continue
        chosen.append((node.name, node.depth, list(node.codes)))
    if not themes:
        chosen.append((None, 0, list(tree.unthemed)))
    chosen = [
        (
            name,
            depth,
            [c for c in nodes if c.status == "active" and (not wanted_codes or c.name in wanted_codes)],
        )
        for name, depth, nodes in chosen
    ]
    names = {c.name for _, _, nodes in chosen for c in nodes}
    rows = [
        r
        for r in read_excerpts(uow, coder=coder, viewer=viewer, blind=blind)
        if r.code in names and (not labels or r.participant in labels)
    ]

    doc_ids = dict(s.execute(select(Document.title, Document.id)).all()) if rows else {}
    wanted_docs = {doc_ids[r.document] for r in rows}
    texts: dict[int, str] = {}
    turns: dict[int, tuple[list[dict[str, Any]], list[int]]] = {}
    if wanted_docs:
        for doc_id, meta in s.execute(
            select(Document.id, Document.meta).where(Document.id.in_(wanted_docs))
        ).all():
            meta_turns = list((meta or {}).get("turns") or [])
            turns[doc_id] = (meta_turns, [int(t["start"]) for t in meta_turns])
        if context:
            found = s.execute(select(Document.id, Document.text).where(Document.id.in_(wanted_docs))).all()
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
    for r in rows:  # already in the read model's order
        doc_id = doc_ids[r.document]
        before, after = _context(texts[doc_id], r.start, r.end, context) if context else ("", "")
        by_code[r.code].append(
            Excerpt(
                r.coding_id,
                r.segment_id,
                r.participant,
                r.document,
                r.start,
                r.end,
                r.text,
                r.coder,
                _turn_time(*turns.get(doc_id, ([], [])), r.start, r.end),
                before,
                after,
                tuple(coding_memos.get(r.coding_id, ())),
            )
        )
    sections = []
    for name, depth, nodes in chosen:
        found_codes = tuple(
            ExcerptCode(c.name, c.description, tuple(code_memos.get(c.name, ())), tuple(by_code[c.name]))
            for c in nodes
            if by_code.get(c.name)
        )
        if found_codes:
            sections.append(ExcerptSection(name, depth, found_codes))
    filters = (
        [f"code {c}" for c in codes]
        + [f"theme {t}" for t in themes]
        + [f"participant {p}" for p in participants]
        + ([f"coder {coder}"] if coder else [])
    )
    return ExcerptsReport(study_title(uow), tuple(sections), tuple(filters))
