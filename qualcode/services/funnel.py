"""The funnel from the data: codings, codes by status, and the merge/exclusion history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from qualcode.db.models import Code, CodebookSnapshot, Coder, CodeStatus, Coding, Event
from qualcode.domain.funnel import ExclusionStep, FunnelReport, MergeStep
from qualcode.services.uow import UnitOfWork

# The event actions consolidate.py writes (kept here as strings: the funnel only reads the log).
_MERGE = "codes.merge"
_EXCLUDE = "codes.exclude"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def study_funnel(uow: UnitOfWork) -> FunnelReport:
    """Applications (codings, counting those a merge folded into a coding already there),
    unique codes (not merged, applied at least once), kept and excluded, and every merge and
    exclusion in force."""
    s = uow.session
    codings = s.scalar(select(func.count(Coding.id))) or 0
    # Codes count when the data holds them: a codebook entry nobody has applied yet is not
    # one of the study's codes (reported apart as unused).
    applied = select(Coding.id).where(Coding.code_id == Code.id).exists()
    by_status = dict(
        s.execute(select(Code.status, func.count(Code.id)).where(applied).group_by(Code.status)).all()
    )
    kept = by_status.get(CodeStatus.ACTIVE, 0)
    excluded = by_status.get(CodeStatus.EXCLUDED, 0)
    unused = s.scalar(select(func.count(Code.id)).where(Code.status != CodeStatus.MERGED, ~applied)) or 0

    names = dict(s.execute(select(Code.id, Code.name)).all())
    taken = s.execute(
        select(CodebookSnapshot.name, CodebookSnapshot.created_at).order_by(
            CodebookSnapshot.created_at, CodebookSnapshot.id
        )
    ).all()

    def snapshot_after(moment: datetime | None) -> str | None:
        return next((name for name, at in taken if moment is not None and at >= moment), None)

    coders = dict(s.execute(select(Coder.id, Coder.name)).all())
    in_force = s.scalars(
        select(Event)
        .where(Event.action.in_([_MERGE, _EXCLUDE]), Event.undone_by_id.is_(None))
        .order_by(Event.id)
    ).all()

    merges: list[MergeStep] = []
    folded = 0  # codings a merge dropped because the segment already carried the target
    exclusion_events: dict[int, Event] = {}
    for event in in_force:
        d = event.details
        if event.action == _MERGE:
            folded += int(d.get("dropped", 0))
            # Names as they are now (a code may have been renamed since), else as recorded.
            into = names.get(d.get("into_id", -1), d.get("into", ""))
            recorded = list(d.get("from", []))
            ids = list(d.get("from_ids", []))
            sources = tuple(
                names.get(ids[i], recorded[i]) if i < len(ids) else recorded[i] for i in range(len(recorded))
            )
            merges.append(
                MergeStep(
                    into,
                    sources,
                    coders.get(event.coder_id or -1),
                    _at(event.at),
                    d.get("reason", ""),
                    snapshot_after(event.at),
                )
            )
        else:
            for code_id in d.get("code_ids", []):
                exclusion_events[code_id] = event  # the newest exclusion of a code wins

    exclusions: list[ExclusionStep] = []
    for code_id, name, reason in s.execute(
        select(Code.id, Code.name, Code.exclusion_reason)
        .where(Code.status == CodeStatus.EXCLUDED, applied)
        .order_by(Code.id)
    ).all():
        found = exclusion_events.get(code_id)
        if found is None:  # excluded outside the log (an imported codebook, say)
            exclusions.append(ExclusionStep(name, None, "", reason))
        else:
            exclusions.append(
                ExclusionStep(
                    name, coders.get(found.coder_id or -1), _at(found.at), reason, snapshot_after(found.at)
                )
            )
    exclusions.sort(key=lambda x: (x.at, x.code))
    last_merge = max((e.at for e in in_force if e.action == _MERGE), default=None)
    last_exclusion = max((e.at for e in exclusion_events.values()), default=None)
    return FunnelReport(
        codings + folded,
        kept + excluded,
        kept,
        excluded,
        merges,
        exclusions,
        unused,
        [(name, _at(at)) for name, at in taken],
        {"combined": snapshot_after(last_merge), "excluded": snapshot_after(last_exclusion)},
    )
