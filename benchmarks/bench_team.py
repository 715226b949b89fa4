"""A team coding at once: 8 coder processes on one study, one transaction per coding.

Each coder process runs the coding service (``code_span``: resolve the document, the span and
the code under a shared lock, insert-or-ignore the segment and the coding, log the event) in a
loop over its own lines of one document, all eight on the same 50 codes. Reported: codings per
second over the whole run and the 95th-percentile latency of one coding.

Floor, measured in the same run: 8 processes of the bare driver (psycopg; sqlite3 with the same
pragmas and BEGIN IMMEDIATE), one INSERT into a coding-shaped table per transaction (ids known in
advance) on the same database — the least one committed coding per transaction can cost.

PostgreSQL (the team case) needs QUALCODE_BENCH_DATABASE_URL or QUALCODE_TEST_DATABASE_URL; one
SQLite file is measured always.

    python -m benchmarks.run team --scale thesis
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, pg_scratch_url, scratch_dir

CODERS = 8
PER_CODER = {"thesis": 100, "lab": 300, "large": 1000}
CODE_NAMES = [f"Код {i:02d}" for i in range(50)]
ROOT = Path(__file__).resolve().parent.parent


def _setup(db: str, lines: int) -> None:
    from qualcode.db.engine import locate
    from qualcode.db.schema import create_study
    from qualcode.domain.imported import ImportedDocument
    from qualcode.services.documents import DocumentToStore, store_documents
    from qualcode.services.uow import unit_of_work

    study = create_study(locate(db), "team benchmark")
    body = "\n".join(f"Строка {j}: мигранты и рынок труда." for j in range(lines)) + "\n"
    doc = ImportedDocument("Lines", body, hashlib.sha256(body.encode()).hexdigest(), "lines.txt", "txt")
    with unit_of_work(study, coder="lead") as uow:
        store_documents(uow, [DocumentToStore(doc)])
        uow.commit()
    study.engine.dispose()


def _libpq(db: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db).set(drivername="postgresql").render_as_string(hide_password=False)


def _floor_setup(db: str) -> None:
    if "://" not in db:
        with sqlite3.connect(db) as lite:
            lite.execute(
                "CREATE TABLE floor_coding (id INTEGER PRIMARY KEY, segment_id INTEGER NOT NULL, "
                "code_id INTEGER NOT NULL, coder_id INTEGER NOT NULL, created_at TEXT NOT NULL, "
                "UNIQUE (segment_id, code_id, coder_id))"
            )
        return
    import psycopg

    with psycopg.connect(_libpq(db), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE floor_coding (id SERIAL PRIMARY KEY, segment_id INTEGER NOT NULL, "
            "code_id INTEGER NOT NULL, coder_id INTEGER NOT NULL, created_at TIMESTAMPTZ NOT NULL, "
            "UNIQUE (segment_id, code_id, coder_id))"
        )


def _worker_code(db: str, coder: str, first: int, count: int) -> dict[str, Any]:
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.coding import code_span
    from qualcode.services.lookup import document_by_ref
    from qualcode.services.uow import unit_of_work

    study = open_study(locate(db))
    with unit_of_work(study, coder=coder, write=False) as uow:
        text = document_by_ref(uow.session, "Lines").text
    spans, pos = [], 0
    for line in text.split("\n"):
        if line:
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    latencies = []
    first_at = time.time()
    for j in range(first, first + count):
        began = time.perf_counter()
        with unit_of_work(study, coder=coder) as uow:
            code_span(
                uow,
                "Lines",
                [CODE_NAMES[j % len(CODE_NAMES)]],
                start=spans[j][0],
                end=spans[j][1],
                allow_new=True,
            )
        latencies.append(time.perf_counter() - began)
    study.engine.dispose()
    return {"latencies": latencies, "from": first_at, "to": time.time()}


def _worker_floor_sqlite(db: str, coder_id: int, first: int, count: int) -> dict[str, Any]:
    # As qualcode's engine does: WAL, synchronous=FULL, BEGIN IMMEDIATE, 30 s busy timeout.
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    latencies = []
    first_at = time.time()
    for j in range(first, first + count):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT OR IGNORE INTO floor_coding (segment_id, code_id, coder_id, created_at) "
            "VALUES (?, ?, ?, datetime('now'))",
            (j, j % len(CODE_NAMES), coder_id),
        )
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - began)
    last_at = time.time()
    conn.close()
    return {"latencies": latencies, "from": first_at, "to": last_at}


def _worker_floor(db: str, coder_id: int, first: int, count: int) -> dict[str, Any]:
    if "://" not in db:
        return _worker_floor_sqlite(db, coder_id, first, count)
    import psycopg

    latencies = []
    with psycopg.connect(_libpq(db)) as conn:
        first_at = time.time()
        for j in range(first, first + count):
            began = time.perf_counter()
            conn.execute(
                "INSERT INTO floor_coding (segment_id, code_id, coder_id, created_at) "
                "VALUES (%s, %s, %s, now()) ON CONFLICT DO NOTHING",
                (j, j % len(CODE_NAMES), coder_id),
            )
            conn.commit()
            latencies.append(time.perf_counter() - began)
        last_at = time.time()
    return {"latencies": latencies, "from": first_at, "to": last_at}


def _run_processes(mode: str, db: str, per_coder: int) -> tuple[float, list[float]]:
    """(seconds from the first coding's start to the last one's end over all processes, latencies)."""
    procs = []
    for i in range(CODERS):
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_team",
                    mode,
                    db,
                    str(i),
                    str(i * per_coder),
                    str(per_coder),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        )
    latencies: list[float] = []
    starts, ends = [], []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"{mode} worker failed: {err[-2000:]}")
        result = json.loads(out.strip().splitlines()[-1])
        latencies += result["latencies"]
        starts.append(result["from"])
        ends.append(result["to"])
    return max(ends) - min(starts), latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _count(db: str, table: str) -> int:
    if "://" not in db:
        with sqlite3.connect(db) as lite:
            return int(lite.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    import psycopg

    with psycopg.connect(_libpq(db)) as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def _measure(db: str, scale: str, where: str, floor: str) -> Row:
    per_coder = PER_CODER[scale]
    total = CODERS * per_coder
    _setup(db, total)
    _floor_setup(db)
    wall, latencies = _run_processes("code", db, per_coder)
    floor_wall, floor_latencies = _run_processes("floor", db, per_coder)
    stored, floor_stored = _count(db, "coding"), _count(db, "floor_coding")
    note = (
        f"{total / wall:,.0f} codings/s, per coding p50 {_pct(latencies, 0.5) * 1000:.1f} ms, "
        f"p95 {_pct(latencies, 0.95) * 1000:.1f} ms; floor {total / floor_wall:,.0f}/s, "
        f"p50 {_pct(floor_latencies, 0.5) * 1000:.1f} ms, p95 {_pct(floor_latencies, 0.95) * 1000:.1f} ms"
    )
    if stored != total or floor_stored != total:
        note += f"; STORED {stored} and {floor_stored} of {total}"
    return Row(
        "team", scale, f"{CODERS} coders x {per_coder} codings, {where}", wall, floor_wall, floor, note
    )


def run(scale: str) -> list[Row]:
    rows = []
    with pg_scratch_url() as db:
        if db is not None:
            rows.append(
                _measure(db, scale, "PostgreSQL", f"{CODERS} processes of bare psycopg INSERT + COMMIT")
            )
    with scratch_dir() as folder:
        rows.append(
            _measure(
                str(folder / "team.qualcode"),
                scale,
                "one SQLite file",
                f"{CODERS} processes of bare sqlite3 BEGIN IMMEDIATE + INSERT + COMMIT",
            )
        )
    return rows


def main(argv: list[str]) -> None:
    mode, db, who, first, count = argv
    if mode == "code":
        result = _worker_code(db, f"coder {who}", int(first), int(count))
    else:
        result = _worker_floor(db, int(who) + 1, int(first), int(count))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
