"""The name audit: a whole study, and a large export file (.qdpx).

The key lists 30 name forms; a third of them are words the corpus uses all the time (so every
document has many hits, the case that once recounted line numbers per hit) and the rest never occur.

Floors, measured in the same run on the same text:
- study: bare ``sqlite3`` reading every text column of every table, and one compiled regular
  expression of the key's forms (case-insensitive, whole words) run over each value — no Unicode
  folding, no line numbers, no places;
- export file: ``zipfile`` reading every entry of the same .qdpx and the same regular
  expression over each decoded entry — no size checks, no body-text pass, no places.

qualcode's figure is ``audit_study`` (every table, every text/JSON column, the name matcher,
line numbers) and ``audit_files`` (every entry under the resource limits, bounded reads).
"""

from __future__ import annotations

import re
import sqlite3
import sys
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import build_corpus, build_study

COMMON = ["квота", "migration", "көші-қон", "регион", "policy", "visa", "border", "market", "семья", "trust"]
RARE = [f"Фамилия{n} Имяевна" for n in range(20)]


def _key(folder: Path) -> Path:
    key = folder / "key.csv"
    rows = [f"{form},Expert {n}" for n, form in enumerate(COMMON + RARE)]
    key.write_text("real,pseudonym\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return key


def _floor_pattern() -> re.Pattern[str]:
    body = "|".join(re.escape(f) for f in sorted(COMMON + RARE, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _floor_study(db: Path, pattern: re.Pattern[str]) -> int:
    conn = sqlite3.connect(db)
    hits = 0
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table.startswith(("sqlite_", "document_fts")):
                continue
            columns = [
                r[1]
                for r in conn.execute(f'PRAGMA table_info("{table}")')
                if r[2].upper() in ("TEXT", "JSON", "VARCHAR") or "CHAR" in r[2].upper()
            ]
            if not columns:
                continue
            names = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(f'SELECT {names} FROM "{table}"'):
                for value in row:
                    if isinstance(value, str):
                        hits += sum(1 for _ in pattern.finditer(value))
    finally:
        conn.close()
    return hits


def _floor_file(path: Path, pattern: re.Pattern[str]) -> int:
    hits = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            text = zf.read(info).decode("utf-8", "replace")
            hits += sum(1 for _ in pattern.finditer(text))
    return hits


def run(scale: str) -> list[Row]:
    from qualcode.cli import main
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.io.pseudonyms import PseudonymKey, audit_files
    from qualcode.services.audit import audit_study
    from qualcode.services.uow import unit_of_work

    corpus = build_corpus(scale)
    with scratch_dir() as folder:
        db = folder / "study.qualcode"
        build_study(str(db), corpus)
        key = PseudonymKey.from_csv(_key(folder))
        pattern = _floor_pattern()
        opened = open_study(locate(str(db)))
        try:

            def audit() -> int:
                with unit_of_work(opened, coder="bench", write=False) as uow:
                    return len(audit_study(uow, key.hits))

            found, seconds = timed(audit)
        finally:
            opened.engine.dispose()
        floor_found, floor_s = timed(lambda: _floor_study(db, pattern))
        qdpx = folder / "study.qdpx"
        try:
            with redirect_stdout(sys.stderr):
                main(["--db", str(db), "export", "project", str(qdpx)])
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        file_found, file_s = timed(lambda: len(audit_files([qdpx], key)))
        file_floor_found, file_floor_s = timed(lambda: _floor_file(qdpx, pattern))
        size_mb = qdpx.stat().st_size / 2**20
        return [
            Row(
                "audit study",
                scale,
                f"{len(corpus.documents):,} documents, {found:,} hits",
                seconds,
                floor_s,
                "bare sqlite3 + one regex over every text column",
                f"floor found {floor_found:,}",
            ),
            Row(
                "audit export file",
                scale,
                f".qdpx of {size_mb:.1f} MB, {file_found:,} hits",
                file_s,
                file_floor_s,
                "zipfile read + one regex over every entry",
                f"floor found {file_floor_found:,}",
            ),
        ]
