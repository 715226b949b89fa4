"""Documents: storing imported text with its codings (bulk, through SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from qualcode.db.dialect import insert_ignoring_duplicates
from qualcode.db.models import Code, Coder, CodeStatus, Coding, Document, Memo, Participant, Segment, table_of
from qualcode.domain.coders import coder_key
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.imported import ImportedCoding, ImportedDocument
from qualcode.domain.labels import natural_key
from qualcode.services.lookup import _did_you_mean, participant_by_label
from qualcode.services.uow import UnitOfWork, resolve_coders

_BATCH = 5_000


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    title: str
    participant: str | None
    characters: int
    codings: int


@dataclass(frozen=True)
class ImportResult:
    document_id: int
    title: str
    participant: str | None
    characters: int
    segments: int
    codings: int
    new_codes: tuple[str, ...]
    warnings: tuple[str, ...]


def _resolve_coders(session: Session, names: set[str]) -> dict[str, int]:
    return resolve_coders(session, names)


def resolve_code_ids(
    session: Session,
    names: Sequence[str],
    *,
    allow_new: bool,
    coder_id: int,
    source: str,
    new_flag: str = "--new-codes",
) -> tuple[dict[str, int], list[str]]:
    """Code ids for names (a merged code gives its survivor); create missing ones if allowed.

    The code rows are read with a shared lock (PostgreSQL ``FOR SHARE``; SQLite's writer lock
    already serialises): a merge that runs at the same moment waits for this transaction, or
    this one waits for the merge and then sees the code as merged and follows it.
    """
    wanted = sorted(set(names))
    rows: list[Any] = []
    for i in range(0, len(wanted), _BATCH):
        rows += session.execute(
            select(Code.name, Code.id, Code.status, Code.merged_into_id)
            .where(Code.name.in_(wanted[i : i + _BATCH]))
            .order_by(Code.id)  # lock in id order, as merges do, so the two never deadlock
            .with_for_update(read=True)
        ).all()
    ids: dict[str, int] = {}
    for name, code_id, status, merged_into in rows:
        while status == CodeStatus.MERGED and merged_into is not None:
            code_id, status, merged_into = session.execute(
                select(Code.id, Code.status, Code.merged_into_id)
                .where(Code.id == merged_into)
                .with_for_update(read=True)
            ).one()
        ids[name] = code_id
    missing = sorted(set(wanted) - set(ids), key=natural_key)
    if missing and not allow_new:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        known = list(session.scalars(select(Code.name))) if len(missing) == 1 else []
        hint = _did_you_mean(missing[0], known) if known else ""
        raise QualcodeError(
            f"{len(missing)} code(s) not in the codebook: {shown}{hint}; add {new_flag} to create them",
            source=source,
        )
    if missing:
        now = datetime.now(UTC)
        session.execute(
            insert_ignoring_duplicates(table_of(Code), session.get_bind().dialect.name),
            [
                {
                    "name": n,
                    "description": "",
                    "colour": "",
                    "status": CodeStatus.ACTIVE,
                    "exclusion_reason": "",
                    "position": 0,
                    "created_by_id": coder_id,
                    "created_at": now,
                }
                for n in missing
            ],
        )
        for i in range(0, len(missing), _BATCH):
            ids.update(
                session.execute(
                    select(Code.name, Code.id).where(Code.name.in_(missing[i : i + _BATCH]))
                ).all()
            )
    return ids, missing


@dataclass(frozen=True)
class DocumentCodings:
    """Codings for one document: ``fresh`` when the document has no segments yet."""

    document_id: int
    text: str
    codings: Sequence[ImportedCoding]
    fresh: bool = False
    source: str = ""  # the file it came from, for messages


@dataclass(frozen=True)
class CodingsAdded:
    segments: int
    codings: int
    new_codes: tuple[str, ...]


def _in_chunks(values: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def add_codings(
    uow: UnitOfWork,
    batch: Sequence[DocumentCodings],
    *,
    allow_new_codes: bool,
    source: str,
) -> CodingsAdded:
    """Add many codings to documents in the current transaction (SQLAlchemy Core bulk inserts).

    Spans already in a document are reused; a code on a span twice from one coder is one coding.
    Code names resolve once for the whole batch (a merged code's name gives its survivor).
    """
    conn = uow.session.connection()
    coder_id = uow.coder_id()
    now = datetime.now(UTC)
    seg_t, coding_t, memo_t = table_of(Segment), table_of(Coding), table_of(Memo)
    for item in batch:
        for coding in item.codings:
            if not (0 <= coding.start < coding.end <= len(item.text)):
                raise QualcodeError(
                    f"span [{coding.start}, {coding.end}) is outside the text ({coding.where or 'a coding'})",
                    source=item.source or source,
                )
    all_codings = [c for item in batch for c in item.codings]
    code_ids, new_codes = resolve_code_ids(
        uow.session,
        sorted({n for c in all_codings for n in c.codes}),
        allow_new=allow_new_codes,
        coder_id=coder_id,
        source=source,
    )
    coder_ids = _resolve_coders(uow.session, {c.coder for c in all_codings if c.coder}) if all_codings else {}

    doc_ids = [item.document_id for item in batch]
    old_ids = [item.document_id for item in batch if not item.fresh]

    def segment_ids(ids: Sequence[int]) -> dict[tuple[int, int, int], int]:
        found: dict[tuple[int, int, int], int] = {}
        for chunk in _in_chunks(ids):
            for sid, did, a, b in conn.execute(
                select(seg_t.c.id, seg_t.c.document_id, seg_t.c.start, seg_t.c.end).where(
                    seg_t.c.document_id.in_(chunk)
                )
            ):
                found[(did, a, b)] = sid
        return found

    known = segment_ids(old_ids) if old_ids else {}
    new_spans = sorted(
        {(item.document_id, c.start, c.end) for item in batch for c in item.codings} - set(known)
    )
    texts = {item.document_id: item.text for item in batch}
    for i in range(0, len(new_spans), _BATCH):
        conn.execute(
            insert_ignoring_duplicates(seg_t, conn.dialect.name),
            [
                {"document_id": d, "start": a, "end": b, "text": texts[d][a:b]}
                for d, a, b in new_spans[i : i + _BATCH]
            ],
        )
    seg_ids = segment_ids(doc_ids) if new_spans else known

    # Codings already there (a span coded again by the same coder is not doubled).
    seen: set[tuple[int, int, int]] = set()
    for chunk in _in_chunks(old_ids):
        seen.update(
            conn.execute(
                select(coding_t.c.segment_id, coding_t.c.code_id, coding_t.c.coder_id)
                .join(seg_t, seg_t.c.id == coding_t.c.segment_id)
                .where(seg_t.c.document_id.in_(chunk))
            ).all()
        )
    coding_rows = []
    memo_wanted: list[tuple[tuple[int, int, int], str, str | None, datetime | None]] = []
    for item in batch:
        for c in item.codings:
            cid = coder_ids[c.coder] if c.coder else coder_id
            sid = seg_ids[(item.document_id, c.start, c.end)]
            for name in c.codes:
                key = (sid, code_ids[name], cid)
                if key not in seen:
                    seen.add(key)
                    coding_rows.append(
                        {
                            "segment_id": sid,
                            "code_id": key[1],
                            "coder_id": cid,
                            "created_at": c.created_at or now,
                        }
                    )
                for memo in c.memos:
                    memo_wanted.append((key, memo.text, memo.author, memo.created_at))
    for i in range(0, len(coding_rows), _BATCH):
        conn.execute(insert_ignoring_duplicates(coding_t, conn.dialect.name), coding_rows[i : i + _BATCH])
    if memo_wanted:
        authors = _resolve_coders(uow.session, {a for _, _, a, _ in memo_wanted if a})
        coding_ids: dict[tuple[int, int, int], int] = {}
        for chunk in _in_chunks(doc_ids):
            for coding_id, sid, code_id, cid in conn.execute(
                select(coding_t.c.id, coding_t.c.segment_id, coding_t.c.code_id, coding_t.c.coder_id)
                .join(seg_t, seg_t.c.id == coding_t.c.segment_id)
                .where(seg_t.c.document_id.in_(chunk))
            ):
                coding_ids[(sid, code_id, cid)] = coding_id
        conn.execute(
            insert(memo_t),
            [
                {
                    "text": memo_text,
                    "coding_id": coding_ids[key],
                    "author_id": authors.get(author) if author else coder_id,
                    "provenance": f"imported from {source}",
                    "created_at": at or now,
                }
                for key, memo_text, author, at in memo_wanted
            ],
        )
    return CodingsAdded(len(new_spans), len(coding_rows), tuple(new_codes))


@dataclass(frozen=True)
class DocumentToStore:
    doc: ImportedDocument
    participant: str | None = None
    title: str | None = None


def _participant_ids(uow: UnitOfWork, items: Sequence[DocumentToStore]) -> dict[str, int]:
    labels = {item.participant for item in items if item.participant}
    if not labels:
        return {}
    found = uow.session.execute(
        select(Participant.label, Participant.id).where(Participant.label.in_(labels))
    ).all()
    return dict(found)  # type: ignore[arg-type]


def check_storable(
    uow: UnitOfWork, items: Sequence[DocumentToStore], *, allow_duplicate: bool = False
) -> tuple[list[str], dict[str, int]]:
    """Refuse a batch of documents before anything is written; returns their titles and the
    ids of their participants.

    Refused: an empty title, binary text, two documents of the batch with one title or (unless
    ``allow_duplicate``) one content, a title or content already in the study, a participant
    not in the study. Each message names the file.
    """
    s = uow.session
    conn = s.connection()
    doc_t = table_of(Document)
    titles = [(item.title or item.doc.title).strip() for item in items]
    first_title: dict[str, str] = {}
    first_content: dict[str, str] = {}
    for item, title in zip(items, titles, strict=True):
        source = item.doc.source_name
        if not title:
            raise QualcodeError("the document has no title", source=source)
        if "\x00" in item.doc.text:
            raise QualcodeError("this looks like a binary file, not text", source=source)
        if title in first_title:
            raise ConflictError(
                f"the title {title!r} is also that of {first_title[title]!r}; rename one file", source=source
            )
        first_title[title] = source
        if not allow_duplicate and item.doc.sha256 in first_content:
            raise ConflictError(
                f"the same content as {first_content[item.doc.sha256]!r}; add --again to import both",
                source=source,
            )
        first_content.setdefault(item.doc.sha256, source)
    if not allow_duplicate:
        found = existing_sha256(uow, [item.doc.sha256 for item in items])
        for item in items:
            if item.doc.sha256 in found:
                raise ConflictError(
                    f"already in the study as {found[item.doc.sha256]!r} (same content); "
                    "add --again to import it anyway",
                    source=item.doc.source_name,
                )
    for chunk in [titles[i : i + _BATCH] for i in range(0, len(titles), _BATCH)]:
        taken = conn.execute(select(doc_t.c.title).where(doc_t.c.title.in_(chunk))).scalars().first()
        if taken is not None:
            raise ConflictError(
                f"a document titled {taken!r} is already in the study", source=first_title[taken]
            )
    participant_ids = _participant_ids(uow, items)
    for item in items:
        if item.participant and item.participant not in participant_ids:
            try:
                participant_by_label(s, item.participant)  # raises with a did-you-mean message
            except QualcodeError as exc:
                raise type(exc)(exc.message, source=item.doc.source_name) from exc
    return titles, participant_ids


def store_documents(
    uow: UnitOfWork,
    items: Sequence[DocumentToStore],
    *,
    allow_duplicate: bool = False,
    allow_new_codes: bool = True,
    checked: bool = False,
) -> list[ImportResult]:
    """Store imported documents and their codings in the current transaction (no commit).

    A source already in the study (same sha256) is refused unless ``allow_duplicate``; a title
    in use is refused; a participant must exist (``checked``: the caller ran ``check_storable``
    on the whole batch already, so only the titles and participant ids are looked up). Checks
    run as a few set queries, inserts as Core ``executemany``, so a whole corpus goes in at
    close to the speed of bare inserts.
    """
    s = uow.session
    conn = s.connection()
    doc_t = table_of(Document)
    if checked:
        titles = [(item.title or item.doc.title).strip() for item in items]
        participant_ids = _participant_ids(uow, items)
    else:
        titles, participant_ids = check_storable(uow, items, allow_duplicate=allow_duplicate)
    coder_id = uow.coder_id()
    now = datetime.now(UTC)
    for i in range(0, len(items), _BATCH):
        conn.execute(
            insert(doc_t),
            [
                {
                    "title": title,
                    "participant_id": participant_ids.get(item.participant) if item.participant else None,
                    "text": item.doc.text,
                    "sha256": item.doc.sha256,
                    "source_name": item.doc.source_name,
                    "source_format": item.doc.source_format,
                    "meta": item.doc.meta,
                    "imported_by_id": coder_id,
                    "imported_at": now,
                }
                for item, title in zip(items[i : i + _BATCH], titles[i : i + _BATCH], strict=True)
            ],
        )
    doc_ids: dict[str, int] = {}
    for chunk in [titles[i : i + _BATCH] for i in range(0, len(titles), _BATCH)]:
        doc_ids.update(conn.execute(select(doc_t.c.title, doc_t.c.id).where(doc_t.c.title.in_(chunk))).all())
    results = []
    with_codings = [(item, title) for item, title in zip(items, titles, strict=True) if item.doc.codings]
    added = (
        add_codings(
            uow,
            [
                DocumentCodings(
                    doc_ids[title], item.doc.text, item.doc.codings, fresh=True, source=item.doc.source_name
                )
                for item, title in with_codings
            ],
            allow_new_codes=allow_new_codes,
            source=items[0].doc.source_name if len(items) == 1 else "the imported documents",
        )
        if with_codings
        else None
    )
    created = set(added.new_codes) if added else set()
    for item, title in zip(items, titles, strict=True):
        spans = {(c.start, c.end) for c in item.doc.codings}
        keys = {(c.start, c.end, n, c.coder) for c in item.doc.codings for n in c.codes}
        names_here = {n for c in item.doc.codings for n in c.codes}
        results.append(
            ImportResult(
                doc_ids[title],
                title,
                item.participant,
                len(item.doc.text),
                len(spans),
                len(keys),
                tuple(sorted(names_here & created, key=natural_key)),
                item.doc.warnings,
            )
        )
    return results


def store_document(
    uow: UnitOfWork,
    doc: ImportedDocument,
    *,
    participant: str | None = None,
    allow_duplicate: bool = False,
    allow_new_codes: bool = True,
    title: str | None = None,
    checked: bool = False,
) -> ImportResult:
    """Store one imported document (see ``store_documents``)."""
    return store_documents(
        uow,
        [DocumentToStore(doc, participant, title)],
        allow_duplicate=allow_duplicate,
        allow_new_codes=allow_new_codes,
        checked=checked,
    )[0]


def import_document(
    uow: UnitOfWork,
    doc: ImportedDocument,
    *,
    participant: str | None = None,
    allow_duplicate: bool = False,
    allow_new_codes: bool = True,
    title: str | None = None,
    checked: bool = False,
) -> ImportResult:
    """``qualcode import``: one document, one transaction, one event (undone by deleting it);
    ``checked``: the batch passed ``check_storable`` already (``qualcode.actions.imports``)."""
    result = store_document(
        uow,
        doc,
        participant=participant,
        allow_duplicate=allow_duplicate,
        allow_new_codes=allow_new_codes,
        title=title,
        checked=checked,
    )
    new_code_ids = (
        list(uow.session.scalars(select(Code.id).where(Code.name.in_(result.new_codes))))
        if result.new_codes
        else []
    )
    uow.log(
        "documents.import",
        f"imported {result.title!r} ({result.codings} codings)",
        details={
            "document": result.title,
            "source": doc.source_name,
            "sha256": doc.sha256,
            "codings": result.codings,
            "new_codes": list(result.new_codes),
        },
        changes={"created_ids": {"document": [result.document_id], "code": new_code_ids}},
    )
    uow.commit()
    return result


def codings_per_document(uow: UnitOfWork, *, coder: str | None = None) -> dict[int, int]:
    """Number of codings per document id (only ``coder``'s if given; uncoded ones are absent)."""
    q = (
        select(Segment.document_id, func.count(Coding.id))
        .join(Coding, Coding.segment_id == Segment.id)
        .group_by(Segment.document_id)
    )
    if coder is not None:
        q = q.join(Coder, Coder.id == Coding.coder_id).where(Coder.key == coder_key(coder))
    return dict(uow.session.execute(q).all())


def existing_sha256(uow: UnitOfWork, digests: Sequence[str]) -> dict[str, str]:
    """Which of these source digests are already in the study, with the title they have."""
    found: dict[str, str] = {}
    for i in range(0, len(digests), _BATCH):
        found.update(
            uow.session.execute(
                select(Document.sha256, Document.title).where(
                    Document.sha256.in_(list(digests[i : i + _BATCH]))
                )
            ).all()
        )
    return found


@dataclass(frozen=True)
class DocumentAssigned:
    event_id: int
    document: str
    participant: str | None
    before: str | None


def assign_document(uow: UnitOfWork, document: str, participant: str | None) -> DocumentAssigned:
    """Whose document it is (``participant`` None: nobody's); one undoable event, so matrix,
    citations and ``segments --participant`` follow at once. ``document`` is its title or id."""
    from qualcode.services.history import RowTracker
    from qualcode.services.lookup import document_by_ref

    s = uow.session
    doc = document_by_ref(s, document)
    person = participant_by_label(s, participant) if participant is not None else None
    before = (
        s.scalar(select(Participant.label).where(Participant.id == doc.participant_id))
        if doc.participant_id
        else None
    )
    new_id = person.id if person is not None else None
    if doc.participant_id == new_id:
        who = f"participant {person.label!r}" if person else "no participant"
        raise ConflictError(f"document {doc.title!r} already belongs to {who}")
    tracker = RowTracker(s)
    tracker.watch(Document, [doc.id])
    doc.participant_id = new_id
    label = person.label if person is not None else None
    event = uow.log(
        "documents.assign",
        f"document {doc.title!r} assigned to " + (repr(label) if label else "no participant"),
        details={"document": doc.title, "participant": label, "before": before},
        changes=tracker.changes(),
    )
    uow.commit()
    return DocumentAssigned(event.id, doc.title, label, before)


def participant_named_like(uow: UnitOfWork, titles: Sequence[str]) -> dict[str, str]:
    """``{title: participant label}`` for titles that are a participant's label (case and white
    space aside): "Expert K.docx" belongs to "Expert K"."""

    def key(text: str) -> str:
        return " ".join(text.split()).casefold()

    labels = {key(label): label for label in uow.session.scalars(select(Participant.label))}
    return {title: labels[key(title)] for title in titles if key(title) in labels}
