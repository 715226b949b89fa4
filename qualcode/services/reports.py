"""Reports counted from codings: the Appendix-B codebook, the matrix, citations, co-occurrence.

Each returns plain dataclasses (``qualcode.domain.reports``) for the exporters. Queries are
set-based (a few GROUP BY and one window query) so that 20,000 codes and 200,000 codings
report in about a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from qualcode.db.models import Code, CodeStatus, Coding, Document, Participant, Segment, Study, Theme
from qualcode.domain.citations import CitationStyle, cite
from qualcode.domain.errors import QualcodeError
from qualcode.domain.labels import natural_key
from qualcode.domain.reports import (
    Codebook,
    CodebookEntry,
    CodebookSection,
    CooccurrenceRow,
    Matrix,
    MatrixRow,
    ParticipantRow,
    Quote,
)
from qualcode.services.codes import code_counts, participant_ids_by_code, participants_in_order
from qualcode.services.lookup import code_by_name, theme_by_name
from qualcode.services.uow import UnitOfWork

NO_PARTICIPANT = "(no participant)"
NO_VALUE = "(none)"
_LAST = 2**31 - 1


@dataclass(frozen=True)
class _Theme:
    id: int
    name: str
    parent_id: int | None
    depth: int


def _themes_in_order(uow: UnitOfWork) -> list[_Theme]:
    rows = uow.session.execute(select(Theme.id, Theme.name, Theme.parent_id, Theme.position)).all()
    children: dict[int | None, list[tuple[int, str, int | None, int]]] = defaultdict(list)
    for row in rows:
        children[row[2]].append(tuple(row))  # type: ignore[arg-type]
    out: list[_Theme] = []

    def walk(parent: int | None, depth: int) -> None:
        for tid, name, pid, _pos in sorted(children.get(parent, []), key=lambda t: (t[3], t[0])):
            out.append(_Theme(tid, name, pid, depth))
            walk(tid, depth + 1)

    walk(None, 0)
    return out


def _statuses(include_excluded: bool) -> list[CodeStatus]:
    return [CodeStatus.ACTIVE, CodeStatus.EXCLUDED] if include_excluded else [CodeStatus.ACTIVE]


@dataclass(frozen=True)
class _Code:
    id: int
    name: str
    description: str
    status: str
    theme_id: int | None
    position: int
    example_segment_id: int | None


def _codes(uow: UnitOfWork, include_excluded: bool) -> list[_Code]:
    rows = uow.session.execute(
        select(
            Code.id,
            Code.name,
            Code.description,
            Code.status,
            Code.theme_id,
            Code.position,
            Code.example_segment_id,
        ).where(Code.status.in_(_statuses(include_excluded)))
    ).all()
    return [_Code(r[0], r[1], r[2], CodeStatus(r[3]).value, r[4], r[5], r[6]) for r in rows]


def _ordered_sections(uow: UnitOfWork, codes: list[_Code]) -> list[tuple[_Theme | None, list[_Code]]]:
    """Themes depth-first with their codes (by position), then codes without a theme (by name)."""
    by_theme: dict[int | None, list[_Code]] = defaultdict(list)
    for c in codes:
        by_theme[c.theme_id].append(c)
    out: list[tuple[_Theme | None, list[_Code]]] = []
    for theme in _themes_in_order(uow):
        out.append((theme, sorted(by_theme.pop(theme.id, []), key=lambda c: (c.position, c.id))))
    loose = [c for tid, cs in by_theme.items() for c in cs]  # no theme (or a theme since removed)
    if loose:
        out.append((None, sorted(loose, key=lambda c: natural_key(c.name))))
    return out


def _participant_labels(uow: UnitOfWork) -> dict[int, str]:
    return dict(uow.session.execute(select(Participant.id, Participant.label)).all())


def _examples(uow: UnitOfWork, codes: list[_Code]) -> dict[int, Quote]:
    """The marked example of each code, else the first coded excerpt in participant order."""
    s = uow.session
    wanted = {c.id for c in codes}
    ranked = (
        select(
            Coding.code_id.label("code_id"),
            Segment.id.label("segment_id"),
            func.row_number()
            .over(
                partition_by=Coding.code_id,
                order_by=(
                    func.coalesce(Participant.position, _LAST),
                    func.coalesce(Participant.label, ""),
                    Document.title,
                    Segment.start,
                    Segment.end,
                    Segment.id,
                ),
            )
            .label("rank"),
        )
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .subquery()
    )
    picked: dict[int, tuple[int, bool]] = {}
    for code_id, segment_id in s.execute(
        select(ranked.c.code_id, ranked.c.segment_id).where(ranked.c.rank == 1)
    ).all():
        if code_id in wanted:
            picked[code_id] = (segment_id, False)
    # A marked example counts only while its segment still carries the code.
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


def codebook(uow: UnitOfWork, *, include_excluded: bool = False, min_count: int = 0) -> Codebook:
    """The Appendix-B codebook: per theme in order, its codes with an example quote and a count.

    Merged codes are never shown (their codings belong to the survivor); excluded ones only
    with ``include_excluded``; codes with fewer than ``min_count`` codings are left out.
    """
    codes = _codes(uow, include_excluded)
    counts = code_counts(uow)
    codes = [c for c in codes if counts.get(c.id, 0) >= min_count]
    people = participant_ids_by_code(uow)
    labels = _participant_labels(uow)
    examples = _examples(uow, codes)
    theme_names = dict(uow.session.execute(select(Theme.id, Theme.name)).all())
    raw = _ordered_sections(uow, codes)
    # Keep a theme when it or one of its sub-themes has codes.
    has_codes: set[int] = set()
    parents = {t.id: t.parent_id for t, _ in raw if t is not None}
    for theme, members in raw:
        if theme is not None and members:
            tid: int | None = theme.id
            while tid is not None and tid not in has_codes:
                has_codes.add(tid)
                tid = parents.get(tid)
    sections = []
    for theme, members in raw:
        if theme is not None and theme.id not in has_codes:
            continue
        entries = tuple(
            CodebookEntry(
                c.name,
                theme.name if theme else None,
                c.description,
                c.status,
                counts.get(c.id, 0),
                tuple(sorted((labels[p] for p in people.get(c.id, ())), key=natural_key)),
                examples.get(c.id),
            )
            for c in members
        )
        sections.append(
            CodebookSection(
                theme.name if theme else None,
                theme.depth if theme else 0,
                entries,
                theme_names.get(theme.parent_id) if theme and theme.parent_id else None,
            )
        )
    return Codebook(study_title(uow), tuple(sections))


def participants_table(uow: UnitOfWork) -> list[ParticipantRow]:
    """Appendix A: every participant (natural order) with attributes, documents and codings."""
    s = uow.session
    docs: dict[int | None, int] = {
        pid: n
        for pid, n in s.execute(
            select(Document.participant_id, func.count(Document.id)).group_by(Document.participant_id)
        ).all()
    }
    codings: dict[int | None, int] = {
        pid: n
        for pid, n in s.execute(
            select(Document.participant_id, func.count(Coding.id))
            .join(Segment, Segment.document_id == Document.id)
            .join(Coding, Coding.segment_id == Segment.id)
            .group_by(Document.participant_id)
        ).all()
    }
    rows = s.execute(select(Participant.id, Participant.label, Participant.attributes)).all()
    out = [
        ParticipantRow(label, dict(attrs or {}), docs.get(i, 0), codings.get(i, 0))
        for i, label, attrs in rows
    ]
    return sorted(out, key=lambda p: natural_key(p.label))


def _columns(uow: UnitOfWork, by: str) -> tuple[list[str], dict[int, int]]:
    """The matrix columns and, per document id, the index of its column."""
    s = uow.session
    docs = s.execute(
        select(
            Document.id, Document.title, Document.participant_id, Participant.label, Participant.attributes
        ).outerjoin(Participant, Participant.id == Document.participant_id)
    ).all()
    if by == "participant":
        columns = [label for _, label in participants_in_order(uow)]
        if any(d[2] is None for d in docs):
            columns.append(NO_PARTICIPANT)
        index = {c: i for i, c in enumerate(columns)}
        return columns, {d[0]: index[d[3] if d[3] is not None else NO_PARTICIPANT] for d in docs}
    if by == "document":
        ordered = sorted(docs, key=lambda d: (natural_key(d[3] or "\uffff"), natural_key(d[1])))
        columns = [d[1] for d in ordered]
        return columns, {d[0]: i for i, d in enumerate(ordered)}
    if by.startswith("attribute:") and by[len("attribute:") :].strip():
        key = by[len("attribute:") :].strip()
        values: dict[int, str] = {}
        for d in docs:
            value = (d[4] or {}).get(key) if d[2] is not None else None
            values[d[0]] = NO_VALUE if value in (None, "") else str(value)
        known = {k for attrs in s.scalars(select(Participant.attributes)) for k in (attrs or {})}
        if key not in known:
            hint = f"; participants have: {', '.join(sorted(known))}" if known else ""
            raise QualcodeError(f"no participant has the attribute {key!r}{hint}")
        columns = sorted(set(values.values()) - {NO_VALUE}, key=natural_key)
        if NO_VALUE in values.values():
            columns.append(NO_VALUE)
        index = {c: i for i, c in enumerate(columns)}
        return columns, {doc_id: index[v] for doc_id, v in values.items()}
    raise QualcodeError(f"--by takes participant, document or attribute:KEY, not {by!r}")


def matrix(
    uow: UnitOfWork, *, by: str = "participant", themes: bool = False, include_excluded: bool = False
) -> Matrix:
    """Codings per code × column with row and column totals, distinct participants per row,
    and (``themes``) a subtotal row before each theme's codes (a theme's subtotal includes its
    sub-themes)."""
    s = uow.session
    columns, column_of = _columns(uow, by)
    n = len(columns)
    codes = _codes(uow, include_excluded)
    wanted = {c.id for c in codes}
    # Sparse: code id -> {column index: codings}; most cells of a large matrix are zero.
    cells: dict[int, dict[int, int]] = defaultdict(dict)
    for code_id, doc_id, count in s.execute(
        select(Coding.code_id, Segment.document_id, func.count(Coding.id))
        .join(Segment, Segment.id == Coding.segment_id)
        .group_by(Coding.code_id, Segment.document_id)
    ).all():
        if code_id in wanted:
            row = cells[code_id]
            col = column_of[doc_id]
            row[col] = row.get(col, 0) + count
    people = participant_ids_by_code(uow)
    sections = _ordered_sections(uow, codes)
    parents = {t.id: t.parent_id for t, _ in sections if t is not None}

    def add(into: dict[int, int], row: dict[int, int]) -> None:
        for i, v in row.items():
            into[i] = into.get(i, 0) + v

    def sparse(row: dict[int, int]) -> tuple[tuple[int, int], ...]:
        return tuple(sorted(row.items()))

    # Sums per theme including its sub-themes.
    theme_sum: dict[int, dict[int, int]] = defaultdict(dict)
    theme_people: dict[int, set[int]] = defaultdict(set)
    for theme, members in sections:
        if theme is None:
            continue
        for c in members:
            up: int | None = theme.id
            while up is not None:
                add(theme_sum[up], cells.get(c.id, {}))
                theme_people[up] |= people.get(c.id, set())
                up = parents.get(up)
    rows: list[MatrixRow] = []
    grand: dict[int, int] = {}
    everyone: set[int] = set()
    for theme, members in sections:
        if themes and theme is not None and (members or theme_sum.get(theme.id)):
            sub = theme_sum.get(theme.id, {})
            rows.append(
                MatrixRow(
                    "subtotal",
                    theme.name,
                    theme.name,
                    theme.depth,
                    sparse(sub),
                    n,
                    sum(sub.values()),
                    len(theme_people.get(theme.id, ())),
                )
            )
        for c in members:
            row = cells.get(c.id, {})
            add(grand, row)
            who = people.get(c.id, set())
            everyone |= who
            rows.append(
                MatrixRow(
                    "code",
                    c.name,
                    theme.name if theme else None,
                    theme.depth + 1 if theme else 0,
                    sparse(row),
                    n,
                    sum(row.values()),
                    len(who),
                )
            )
    rows.append(MatrixRow("total", "Total", None, 0, sparse(grand), n, sum(grand.values()), len(everyone)))

    def dense(row: dict[int, int]) -> tuple[int, ...]:
        out = [0] * n
        for i, v in row.items():
            out[i] = v
        return tuple(out)

    chart: list[tuple[str, tuple[int, ...]]] = []
    for theme, _members in sections:
        if theme is not None and theme.parent_id is None and theme.id in theme_sum:
            chart.append((theme.name, dense(theme_sum[theme.id])))
    loose: dict[int, int] = {}
    for t, cs in sections:
        if t is None:
            for c in cs:
                add(loose, cells.get(c.id, {}))
    if any(t is None and cs for t, cs in sections):
        chart.append(("(no theme)", dense(loose)))
    return Matrix(by, tuple(columns), tuple(rows), tuple(chart))


@dataclass(frozen=True)
class Citation:
    subject: str  # a code, a theme, or the codes joined with " + "
    participants: tuple[str, ...]
    text: str


def _cited(subject: str, labels: Iterable[str], style: CitationStyle) -> Citation:
    ordered = tuple(sorted(set(labels), key=natural_key))
    return Citation(subject, ordered, cite(ordered, style))


def citations(
    uow: UnitOfWork,
    codes: Sequence[str] = (),
    *,
    theme: str | None = None,
    together: bool = False,
    min_participants: int = 0,
    style: CitationStyle | None = None,
) -> list[Citation]:
    """``qualcode report cite``: who gave each code (or any code of a theme, sub-themes included).

    ``together`` cites the participants who gave any of ``codes`` in one fragment; codes given
    by fewer than ``min_participants`` participants are left out.
    """
    s = uow.session
    style = style or CitationStyle()
    if not codes and not theme:
        raise QualcodeError("name at least one code, or a theme with --theme")
    people = participant_ids_by_code(uow)
    labels = _participant_labels(uow)
    out: list[Citation] = []
    if theme:
        root = theme_by_name(s, theme)
        ids = {root.id}
        rows = s.execute(select(Theme.id, Theme.parent_id)).all()
        grew = True
        while grew:
            grew = False
            for tid, pid in rows:
                if pid in ids and tid not in ids:
                    ids.add(tid)
                    grew = True
        members = s.scalars(
            select(Code.id).where(Code.theme_id.in_(ids), Code.status == CodeStatus.ACTIVE)
        ).all()
        who = {labels[p] for cid in members for p in people.get(cid, ())}
        if len(who) >= min_participants:
            out.append(_cited(root.name, who, style))
    found = [code_by_name(s, name, follow_merges=True) for name in codes]
    if together and found:
        who = {labels[p] for c in found for p in people.get(c.id, ())}
        if len(who) >= min_participants:
            out.append(_cited(" + ".join(c.name for c in found), who, style))
    else:
        for c in found:
            who = {labels[p] for p in people.get(c.id, ())}
            if len(who) >= min_participants:
                out.append(_cited(c.name, who, style))
    return out


def cooccurrence(
    uow: UnitOfWork, *, min_count: int = 1, include_excluded: bool = False
) -> list[CooccurrenceRow]:
    """Pairs of codes applied to one excerpt or to overlapping excerpts of a document.

    ``count`` is the number of (excerpt, excerpt) places where the two codes meet: the same
    excerpt, or two excerpts whose spans overlap. Codings by several coders count once.
    """
    s = uow.session
    names = {c.id: c.name for c in _codes(uow, include_excluded)}
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
        x, y = sorted((names[a], names[b]), key=natural_key)
        who = tuple(
            sorted({doc_participant[d] for d in docs[(a, b)] if d in doc_participant}, key=natural_key)
        )
        out.append(CooccurrenceRow(x, y, count, len(docs[(a, b)]), who))
    out.sort(key=lambda r: (-r.count, natural_key(r.code_a), natural_key(r.code_b)))
    return out
