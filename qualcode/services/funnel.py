"""The funnel from the data: codings, codes by status, and the merge/exclusion history."""

from __future__ import annotations

from sqlalchemy import func, select

from qualcode.db.models import Code, CodeStatus, Coding
from qualcode.domain.funnel import FunnelReport
from qualcode.services.uow import UnitOfWork


def study_funnel(uow: UnitOfWork) -> FunnelReport:
    """Counts only: applications (codings), unique codes (not merged), kept and excluded."""
    s = uow.session
    applications = s.scalar(select(func.count(Coding.id))) or 0
    by_status = dict(s.execute(select(Code.status, func.count(Code.id)).group_by(Code.status)).all())
    kept = by_status.get(CodeStatus.ACTIVE, 0)
    excluded = by_status.get(CodeStatus.EXCLUDED, 0)
    return FunnelReport(applications, kept + excluded, kept, excluded)
