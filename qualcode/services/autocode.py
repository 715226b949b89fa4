"""Autocoding: code every place a text, a pattern or a speaker occurs, in one undoable event."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from qualcode.db.models import Code, Coding, Document, Participant, Segment
from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCoding
from qualcode.domain.passages import sentence_spans
from qualcode.domain.spans import paragraph_spans
from qualcode.domain.words import find_matches, fold_yo, regex_pattern, text_pattern
from qualcode.services.documents import DocumentCodings, add_codings
from qualcode.services.lookup import document_by_ref
from qualcode.services.uow import UnitOfWork

UNITS = ("match", "sentence", "paragraph", "turn")


@dataclass(frozen=True)
class AutocodeHit:
    document: str
    participant: str | None
    start: int
    end: int
    text: str
    already: bool  # this coder had already given the code to exactly this span


@dataclass(frozen=True)
class AutocodeResult:
    code: str
    hits: tuple[AutocodeHit, ...]
    coded: int  # codings added (0 in a dry run)
    documents: int  # documents with a hit
    new_code: bool
    dry_run: bool
    event_id: int | None


def _turns(text: str, meta: dict[str, Any]) -> list[tuple[int, int, str | None]]:
    """Speaker turns: a transcript's recorded turns, else paragraphs ("Name: words" names one)."""
    turns = meta.get("turns") if isinstance(meta, dict) else None
    if turns:
        return [(int(t["start"]), int(t["end"]), t.get("speaker")) for t in turns]
    out = []
    for a, b in paragraph_spans(text):
        head = re.match(r"\s*([^:\n]{1,60}?)\s*:\s", text[a:b])
        out.append((a, b, head.group(1).strip() if head else None))
    return out


