"""What the workbench reads and the few small changes only it makes.

Every function takes a unit of work and returns frozen dataclasses, so the Textual screens
never hold a session and nothing lazy-loads after it closed. Coding itself goes through
``qualcode.services.coding.code_span``; undo through ``qualcode.services.admin.undo_event``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, delete, func, or_, select, text, true, update

from qualcode.db.models import (
    Code,
    Coder,
    CodeStatus,
    Coding,
    Document,
    Event,
    Memo,
    Participant,
    Segment,
    Theme,
)
from qualcode.db.search import SEARCH_TABLE
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.labels import natural_key, split_label
from qualcode.services.codes import code_counts, participant_ids_by_code, participants_in_order, theme_order
from qualcode.services.codes import only_coder as only_coder_filter
from qualcode.services.documents import codings_per_document
from qualcode.services.history import RowTracker
from qualcode.services.lookup import document_by_ref
from qualcode.services.uow import UnitOfWork

# --- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentProgress:
    characters: int
    coded_characters: int  # characters inside at least one coded segment

    @property
    def share(self) -> float:
        return self.coded_characters / self.characters if self.characters else 0.0


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    participant: str | None
    codings: int
    progress: DocumentProgress | None = None  # filled by ``document_progress`` (slower)


@dataclass(frozen=True)
class ParticipantGroup:
    label: str | None  # None: documents tied to no participant
    documents: tuple[DocumentRow, ...]

    @property
    def codings(self) -> int:
        return sum(d.codings for d in self.documents)


def latest_event(uow: UnitOfWork) -> int:
    """The id of the newest event (0 for none): it changes whenever anyone changes the study."""
    return uow.session.scalar(select(func.max(Event.id))) or 0


def document_overview(uow: UnitOfWork) -> list[ParticipantGroup]:
    """Documents grouped by participant (in the participants' order) with their codings.

    Kept to two cheap queries: it is the first screen. ``document_progress`` adds how much of
    each text is coded.
    """
    s = uow.session
    docs = s.execute(
        select(Document.id, Document.title, Participant.label, Participant.position).outerjoin(
            Participant, Participant.id == Document.participant_id
        )
    ).all()
    codings = codings_per_document(uow)
    groups: dict[str | None, list[DocumentRow]] = defaultdict(list)
    rank: dict[str | None, tuple[int, tuple[tuple[int, object], ...]]] = {}
    for doc_id, title, label, position in docs:
        groups[label].append(DocumentRow(doc_id, title, label, codings.get(doc_id, 0)))
        if label not in rank:
            rank[label] = (position if label is not None else 1 << 30, natural_key(label or ""))
    return [
        ParticipantGroup(label, tuple(sorted(rows, key=lambda r: natural_key(r.title))))
        for label, rows in sorted(groups.items(), key=lambda kv: rank[kv[0]])
    ]


def document_progress(uow: UnitOfWork) -> dict[int, DocumentProgress]:
    """Per document: its length and the characters covered by coded segments (overlaps once).

    The union of spans is summed in SQL: each segment adds what it reaches beyond the furthest
    end of the segments before it in the same document.
    """
    s = uow.session
    lengths: dict[int, int] = dict(s.execute(select(Document.id, func.length(Document.text))).all())
    reach = (
        func.max(Segment.end)
        .over(partition_by=Segment.document_id, order_by=(Segment.start, Segment.end), rows=(None, -1))
        .label("reach")
    )
    coded = select(Coding.id).where(Coding.segment_id == Segment.id).exists()
    spans = select(Segment.document_id, Segment.start, Segment.end, reach).where(coded).subquery()
    added = case(
        (or_(spans.c.reach.is_(None), spans.c.reach <= spans.c.start), spans.c.end - spans.c.start),
        (spans.c.reach >= spans.c.end, 0),
        else_=spans.c.end - spans.c.reach,
    )
    covered = dict(
        s.execute(select(spans.c.document_id, func.sum(added)).group_by(spans.c.document_id)).all()
    )
    return {
        doc_id: DocumentProgress(length or 0, int(covered.get(doc_id) or 0))
        for doc_id, length in lengths.items()
    }


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


def document_text(uow: UnitOfWork, document: int | str, *, only_coder: str | None = None) -> DocumentText:
    """A document's text with every coding on it; ``document`` is its id or its title.

    ``only_coder`` (blinded coding) shows that coder's codings only.
    """
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
            .where(Coder.name == only_coder if only_coder is not None else true())
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


def code_choices(uow: UnitOfWork, *, only_coder: str | None = None) -> list[CodeChoice]:
    """Active codes for the picker, most used first (by ``only_coder`` alone when blinded)."""
    s = uow.session
    counts = code_counts(uow, coder=only_coder)
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


@dataclass(frozen=True)
class CodeParticipants:
    labels: tuple[str, ...]  # "Expert A", "Expert C"
    letters: tuple[str, ...]  # "A", "C"


def code_participants(uow: UnitOfWork, *, only_coder: str | None = None) -> dict[int, CodeParticipants]:
    """Per code id, the participants whose documents carry it, in natural order.

    A pass over every coding (about a second for 200,000), so the codebook shows its counts
    first and the letters when this arrives.
    """
    ranked = participants_in_order(uow)
    rank = {pid: i for i, (pid, _) in enumerate(ranked)}
    labels = [label for _, label in ranked]
    letters = [split_label(label)[1] for label in labels]
    out: dict[int, CodeParticipants] = {}
    for code_id, pids in participant_ids_by_code(uow, coder=only_coder).items():
        ranks = sorted(rank[p] for p in pids)
        out[code_id] = CodeParticipants(tuple(labels[i] for i in ranks), tuple(letters[i] for i in ranks))
    return out


def codebook(uow: UnitOfWork, *, participants: bool = True, only_coder: str | None = None) -> Codebook:
    """Themes with their codes (counts, participant letters), then unthemed and excluded codes.

    ``participants=False`` leaves the participants out (see ``code_participants``).
    """
    s = uow.session
    counts = code_counts(uow, coder=only_coder)
    people = code_participants(uow, only_coder=only_coder) if participants else {}
    rows = s.execute(
        select(Code.id, Code.name, Code.status, Code.description, Code.theme_id, Code.position).where(
            Code.status != CodeStatus.MERGED
        )
    ).all()
    rows = sorted(rows, key=lambda r: (r[5], natural_key(r[1])))
    by_theme: dict[int | None, list[CodebookCode]] = defaultdict(list)
    excluded: list[CodebookCode] = []
    for code_id, name, status, description, theme_id, _pos in rows:
        who = people.get(code_id)
        labels, letters = (who.labels, who.letters) if who else ((), ())
        item = CodebookCode(
            code_id,
            name,
            status.value if isinstance(status, CodeStatus) else str(status),
            counts.get(code_id, 0),
            labels,
            letters,
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
    counts: tuple[int, ...]  # one per shown column
    total: int  # over every participant, shown or not


@dataclass(frozen=True)
class Matrix:
    columns: tuple[str, ...]  # the participant labels shown
    participants: int  # all of them
    rows: tuple[MatrixRow, ...]


def code_matrix(
    uow: UnitOfWork, *, first_column: int = 0, max_columns: int | None = None, only_coder: str | None = None
) -> Matrix:
    """Codings per code and participant; a subtotal row heads each theme's codes.

    ``first_column``/``max_columns`` take a window of the participants (the screen shows a few
    dozen columns at a time; the full matrix is the export's job).
    """
    s = uow.session
    ranked = participants_in_order(uow)
    window = ranked[first_column : None if max_columns is None else first_column + max_columns]
    index = {pid: i for i, (pid, _) in enumerate(window)}
    width = len(window)
    cells: dict[int, list[int]] = {}
    for code_id, pid, n in s.execute(
        only_coder_filter(
            select(Coding.code_id, Document.participant_id, func.count(Coding.id))
            .join(Segment, Segment.id == Coding.segment_id)
            .join(Document, Document.id == Segment.document_id)
            .where(Document.participant_id.in_(list(index)) if len(index) < len(ranked) else true())
            .group_by(Coding.code_id, Document.participant_id),
            only_coder,
        )
    ):
        column = index.get(pid) if pid is not None else None
        if column is not None:
            cells.setdefault(code_id, [0] * width)[column] = n
    zero = (0,) * width
    book = codebook(uow, participants=False, only_coder=only_coder)
    counts = {c.id: c.count for t in book.themes for c in t.codes} | {c.id: c.count for c in book.unthemed}
    rows: list[MatrixRow] = []
    sections = [(t.name, [c for c in t.codes if c.status == "active"]) for t in book.themes]
    if book.unthemed:
        sections.append(("(no theme)", list(book.unthemed)))
    for theme, codes in sections:
        code_rows = [
            MatrixRow(
                "code",
                c.name,
                theme if theme != "(no theme)" else None,
                tuple(cells.get(c.id, zero)),
                counts[c.id],
            )
            for c in codes
        ]
        subtotal = [0] * width
        for r in code_rows:
            for i, v in enumerate(r.counts):
                subtotal[i] += v
        rows.append(MatrixRow("theme", theme, theme, tuple(subtotal), sum(r.total for r in code_rows)))
        rows.extend(code_rows)
    return Matrix(tuple(label for _, label in window), len(ranked), tuple(rows))


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


def yo_variants(term: str, *, most: int = 3) -> list[str]:
    """The spellings of ``term`` with е and ё swapped: most Russian text writes ё as е, so
    "емкость" must find "ёмкость" and the other way round. Up to ``most`` letters vary (2**3
    spellings); a longer run of е is left as typed after that."""
    plain = term.replace("ё", "е").replace("Ё", "Е")
    spots = [i for i, ch in enumerate(plain) if ch in "еЕ"][:most]
    found = {term}
    for mask in range(1 << len(spots)):
        chars = list(plain)
        for bit, i in enumerate(spots):
            if mask >> bit & 1:
                chars[i] = "ё" if chars[i] == "е" else "Ё"
        found.add("".join(chars))
    return sorted(found)


def _term_pattern(terms: list[str]) -> re.Pattern[str]:
    parts = []
    for term in terms:
        # е and ё are one letter to most Russian writers; find either.
        escaped = "".join("[её]" if ch in "её" else "[ЕЁ]" if ch in "ЕЁ" else re.escape(ch) for ch in term)
        parts.append(r"\b" + escaped + r"\w*")
    return re.compile("|".join(parts), re.IGNORECASE)


def search(
    uow: UnitOfWork, query: str, *, limit: int = 200, per_document: int = 20, only_coder: str | None = None
) -> list[SearchHit]:
    """Full-text search across documents (FTS5 / PostgreSQL full text), every word as a prefix.

    Each hit is one place in a document where a query word begins, with the codes of the coded
    segments around it, so that a hit inside a coded passage shows what it was coded with.
    """
    s = uow.session
    terms = search_terms(query)
    if not terms:
        return []
    if uow.dialect == "sqlite":
        fts_query = " AND ".join(
            "(" + " OR ".join('"' + v.replace('"', "") + '"*' for v in yo_variants(t)) + ")" for t in terms
        )
        doc_ids = [
            r[0]
            for r in s.execute(
                text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :q ORDER BY rowid"),
                {"q": fts_query},
            )
        ]
    elif uow.dialect == "postgresql":
        ts_query = " & ".join("(" + " | ".join(v + ":*" for v in yo_variants(t)) + ")" for t in terms)
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
            only_coder_filter(
                select(Segment.document_id, Segment.start, Segment.end, Code.name)
                .join(Coding, Coding.segment_id == Segment.id)
                .join(Code, Code.id == Coding.code_id)
                .where(Segment.document_id.in_(chunk)),
                only_coder,
            )
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
