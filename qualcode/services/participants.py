"""Participants: the anonymised interviewees ("Expert A") and their attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qualcode.db.models import Participant
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.reports import ParticipantRow
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


def set_participant_attribute(uow: UnitOfWork, label: str, key: str, value: str | None) -> ParticipantRow:
    """Set one attribute of a participant (``value`` None or blank removes it); undoable.

    Attributes keep their order: a changed one stays where it was, a new one goes last.
    """
    from qualcode.services.lookup import participant_by_label

    key = key.strip()
    if not key:
        raise QualcodeError("an attribute needs a name, such as 'location'")
    s = uow.session
    person = participant_by_label(s, label)
    before = dict(person.attributes)
    after = dict(before)
    if value is None or not value.strip():
        if key not in after:
            raise QualcodeError(f"participant {person.label!r} has no attribute {key!r}")
        del after[key]
        summary = f"removed {key!r} of {person.label}"
    else:
        after[key] = value.strip()
        summary = f"set {key!r} of {person.label} to {value.strip()!r}"
    tracker = RowTracker(s)
    tracker.watch(Participant, [person.id])
    person.attributes = after
    uow.log(
        "participants.attribute",
        summary,
        details={
            "participant": person.label,
            "attribute": key,
            "before": before.get(key),
            "after": after.get(key),
        },
        changes=tracker.changes(),
    )
    uow.commit()
    from qualcode.services.read_models import participants_table

    return next(p for p in participants_table(uow) if p.label == person.label)
