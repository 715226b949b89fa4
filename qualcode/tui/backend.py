"""The workbench's one door to the study: run a service in its own unit of work.

Screens call ``Backend.read(service, ...)`` / ``Backend.write(service, ...)`` from worker
threads; they never see a session. Each call is one transaction, like one CLI command.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from qualcode.db.engine import locate
from qualcode.db.schema import OpenedStudy, open_study
from qualcode.services.uow import UnitOfWork, default_coder_name, run_write, unit_of_work

T = TypeVar("T")


def _parameters(service: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(service).parameters)


class Backend:
    """``blind``: every read service that can filter by coder shows this coder's codings only."""

    def __init__(self, study: OpenedStudy, coder: str | None = None, *, blind: bool = False):
        self.study = study
        self.coder = coder or default_coder_name()
        self.blind = blind

    @classmethod
    def open(cls, db: str, coder: str | None = None, *, blind: bool = False) -> Backend:
        return cls(open_study(locate(db)), coder, blind=blind)

    @property
    def display(self) -> str:
        return self.study.location.display

    @property
    def name(self) -> str:
        """The study's file name, or its database name (no host, no password)."""
        location = self.study.location
        return location.path.name if location.path is not None else str(location.url.database or "")

    def read(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        takes = _parameters(service)
        if "blind" in takes:  # the read models: the viewing coder and the blind flag
            kwargs.setdefault("viewer", self.coder)
            kwargs.setdefault("blind", self.blind)
        elif self.blind and "only_coder" in takes:
            kwargs.setdefault("only_coder", self.coder)
        with unit_of_work(self.study, coder=self.coder, write=False, blind=self.blind) as uow:
            return service(uow, *args, **kwargs)

    def write(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Run again if PostgreSQL picked this transaction as a deadlock victim.
        return run_write(self.study, service, *args, coder=self.coder, **kwargs)

    def close(self) -> None:
        self.study.engine.dispose()


__all__ = ["Backend", "UnitOfWork"]
