"""A transaction PostgreSQL aborts as a deadlock victim is run again, and both changes land."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from qualcode.db.engine import locate
from qualcode.db.models import Code
from qualcode.db.schema import open_study
from qualcode.services.uow import UnitOfWork, run_write, unit_of_work
from tests.conftest import run_cli


@pytest.mark.postgresql
@pytest.mark.parametrize("study_url", ["postgresql"], indirect=True)
def test_a_deadlock_victim_is_run_again(study_url: str) -> None:
    assert run_cli("init", study_url).exit_code == 0
    study = open_study(locate(study_url))
    try:
        with unit_of_work(study, coder="lead") as uow:
            uow.session.add_all([Code(name="Квоты"), Code(name="Визы")])
            uow.commit()
        meet = threading.Barrier(2, timeout=20)
        calls: Counter[str] = Counter()
        failures: list[BaseException] = []

        def locker(first: str, second: str) -> Callable[[UnitOfWork], None]:
            def service(uow: UnitOfWork) -> None:
                calls[first] += 1
                uow.session.execute(
                    update(Code).where(Code.name == first).values(description=f"{first} first")
                )
                if calls[first] == 1:
                    meet.wait()  # both now hold one row and want the other's: a deadlock
                uow.session.execute(update(Code).where(Code.name == second).values(colour="#aa0000"))
                uow.commit()

            return service

        def run(first: str, second: str) -> None:
            try:
                run_write(study, locker(first, second), coder=first)
            except BaseException as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=run, args=pair) for pair in (("Квоты", "Визы"), ("Визы", "Квоты"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert failures == []
        assert sum(calls.values()) == 3  # one of the two ran twice
        with unit_of_work(study, write=False) as uow:
            rows = dict(uow.session.execute(select(Code.name, Code.description)).all())
        assert rows == {"Квоты": "Квоты first", "Визы": "Визы first"}
    finally:
        study.engine.dispose()
