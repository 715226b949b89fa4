"""Issue 16, cases 6 and 7: errors say what happened in one line, without SQL, parameters or
interview text, with escape characters shown escaped; a damaged study is diagnosed, refused for
writing until repaired, and recovered."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Айгерим рассказала о семье"  # interview text that must never reach an error message
PAGE = 4096


def _study_with_text(tmp_path: Path) -> Path:
    db = tmp_path / "study.qualcode"
    assert run_cli("init", str(db), "--title", "T").exit_code == 0
    for name, words in (("first", "Квоты растут каждый год. "), ("second", SECRET + ". ")):
        note = tmp_path / f"{name}.txt"
        note.write_text(words * 400 + "\n", encoding="utf-8")
        assert run_cli("import", str(note), db=str(db)).exit_code == 0
    assert (
        run_cli(
            "code", "first", "--quote", "Квоты растут", "--occurrence", "1", "Quotas", "--new", db=str(db)
        ).exit_code
        == 0
    )
    return db


def _damage(db: Path, needle: str, how: str) -> None:
    """Overwrite the page holding ``needle``: its text with invalid UTF-8, or its header."""
    data = bytearray(db.read_bytes())
    at = data.find(needle.encode("utf-8"))
    assert at > 0
    if how == "text":
        data[at : at + 8] = b"\xff\xfe\xff\xfe\xff\xfe\xff\xfe"
    else:
        page = at // PAGE * PAGE
        data[page : page + 16] = b"\x42" * 16
    db.write_bytes(bytes(data))


def _no_text(result_text: str) -> None:
    assert SECRET[:10] not in result_text and "семье" not in result_text
    assert "SELECT" not in result_text and "[SQL" not in result_text


@pytest.mark.parametrize("how", ["text", "page"])
def test_a_damaged_study_is_refused_for_writing_and_diagnosed(tmp_path: Path, how: str) -> None:
    db = _study_with_text(tmp_path)
    _damage(db, SECRET, how)
    met = run_cli("export", "project", str(tmp_path / "out.qdpx"), db=str(db))
    assert met.exit_code == 2, met.stderr
    assert "db check" in met.stderr and "db backup" in met.stderr
    assert len(met.stderr.strip().splitlines()) == 1
    _no_text(met.stdout + met.stderr)
    # later writes are refused, even ones that would not touch the damaged page
    write = run_cli("participants", "add", "Expert Z", db=str(db))
    assert write.exit_code == 2 and "damaged" in write.stderr
    check = run_cli("db", "check", db=str(db))
    assert check.exit_code == 2
    problems = [line for line in check.stdout.splitlines() if line.startswith("PROBLEM")]
    assert problems and any("document" in p for p in problems)
    _no_text(check.stdout + check.stderr)
    # a recovery saves what can be read; the recovered study checks clean and takes writes
    out = tmp_path / "recovered.qualcode"
    recovered = run_cli("db", "recover", str(out), db=str(db))
    assert recovered.exit_code == 0, recovered.stderr
    assert "recovered into" in recovered.stdout and (
        "sqlite3 .recover" in recovered.stdout or "row-by-row" in recovered.stdout
    )
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert run_cli("db", "check", db=str(out)).exit_code == 0
    if how == "text":  # only the damaged bytes are lost; a damaged table page loses its rows
        assert "first" in run_cli("documents", "list", db=str(out)).stdout
    assert run_cli("participants", "add", "Expert Z", db=str(out)).exit_code == 0


def test_a_study_too_damaged_to_open_is_still_diagnosed_and_recovered(tmp_path: Path) -> None:
    """The page holding the schema version is damaged: opening fails, yet db check lists the
    problems and db recover saves the rest into a study that opens."""
    import sqlite3

    db = _study_with_text(tmp_path)
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * PAGE : (root - 1) * PAGE + 16] = b"\x42" * 16
    db.write_bytes(bytes(data))
    met = run_cli("documents", "list", db=str(db))
    assert met.exit_code == 2 and "db check" in met.stderr
    check = run_cli("db", "check", db=str(db))
    assert check.exit_code == 2 and "PROBLEM" in check.stdout
    _no_text(check.stdout + check.stderr)
    out = tmp_path / "recovered.qualcode"
    assert run_cli("db", "recover", str(out), db=str(db)).exit_code == 0
    assert run_cli("db", "check", db=str(out)).exit_code == 0
    assert "second" in run_cli("documents", "list", db=str(out)).stdout


def test_a_repaired_study_takes_writes_again(tmp_path: Path) -> None:
    db = _study_with_text(tmp_path)
    good = tmp_path / "good.qualcode"
    assert run_cli("db", "backup", str(good), db=str(db)).exit_code == 0
    _damage(db, SECRET, "text")
    assert run_cli("export", "project", str(tmp_path / "o.qdpx"), db=str(db)).exit_code == 2
    assert run_cli("participants", "add", "Expert Z", db=str(db)).exit_code == 2
    shutil.copyfile(good, db)  # the researcher restores the backup
    assert run_cli("participants", "add", "Expert Z", db=str(db)).exit_code == 2  # still marked
    check = run_cli("db", "check", db=str(db))
    assert check.exit_code == 0, check.stdout
    assert run_cli("participants", "add", "Expert Z", db=str(db)).exit_code == 0


def test_a_database_fault_is_one_line_without_sql_or_text(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(DBAPIError) as raised, engine.begin() as conn:
        conn.execute(text("INSERT INTO no_such_table (body) VALUES (:body)"), {"body": SECRET})
    engine.dispose()
    assert SECRET in str(raised.value)  # SQLAlchemy's own message carries the parameters
    from qualcode.cli import fault_line

    line = fault_line(raised.value)
    assert "\n" not in line and "no_such_table" not in line and "INSERT" not in line
    _no_text(line)
    assert "--debug" in line


def test_escape_sequences_in_names_are_shown_escaped(empty_study: str, tmp_path: Path) -> None:
    note = tmp_path / "n.txt"
    note.write_text("Квоты растут каждый год.\n", encoding="utf-8")
    assert run_cli("import", str(note), db=empty_study).exit_code == 0
    evil = "Quotas\x1b[2J\x1b]0;owned\x07\u202e"
    assert run_cli("code", "n", "--quote", "Квоты", evil, "--new", db=empty_study).exit_code == 0
    listing = run_cli("codes", "list", db=empty_study)
    assert "\x1b" not in listing.stdout and "\u202e" not in listing.stdout
    assert "Quotas\\x1b[2J" in listing.stdout
    missing = run_cli("codes", "rename", "Nope\x1b[2J", "Other", db=empty_study)
    assert missing.exit_code == 2 and "\x1b" not in missing.stderr


def test_on_a_terminal_nothing_printed_obeys_an_escape(empty_study: str, tmp_path: Path) -> None:
    """Run ``qualcode code`` in a pseudo-terminal: its plain message names the new code."""
    note = tmp_path / "n.txt"
    note.write_text("Квоты растут каждый год.\n", encoding="utf-8")
    assert run_cli("import", str(note), db=empty_study).exit_code == 0
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from qualcode.cli import main; main()",
            "--db",
            empty_study,
            "code",
            "n",
            "--quote",
            "Квоты",
            "Red\x1b[31mcode",
            "--new",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QUALCODE_CODER": "tester"},
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=30)
    os.close(leader)
    out = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, out
    assert "Red\\x1b[31mcode" in out and "\x1b" not in out
