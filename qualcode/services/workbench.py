"""What the workbench reads and the few small changes only it makes.

Every function takes a unit of work and returns frozen dataclasses, so the Textual screens
never hold a session and nothing lazy-loads after it closed. Coding itself goes through
``qualcode.services.coding.code_span``; undo through ``qualcode.services.admin.undo_event``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Document, Memo, Participant, Segment, Theme
from qualcode.db.search import SEARCH_TABLE
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.labels import natural_key, split_label
from qualcode.services.codes import code_counts, code_participants, theme_order
from qualcode.services.history import RowTracker
from qualcode.services.lookup import document_by_ref
from qualcode.services.uow import UnitOfWork

# --- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    participant: str | None
    characters: int
    codings: int
    coded_characters: int  # characters inside at least one coded segment

    @property
    def progress(self) -> float:
        return self.coded_characters / self.characters if self.characters else 0.0


@dataclass(frozen=True)
class ParticipantGroup:
    label: str | None  # None: documents tied to no participant
    documents: tuple[DocumentRow, ...]

    @property
    def codings(self) -> int:
        return sum(d.codings for d in self.documents)


def _covered(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of [start, end) spans sorted by start."""
    total = 0
    cur_start, cur_end = -1, -1
    for a, b in spans:
        if a > cur_end:
            total += cur_end - cur_start if cur_end > cur_start else 0
            cur_start, cur_end = a, b
        elif b > cur_end:
            cur_end = b
    total += cur_end - cur_start if cur_end > cur_start else 0
    return total


def document_overview(uow: UnitOfWork) -> list[ParticipantGroup]:
    """Documents grouped by participant (in the participants' order), with coding progress."""
    s = uow.session
    docs = s.execute(
        select(
            Document.id,
            Document.title,
            Participant.label,
            Participant.position,
            func.length(Document.text),
        ).outerjoin(Participant, Participant.id == Document.participant_id)
    ).all()
    codings = dict(
        s.execute(
            select(Segment.document_id, func.count(Coding.id))
            .join(Coding, Coding.segment_id == Segment.id)
            .group_by(Segment.document_id)
        ).all()
    )
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    coded_segments = select(Coding.segment_id).distinct().scalar_subquery()
    for doc_id, a, b in s.execute(
        select(Segment.document_id, Segment.start, Segment.end)
        .where(Segment.id.in_(coded_segments))
        .order_by(Segment.document_id, Segment.start)
    ):
        spans[doc_id].append((a, b))
    groups: dict[str | None, list[DocumentRow]] = defaultdict(list)
    rank: dict[str | None, tuple[int, tuple[tuple[int, object], ...]]] = {}
    for doc_id, title, label, position, length in docs:
        groups[label].append(
            DocumentRow(
                doc_id, title, label, length or 0, codings.get(doc_id, 0), _covered(spans.get(doc_id, []))
            )
        )
        rank[label] = (position if label is not None else 1 << 30, natural_key(label or ""))
    return [
        ParticipantGroup(label, tuple(sorted(rows, key=lambda r: natural_key(r.title))))
        for label, rows in sorted(groups.items(), key=lambda kv: rank[kv[0]])
    ]


# --- one document, its coded spans ----------------------------------------------------------


@dataclass(frozen=True)
class CodingMark:
    coding_id: int
    segment_id: int
    code_id: int
    code: str
    colour: str
    coder: str
    start: int
    end: int
    memos: tuple[str, ...]
    is_example: bool


@dataclass(frozen=True)
class DocumentText:
    id: int
    title: str
    participant: str | None
    text: str
    codings: tuple[CodingMark, ...]  # by start, then end, then code name


