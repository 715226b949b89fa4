"""Coders working at once: nothing lost, nothing doubled, on PostgreSQL and on one SQLite file.

Each coder is its own Python process running the coding service in a loop, one transaction per
coding, exactly as several `qualcode code` commands or workbenches would.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text

from qualcode.db.engine import locate, make_engine
from qualcode.db.schema import open_study
from qualcode.domain.imported import ImportedDocument
from qualcode.services.documents import DocumentToStore, store_documents
from qualcode.services.uow import unit_of_work
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
CODINGS_EACH = 500
CODE_NAMES = [f"Код {i:02d} — көші-қон" for i in range(50)]


def _add_lines_document(db: str, lines: int) -> None:
    body = "\n".join(f"Строка {j}: мигранты и рынок труда." for j in range(lines)) + "\n"
    doc = ImportedDocument("Lines", body, hashlib.sha256(body.encode()).hexdigest(), "lines.txt", "txt")
    study = open_study(locate(db))
    try:
        with unit_of_work(study, coder="lead") as uow:
            store_documents(uow, [DocumentToStore(doc)])
            uow.commit()
    finally:
        study.engine.dispose()


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.team.coder_worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _finish(procs: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def _rows(db: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(locate(db))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_four_coders_500_codings_each_at_once(empty_study: str) -> None:
    _add_lines_document(empty_study, CODINGS_EACH)
    codes = ",".join(CODE_NAMES)
    procs = [
        _start("code", empty_study, f"coder {i}", "0", str(CODINGS_EACH), codes, "--new")
        for i in range(PROCESSES)
    ]
    results = _finish(procs)
    assert [r["added"] for r in results] == [CODINGS_EACH] * PROCESSES

    codings = _rows(
        empty_study,
        "SELECT s.start, c.name, k.name FROM coding g JOIN segment s ON s.id = g.segment_id "
        "JOIN code c ON c.id = g.code_id JOIN coder k ON k.id = g.coder_id",
    )
    # Every coding exactly once: each coder coded every line once, with that line's code.
    assert len(codings) == PROCESSES * CODINGS_EACH
    assert len(set(codings)) == len(codings)
    starts = sorted({s for s, _, _ in codings})
    assert len(starts) == CODINGS_EACH
    line_of = {s: j for j, s in enumerate(starts)}
    assert all(name == CODE_NAMES[line_of[s] % len(CODE_NAMES)] for s, name, _ in codings)
    assert Counter(k for _, _, k in codings) == {f"coder {i}": CODINGS_EACH for i in range(PROCESSES)}
    # No duplicate code and no duplicate span although all four created them at the same moment.
    names = [n for (n,) in _rows(empty_study, "SELECT name FROM code")]
    assert sorted(names) == sorted(CODE_NAMES)
    assert _rows(empty_study, "SELECT COUNT(*) FROM segment") == [(CODINGS_EACH,)]
    # What a researcher sees agrees with the rows.
    listed = run_cli("codes", "list", "--json", db=empty_study).json()
    assert sum(c["count"] for c in listed) == PROCESSES * CODINGS_EACH


def test_a_merge_racing_new_codings_loses_none(empty_study: str) -> None:
    per_coder = 150
    coders = 3
    _add_lines_document(empty_study, per_coder * coders)
    # "Source" and "Target" exist before anyone codes (on different spans: nothing to deduplicate).
    for start, code in (("0", "Source"), ("1", "Target")):
        done = run_cli(
            "code", "Lines", "--start", start, "--end", "6", code, "--new", db=empty_study, coder="lead"
        )
        assert done.exit_code == 0, done.stderr
    procs = [
        _start("code", empty_study, f"coder {i}", str(i * per_coder), str(per_coder), "Source")
        for i in range(coders)
    ]
    procs.append(_start("merge", empty_study, "Source", "Target", str(2 + per_coder)))
    *coded, merged = _finish(procs)
    assert [r["added"] for r in coded] == [per_coder] * coders
    assert 2 + per_coder <= int(merged["merged_at"]) < 2 + coders * per_coder, (
        "the merge did not race the coders"
    )

    by_code = dict(
        _rows(
            empty_study,
            "SELECT c.name, COUNT(g.id) FROM code c LEFT JOIN coding g ON g.code_id = c.id GROUP BY c.name",
        )
    )
    # None lost: every coder's coding (and lead's two) is there, and all sit on the target.
    assert by_code == {"Source": 0, "Target": 2 + coders * per_coder}
    status = dict(_rows(empty_study, "SELECT name, status FROM code"))
    assert status == {"Source": "merged", "Target": "active"}
    assert _rows(
        empty_study,
        "SELECT COUNT(*) FROM coding g JOIN code c ON c.id = g.code_id WHERE c.status = 'merged'",
    ) == [(0,)]
