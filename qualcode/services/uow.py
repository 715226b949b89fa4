"""The unit of work: one session, one transaction, one coder, for one user action.

    with unit_of_work(study, coder="aigerim") as uow:
        result = add_participant(uow, "Expert A", {})
        # add_participant calls uow.commit(); leaving the block without a commit rolls back.

Commands and widgets never hold a session; services take a unit of work and hand back frozen
dataclasses.
"""

from __future__ import annotations

import getpass
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from qualcode.db.damage import damaged_error, describe, is_damage, mark_damaged, refuse_writes_if_marked
from qualcode.db.models import Coder, Event
from qualcode.db.schema import OpenedStudy
from qualcode.domain.errors import QualcodeError


def default_coder_name() -> str:
    """``--coder``'s default: QUALCODE_CODER, else the login name."""
    name = os.environ.get("QUALCODE_CODER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "coder"


class UnitOfWork:
    def __init__(self, study: OpenedStudy, session: Session, coder_name: str):
        self.study = study
        self.session = session
        self.coder_name = coder_name
        self._coder_id: int | None = None
        self.committed = False

    @property
    def dialect(self) -> str:
        return self.study.engine.dialect.name

    def coder_id(self, name: str | None = None) -> int:
        """The id of a coder (this unit's by default), created on first use."""
        wanted = (name or self.coder_name).strip()
        if not wanted:
            raise QualcodeError("a coder needs a name: use --coder NAME or set QUALCODE_CODER")
        if name is None and self._coder_id is not None:
            return self._coder_id
        found = self.session.scalar(select(Coder.id).where(Coder.name == wanted))
        if found is None:
            coder = Coder(name=wanted)
            self.session.add(coder)
            self.session.flush()
            found = coder.id
        if name is None:
            self._coder_id = found
        return found

    def log(
        self,
        action: str,
        summary: str,
        *,
        details: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> Event:
        """Append one event to the study's log (in this transaction)."""
        event = Event(
            coder_id=self.coder_id(),
            action=action,
            summary=summary,
            details=details or {},
            changes=changes or {},
        )
        self.session.add(event)
        self.session.flush()
        return event

    def commit(self) -> None:
        self.session.commit()
        self.committed = True


@contextmanager
def unit_of_work(
    study: OpenedStudy, *, coder: str | None = None, write: bool = True, blind: bool = False
) -> Iterator[UnitOfWork]:
    """One transaction. Database refusals become QualcodeError with a plain message.

    ``blind`` (a read unit only): every query sees this coder's codings, segments, coding memos
    and events alone (``qualcode.services.blind``).
    """
    location = study.location
    if write:
        refuse_writes_if_marked(location.path, location.display)
    try:
        connection = study.engine.connect().execution_options(qualcode_write=write)
    except DBAPIError as exc:
        if is_damage(exc):
            mark_damaged(location.path, describe(exc))
            raise damaged_error(location.display, describe(exc)) from exc
        raise
    session = Session(bind=connection, expire_on_commit=False, autoflush=True)
    uow = UnitOfWork(study, session, coder or default_coder_name())
    try:
        if blind and not write:
            from qualcode.services.blind import restrict_to_coder

            restrict_to_coder(session, uow.coder_name)
        yield uow
    except DBAPIError as exc:
        with suppress(DBAPIError):  # a damaged file may refuse the rollback too
            session.rollback()
        if is_damage(exc):
            mark_damaged(location.path, describe(exc))
            raise damaged_error(location.display, describe(exc)) from exc
        if isinstance(exc, IntegrityError):
            detail = str(exc.orig).strip().splitlines()[0]
            raise QualcodeError(f"the study refused the change: {detail}", source=location.display) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        if session.in_transaction():
            session.rollback()
        session.close()
        connection.close()


T = TypeVar("T")

# PostgreSQL's SQLSTATEs for a transaction the server chose to abort so that others can go on:
# serialization_failure and deadlock_detected (PostgreSQL documentation, Appendix A). Running the
# whole transaction again is the documented remedy.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def _retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


def run_write(
    study: OpenedStudy,
    service: Callable[..., T],
    *args: Any,
    coder: str | None = None,
    attempts: int = 4,
    **kwargs: Any,
) -> T:
    """``service(uow, *args, **kwargs)`` in one write transaction, run again (up to ``attempts``
    times, after a short random pause) when PostgreSQL aborted it as a deadlock victim or for a
    serialization failure. The service must be a whole unit: it is repeated from the start."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(study, coder=coder, write=True) as uow:
                return service(uow, *args, **kwargs)
        except DBAPIError as exc:
            if not _retryable(exc) or attempt == attempts:
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
