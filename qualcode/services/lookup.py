"""Finding things by the names researchers type: codes, documents, participants, themes."""

from __future__ import annotations

from rapidfuzz import process
from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.db.models import Code, CodeStatus, Document, Participant, Theme
from qualcode.domain.errors import NotFoundError


def _did_you_mean(name: str, choices: list[str]) -> str:
    if not choices:
        return ""
    best = process.extractOne(name, choices, score_cutoff=70)
    return f" (did you mean {best[0]!r}?)" if best else ""


def code_by_name(session: Session, name: str, *, follow_merges: bool = False) -> Code:
    """The code called ``name``; with ``follow_merges`` a merged code gives its survivor."""
    code = session.scalar(select(Code).where(Code.name == name))
    if code is None:
        names = list(session.scalars(select(Code.name)))
        raise NotFoundError(f"no code named {name!r}{_did_you_mean(name, names)}")
    seen = {code.id}
    while follow_merges and code.status == CodeStatus.MERGED and code.merged_into_id is not None:
        code = session.get_one(Code, code.merged_into_id)
        if code.id in seen:  # a cycle would be a bug elsewhere; stop rather than loop
            break
        seen.add(code.id)
    return code


def document_by_ref(session: Session, ref: str) -> Document:
    """A document by its id (digits) or its unique title."""
    ref = ref.strip()
    doc = session.scalar(select(Document).where(Document.title == ref))
    if doc is None and ref.isdigit():
        doc = session.get(Document, int(ref))
    if doc is None:
        titles = list(session.scalars(select(Document.title)))
        raise NotFoundError(f"no document {ref!r}{_did_you_mean(ref, titles)} (see qualcode documents list)")
    return doc


def participant_by_label(session: Session, label: str) -> Participant:
    found = session.scalar(select(Participant).where(Participant.label == label.strip()))
    if found is None:
        labels = list(session.scalars(select(Participant.label)))
        raise NotFoundError(
            f"no participant {label!r}{_did_you_mean(label, labels)}; add one with qualcode participants add"
        )
    return found


def theme_by_name(session: Session, name: str) -> Theme:
    found = session.scalar(select(Theme).where(Theme.name == name.strip()))
    if found is None:
        names = list(session.scalars(select(Theme.name)))
        raise NotFoundError(f"no theme {name!r}{_did_you_mean(name, names)}")
    return found
