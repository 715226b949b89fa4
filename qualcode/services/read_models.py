"""The read models: one function per concept that every listing, report, exporter and screen reads.

A number that appears in two places comes from one function here, so it cannot disagree:

- ``participant_order`` / ``participants_table`` — the participants (Appendix A, ``participants
  list``, the matrix columns, every participant list inside a code or a citation);
- ``documents_table`` — the documents with their participant and codings (``documents list``, the
  workbench's documents screen);
- ``codebook_tree`` — themes, sub-themes, codes and sub-codes in order, with counts and the
  participants behind each (``codes list``, ``themes list``, the codebook exports, the workbench's
  codebook);
- ``code_matrix`` — codings per code × participant (or document, or attribute value), with theme
  subtotals and a column window (``report matrix``, ``export matrix``, the workbench's matrix);
- ``excerpts`` — the coded excerpts, one row per coding (``segments``, the example quotes).

Every function takes the viewing coder and a blind flag: under blinded double coding
(``blind=True``) every count, participant set and excerpt comes from ``viewer``'s own codings only.

Text is ordered by ICU collation in the study's language (``study_language``): Kazakh order when
the study holds Cyrillic and no language is set, which orders Russian correctly too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Document, Participant, Segment, Study, Theme
from qualcode.domain.coders import coder_key
from qualcode.domain.collation import SortKey, collation_key, default_language
from qualcode.domain.cues import cue_times
from qualcode.domain.errors import QualcodeError
from qualcode.domain.reports import Matrix, MatrixRow, ParticipantRow
from qualcode.services.documents import DocumentInfo
from qualcode.services.lookup import code_by_name, document_by_ref, participant_by_label
from qualcode.services.uow import UnitOfWork

NO_PARTICIPANT = "(no participant)"
NO_VALUE = "(none)"
NO_THEME = "(no theme)"


# --- the viewer and the language ------------------------------------------------------------


def viewing_only(viewer: str | None, blind: bool) -> str | None:
    """Whose codings alone a read shows: ``viewer`` under ``blind``, else everyone's (None).

    Raises QualcodeError when ``blind`` is asked without a viewer (a blind read must never fall
    back to everyone's codings).
    """
    if not blind:
        return None
    name = (viewer or "").strip()
    if not name:
        raise QualcodeError("blinded coding needs your coder name: use --coder NAME or QUALCODE_CODER")
    return name


def _only(q: Any, only: str | None) -> Any:
    """Keep only ``only``'s codings in a query over Coding (no-op for None)."""
    if only is None:
        return q
    return q.where(Coding.coder_id.in_(select(Coder.id).where(Coder.key == coder_key(only))))


def study_language(uow: UnitOfWork) -> str:
    """The ICU locale the study's text is sorted in: the study's setting (``qualcode language``)
    when it has one, else Kazakh ("kk") when any code, theme, participant or document title is
    Cyrillic, else root."""
    s = uow.session
    chosen = s.scalar(select(Study.language).limit(1))
    if chosen:
        return str(chosen)

    def names() -> Iterator[str | None]:
        for column in (Participant.label, Theme.name, Document.title, Code.name):
            yield from s.scalars(select(column))

    return default_language(names())


def text_key(uow: UnitOfWork) -> SortKey:
    """The sort key for this study's text (see ``study_language``)."""
    return collation_key(study_language(uow))


# --- participants and documents -------------------------------------------------------------


def participant_order(uow: UnitOfWork, key: SortKey | None = None) -> list[tuple[int, str]]:
    """(participant id, label) in the one participant order of every listing and export.

    Ordering rule: labels by ICU collation in the study's language with numbers compared by
    value ("Expert A", "Expert B" …, "P2" before "P10"); equal labels cannot occur (labels are
    unique), ties of collation (only case differs) by id.
    """
    key = key or text_key(uow)
    rows = uow.session.execute(select(Participant.id, Participant.label)).all()
    return sorted(((i, label) for i, label in rows), key=lambda r: (key(r[1]), r[0]))


def participants_table(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False
) -> list[ParticipantRow]:
    """Appendix A and ``participants list``: every participant with attributes, documents and
    codings of active codes (excluded codes' codings are left out, as in the matrix; the
    viewer's codings only under ``blind``).

    Ordering rule: ``participant_order``.
    """
    only = viewing_only(viewer, blind)
    s = uow.session
    docs: dict[int | None, int] = dict(
        s.execute(  # type: ignore[arg-type]
            select(Document.participant_id, func.count(Document.id)).group_by(Document.participant_id)
        ).all()
    )
    codings: dict[int | None, int] = dict(
        s.execute(  # type: ignore[arg-type]
            _only(
                select(Document.participant_id, func.count(Coding.id))
                .join(Segment, Segment.document_id == Document.id)
                .join(Coding, Coding.segment_id == Segment.id)
                .join(Code, Code.id == Coding.code_id)
                .where(Code.status == CodeStatus.ACTIVE)  # as the matrix and the codebook count
                .group_by(Document.participant_id),
                only,
            )
        ).all()
    )
    attrs: dict[int, dict[str, Any]] = dict(s.execute(select(Participant.id, Participant.attributes)).all())  # type: ignore[arg-type]
    return [
        ParticipantRow(label, dict(attrs.get(pid) or {}), docs.get(pid, 0), codings.get(pid, 0))
        for pid, label in participant_order(uow)
    ]


def documents_table(uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False) -> list[DocumentInfo]:
    """``documents list`` and the workbench's documents screen: every document with its
    participant, length and codings (the viewer's only under ``blind``).

    Ordering rule: by participant in ``participant_order`` (documents of no participant last),
    then by title in collation order, then by id.
    """
    only = viewing_only(viewer, blind)
    key = text_key(uow)
    rank = {pid: i for i, (pid, _) in enumerate(participant_order(uow, key))}
    codings: dict[int, int] = dict(
        uow.session.execute(  # type: ignore[arg-type]
            _only(
                select(Segment.document_id, func.count(Coding.id))
                .join(Coding, Coding.segment_id == Segment.id)
                .join(Code, Code.id == Coding.code_id)
                .where(Code.status == CodeStatus.ACTIVE)  # as the matrix and the codebook count
                .group_by(Segment.document_id),
                only,
            )
        ).all()
    )
    rows = uow.session.execute(
        select(
            Document.id,
            Document.title,
            Document.participant_id,
            Participant.label,
            func.length(Document.text),
        ).outerjoin(Participant, Participant.id == Document.participant_id)
    ).all()
    last = len(rank)
    rows = sorted(rows, key=lambda r: (rank.get(r[2], last) if r[2] is not None else last, key(r[1]), r[0]))
    return [DocumentInfo(i, title, label, n or 0, codings.get(i, 0)) for i, title, _pid, label, n in rows]


# --- the codebook tree ----------------------------------------------------------------------


@dataclass(frozen=True)
class CodeNode:
    """One code in the tree. ``count`` is this code's own codings (sub-codes count their own);
    ``participants`` are the labels whose documents carry it, in participant order."""

    id: int
    name: str
    status: str  # "active", "excluded" or "merged"
    description: str
    colour: str
    theme_id: int | None
    theme: str | None
    parent_id: int | None  # the code this sub-code sits under
    depth: int  # 0 a code, 1 its sub-code, 2 a sub-code's sub-code …
    position: int
    count: int
    participants: tuple[str, ...]
    merged_into: str | None
    exclusion_reason: str
    example_segment_id: int | None
    participant_ids: frozenset[int] = field(default=frozenset(), repr=False, compare=False)


@dataclass(frozen=True)
class ThemeNode:
    """One theme or sub-theme. ``codes`` are its own codes, each followed by its sub-codes
    (active and excluded, in order). ``codings`` counts the active codings of this theme, its
    sub-themes and all their codes and sub-codes; ``participants`` are the people behind them."""

    id: int
    name: str
    description: str
    parent_id: int | None
    parent: str | None
    depth: int  # 0 a theme, 1 a sub-theme …
    position: int
    codes: tuple[CodeNode, ...]
    codings: int
    participants: tuple[str, ...]


@dataclass(frozen=True)
class CodebookTree:
    """The whole codebook: themes depth-first, then codes in no theme, then merged codes."""

    language: str
    themes: tuple[ThemeNode, ...]
    unthemed: tuple[CodeNode, ...]  # active and excluded codes in no theme
    merged: tuple[CodeNode, ...]
    participants: tuple[tuple[int, str], ...]  # participant_order

    def codes(self, *, excluded: bool = True, merged: bool = False) -> list[CodeNode]:
        """Every code in codebook order (theme by theme, sub-codes after their parent)."""
        out = [c for t in self.themes for c in t.codes] + list(self.unthemed)
        if not excluded:
            out = [c for c in out if c.status != CodeStatus.EXCLUDED.value]
        if merged:
            out += list(self.merged)
        return out

    def theme(self, name: str) -> ThemeNode:
        for t in self.themes:
            if t.name == name:
                return t
        raise KeyError(name)


def _parent_ids(uow: UnitOfWork) -> dict[int, int]:
    """Sub-code id → its parent code id."""
    rows = uow.session.execute(select(Code.id, Code.parent_id).where(Code.parent_id.is_not(None)))
    return {i: p for i, p in rows if p is not None}


def code_counts(uow: UnitOfWork, *, only: str | None = None) -> dict[int, int]:
    """Codings per code id (``only``'s alone when given)."""
    q = select(Coding.code_id, func.count(Coding.id)).group_by(Coding.code_id)
    return dict(uow.session.execute(_only(q, only)).all())  # type: ignore[arg-type]


def participant_ids_by_code(uow: UnitOfWork, *, only: str | None = None) -> dict[int, set[int]]:
    """The participants (ids) whose documents carry each code (``only``'s codings when given).

    Distinct (document, code) pairs first, read from the segment side, then documents map to
    participants in Python: one join fewer than going through participants.
    """
    s = uow.session
    owner = dict(
        s.execute(
            select(Document.id, Document.participant_id).where(Document.participant_id.is_not(None))
        ).all()
    )
    q = (
        select(Segment.document_id, Coding.code_id)
        .select_from(Segment)
        .join(Coding, Coding.segment_id == Segment.id)
        .distinct()
    )
    found: dict[int, set[int]] = defaultdict(set)
    for document_id, code_id in s.execute(_only(q, only)).all():
        participant_id = owner.get(document_id)
        if participant_id is not None:
            found[code_id].add(participant_id)
    return found


def codebook_tree(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False, participants: bool = True
) -> CodebookTree:
    """Themes, sub-themes, codes and sub-codes with their counts and participants.

    Ordering rule (one for every front end): themes depth-first — a theme, then its sub-themes,
    then the next theme — siblings by position, then name in collation order, then id; inside a
    theme its codes by position, then name in collation order, then id, each code followed at
    once by its sub-codes in the same order; then codes in no theme by name in collation order,
    then id; then merged codes likewise. A sub-code sits under its parent whatever theme it
    names itself. Counts are codings (the viewer's only under ``blind``); a theme's ``codings``
    include its sub-themes' and its sub-codes', active codes only. ``participants=False`` skips
    the per-code participants (a pass over every coding) for screens that show them later.
    """
    only = viewing_only(viewer, blind)
    s = uow.session
    key = text_key(uow)
    people_order = participant_order(uow, key)
    rank = {pid: i for i, (pid, _) in enumerate(people_order)}
    label_of = dict(people_order)
    counts = code_counts(uow, only=only)
    people = participant_ids_by_code(uow, only=only) if participants else {}
    parents = _parent_ids(uow)

    theme_rows = s.execute(
        select(Theme.id, Theme.name, Theme.description, Theme.parent_id, Theme.position)
    ).all()
    theme_name = {t[0]: t[1] for t in theme_rows}
    code_rows = s.execute(
        select(
            Code.id,
            Code.name,
            Code.status,
            Code.description,
            Code.colour,
            Code.theme_id,
            Code.position,
            Code.merged_into_id,
            Code.exclusion_reason,
            Code.example_segment_id,
        )
    ).all()
    code_name = {c[0]: c[1] for c in code_rows}
    status_of = {c[0]: CodeStatus(c[2]).value for c in code_rows}
    # A sub-code hangs under its parent while the parent is listed (not merged away).
    children: dict[int, list[Any]] = defaultdict(list)
    roots: dict[int | None, list[Any]] = defaultdict(list)
    merged_rows = []
    for row in code_rows:
        if status_of[row[0]] == CodeStatus.MERGED.value:
            merged_rows.append(row)
            continue
        parent = parents.get(row[0])
        if parent is not None and parent in status_of and status_of[parent] != CodeStatus.MERGED.value:
            children[parent].append(row)
        else:
            roots[row[5] if row[5] in theme_name else None].append(row)

    def in_theme_order(rows: list[Any]) -> list[Any]:
        return sorted(rows, key=lambda r: (r[6], key(r[1]), r[0]))

    def by_name(rows: list[Any]) -> list[Any]:
        return sorted(rows, key=lambda r: (key(r[1]), r[0]))

    def node(row: Any, theme_id: int | None, depth: int) -> CodeNode:
        who = people.get(row[0], set())
        return CodeNode(
            id=row[0],
            name=row[1],
            status=status_of[row[0]],
            description=row[3] or "",
            colour=row[4] or "",
            theme_id=theme_id,
            theme=theme_name.get(theme_id) if theme_id is not None else None,
            parent_id=parents.get(row[0]) if depth else None,
            depth=depth,
            position=row[6],
            count=counts.get(row[0], 0),
            participants=tuple(label_of[p] for p in sorted(who, key=rank.__getitem__)),
            merged_into=code_name.get(row[7]) if row[7] else None,
            exclusion_reason=row[8] or "",
            example_segment_id=row[9],
            participant_ids=frozenset(who),
        )

    seen: set[int] = set()

    def walk_codes(rows: list[Any], theme_id: int | None, depth: int, ordered: bool) -> list[CodeNode]:
        out: list[CodeNode] = []
        for row in in_theme_order(rows) if ordered else by_name(rows):
            if row[0] in seen:  # a cycle in parent links: show each code once
                continue
            seen.add(row[0])
            out.append(node(row, theme_id, depth))
            out += walk_codes(children.get(row[0], []), theme_id, depth + 1, ordered)
        return out

    sub_themes: dict[int | None, list[Any]] = defaultdict(list)
    for t in theme_rows:
        sub_themes[t[3] if t[3] in theme_name else None].append(t)
    flat: list[tuple[Any, int, list[CodeNode]]] = []
    visited: set[int] = set()

    def walk_themes(parent: int | None, depth: int) -> None:
        for t in sorted(sub_themes.get(parent, []), key=lambda t: (t[4], key(t[1]), t[0])):
            if t[0] in visited:
                continue
            visited.add(t[0])
            flat.append((t, depth, walk_codes(roots.get(t[0], []), t[0], 0, True)))
            walk_themes(t[0], depth + 1)

    walk_themes(None, 0)
    # Sums per theme including its sub-themes (active codes only).
    theme_parent = {t[0]: t[3] for t in theme_rows}
    sums: dict[int, int] = defaultdict(int)
    behind: dict[int, set[int]] = defaultdict(set)
    for t, _depth, nodes in flat:
        for c in nodes:
            if c.status != CodeStatus.ACTIVE.value:
                continue
            up: int | None = t[0]
            hops = 0
            while up is not None and hops <= len(theme_rows):
                sums[up] += c.count
                behind[up] |= c.participant_ids
                up = theme_parent.get(up)
                hops += 1
    themes = tuple(
        ThemeNode(
            id=t[0],
            name=t[1],
            description=t[2] or "",
            parent_id=t[3],
            parent=theme_name.get(t[3]) if t[3] else None,
            depth=depth,
            position=t[4],
            codes=tuple(nodes),
            codings=sums.get(t[0], 0),
            participants=tuple(label_of[p] for p in sorted(behind.get(t[0], ()), key=rank.__getitem__)),
        )
        for t, depth, nodes in flat
    )
    unthemed = walk_codes(roots.get(None, []), None, 0, False)
    # Sub-codes whose parent chain loops never reached a root: list them in no theme.
    stray = [r for rows in children.values() for r in rows if r[0] not in seen]
    unthemed += walk_codes(stray, None, 0, False)
    merged = [node(r, r[5] if r[5] in theme_name else None, 0) for r in by_name(merged_rows)]
    return CodebookTree(study_language(uow), themes, tuple(unthemed), tuple(merged), tuple(people_order))


# --- the matrix -----------------------------------------------------------------------------


def _columns(
    uow: UnitOfWork, by: str, key: SortKey, people: list[tuple[int, str]]
) -> tuple[list[str], dict[int, int]]:
    """The matrix columns and, per document id, the index of its column."""
    s = uow.session
    docs = s.execute(
        select(
            Document.id, Document.title, Document.participant_id, Participant.label, Participant.attributes
        ).outerjoin(Participant, Participant.id == Document.participant_id)
    ).all()
    if by == "participant":
        columns = [label for _, label in people]
        if any(d[2] is None for d in docs):
            columns.append(NO_PARTICIPANT)
        index = {c: i for i, c in enumerate(columns)}
        return columns, {d[0]: index[d[3] if d[3] is not None else NO_PARTICIPANT] for d in docs}
    if by == "document":
        rank = {pid: i for i, (pid, _) in enumerate(people)}
        last = len(rank)
        ordered = sorted(docs, key=lambda d: (rank.get(d[2], last), key(d[1]), d[0]))
        return [d[1] for d in ordered], {d[0]: i for i, d in enumerate(ordered)}
    if by.startswith("attribute:") and by[len("attribute:") :].strip():
        attribute = by[len("attribute:") :].strip()
        values: dict[int, str] = {}
        for d in docs:
            value = (d[4] or {}).get(attribute) if d[2] is not None else None
            values[d[0]] = NO_VALUE if value in (None, "") else str(value)
        known = {k for attrs in s.scalars(select(Participant.attributes)) for k in (attrs or {})}
        if attribute not in known:
            hint = f"; participants have: {', '.join(sorted(known, key=key))}" if known else ""
            raise QualcodeError(f"no participant has the attribute {attribute!r}{hint}")
        columns = sorted(set(values.values()) - {NO_VALUE}, key=key)
        if NO_VALUE in values.values():
            columns.append(NO_VALUE)
        index = {c: i for i, c in enumerate(columns)}
        return columns, {doc_id: index[v] for doc_id, v in values.items()}
    raise QualcodeError(f"--by takes participant, document or attribute:KEY, not {by!r}")


def code_matrix(
    uow: UnitOfWork,
    *,
    by: str = "participant",
    themes: bool = True,
    include_excluded: bool = False,
    first_column: int = 0,
    max_columns: int | None = None,
    viewer: str | None = None,
    blind: bool = False,
    codings: Collection[int] | None = None,
) -> Matrix:
    """Codings per code × column (participant, document or ``attribute:KEY`` value).

    ``codings``: count only these coding ids (a coding query's ``where`` filter, from
    ``services.query.filtered_coding_ids``); a row's participants are then those of its kept
    codings.

    Rows follow ``codebook_tree``'s order exactly; with ``themes`` a subtotal row heads each
    theme (and sub-theme) whose codes or sub-themes have rows, and a theme's subtotal includes
    its sub-themes' codes and every sub-code — the same number as the theme's ``codings`` in
    the tree. Columns: ``participant_order`` (then "(no participant)"), documents in
    ``documents_table`` order, or attribute values in collation order (then "(none)"). The last
    row is the total. ``first_column``/``max_columns`` keep a window of the columns (the
    workbench shows a few dozen at a time); a row's ``total`` and ``participants`` always count
    every column. Counts are the viewer's only under ``blind``.
    """
    only = viewing_only(viewer, blind)
    s = uow.session
    key = text_key(uow)
    people = participant_order(uow, key)
    columns, column_of = _columns(uow, by, key, people)
    tree = codebook_tree(uow, viewer=viewer, blind=blind)
    shown = {CodeStatus.ACTIVE.value, CodeStatus.EXCLUDED.value} if include_excluded else {"active"}
    cells: dict[int, dict[int, int]] = defaultdict(dict)
    counted: list[Any] = []
    kept_people: dict[int, set[int]] = defaultdict(set)
    if codings is None:
        counted = list(
            s.execute(
                _only(
                    select(Coding.code_id, Segment.document_id, func.count(Coding.id))
                    .join(Segment, Segment.id == Coding.segment_id)
                    .group_by(Coding.code_id, Segment.document_id),
                    only,
                )
            ).all()
        )
    else:
        keep = set(codings)
        pairs: dict[tuple[int, int], int] = defaultdict(int)
        for coding_id, code_id, doc_id in s.execute(
            _only(
                select(Coding.id, Coding.code_id, Segment.document_id).join(
                    Segment, Segment.id == Coding.segment_id
                ),
                only,
            )
        ):
            if coding_id in keep:
                pairs[(code_id, doc_id)] += 1
        counted = [(code_id, doc_id, n) for (code_id, doc_id), n in pairs.items()]
        owner = dict(s.execute(select(Document.id, Document.participant_id)).all())
        for code_id, doc_id in pairs:
            pid = owner.get(doc_id)
            if pid is not None:
                kept_people[code_id].add(pid)

    def people_of(c: CodeNode) -> set[int] | frozenset[int]:
        return c.participant_ids if codings is None else kept_people.get(c.id, set())

    for code_id, doc_id, count in counted:
        row = cells[code_id]
        col = column_of[doc_id]
        row[col] = row.get(col, 0) + count

    lo = max(first_column, 0)
    hi = len(columns) if max_columns is None else min(len(columns), lo + max(max_columns, 0))
    width = hi - lo

    def window(row: dict[int, int]) -> tuple[tuple[int, int], ...]:
        return tuple(sorted((i - lo, v) for i, v in row.items() if lo <= i < hi))

    def add(into: dict[int, int], row: dict[int, int]) -> None:
        for i, v in row.items():
            into[i] = into.get(i, 0) + v

    parent_of = {t.id: t.parent_id for t in tree.themes}
    theme_sum: dict[int, dict[int, int]] = defaultdict(dict)
    theme_people: dict[int, set[int]] = defaultdict(set)
    for t in tree.themes:
        for c in t.codes:
            if c.status not in shown:
                continue
            up: int | None = t.id
            while up is not None:
                add(theme_sum[up], cells.get(c.id, {}))
                theme_people[up] |= people_of(c)
                up = parent_of.get(up)
    has_rows: set[int] = set()
    for t in tree.themes:
        if any(c.status in shown for c in t.codes):
            up = t.id
            while up is not None and up not in has_rows:
                has_rows.add(up)
                up = parent_of.get(up)

    rows: list[MatrixRow] = []
    grand: dict[int, int] = {}
    everyone: set[int] = set()

    def code_rows(codes: tuple[CodeNode, ...], theme: str | None, depth: int) -> None:
        for c in codes:
            if c.status not in shown:
                continue
            row = cells.get(c.id, {})
            add(grand, row)
            everyone.update(people_of(c))
            rows.append(
                MatrixRow(
                    "code", c.name, theme, depth + c.depth, window(row), width, sum(row.values()),
                    len(people_of(c)),
                )
            )  # fmt: skip

    for t in tree.themes:
        if t.id not in has_rows:
            continue
        if themes:
            sub = theme_sum.get(t.id, {})
            rows.append(
                MatrixRow(
                    "subtotal", t.name, t.name, t.depth, window(sub), width, sum(sub.values()),
                    len(theme_people.get(t.id, ())),
                )
            )  # fmt: skip
        code_rows(t.codes, t.name, t.depth + 1)
    code_rows(tree.unthemed, None, 0)
    rows.append(
        MatrixRow("total", "Total", None, 0, window(grand), width, sum(grand.values()), len(everyone))
    )

    def dense(row: dict[int, int]) -> tuple[int, ...]:
        out = [0] * width
        for i, v in row.items():
            if lo <= i < hi:
                out[i - lo] = v
        return tuple(out)

    chart: list[tuple[str, tuple[int, ...]]] = [
        (t.name, dense(theme_sum[t.id]))
        for t in tree.themes
        if t.parent_id is None and t.id in has_rows and t.id in theme_sum
    ]
    loose: dict[int, int] = {}
    for c in tree.unthemed:
        if c.status in shown:
            add(loose, cells.get(c.id, {}))
    if any(c.status in shown for c in tree.unthemed):
        chart.append((NO_THEME, dense(loose)))
    return Matrix(by, tuple(columns[lo:hi]), tuple(rows), tuple(chart), lo, len(columns))


# --- excerpts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRow:
    segment_id: int
    document: str
    participant: str | None
    start: int
    end: int
    text: str
    code: str
    coder: str
    created_at: datetime
    coding_id: int
    # A transcript excerpt's place in the recording: its cues' first start and last end
    # (``qualcode.domain.cues.cue_times``); None for notes.
    time_from: str | None = None
    time_to: str | None = None


def excerpts(
    uow: UnitOfWork,
    *,
    code: str | None = None,
    participant: str | None = None,
    document: str | None = None,
    coder: str | None = None,
    viewer: str | None = None,
    blind: bool = False,
    codes: Sequence[str] | None = None,
) -> list[SegmentRow]:
    """Coded excerpts, one row per coding; ``code`` follows merges to the surviving code;
    ``codes`` keeps the codings of these live codes (exact names: a coding query's codes);
    ``coder`` keeps one coder's codings (and under ``blind`` only the viewer's are shown).

    Ordering rule: by participant in ``participant_order`` (documents of no participant last),
    then document title in collation order, then start, end, code name in collation order,
    coding id. The first excerpt of a code in this order is the example quote exports show
    when none is marked.
    """
    only = viewing_only(viewer, blind)
    s = uow.session
    q = (
        select(
            Segment.id,
            Document.title,
            Participant.label,
            Segment.start,
            Segment.end,
            Segment.text,
            Code.name,
            Coder.name,
            Coding.created_at,
            Coding.id,
            Document.participant_id,
        )
        .join(Coding, Coding.segment_id == Segment.id)
        .join(Code, Code.id == Coding.code_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Participant, Participant.id == Document.participant_id)
    )
    if code is not None:
        q = q.where(Coding.code_id == code_by_name(s, code, follow_merges=True).id)
    if codes is not None:
        q = q.where(Code.name.in_(list(codes)))
    if participant is not None:
        q = q.where(Document.participant_id == participant_by_label(s, participant).id)
    if document is not None:
        q = q.where(Document.id == document_by_ref(s, document).id)
    for name in {coder, only} - {None}:
        q = q.where(Coder.key == coder_key(name))  # type: ignore[arg-type]
    key = text_key(uow)
    rank = {pid: i for i, (pid, _) in enumerate(participant_order(uow, key))}
    last = len(rank)
    found = list(s.execute(q).all())
    found.sort(key=lambda r: (rank.get(r[10], last), key(r[1]), r[3], r[4], key(r[6]), r[9]))
    return _with_cue_times(uow, [SegmentRow(*row[:10]) for row in found])


def _with_cue_times(uow: UnitOfWork, rows: list[SegmentRow]) -> list[SegmentRow]:
    """The rows, each transcript excerpt with the times of the cues it covers."""
    titles = {r.document for r in rows}
    if not titles:
        return rows
    cues_of: dict[str, list[Any]] = {}
    for title, meta in uow.session.execute(
        select(Document.title, Document.meta).where(Document.source_format.in_(("vtt", "srt")))
    ):
        if title in titles and isinstance(meta, dict) and meta.get("cues"):
            cues_of[title] = meta["cues"]
    if not cues_of:
        return rows
    timed: list[SegmentRow] = []
    for r in rows:
        times = cue_times(cues_of[r.document], r.start, r.end) if r.document in cues_of else None
        timed.append(replace(r, time_from=times[0], time_to=times[1]) if times else r)
    return timed


def first_excerpts(
    uow: UnitOfWork, code_ids: set[int], *, viewer: str | None = None, blind: bool = False
) -> dict[int, int]:
    """Per code id, the segment id of its first excerpt in ``excerpts`` order (the example quote
    when the researcher marked none)."""
    only = viewing_only(viewer, blind)
    s = uow.session
    key = text_key(uow)
    rank = {pid: i for i, (pid, _) in enumerate(participant_order(uow, key))}
    last = len(rank)
    docs = {
        i: (rank.get(pid, last) if pid is not None else last, key(title), i)
        for i, pid, title in s.execute(select(Document.id, Document.participant_id, Document.title)).all()
    }
    best: dict[int, tuple[Any, ...]] = {}
    q = _only(
        select(Coding.code_id, Segment.document_id, Segment.start, Segment.end, Segment.id).join(
            Segment, Segment.id == Coding.segment_id
        ),
        only,
    )
    for code_id, doc_id, start, end, seg_id in s.execute(q).all():
        if code_id not in code_ids:
            continue
        place = (docs[doc_id], start, end, seg_id)
        if code_id not in best or place < best[code_id]:
            best[code_id] = place
    return {code_id: place[3] for code_id, place in best.items()}
