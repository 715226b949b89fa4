"""A killed import leaves the last committed state: whole documents only, and a clean check."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_cli

FILES = 200


def _documents(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT title, text FROM document").fetchall()
    finally:
        conn.close()


def test_sigkill_in_the_middle_of_a_200_file_import(tmp_path: Path) -> None:
    db = tmp_path / "study.qualcode"
    assert run_cli("init", str(db)).exit_code == 0
    folder = tmp_path / "notes"
    folder.mkdir()
    sources: dict[str, str] = {}
    for i in range(FILES):
        lines = [
            f"Интервью {i}, абзац {j}: көші-қон саясаты және еңбек нарығы. Paragraph {j}." for j in range(400)
        ]
        text = "\n\n".join(lines) + "\n"
        (folder / f"interview-{i:03d}.md").write_text(text, encoding="utf-8")
        sources[f"interview-{i:03d}"] = text

    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "--db", str(db), "import", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QUALCODE_CODER": "tester"},
    )
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            seen = len(_documents(db))
        except sqlite3.OperationalError:  # the schema is still being read; try again
            seen = 0
        if seen >= 20:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    check = run_cli("db", "check", db=str(db))
    assert check.exit_code == 0, check.stdout
    stored = _documents(db)
    assert 20 <= len(stored) < FILES
    for title, text in stored:
        assert text == sources[title]  # whole documents only
