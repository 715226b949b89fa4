"""Documents: storing imported text with its codings (bulk, through SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from qualcode.db.models import Code, Coder, CodeStatus, Coding, Document, Memo, Participant, Segment
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.domain.labels import natural_key
from qualcode.services.lookup import participant_by_label
from qualcode.services.uow import UnitOfWork

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
    known = dict(session.execute(select(Coder.name, Coder.id).where(Coder.name.in_(names))).all())
    missing = sorted(names - set(known))
    if missing:
        now = datetime.now(UTC)
        session.execute(insert(Coder), [{"name": n, "created_at": now} for n in missing])
        known.update(session.execute(select(Coder.name, Coder.id).where(Coder.name.in_(missing))).all())
    return known


def resolve_code_ids(
    session: Session, names: Sequence[str], *, allow_new: bool, coder_id: int, source: str
) -> tuple[dict[str, int], list[str]]:
    """Code ids for names (a merged code gives its survivor); create missing ones if allowed."""
    wanted = set(names)
    rows = []
    for i in range(0, len(names), _BATCH):
        chunk = sorted(wanted)[i : i + _BATCH]
        rows += session.execute(
            select(Code.name, Code.id, Code.status, Code.merged_into_id).where(Code.name.in_(chunk))
        ).all()
    ids: dict[str, int] = {}
    for name, code_id, status, merged_into in rows:
        while status == CodeStatus.MERGED and merged_into is not None:
            code_id, status, merged_into = session.execute(
                select(Code.id, Code.status, Code.merged_into_id).where(Code.id == merged_into)
            ).one()
        ids[name] = code_id
    missing = sorted(wanted - set(ids), key=natural_key)
    if missing and not allow_new:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise QualcodeError(
            f"{len(missing)} code(s) not in the codebook: {shown}; add --new-codes to create them",
            source=source,
        )
    if missing:
        now = datetime.now(UTC)
        session.execute(
            insert(Code),
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


def store_document(
    uow: UnitOfWork,
    doc: ImportedDocument,
    *,
    participant: str | None = None,
    allow_duplicate: bool = False,
    allow_new_codes: bool = True,
    title: str | None = None,
) -> ImportResult:
    """Store one imported document and its codings in the current transaction (no commit).

    The same source (sha256) is refused unless ``allow_duplicate``; a title in use is refused.
    """
    s = uow.session
    title = (title or doc.title).strip()
    if not title:
        raise QualcodeError("the document has no title", source=doc.source_name)
    if "\x00" in doc.text:
        raise QualcodeError("this looks like a binary file, not text", source=doc.source_name)
    if not allow_duplicate:
        same = s.scalar(select(Document.title).where(Document.sha256 == doc.sha256))
        if same is not None:
            raise ConflictError(
                f"already in the study as {same!r} (same content); add --again to import it anyway",
                source=doc.source_name,
            )
    if s.scalar(select(Document.id).where(Document.title == title)) is not None:
        raise ConflictError(f"a document titled {title!r} is already in the study", source=doc.source_name)
    participant_id = participant_by_label(s, participant).id if participant else None
    for coding in doc.codings:
        if not (0 <= coding.start < coding.end <= len(doc.text)):
            raise QualcodeError(
                f"span [{coding.start}, {coding.end}) is outside the text", source=doc.source_name
            )
    coder_id = uow.coder_id()
    now = datetime.now(UTC)
    document_id = s.execute(
        insert(Document).returning(Document.id),
        [
            {
                "title": title,
                "participant_id": participant_id,
                "text": doc.text,
                "sha256": doc.sha256,
                "source_name": doc.source_name,
                "source_format": doc.source_format,
                "meta": doc.meta,
                "imported_by_id": coder_id,
                "imported_at": now,
            }
        ],
    ).scalar_one()

    spans = sorted({(c.start, c.end) for c in doc.codings})
    for i in range(0, len(spans), _BATCH):
        s.execute(
            insert(Segment),
            [
                {"document_id": document_id, "start": a, "end": b, "text": doc.text[a:b]}
                for a, b in spans[i : i + _BATCH]
            ],
        )
    segment_ids = dict(
        ((a, b), sid)
        for sid, a, b in s.execute(
            select(Segment.id, Segment.start, Segment.end).where(Segment.document_id == document_id)
        ).all()
    )
    code_names = sorted({name for c in doc.codings for name in c.codes})
    code_ids, new_codes = resolve_code_ids(
        s, code_names, allow_new=allow_new_codes, coder_id=coder_id, source=doc.source_name
    )
    coder_ids = _resolve_coders(s, {c.coder for c in doc.codings if c.coder}) if doc.codings else {}

    seen: set[tuple[int, int, int]] = set()
    coding_rows = []
    memo_wanted: list[tuple[tuple[int, int, int], str, str | None, datetime | None]] = []
    for c in doc.codings:
        cid = coder_ids[c.coder] if c.coder else coder_id
        sid = segment_ids[(c.start, c.end)]
        for name in c.codes:
            key = (sid, code_ids[name], cid)
            if key not in seen:  # the same code twice on one span by one coder is one coding
                seen.add(key)
                coding_rows.append(
                    {"segment_id": sid, "code_id": key[1], "coder_id": cid, "created_at": c.created_at or now}
                )
            for memo in c.memos:
                memo_wanted.append((key, memo.text, memo.author, memo.created_at))
    for i in range(0, len(coding_rows), _BATCH):
        s.execute(insert(Coding), coding_rows[i : i + _BATCH])
    if memo_wanted:
        authors = _resolve_coders(s, {a for _, _, a, _ in memo_wanted if a})
        coding_ids = {
            (sid, code_id, cid): coding_id
            for coding_id, sid, code_id, cid in s.execute(
                select(Coding.id, Coding.segment_id, Coding.code_id, Coding.coder_id)
                .join(Segment, Segment.id == Coding.segment_id)
                .where(Segment.document_id == document_id)
            ).all()
        }
        s.execute(
            insert(Memo),
            [
                {
                    "text": text,
                    "coding_id": coding_ids[key],
                    "author_id": authors.get(author) if author else coder_id,
                    "provenance": f"imported from {doc.source_name}",
                    "created_at": at or now,
                }
                for key, text, author, at in memo_wanted
            ],
        )
    return ImportResult(
        document_id,
        title,
        participant,
        len(doc.text),
        len(spans),
        len(coding_rows),
        tuple(new_codes),
        doc.warnings,
    )


def import_document(
    uow: UnitOfWork,
    doc: ImportedDocument,
    *,
    participant: str | None = None,
    allow_duplicate: bool = False,
    allow_new_codes: bool = True,
    title: str | None = None,
) -> ImportResult:
    """``qualcode import``: one document, one transaction, one event (undone by deleting it)."""
    result = store_document(
        uow,
        doc,
        participant=participant,
        allow_duplicate=allow_duplicate,
        allow_new_codes=allow_new_codes,
        title=title,
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


def list_documents(uow: UnitOfWork) -> list[DocumentInfo]:
    s = uow.session
    codings = dict(
        s.execute(
            select(Segment.document_id, func.count(Coding.id))
            .join(Coding, Coding.segment_id == Segment.id)
            .group_by(Segment.document_id)
        ).all()
    )
    rows = s.execute(
        select(Document.id, Document.title, Participant.label, func.length(Document.text)).outerjoin(
            Participant, Participant.id == Document.participant_id
        )
    ).all()
    docs = [DocumentInfo(i, t, p, n, codings.get(i, 0)) for i, t, p, n in rows]
    return sorted(docs, key=lambda d: (natural_key(d.participant or "\uffff"), natural_key(d.title)))


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
