"""Reports counted from codings: the Appendix-B codebook, the matrix, citations, co-occurrence.

Each returns plain dataclasses (``qualcode.domain.reports``) for the exporters, read through
``qualcode.services.read_models`` so that every number and order agrees with the listings and
the workbench.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from qualcode.db.models import Coding, Document, Participant, Segment, Study
from qualcode.domain.citations import CitationStyle, cite
from qualcode.domain.errors import QualcodeError
from qualcode.domain.reports import (
    Codebook,
    CodebookEntry,
    CodebookSection,
    CooccurrenceRow,
    Matrix,
    ParticipantRow,
    Quote,
)
from qualcode.services import read_models
from qualcode.services.lookup import code_by_name, theme_by_name
from qualcode.services.read_models import CodeNode
from qualcode.services.uow import UnitOfWork


def _quotes(uow: UnitOfWork, codes: list[CodeNode], *, viewer: str | None, blind: bool) -> dict[int, Quote]:
    """The marked example of each code while its segment still carries the code, else its first
    excerpt in ``read_models.excerpts`` order (participant order, document, position)."""
    s = uow.session
    picked = {
        code_id: (segment_id, False)
        for code_id, segment_id in read_models.first_excerpts(
            uow, {c.id for c in codes}, viewer=viewer, blind=blind
        ).items()
    }
    marked = {c.id: c.example_segment_id for c in codes if c.example_segment_id is not None}
    if marked:
        still = set(
            s.execute(
                select(Coding.code_id, Coding.segment_id).where(
                    Coding.code_id.in_(list(marked)), Coding.segment_id.in_(list(marked.values()))
                )
            ).all()
        )
        for code_id, segment_id in marked.items():
            if (code_id, segment_id) in still:
                picked[code_id] = (segment_id, True)
    segment_ids = sorted({sid for sid, _ in picked.values()})
    info: dict[int, tuple[str, str, str | None]] = {}
    for i in range(0, len(segment_ids), 1000):
        for sid, text, title, label in s.execute(
            select(Segment.id, Segment.text, Document.title, Participant.label)
            .join(Document, Document.id == Segment.document_id)
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .where(Segment.id.in_(segment_ids[i : i + 1000]))
        ).all():
            info[sid] = (text, title, label)
    return {
        code_id: Quote(info[sid][0], info[sid][2], info[sid][1], sid, is_marked)
        for code_id, (sid, is_marked) in picked.items()
    }


def study_title(uow: UnitOfWork) -> str:
    return uow.session.scalar(select(Study.title).limit(1)) or "Study"


def codebook(
    uow: UnitOfWork,
    *,
    include_excluded: bool = False,
    min_count: int = 0,
    viewer: str | None = None,
    blind: bool = False,
) -> Codebook:
    """The Appendix-B codebook: per theme in order, its codes with an example quote and a count.

    Read from ``read_models.codebook_tree`` (its ordering rule, its counts): merged codes are
    never shown (their codings belong to the survivor); excluded ones only with
    ``include_excluded``; codes with fewer than ``min_count`` codings are left out; a sub-code
    follows its parent (``CodebookEntry.parent``/``depth``). A theme is kept when it or one of
    its sub-themes has codes.
    """
    tree = read_models.codebook_tree(uow, viewer=viewer, blind=blind)
    shown = {"active", "excluded"} if include_excluded else {"active"}

    def keep(c: CodeNode) -> bool:
        return c.status in shown and c.count >= min_count

    kept = [c for c in tree.codes() if keep(c)]
    examples = _quotes(uow, kept, viewer=viewer, blind=blind)
    names = {c.id: c.name for c in tree.codes()}

    def entries(codes: tuple[CodeNode, ...], theme: str | None) -> tuple[CodebookEntry, ...]:
        return tuple(
            CodebookEntry(
                c.name,
                theme,
                c.description,
                c.status,
                c.count,
                c.participants,
                examples.get(c.id),
                names.get(c.parent_id) if c.parent_id is not None else None,
                c.depth,
            )
            for c in codes
            if keep(c)
        )

    parent_of = {t.id: t.parent_id for t in tree.themes}
    has_codes: set[int] = set()
    for t in tree.themes:
        if any(keep(c) for c in t.codes):
            up: int | None = t.id
            while up is not None and up not in has_codes:
                has_codes.add(up)
                up = parent_of.get(up)
    sections = [
        CodebookSection(t.name, t.depth, entries(t.codes, t.name), t.parent)
        for t in tree.themes
        if t.id in has_codes
    ]
    loose = entries(tree.unthemed, None)
    if loose:
        sections.append(CodebookSection(None, 0, loose))
    return Codebook(study_title(uow), tuple(sections))


def participants_table(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False
) -> list[ParticipantRow]:
    """Appendix A: ``read_models.participants_table``."""
    return read_models.participants_table(uow, viewer=viewer, blind=blind)


def matrix(
    uow: UnitOfWork,
    *,
    by: str = "participant",
    themes: bool = False,
    include_excluded: bool = False,
    viewer: str | None = None,
    blind: bool = False,
    codings: Collection[int] | None = None,
) -> Matrix:
    """Codings per code × column with totals and theme subtotals: ``read_models.code_matrix``
    (``codings``: only these coding ids, a coding query's ``where`` filter)."""
    return read_models.code_matrix(
        uow,
        by=by,
        themes=themes,
        include_excluded=include_excluded,
        viewer=viewer,
        blind=blind,
        codings=codings,
    )


@dataclass(frozen=True)
class Citation:
    subject: str  # a code, a theme, or the codes joined with " + "
    participants: tuple[str, ...]
    text: str


def citations(
    uow: UnitOfWork,
    codes: Sequence[str] = (),
    *,
    theme: str | None = None,
    together: bool = False,
    min_participants: int = 0,
    style: CitationStyle | None = None,
    viewer: str | None = None,
    blind: bool = False,
) -> list[Citation]:
    """``qualcode report cite``: who gave each code (or any code of a theme, sub-themes included).

    The participants come from ``read_models.codebook_tree`` (a code's, a theme's) and are cited
    in ``read_models.participant_order``. ``together`` cites the participants who gave any of
    ``codes`` in one fragment; codes given by fewer than ``min_participants`` participants are
    left out.
    """
    s = uow.session
    style = style or CitationStyle()
    if not codes and not theme:
        raise QualcodeError("name at least one code, or a theme with --theme")
    tree = read_models.codebook_tree(uow, viewer=viewer, blind=blind)
    rank = {label: i for i, (_, label) in enumerate(tree.participants)}
    by_id = {c.id: c for c in tree.codes(merged=True)}

    def cited(subject: str, labels: Iterable[str]) -> Citation:
        ordered = tuple(sorted(set(labels), key=rank.__getitem__))
        return Citation(subject, ordered, cite(ordered, style, key=rank.__getitem__))

    out: list[Citation] = []
    if theme:
        root = tree.theme(theme_by_name(s, theme).name)
        if len(root.participants) >= min_participants:
            out.append(cited(root.name, root.participants))
    found = [by_id[code_by_name(s, name, follow_merges=True).id] for name in codes]
    if together and found:
        who = {p for c in found for p in c.participants}
        if len(who) >= min_participants:
            out.append(cited(" + ".join(c.name for c in found), who))
    else:
        for c in found:
            if len(c.participants) >= min_participants:
                out.append(cited(c.name, c.participants))
    return out


def cooccurrence(
    uow: UnitOfWork, *, min_count: int = 1, include_excluded: bool = False
) -> list[CooccurrenceRow]:
    """Pairs of codes applied to one excerpt or to overlapping excerpts of a document.

    Ordering rule: by count, highest first, then the two names in collation order; each pair's
    names in collation order and its participants in ``read_models.participant_order``.

    ``count`` is the number of (excerpt, excerpt) places where the two codes meet: the same
    excerpt, or two excerpts whose spans overlap. Codings by several coders count once.
    """
    s = uow.session
    key = read_models.text_key(uow)
    shown = {"active", "excluded"} if include_excluded else {"active"}
    names = {
        c.id: c.name for c in read_models.codebook_tree(uow, participants=False).codes() if c.status in shown
    }
    rank = {label: i for i, (_, label) in enumerate(read_models.participant_order(uow, key))}
    rows = s.execute(
        select(Segment.document_id, Segment.id, Segment.start, Segment.end, Coding.code_id)
        .join(Coding, Coding.segment_id == Segment.id)
        .distinct()
    ).all()
    doc_participant = dict(
        s.execute(
            select(Document.id, Participant.label).join(
                Participant, Participant.id == Document.participant_id
            )
        ).all()
    )
    segments: dict[int, dict[int, tuple[int, int, set[int]]]] = defaultdict(dict)
    for doc_id, seg_id, start, end, code_id in rows:
        if code_id not in names:
            continue
        seg = segments[doc_id].get(seg_id)
        if seg is None:
            seg = segments[doc_id][seg_id] = (start, end, set())
        seg[2].add(code_id)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    docs: dict[tuple[int, int], set[int]] = defaultdict(set)

    def meet(a_codes: set[int], b_codes: set[int], doc_id: int, same: bool) -> None:
        for a in a_codes:
            for b in b_codes:
                if a == b or (same and a > b):
                    continue
                key = (a, b) if a < b else (b, a)
                counts[key] += 1
                docs[key].add(doc_id)

    for doc_id, segs in segments.items():
        ordered = sorted(segs.values(), key=lambda t: (t[0], t[1]))
        for i, (_start, end, codes_i) in enumerate(ordered):
            meet(codes_i, codes_i, doc_id, True)
            for j in range(i + 1, len(ordered)):
                start_j, _end_j, codes_j = ordered[j]
                if start_j >= end:
                    break
                meet(codes_i, codes_j, doc_id, False)
    out = []
    for (a, b), count in counts.items():
        if count < min_count:
            continue
        x, y = sorted((names[a], names[b]), key=key)
        who = tuple(
            sorted({doc_participant[d] for d in docs[(a, b)] if d in doc_participant}, key=rank.__getitem__)
        )
        out.append(CooccurrenceRow(x, y, count, len(docs[(a, b)]), who))
    out.sort(key=lambda r: (-r.count, key(r.code_a), key(r.code_b)))
    return out
