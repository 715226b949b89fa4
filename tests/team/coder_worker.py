"""One coder in its own process, for the concurrency tests and the team benchmark.

    python -m tests.team.coder_worker code DB CODER FIRST COUNT CODES [--new]
    python -m tests.team.coder_worker merge DB SOURCE TARGET AFTER

``code`` codes lines FIRST..FIRST+COUNT-1 of the document "Lines" (line j gets code
``CODES[j % len(CODES)]``, CODES comma-separated), one transaction per coding through the coding
service, and prints one JSON line: the codings it added and each coding's latency in seconds.
``merge`` waits until AFTER codings exist, then merges SOURCE into TARGET.
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import func, select

from qualcode.db.engine import locate
from qualcode.db.models import Coding
from qualcode.db.schema import open_study
from qualcode.services.coding import code_span
from qualcode.services.uow import unit_of_work


def line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line:
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def code_lines(db: str, coder: str, first: int, count: int, codes: list[str], allow_new: bool) -> None:
    from qualcode.services.lookup import document_by_ref

    study = open_study(locate(db))
    with unit_of_work(study, coder=coder, write=False) as uow:
        spans = line_spans(document_by_ref(uow.session, "Lines").text)
    added, latencies = 0, []
    for j in range(first, first + count):
        start, end = spans[j]
        began = time.perf_counter()
        with unit_of_work(study, coder=coder) as uow:
            result = code_span(
                uow, "Lines", [codes[j % len(codes)]], start=start, end=end, allow_new=allow_new
            )
        latencies.append(time.perf_counter() - began)
        added += len(result.added)
    study.engine.dispose()
    print(json.dumps({"coder": coder, "added": added, "latencies": latencies}))


def merge_after(db: str, source: str, target: str, after: int) -> None:
    from qualcode.services.consolidate import merge_codes

    study = open_study(locate(db))
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline:
        with unit_of_work(study, coder="merger", write=False) as uow:
            seen = uow.session.scalar(select(func.count(Coding.id))) or 0
        if seen >= after:
            break
        time.sleep(0.01)
    with unit_of_work(study, coder="merger") as uow:
        result = merge_codes(uow, [source], target, reason="race test")
    study.engine.dispose()
    print(json.dumps({"merged_at": seen, "moved": result.moved, "dropped": result.dropped}))


def main(argv: list[str]) -> None:
    if argv[0] == "code":
        db, coder, first, count, codes = argv[1:6]
        code_lines(db, coder, int(first), int(count), codes.split(","), "--new" in argv)
    elif argv[0] == "merge":
        db, source, target, after = argv[1:5]
        merge_after(db, source, target, int(after))
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