def document_text(uow: UnitOfWork, document: int | str) -> DocumentText:
    """A document's text with every coding on it; ``document`` is its id or its title."""
    s = uow.session
    document_id = document if isinstance(document, int) else document_by_ref(s, document).id
    row = s.execute(
        select(Document.id, Document.title, Participant.label, Document.text)
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .where(Document.id == document_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no document {document_id}")
    memos: dict[int, list[str]] = defaultdict(list)
    for coding_id, memo in s.execute(
        select(Memo.coding_id, Memo.text)
        .join(Coding, Coding.id == Memo.coding_id)
        .join(Segment, Segment.id == Coding.segment_id)
        .where(Segment.document_id == document_id)
        .order_by(Memo.id)
    ):
        if coding_id is not None:
            memos[coding_id].append(memo)
    marks = [
        CodingMark(
            coding_id,
            segment_id,
            code_id,
            name,
            colour,
            coder,
            start,
            end,
            tuple(memos.get(coding_id, ())),
            example == segment_id,
        )
        for coding_id, segment_id, code_id, name, colour, coder, start, end, example in s.execute(
            select(
                Coding.id,
                Segment.id,
                Code.id,
                Code.name,
                Code.colour,
                Coder.name,
                Segment.start,
                Segment.end,
                Code.example_segment_id,
            )
            .join(Segment, Segment.id == Coding.segment_id)
            .join(Code, Code.id == Coding.code_id)
            .join(Coder, Coder.id == Coding.coder_id)
            .where(Segment.document_id == document_id)
        )
    ]
    marks.sort(key=lambda m: (m.start, m.end, natural_key(m.code), m.coding_id))
    return DocumentText(row[0], row[1], row[2], row[3], tuple(marks))


# --- the code picker ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeChoice:
    id: int
    name: str
    count: int
    theme: str | None


def code_choices(uow: UnitOfWork) -> list[CodeChoice]:
    """Active codes for the picker, most used first."""
    s = uow.session
    counts = code_counts(uow)
    themes = dict(s.execute(select(Theme.id, Theme.name)).all())
    rows = s.execute(select(Code.id, Code.name, Code.theme_id).where(Code.status == CodeStatus.ACTIVE)).all()
    choices = [CodeChoice(i, n, counts.get(i, 0), themes.get(t) if t else None) for i, n, t in rows]
    choices.sort(key=lambda c: (-c.count, natural_key(c.name)))
    return choices


# --- changes the reader makes ---------------------------------------------------------------


@dataclass(frozen=True)
class Uncoded:
    document: str
    code: str
    start: int
    end: int


def uncode(uow: UnitOfWork, coding_id: int) -> Uncoded:
    """Remove one coding (and its segment when no coding is left on it); undoable."""
    s = uow.session
    found = s.execute(
        select(Coding.id, Coding.segment_id, Code.name, Document.title, Segment.start, Segment.end)
        .join(Code, Code.id == Coding.code_id)
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(Coding.id == coding_id)
    ).first()
    if found is None:
        raise NotFoundError(f"no coding {coding_id} (was it removed already?)")
    _, segment_id, code, title, start, end = found
    tracker = RowTracker(s)
    tracker.watch(Memo, s.scalars(select(Memo.id).where(Memo.coding_id == coding_id)))
    tracker.watch(Coding, [coding_id])
    others = s.scalar(
        select(func.count(Coding.id)).where(Coding.segment_id == segment_id, Coding.id != coding_id)
    )
    if not others:
        # The segment goes too: remember who pointed at it (example quotes, memos on it).
        tracker.watch(Code, s.scalars(select(Code.id).where(Code.example_segment_id == segment_id)))
        tracker.watch(Segment, [segment_id])
    s.execute(delete(Memo).where(Memo.coding_id == coding_id))
    s.execute(delete(Coding).where(Coding.id == coding_id))
    if not others:
        s.execute(update(Code).where(Code.example_segment_id == segment_id).values(example_segment_id=None))
        s.execute(delete(Segment).where(Segment.id == segment_id))
    uow.log(
        "coding.remove",
        f"removed {code!r} from {title!r} [{start}, {end})",
        details={"document": title, "start": start, "end": end, "codes": [code]},
        changes=tracker.changes(),
    )
    uow.commit()
    return Uncoded(title, code, start, end)


@dataclass(frozen=True)
class MemoAdded:
    memo_id: int
    coding_id: int
    code: str


def add_coding_memo(uow: UnitOfWork, coding_id: int, memo: str) -> MemoAdded:
    """A memo on one coding (why this passage carries this code); undoable."""
    s = uow.session
    memo = memo.strip()
    if not memo:
        raise QualcodeError("a memo needs some text")
    code = s.scalar(select(Code.name).join(Coding, Coding.code_id == Code.id).where(Coding.id == coding_id))
    if code is None:
        raise NotFoundError(f"no coding {coding_id}")
    row = Memo(text=memo, coding_id=coding_id, author_id=uow.coder_id())
    s.add(row)
    s.flush()
    tracker = RowTracker(s)
    tracker.watch_new(Memo, [row.id])
    uow.log(
        "memo.add", f"memo on a coding of {code!r}", details={"coding": coding_id}, changes=tracker.changes()
    )
    uow.commit()
    return MemoAdded(row.id, coding_id, code)


# --- codebook -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodebookCode:
    id: int
    name: str
    status: str
    count: int
    participants: tuple[str, ...]
    letters: tuple[str, ...]  # "A", "B" ... from "Expert A", "Expert B"
    description: str
    theme_id: int | None


@dataclass(frozen=True)
class CodebookTheme:
    id: int
    name: str
    depth: int
    parent_id: int | None
    codes: tuple[CodebookCode, ...]

    @property
    def codings(self) -> int:
        return sum(c.count for c in self.codes if c.status == CodeStatus.ACTIVE.value)


@dataclass(frozen=True)
class Codebook:
    themes: tuple[CodebookTheme, ...]  # depth first: theme, its sub-themes, next theme
    unthemed: tuple[CodebookCode, ...]  # active codes in no theme
    excluded: tuple[CodebookCode, ...]

    @property
    def active_codes(self) -> int:
        return sum(1 for t in self.themes for c in t.codes if c.status == "active") + len(self.unthemed)


def codebook(uow: UnitOfWork) -> Codebook:
    """Themes with their codes (counts, participant letters), then unthemed and excluded codes."""
    s = uow.session
    counts = code_counts(uow)
    people = code_participants(uow)
    rows = s.execute(
        select(Code.id, Code.name, Code.status, Code.description, Code.theme_id, Code.position).where(
            Code.status != CodeStatus.MERGED
        )
    ).all()
    rows = sorted(rows, key=lambda r: (r[5], natural_key(r[1])))
    by_theme: dict[int | None, list[CodebookCode]] = defaultdict(list)
    excluded: list[CodebookCode] = []
    for code_id, name, status, description, theme_id, _pos in rows:
        labels = tuple(people.get(code_id, ()))
        item = CodebookCode(
            code_id,
            name,
            status.value if isinstance(status, CodeStatus) else str(status),
            counts.get(code_id, 0),
            labels,
            tuple(split_label(label)[1] for label in labels),
            description,
            theme_id,
        )
        if item.status == CodeStatus.EXCLUDED.value:
            excluded.append(item)
        else:
            by_theme[theme_id].append(item)
    theme_ids = dict(s.execute(select(Theme.name, Theme.id)).all())
    themes = tuple(
        CodebookTheme(
            t.id,
            t.name,
            t.depth,
            theme_ids.get(t.parent) if t.parent else None,
            tuple(by_theme.get(t.id, ())),
        )
        for t in theme_order(uow)
    )
    unthemed = sorted(by_theme.get(None, []), key=lambda c: natural_key(c.name))
    excluded.sort(key=lambda c: natural_key(c.name))
    return Codebook(themes, tuple(unthemed), tuple(excluded))


def theme_names(uow: UnitOfWork) -> list[str]:
    return [t.name for t in theme_order(uow)]


# --- excerpts, matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    kind: str  # "theme" (a subtotal) or "code"
    name: str
    theme: str | None
    code_id: int | None
    counts: tuple[int, ...]  # one per column

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Matrix:
    columns: tuple[str, ...]  # participant labels
    rows: tuple[MatrixRow, ...]


def code_matrix(uow: UnitOfWork) -> Matrix:
    """Codings per code and participant; a subtotal row heads each theme's codes."""
    s = uow.session
    labels = [label for (label,) in s.execute(select(Participant.label).order_by(Participant.position))]
    labels.sort(key=lambda label: natural_key(label))
    index = {label: i for i, label in enumerate(labels)}
    cells: dict[int, list[int]] = defaultdict(lambda: [0] * len(labels))
    for code_id, label, n in s.execute(
        select(Coding.code_id, Participant.label, func.count(Coding.id))
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .join(Participant, Participant.id == Document.participant_id)
        .group_by(Coding.code_id, Participant.label)
    ):
        cells[code_id][index[label]] = n
    book = codebook(uow)
    rows: list[MatrixRow] = []
    for theme in book.themes:
        codes = [c for c in theme.codes if c.status == "active"]
        code_rows = [MatrixRow("code", c.name, theme.name, c.id, tuple(cells[c.id])) for c in codes]
        subtotal = tuple(sum(r.counts[i] for r in code_rows) for i in range(len(labels)))
        rows.append(MatrixRow("theme", theme.name, theme.name, None, subtotal))
        rows.extend(code_rows)
    if book.unthemed:
        code_rows = [MatrixRow("code", c.name, None, c.id, tuple(cells[c.id])) for c in book.unthemed]
        subtotal = tuple(sum(r.counts[i] for r in code_rows) for i in range(len(labels)))
        rows.append(MatrixRow("theme", "(no theme)", None, None, subtotal))
        rows.extend(code_rows)
    return Matrix(tuple(labels), tuple(rows))


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    document: str
    participant: str | None
    start: int
    end: int
    snippet: str
    codes: tuple[str, ...]  # codes on segments that contain the hit


_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words of a query (punctuation and FTS operators dropped)."""
    return _WORD.findall(query)


def _term_pattern(terms: list[str]) -> re.Pattern[str]:
    parts = []
    for term in terms:
        # е and ё are one letter to most Russian writers; find either.
        escaped = "".join("[её]" if ch in "её" else "[ЕЁ]" if ch in "ЕЁ" else re.escape(ch) for ch in term)
        parts.append(r"\b" + escaped + r"\w*")
    return re.compile("|".join(parts), re.IGNORECASE)


def search(uow: UnitOfWork, query: str, *, limit: int = 200, per_document: int = 20) -> list[SearchHit]:
    """Full-text search across documents (FTS5 / PostgreSQL full text), every word as a prefix.

    Each hit is one place in a document where a query word begins, with the codes of the coded
    segments around it, so that a hit inside a coded passage shows what it was coded with.
    """
    s = uow.session
    terms = search_terms(query)
    if not terms:
        return []
    if uow.dialect == "sqlite":
        fts_query = " AND ".join('"' + t.replace('"', "") + '"*' for t in terms)
        doc_ids = [
            r[0]
            for r in s.execute(
                text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :q ORDER BY rowid"),
                {"q": fts_query},
            )
        ]
    elif uow.dialect == "postgresql":
        ts_query = " & ".join(t + ":*" for t in terms)
        doc_ids = [
            r[0]
            for r in s.execute(
                text(
                    "SELECT id FROM document WHERE to_tsvector('simple', text) @@ "
                    "to_tsquery('simple', :q) ORDER BY id"
                ),
                {"q": ts_query},
            )
        ]
    else:  # pragma: no cover - another engine: a plain scan
        doc_ids = list(s.scalars(select(Document.id).order_by(Document.id)))
    pattern = _term_pattern(terms)
    hits: list[SearchHit] = []
    for i in range(0, len(doc_ids), 200):
        chunk = doc_ids[i : i + 200]
        docs = s.execute(
            select(Document.id, Document.title, Participant.label, Document.text)
            .outerjoin(Participant, Participant.id == Document.participant_id)
            .where(Document.id.in_(chunk))
            .order_by(Document.id)
        ).all()
        spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for doc_id, a, b, name in s.execute(
            select(Segment.document_id, Segment.start, Segment.end, Code.name)
            .join(Coding, Coding.segment_id == Segment.id)
            .join(Code, Code.id == Coding.code_id)
            .where(Segment.document_id.in_(chunk))
        ):
            spans[doc_id].append((a, b, name))
        for doc_id, title, label, body in docs:
            for n, m in enumerate(pattern.finditer(body)):
                if n >= per_document:
                    break
                a, b = m.span()
                codes = sorted(
                    {name for x, y, name in spans.get(doc_id, []) if x <= a and b <= y}, key=natural_key
                )
                line_start = body.rfind("\n", 0, a) + 1
                line_end = body.find("\n", b)
                line_end = len(body) if line_end == -1 else line_end
                lo, hi = max(line_start, a - 60), min(line_end, b + 60)
                snippet = ("…" if lo > line_start else "") + body[lo:hi] + ("…" if hi < line_end else "")
                hits.append(SearchHit(doc_id, title, label, a, b, snippet, tuple(codes)))
                if len(hits) >= limit:
                    return hits
    return hits
