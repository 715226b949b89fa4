"""Reading memos back: notes on codings (comment replies), codes, documents, participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qualcode.db.models import Code, Coder, Coding, Document, Memo, Participant, Segment, Theme
from qualcode.services.lookup import code_by_name, document_by_ref
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class MemoRow:
    memo_id: int
    target: str  # "coding", "code", "document", "participant", "theme" or "study"
    document: str | None
    code: str | None
    segment_id: int | None
    coding_id: int | None
    about: str | None  # the participant's label or the theme's name, for those targets
    text: str
    author: str | None
    created_at: datetime
    provenance: str


def list_memos(uow: UnitOfWork, *, code: str | None = None, document: str | None = None) -> list[MemoRow]:
    """Memos in the order they were written; ``code``/``document`` keep those about that code
    or document (a coding's memo belongs to its code and its document)."""
    s = uow.session
    coding_code = aliased(Code)
    direct_doc = aliased(Document)
    coded_doc = aliased(Document)
    q = (
        select(
            Memo,
            Coder.name,
            coded_doc.title,
            direct_doc.title,
            coding_code.name,
            Code.name,
            Segment.id,
            Participant.label,
            Theme.name,
        )
        .outerjoin(Coder, Coder.id == Memo.author_id)
        .outerjoin(Coding, Coding.id == Memo.coding_id)
        .outerjoin(Segment, Segment.id == Coding.segment_id)
        .outerjoin(coded_doc, coded_doc.id == Segment.document_id)
        .outerjoin(coding_code, coding_code.id == Coding.code_id)
        .outerjoin(direct_doc, direct_doc.id == Memo.document_id)
        .outerjoin(Code, Code.id == Memo.code_id)
        .outerjoin(Participant, Participant.id == Memo.participant_id)
        .outerjoin(Theme, Theme.id == Memo.theme_id)
    )
    if code is not None:
        cid = code_by_name(s, code, follow_merges=True).id
        q = q.where((Coding.code_id == cid) | (Memo.code_id == cid))
    if document is not None:
        did = document_by_ref(s, document).id
        q = q.where((Segment.document_id == did) | (Memo.document_id == did))
    rows = []
    for memo, author, coded_title, doc_title, coded_name, code_name, segment_id, label, theme in s.execute(
        q.order_by(Memo.created_at, Memo.id)
    ):
        target = (
            "coding"
            if memo.coding_id is not None
            else "code"
            if memo.code_id is not None
            else "document"
            if memo.document_id is not None
            else "participant"
            if memo.participant_id is not None
            else "theme"
            if memo.theme_id is not None
            else "study"
        )
        rows.append(
            MemoRow(
                memo.id,
                target,
                coded_title or doc_title,
                coded_name or code_name,
                segment_id,
                memo.coding_id,
                label or theme,
                memo.text,
                author,
                memo.created_at,
                memo.provenance,
            )
        )
    return rows
