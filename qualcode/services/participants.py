"""Participants: the anonymised interviewees ("Expert A") and their attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qualcode.db.models import Participant
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.services.history import RowTracker
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class ParticipantInfo:
    label: str
    attributes: dict[str, Any]
    documents: int
    codings: int


def add_participant(uow: UnitOfWork, label: str, attributes: dict[str, Any]) -> ParticipantInfo:
    """Add one participant (``qualcode participants add "Expert A" --attr date=2024-04-11``)."""
    label = label.strip()
    if not label:
        raise QualcodeError("a participant needs a label, such as 'Expert A'")
    if uow.session.scalar(select(Participant.id).where(Participant.label == label)) is not None:
        raise ConflictError(f"participant {label!r} is already in the study")
    position = (uow.session.scalar(select(func.max(Participant.position))) or 0) + 1
    participant = Participant(label=label, attributes=dict(attributes), position=position)
    uow.session.add(participant)
    uow.session.flush()
    tracker = RowTracker(uow.session)
    tracker.watch_new(Participant, [participant.id])
    uow.log("participants.add", f"added participant {label}", changes=tracker.changes())
    uow.commit()
    return ParticipantInfo(label, dict(attributes), 0, 0)
