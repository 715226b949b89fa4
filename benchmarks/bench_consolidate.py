"""Consolidation: duplicate suggestions over the corpus's code names, and merging a big code.

Floors, measured in the same run:
- similar: bare rapidfuzz ``process.cdist`` over the same names (every pair scored;
  ``fuzz.token_sort_ratio`` with ``utils.default_process`` and the same cutoff, one worker,
  the default float32 matrix). Both are scored on the corpus's planted near-duplicates
  (recall), and the peak memory each adds is given: the rise of the process's peak resident
  set (Linux VmHWM, reset before each call through /proc/self/clear_refs), because
  rapidfuzz's matrix is allocated where tracemalloc does not see it.
- merge + undo: a code with 10,000 codings (1,000 at thesis scale) merged into another that
  already carries a tenth of the same segments, then undone. The floor is the bare SQL a merge
  cannot do without: one ``UPDATE coding SET code_id`` and one ``DELETE`` of the doubled rows,
  on the same study, rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from benchmarks.common import Row, pg_scratch_url, scratch_dir, timed
from benchmarks.corpus import build_corpus
from qualcode.domain.similarity import DEFAULT_THRESHOLD, find_clusters

SIZES = {"thesis": 1_000, "lab": 10_000, "large": 10_000}
T = TypeVar("T")


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def timed_rss(fn: Callable[[], T]) -> tuple[T, float, float | None]:
    """(result, seconds, MiB the call added to the peak resident set; None off Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # reset VmHWM to the current resident set
        base = _status_kib("VmRSS")
    except OSError:
        result, seconds = timed(fn)
        return result, seconds, None
    result, seconds = timed(fn)
    return result, seconds, max(0, _status_kib("VmHWM") - base) / 1024


def _mib(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f} MiB"


def _planted_recall_clusters(clusters: list[tuple[str, ...]], planted: list[tuple[str, str]]) -> float:
    where = {name: i for i, names in enumerate(clusters) for name in names}
    found = sum(1 for a, b in planted if a in where and where.get(a) == where.get(b))
    return found / max(1, len(planted))


def _similar_rows(scale: str) -> list[Row]:
    corpus = build_corpus(scale)
    names = corpus.codes
    clusters, seconds, peak = timed_rss(lambda: find_clusters(names))
    recall = _planted_recall_clusters([c.codes for c in clusters], corpus.planted)
    note = f"qualcode +{_mib(peak)}, planted recall {recall:.3f}, {len(clusters):,} clusters"
    floor_s: float | None = None
    floor = "bare rapidfuzz cdist (token_sort_ratio, all pairs)"
    try:
        import numpy  # noqa: F401  (cdist returns a numpy matrix)
        from rapidfuzz import fuzz, process, utils
    except ImportError:
        note += "; floor not run: numpy is not installed"
    else:
        index = {n: i for i, n in enumerate(names)}

        def bare() -> Any:
            return process.cdist(
                names,
                names,
                scorer=fuzz.token_sort_ratio,
                processor=utils.default_process,
                score_cutoff=DEFAULT_THRESHOLD,
            )

        matrix, floor_s, floor_peak = timed_rss(bare)
        hits = sum(1 for a, b in corpus.planted if matrix[index[a], index[b]] >= DEFAULT_THRESHOLD)
        flagged = (int((matrix >= DEFAULT_THRESHOLD).sum()) - len(names)) // 2
        del matrix
        note += (
            f"; cdist +{_mib(floor_peak)}, planted recall {hits / max(1, len(corpus.planted)):.3f},"
            f" {flagged:,} pairs flagged (not clustered)"
        )
    return [Row("consolidate", scale, f"codes similar, {len(names):,} names", seconds, floor_s, floor, note)]


def _build_merge_study(db: str, size: int) -> None:
    """One document, ``size`` segments: 'Work permits' on all, 'Work permit' on every tenth."""
    from sqlalchemy import insert

    from qualcode.db.engine import locate
    from qualcode.db.models import Code, Coder, Coding, Document, Segment
    from qualcode.db.schema import create_study

    opened = create_study(locate(db), "Merge benchmark")
    sentence = "A work permit was the first thing we asked about. "
    text = sentence * size
    at = datetime(2024, 4, 11, tzinfo=UTC)
    try:
        with opened.engine.begin() as conn:
            conn.execute(insert(Coder), [{"name": "bench", "created_at": at}])
            conn.execute(
                insert(Code),
                [
                    {"id": 1, "name": "Work permit", "status": "active", "created_at": at},
                    {"id": 2, "name": "Work permits", "status": "active", "created_at": at},
                ],
            )
            conn.execute(
                insert(Document),
                [
                    {
                        "id": 1,
                        "title": "Notes",
                        "text": text,
                        "sha256": "0" * 64,
                        "meta": {},
                        "imported_at": at,
                    }
                ],
            )
            n = len(sentence)
            conn.execute(
                insert(Segment),
                [
                    {
                        "id": i + 1,
                        "document_id": 1,
                        "start": i * n,
                        "end": (i + 1) * n - 1,
                        "text": sentence[:-1],
                    }
                    for i in range(size)
                ],
            )
            rows = [
                {"segment_id": i + 1, "code_id": 2, "coder_id": 1, "created_at": at + timedelta(seconds=i)}
                for i in range(size)
            ]
            rows += [
                {"segment_id": i + 1, "code_id": 1, "coder_id": 1, "created_at": at}
                for i in range(0, size, 10)
            ]
            conn.execute(insert(Coding), rows)
    finally:
        opened.engine.dispose()


def _merge_rows(scale: str, db: str, backend: str) -> list[Row]:
    from sqlalchemy import text

    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.admin import undo_event
    from qualcode.services.consolidate import merge_codes
    from qualcode.services.uow import unit_of_work

    size = SIZES[scale]
    _build_merge_study(db, size)
    opened = open_study(locate(db))
    try:
        # The floor first, rolled back: the two statements every merge needs at the least.
        with opened.engine.connect() as conn:
            start = time.perf_counter()
            trans = conn.begin()
            conn.execute(
                text(
                    "DELETE FROM coding WHERE code_id = 2 AND segment_id IN "
                    "(SELECT segment_id FROM coding WHERE code_id = 1)"
                )
            )
            conn.execute(text("UPDATE coding SET code_id = 1 WHERE code_id = 2"))
            floor_s = time.perf_counter() - start
            trans.rollback()

        def merge() -> object:
            with unit_of_work(opened, coder="bench") as uow:
                return merge_codes(uow, ["Work permits"], "Work permit", reason="benchmark")

        def undo() -> object:
            with unit_of_work(opened, coder="bench") as uow:
                return undo_event(uow, None)

        result, merge_s = timed(merge)
        _, undo_s = timed(undo)
    finally:
        opened.engine.dispose()
    moved = getattr(result, "moved", 0)
    dropped = getattr(result, "dropped", 0)
    floor = "bare UPDATE + DELETE (rolled back)"
    return [
        Row(
            "consolidate",
            scale,
            f"codes merge, {size:,} codings ({backend})",
            merge_s,
            floor_s,
            floor,
            f"{moved:,} moved, {dropped:,} folded, every row kept for undo",
        ),
        Row(
            "consolidate",
            scale,
            f"undo that merge ({backend})",
            undo_s,
            floor_s,
            floor,
            "rows restored exactly",
        ),
    ]


def run(scale: str) -> list[Row]:
    rows = _similar_rows(scale)
    with scratch_dir() as tmp:
        rows += _merge_rows(scale, str(tmp / "merge.qualcode"), "SQLite")
    with pg_scratch_url() as url:
        if url:
            rows += _merge_rows(scale, url, "PostgreSQL")
    return rows
