"""A coder codes with a source code while it is being merged: the coding ends on the target.

The merge holds its code rows locked until it commits (PostgreSQL ``FOR UPDATE``, SQLite's
writer lock); the coder's lookup of the code name waits for it and then follows the merge,
or, when the coder was first, the merge waits and then moves the new coding too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from qualcode.db.engine import locate
from qualcode.db.schema import open_study
from qualcode.services.coding import code_span
from qualcode.services.consolidate import merge_codes
from qualcode.services.uow import UnitOfWork, unit_of_work
from tests.conftest import run_cli
from tests.consolidation.helpers import Applied, sentences, store_notes

SOURCE, TARGET = "visa free regimes", "Visa-free regime"


def _held(uow: UnitOfWork, started: threading.Event) -> None:
    """Make this unit of work say it holds its locks, then wait a moment before committing."""
    commit = uow.commit

    def slow_commit() -> None:
        started.set()
        time.sleep(1.0)
        commit()

    uow.commit = slow_commit  # type: ignore[method-assign]


def _span(i: int) -> tuple[int, int]:
    parts = sentences(10)
    start = sum(len(p) + 1 for p in parts[:i])
    return start, start + len(parts[i])


@pytest.mark.parametrize("first", ["merge", "coder"])
def test_a_coding_racing_a_merge_lands_on_the_target(empty_study: str, first: str) -> None:
    db = empty_study
    store_notes(
        db, {"Interview A": ("Expert A", sentences(10), [Applied(0, (SOURCE,)), Applied(1, (TARGET,))])}
    )
    opened = open_study(locate(db))
    started = threading.Event()
    errors: list[BaseException] = []

    def merge() -> None:
        with unit_of_work(opened, coder="lead") as uow:
            if first == "merge":
                _held(uow, started)
            merge_codes(uow, [SOURCE], TARGET)

    def code() -> None:
        start, end = _span(5)
        with unit_of_work(opened, coder="dana") as uow:
            if first == "coder":
                _held(uow, started)
            code_span(uow, "Interview A", [SOURCE], start=start, end=end)

    def run(fn: Callable[[], None]) -> None:
        try:
            fn()
        except BaseException as exc:  # reported below
            errors.append(exc)

    leader, follower = (merge, code) if first == "merge" else (code, merge)
    one = threading.Thread(target=run, args=(leader,))
    one.start()
    assert started.wait(20)
    two = threading.Thread(target=run, args=(follower,))
    two.start()
    one.join(30)
    two.join(30)
    opened.engine.dispose()
    assert not errors, errors

    codes = {c["name"]: c for c in run_cli("codes", "list", "--all", "--json", db=db).json()}
    assert codes[SOURCE]["status"] == "merged" and codes[SOURCE]["count"] == 0
    assert codes[TARGET]["count"] == 3
    check = run_cli("db", "check", db=db)
    assert check.exit_code == 0, check.stdout
