"""Memos on the study, a document, a participant, a code, a theme or a coding: write, edit, read.

Writing and editing are undoable (their rows go into the event log with a RowTracker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from qualcode.db.models import Code, Coder, Coding, Document, Memo, Participant, Segment, Theme
from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.services.history import RowTracker
from qualcode.services.lookup import code_by_name, document_by_ref, participant_by_label, theme_by_name
from qualcode.services.uow import UnitOfWork

TARGETS = ("study", "document", "participant", "code", "theme", "coding")


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


def list_memos(
    uow: UnitOfWork,
    *,
    code: str | None = None,
    document: str | None = None,
    participant: str | None = None,
    theme: str | None = None,
    target: str | None = None,
    memo_id: int | None = None,
) -> list[MemoRow]:
    """Memos in the order they were written; ``code``/``document`` keep those about that code
    or document (a coding's memo belongs to its code and its document), ``participant`` and
    ``theme`` those about that participant or theme, ``target`` those of one kind ("study",
    "document", "participant", "code", "theme", "coding")."""
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
    if participant is not None:
        q = q.where(Memo.participant_id == participant_by_label(s, participant).id)
    if theme is not None:
        q = q.where(Memo.theme_id == theme_by_name(s, theme).id)
    if memo_id is not None:
        q = q.where(Memo.id == memo_id)
    if target is not None:
        if target not in TARGETS:
            raise QualcodeError(f"a memo is on one of {', '.join(TARGETS)}, not {target!r}")
        columns = {
            "document": Memo.document_id,
            "participant": Memo.participant_id,
            "code": Memo.code_id,
            "theme": Memo.theme_id,
            "coding": Memo.coding_id,
        }
        if target == "study":
            q = q.where(*(column.is_(None) for column in columns.values()))
        else:
            q = q.where(columns[target].is_not(None))
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


def _memo_row(uow: UnitOfWork, memo_id: int) -> MemoRow:
    return list_memos(uow, memo_id=memo_id)[0]


def add_memo(
    uow: UnitOfWork,
    text: str,
    *,
    document: str | None = None,
    participant: str | None = None,
    code: str | None = None,
    theme: str | None = None,
    coding_id: int | None = None,
) -> MemoRow:
    """``qualcode memos add TEXT [--document D | --participant P | --code C | --theme T | --coding ID]``.

    A memo on at most one thing; with none it is a memo on the study. The text is kept exactly
    (line breaks included) apart from blank lines at its start and end. Undoable.
    """
    s = uow.session
    text = text.strip("\n").rstrip()
    if not text.strip():
        raise QualcodeError("a memo needs some text")
    given = [t for t in (document, participant, code, theme, coding_id) if t is not None]
    if len(given) > 1:
        raise QualcodeError(
            "a memo is on one thing: give one of --document, --participant, --code, --theme, --coding"
        )
    memo = Memo(text=text, author_id=uow.coder_id())
    about = "the study"
    if document is not None:
        found_document = document_by_ref(s, document)
        memo.document_id, about = found_document.id, f"document {found_document.title!r}"
    elif participant is not None:
        found_participant = participant_by_label(s, participant)
        memo.participant_id, about = found_participant.id, f"participant {found_participant.label!r}"
    elif code is not None:
        found_code = code_by_name(s, code)
        memo.code_id, about = found_code.id, f"code {found_code.name!r}"
    elif theme is not None:
        found_theme = theme_by_name(s, theme)
        memo.theme_id, about = found_theme.id, f"theme {found_theme.name!r}"
    elif coding_id is not None:
        name = s.scalar(
            select(Code.name).join(Coding, Coding.code_id == Code.id).where(Coding.id == coding_id)
        )
        if name is None:
            raise NotFoundError(f"no coding {coding_id}")
        memo.coding_id, about = coding_id, f"a coding of {name!r}"
    s.add(memo)
    s.flush()
    tracker = RowTracker(s)
    tracker.watch_new(Memo, [memo.id])
    uow.log("memo.add", f"memo on {about}", details={"memo": memo.id}, changes=tracker.changes())
    uow.commit()
    return _memo_row(uow, memo.id)


def edit_memo(uow: UnitOfWork, memo_id: int, text: str) -> MemoRow:
    """``qualcode memos edit ID TEXT``: replace a memo's text (undoable; the old text is kept in
    the event log)."""
    s = uow.session
    memo = s.get(Memo, memo_id)
    if memo is None:
        raise NotFoundError(f"no memo {memo_id}")
    text = text.strip("\n").rstrip()
    if not text.strip():
        raise QualcodeError("a memo needs some text")
    tracker = RowTracker(s)
    tracker.watch(Memo, [memo_id])
    memo.text = text
    uow.log("memo.edit", f"edited memo {memo_id}", details={"memo": memo_id}, changes=tracker.changes())
    uow.commit()
    return _memo_row(uow, memo_id)
