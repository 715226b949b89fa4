"""Issue 16, case 5: backups are private from the first byte, never put a password on a command
line, work to another file system, and leave nothing behind when they fail."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import PG_URL, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _filled(db: str, tmp_path: Path, lines: int = 2000) -> None:
    note = tmp_path / "long.txt"
    note.write_text("".join(f"Строка {j}: мигранты и рынок труда.\n" for j in range(lines)), encoding="utf-8")
    assert run_cli("import", str(note), db=db).exit_code == 0


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_a_backup_to_another_file_system_is_written_there(tmp_path: Path) -> None:
    db = tmp_path / "study.qualcode"
    assert run_cli("init", str(db), "--title", "T").exit_code == 0
    _filled(str(db), tmp_path)
    before = set(os.listdir(tmp_path))
    shm = Path("/dev/shm")
    assert os.stat(shm).st_dev != os.stat(tmp_path).st_dev  # really another file system
    target = shm / f"qualcode-backup-{uuid.uuid4().hex}.qualcode"
    try:
        result = run_cli("db", "backup", str(target), db=str(db))
        assert result.exit_code == 0, result.stderr
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert run_cli("documents", "list", db=str(target)).stdout.count("long") == 1
        assert set(os.listdir(tmp_path)) == before  # no temporary copy beside the study
        assert not [p for p in shm.iterdir() if p.name.startswith(f".{target.name}")]
    finally:
        target.unlink(missing_ok=True)


def test_a_failed_backup_leaves_nothing_behind(tmp_path: Path) -> None:
    """A target file system too small for the study (a full USB stick): exit 2, no files."""
    db = tmp_path / "study.qualcode"
    assert run_cli("init", str(db), "--title", "T").exit_code == 0
    _filled(str(db), tmp_path, lines=20000)
    stick = tmp_path / "stick"
    stick.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(stick)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        before = set(os.listdir(tmp_path))
        result = run_cli("db", "backup", str(stick / "copy.qualcode"), db=str(db))
        assert result.exit_code == 2, result.stderr
        assert "copy.qualcode" in result.stderr
        assert os.listdir(stick) == []
        assert set(os.listdir(tmp_path)) == before
    finally:
        subprocess.run(["umount", str(stick)], check=False)


def test_a_sqlite_backup_beside_the_study_is_private(tmp_path: Path) -> None:
    db = tmp_path / "study.qualcode"
    assert run_cli("init", str(db), "--title", "T").exit_code == 0
    old = os.umask(0o022)  # a researcher's usual umask
    try:
        result = run_cli("db", "backup", str(tmp_path / "copy.qualcode"), db=str(db))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "copy.qualcode").stat().st_mode) == 0o600


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "study_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_pg_backup_is_private_while_pg_dump_runs_and_no_password_on_any_command_line(
    tmp_path: Path, study_url: str
) -> None:
    assert run_cli("init", study_url, "--title", "T").exit_code == 0
    _filled(study_url, tmp_path, lines=60000)
    role, password = f"qc_pw_{uuid.uuid4().hex[:8]}", f"секрет-{uuid.uuid4().hex}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'"))
    url = make_url(study_url).set(username=role, password=password).render_as_string(hide_password=False)
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "team.sql"
    modes: set[int] = set()
    seen_pg_dump = False
    leaks: list[str] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal seen_pg_dump
        while not done.is_set():
            for entry in folder.iterdir():
                try:
                    modes.add(stat.S_IMODE(entry.stat().st_mode))
                except FileNotFoundError:
                    pass
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    argv = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
                except OSError:
                    continue
                seen_pg_dump = seen_pg_dump or "pg_dump" in argv
                if password in argv:
                    leaks.append(argv.replace("\0", " "))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "from qualcode.cli import main; main()",
                "--db",
                url,
                "db",
                "backup",
                str(target),
            ],
            capture_output=True,
            text=True,
            env=env,
            umask=0o022,
        )
    finally:
        done.set()
        sampler.join()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    assert result.returncode == 0, result.stderr
    assert seen_pg_dump, "the sampler never saw pg_dump running"
    assert modes == {0o600}, sorted(oct(m) for m in modes)
    assert not leaks, leaks
    assert password not in result.stderr + result.stdout
    assert "Строка 59999" in target.read_text(encoding="utf-8")
