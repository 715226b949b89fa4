"""The unit of work: one session, one transaction, one coder, for one user action.

    with unit_of_work(study, coder="aigerim") as uow:
        result = add_participant(uow, "Expert A", {})
        # add_participant calls uow.commit(); leaving the block without a commit rolls back.

Commands and widgets never hold a session; services take a unit of work and hand back frozen
dataclasses.
"""

from __future__ import annotations

import getpass
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from qualcode.db.damage import damaged_error, describe, is_damage, mark_damaged, refuse_writes_if_marked
from qualcode.db.models import Coder, Event, table_of
from qualcode.db.schema import OpenedStudy
from qualcode.domain.coders import clean_name, close_names, coder_key
from qualcode.domain.errors import QualcodeError

log = logging.getLogger("qualcode")


def resolve_coders(session: Session, names: Iterable[str]) -> dict[str, int]:
    """The coder id of each name, matched by ``coder_key`` (case and Unicode form aside: "Aigerim"
    and "aigerim" are one coder); a name no coder has becomes a new coder, with a warning on the
    "qualcode" logger when it is close to an existing one ("Айгерим" beside "Aigerim")."""
    wanted = {name: coder_key(name) for name in names if name and name.strip()}
    found: dict[str, int] = {}
    keys = sorted(set(wanted.values()))
    for i in range(0, len(keys), 500):
        for coder_id, key in session.execute(
            select(Coder.id, Coder.key).where(Coder.key.in_(keys[i : i + 500])).order_by(Coder.id.desc())
        ).all():
            found[key] = coder_id  # the oldest coder of a key wins (ids descending)
    missing = sorted({key: name for name, key in wanted.items() if key not in found}.items())
    if missing:
        existing = list(session.scalars(select(Coder.name)))
        now = datetime.now(UTC)
        for key, name in missing:
            for other in close_names(name, existing)[:1]:
                log.warning(
                    f"new coder {clean_name(name)!r} looks like {other!r}; if they are one person: "
                    f"qualcode coders merge {clean_name(name)!r} --into {other!r}"
                )
            session.execute(insert(table_of(Coder)).values(name=clean_name(name), key=key, created_at=now))
            existing.append(clean_name(name))
        for coder_id, key in session.execute(
            select(Coder.id, Coder.key).where(Coder.key.in_([k for k, _ in missing]))
        ).all():
            found.setdefault(key, coder_id)
    return {name: found[key] for name, key in wanted.items()}


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
        self.session.flush()
        found = resolve_coders(self.session, [wanted])[wanted]
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
