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
)
from qualcode.db.search import SEARCH_TABLE
from qualcode.domain.coders import coder_key
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.labels import natural_key, split_label
from qualcode.services import read_models
from qualcode.services.codes import only_coder as only_coder_filter
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


def document_overview(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False
) -> list[ParticipantGroup]:
    """Documents grouped by participant with their codings: ``read_models.documents_table``
    (its order and counts), grouped. ``document_progress`` adds how much of each text is coded.
    """
    groups: dict[str | None, list[DocumentRow]] = {}
    for doc in read_models.documents_table(uow, viewer=viewer, blind=blind):
        groups.setdefault(doc.participant, []).append(
            DocumentRow(doc.id, doc.title, doc.participant, doc.codings)
        )
    return [ParticipantGroup(label, tuple(rows)) for label, rows in groups.items()]


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
            .where(Coder.key == coder_key(only_coder) if only_coder is not None else true())
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


def code_choices(uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False) -> list[CodeChoice]:
    """Active codes for the picker, most used first, then in collation order (counts from
    ``read_models.codebook_tree``: the viewer's alone when blinded)."""
    tree = read_models.codebook_tree(uow, viewer=viewer, blind=blind, participants=False)
    key = read_models.text_key(uow)
    choices = [CodeChoice(c.id, c.name, c.count, c.theme) for c in tree.codes(excluded=False)]
    choices.sort(key=lambda c: (-c.count, key(c.name), c.id))
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
    parent_id: int | None = None  # a sub-code's parent code
    depth: int = 0  # 0 a code, 1 a sub-code …


@dataclass(frozen=True)
class CodebookTheme:
    id: int
    name: str
    depth: int
    parent_id: int | None
    codes: tuple[CodebookCode, ...]  # active codes, each followed by its sub-codes
    codings: int  # active codings of the theme and its sub-themes (the matrix subtotal)


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


def code_participants(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False
) -> dict[int, CodeParticipants]:
    """Per code id, the participants whose documents carry it (``read_models.codebook_tree``).

    A pass over every coding (about a second for 200,000), so the codebook shows its counts
    first and the letters when this arrives.
    """
    tree = read_models.codebook_tree(uow, viewer=viewer, blind=blind)
    return {
        c.id: CodeParticipants(c.participants, tuple(split_label(label)[1] for label in c.participants))
        for c in tree.codes()
        if c.participants
    }


def codebook(
    uow: UnitOfWork, *, participants: bool = True, viewer: str | None = None, blind: bool = False
) -> Codebook:
    """Themes with their codes (counts, participant letters), then unthemed and excluded codes,
    read from ``read_models.codebook_tree`` (its order, its counts).

    ``participants=False`` leaves the participants out (see ``code_participants``).
    """
    tree = read_models.codebook_tree(uow, viewer=viewer, blind=blind, participants=participants)

    def item(c: read_models.CodeNode) -> CodebookCode:
        return CodebookCode(
            c.id,
            c.name,
            c.status,
            c.count,
            c.participants,
            tuple(split_label(label)[1] for label in c.participants),
            c.description,
            c.theme_id,
            c.parent_id,
            c.depth,
        )

    themes = tuple(
        CodebookTheme(
            t.id,
            t.name,
            t.depth,
            t.parent_id,
            tuple(item(c) for c in t.codes if c.status != CodeStatus.EXCLUDED.value),
            t.codings,
        )
        for t in tree.themes
    )
    unthemed = tuple(item(c) for c in tree.unthemed if c.status != CodeStatus.EXCLUDED.value)
    excluded = tuple(item(c) for c in tree.codes() if c.status == CodeStatus.EXCLUDED.value)
    return Codebook(themes, unthemed, excluded)


def theme_names(uow: UnitOfWork) -> list[str]:
    return [t.name for t in read_models.codebook_tree(uow, participants=False).themes]


# --- excerpts, matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    kind: str  # "theme" (a subtotal), "code" or "total"
    name: str
    theme: str | None
    counts: tuple[int, ...]  # one per shown column
    total: int  # over every participant, shown or not
    depth: int = 0  # a sub-theme's or sub-code's nesting, from the read model


@dataclass(frozen=True)
class Matrix:
    columns: tuple[str, ...]  # the participant labels shown
    participants: int  # all of them (the columns of the whole matrix)
    rows: tuple[MatrixRow, ...]


def code_matrix(
    uow: UnitOfWork,
    *,
    first_column: int = 0,
    max_columns: int | None = None,
    viewer: str | None = None,
    blind: bool = False,
) -> Matrix:
    """Codings per code and participant with theme subtotals: ``read_models.code_matrix`` (the
    exported matrix's numbers and order), a window of ``max_columns`` participants from
    ``first_column`` (the screen shows a few dozen columns at a time).
    """
    table = read_models.code_matrix(
        uow, themes=True, first_column=first_column, max_columns=max_columns, viewer=viewer, blind=blind
    )
    kinds = {"subtotal": "theme", "code": "code", "total": "total"}
    rows = tuple(MatrixRow(kinds[r.kind], r.label, r.theme, r.counts, r.total, r.depth) for r in table.rows)
    return Matrix(table.columns, table.all_columns or len(table.columns), rows)


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


# --- participants ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantScreenRow:
    label: str
    attributes: tuple[tuple[str, str], ...]  # in the study's order
    documents: tuple[str, ...]  # titles
    codings: int


@dataclass(frozen=True)
class ParticipantsTable:
    participants: tuple[ParticipantScreenRow, ...]
    attribute_names: tuple[str, ...]  # every attribute, in the order first met
    documents: tuple[tuple[str, str | None], ...]  # every document: (title, its participant)


def participants_screen(
    uow: UnitOfWork, *, viewer: str | None = None, blind: bool = False
) -> ParticipantsTable:
    """The participants screen: ``read_models.participants_table`` (order, attributes, codings,
    as ``participants list`` prints them) with each one's document titles from
    ``read_models.documents_table``, and every document with its participant, for linking."""
    documents = read_models.documents_table(uow, viewer=viewer, blind=blind)
    titles: dict[str | None, list[str]] = defaultdict(list)
    for doc in documents:
        titles[doc.participant].append(doc.title)
    names: dict[str, None] = {}
    rows = []
    for person in read_models.participants_table(uow, viewer=viewer, blind=blind):
        attributes = tuple((str(k), "" if v is None else str(v)) for k, v in person.attributes.items())
        names.update((k, None) for k, _ in attributes)
        rows.append(
            ParticipantScreenRow(
                person.label, attributes, tuple(titles.get(person.label, ())), person.codings
            )
        )
    return ParticipantsTable(tuple(rows), tuple(names), tuple((d.title, d.participant) for d in documents))
