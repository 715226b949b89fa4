"""What every benchmark scenario shares: timing, peak memory, scratch places, the table."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One line of the table: qualcode's figure beside the floor measured in the same run."""

    scenario: str
    scale: str
    measure: str  # what was measured ("200,000 codings")
    qualcode_s: float
    floor_s: float | None
    floor: str  # what the floor is ("bare sqlite3 executemany")
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor_s is None or self.floor_s <= 0:
            return None
        return self.qualcode_s / self.floor_s


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def timed_peak(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, seconds, peak MiB of Python allocations) — tracemalloc slows the call a little."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak / 2**20


@contextmanager
def scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def pg_scratch_url() -> Iterator[str | None]:
    """A fresh PostgreSQL schema when QUALCODE_BENCH_DATABASE_URL (or the test URL) is set."""
    base = os.environ.get("QUALCODE_BENCH_DATABASE_URL") or os.environ.get("QUALCODE_TEST_DATABASE_URL")
    if not base:
        yield None
        return
    from urllib.parse import quote

    from sqlalchemy import create_engine, text

    schema = f"qcbench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def format_table(rows: list[Row]) -> str:
    headers = ["scenario", "scale", "measure", "qualcode", "floor", "ratio", "floor is", "note"]
    body: list[list[str]] = []
    for r in rows:
        body.append(
            [
                r.scenario,
                r.scale,
                r.measure,
                f"{r.qualcode_s:.3f} s",
                "" if r.floor_s is None else f"{r.floor_s:.3f} s",
                "" if r.ratio is None else f"{r.ratio:.2f}x",
                r.floor,
                r.note,
            ]
        )
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    for b in body:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) + " |")
    return "\n".join(lines)


def as_dicts(rows: list[Row]) -> list[dict[str, Any]]:
    return [{**r.__dict__, "ratio": r.ratio} for r in rows]
