"""Storing a survey: its respondents as participants and its answers as documents, one event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qualcode.db.models import Participant
from qualcode.domain.errors import ConflictError
from qualcode.domain.imported import ImportedDocument
from qualcode.services.documents import DocumentToStore, store_documents
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class SurveyImported:
    participants: tuple[str, ...]
    documents: tuple[str, ...]
    event_id: int


def import_survey(
    uow: UnitOfWork,
    respondents: Sequence[tuple[str, dict[str, Any], int]],
    documents: Sequence[tuple[ImportedDocument, str | None]],
    *,
    source: str,
    allow_duplicate: bool = False,
) -> SurveyImported:
    """Add each respondent (label, attributes, row) as a participant and store the documents, as
    one event (``qualcode undo`` removes both). A respondent already in the study is refused with
    its row; so is a document title in use or a file already imported (unless ``allow_duplicate``)."""
    s = uow.session
    existing = set(s.scalars(select(Participant.label)))
    for label, _, row in respondents:
        if label in existing:
            raise ConflictError(f"participant {label!r} is already in the study", source=source, line=row)
    position = s.scalar(select(func.max(Participant.position))) or 0
    added: list[Participant] = []
    for label, attributes, _ in respondents:
        position += 1
        person = Participant(label=label, attributes=dict(attributes), position=position)
        s.add(person)
        added.append(person)
    s.flush()
    results = store_documents(
        uow, [DocumentToStore(doc, label, None) for doc, label in documents], allow_duplicate=allow_duplicate
    )
    event = uow.log(
        "documents.import_survey",
        f"imported a survey from {source}: {len(added)} respondents, {len(results)} documents",
        details={"source": source, "participants": len(added), "documents": len(results)},
        changes={
            "created_ids": {
                "participant": [p.id for p in added],
                "document": [r.document_id for r in results],
            }
        },
    )
    uow.commit()
    return SurveyImported(tuple(p.label for p in added), tuple(r.title for r in results), event.id)