def _widen(spans: list[tuple[int, int]], units: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each match widened to the unit(s) it touches; several matches in one unit code it once."""
    out: set[tuple[int, int]] = set()
    for a, b in spans:
        touched = [u for u in units if u[0] < b and a < u[1]]
        if touched:
            out.add((touched[0][0], touched[-1][1]))
        else:  # between units (spaces): the match itself
            out.add((a, b))
    return sorted(out)


def find_hits(
    text: str,
    meta: dict[str, Any],
    *,
    pattern: re.Pattern[str] | None,
    speaker: str | None,
    unit: str,
) -> list[tuple[int, int]]:
    """The spans of one document that autocoding would code (sorted, distinct)."""
    if speaker is not None:
        wanted = fold_yo(speaker.strip()).casefold()
        return sorted(
            {(a, b) for a, b, who in _turns(text, meta) if who and fold_yo(who).casefold() == wanted}
        )
    assert pattern is not None
    matches = find_matches(pattern, text)
    if unit == "match":
        return sorted(set(matches))
    if unit == "sentence":
        units = sentence_spans(text)
    elif unit == "paragraph":
        units = paragraph_spans(text)
    else:
        units = [(a, b) for a, b, _ in _turns(text, meta)]
    return _widen(matches, units)


def autocode(
    uow: UnitOfWork,
    code: str,
    *,
    text: str | None = None,
    regex: str | None = None,
    speaker: str | None = None,
    unit: str = "match",
    whole_word: bool = False,
    documents: Sequence[str] = (),
    dry_run: bool = False,
    allow_new: bool = False,
) -> AutocodeResult:
    """Code every hit of ``text`` (literal), ``regex`` or ``speaker`` (their turns) with ``code``.

    Matching is case-insensitive and treats е and ё as one letter (as search does). ``unit``
    widens each hit to its sentence, paragraph or speaker turn. ``documents`` (ids or titles)
    limits the search. A dry run lists the hits and changes nothing; otherwise every new coding
    goes in as one event (``qualcode undo`` takes them all back). Raises ``QualcodeError`` for a
    bad regular expression, an unknown code (unless ``allow_new``) or document.
    """
    if sum(x is not None for x in (text, regex, speaker)) != 1:
        raise QualcodeError("give exactly one of --text, --regex or --speaker")
    if unit not in UNITS:
        raise QualcodeError(f"--unit must be one of {', '.join(UNITS)}")
    if speaker is not None and not speaker.strip():
        raise QualcodeError("--speaker needs a name")
    pattern = None
    if text is not None:
        pattern = text_pattern(text, whole_word=whole_word)
    elif regex is not None:
        pattern = regex_pattern(regex, whole_word=whole_word)
    s = uow.session
    code = code.strip()
    if not code:
        raise QualcodeError("name the code to apply")
    existing = s.scalar(select(Code.id).where(Code.name == code))
    if existing is None and not allow_new:
        from qualcode.services.lookup import code_by_name

        code_by_name(s, code)  # raises with a did-you-mean
    doc_ids = [document_by_ref(s, d).id for d in documents] if documents else None
    q = select(Document.id, Document.title, Participant.label, Document.text, Document.meta).outerjoin(
        Participant, Participant.id == Document.participant_id
    )
    if doc_ids is not None:
        q = q.where(Document.id.in_(doc_ids))
    coder_id = uow.coder_id()
    had = _coded_spans(uow, code, coder_id, doc_ids)
    hits: list[AutocodeHit] = []
    batch: list[DocumentCodings] = []
    for doc_id, title, label, body, meta in s.execute(q.order_by(Document.id)):
        spans = find_hits(body, meta or {}, pattern=pattern, speaker=speaker, unit=unit)
        if not spans:
            continue
        hits += [AutocodeHit(title, label, a, b, body[a:b], (doc_id, a, b) in had) for a, b in spans]
        fresh = [(a, b) for a, b in spans if (doc_id, a, b) not in had]
        if fresh:
            batch.append(
                DocumentCodings(doc_id, body, [ImportedCoding(a, b, (code,)) for a, b in fresh], source=title)
            )
    documents_hit = len({h.document for h in hits})
    if dry_run or not batch:
        return AutocodeResult(code, tuple(hits), 0, documents_hit, existing is None, dry_run, None)
    touched = [item.document_id for item in batch]
    seg_before = _segment_ids(uow, touched)
    coding_before = _coding_ids(uow, touched)
    added = add_codings(uow, batch, allow_new_codes=allow_new, source="autocode")
    new_segments = sorted(_segment_ids(uow, touched) - seg_before)
    new_codings = sorted(_coding_ids(uow, touched) - coding_before)
    new_code_ids = list(s.scalars(select(Code.id).where(Code.name.in_(added.new_codes))))
    how = (
        f"text {text!r}"
        if text is not None
        else f"regex {regex!r}"
        if regex is not None
        else f"speaker {speaker!r}"
    )
    event = uow.log(
        "coding.autocode",
        f"autocoded {len(new_codings)} excerpt(s) in {len(batch)} document(s) "
        f"with {code!r} ({how}, unit {unit})",
        details={
            "code": code,
            "text": text,
            "regex": regex,
            "speaker": speaker,
            "unit": unit,
            "whole_word": whole_word,
            "codings": len(new_codings),
        },
        changes={"created_ids": {"code": new_code_ids, "segment": new_segments, "coding": new_codings}},
    )
    uow.commit()
    return AutocodeResult(
        code, tuple(hits), len(new_codings), documents_hit, bool(new_code_ids), False, event.id
    )


def _coded_spans(
    uow: UnitOfWork, code: str, coder_id: int, doc_ids: list[int] | None
) -> set[tuple[int, int, int]]:
    """(document, start, end) this coder already gave ``code`` (a merged name gives its survivor)."""
    from qualcode.services.lookup import code_by_name

    found = uow.session.scalar(select(Code.id).where(Code.name == code))
    if found is None:
        return set()
    target = code_by_name(uow.session, code, follow_merges=True).id
    q = (
        select(Segment.document_id, Segment.start, Segment.end)
        .join(Coding, Coding.segment_id == Segment.id)
        .where(Coding.code_id == target, Coding.coder_id == coder_id)
    )
    if doc_ids is not None:
        q = q.where(Segment.document_id.in_(doc_ids))
    return {tuple(r) for r in uow.session.execute(q)}  # type: ignore[misc]


def _segment_ids(uow: UnitOfWork, doc_ids: list[int]) -> set[int]:
    out: set[int] = set()
    for i in range(0, len(doc_ids), 500):
        out.update(
            uow.session.scalars(select(Segment.id).where(Segment.document_id.in_(doc_ids[i : i + 500])))
        )
    return out


def _coding_ids(uow: UnitOfWork, doc_ids: list[int]) -> set[int]:
    out: set[int] = set()
    for i in range(0, len(doc_ids), 500):
        out.update(
            uow.session.scalars(
                select(Coding.id)
                .join(Segment, Segment.id == Coding.segment_id)
                .where(Segment.document_id.in_(doc_ids[i : i + 500]))
            )
        )
    return out
