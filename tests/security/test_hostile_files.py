"""Issue 16, case 8: tiny hostile files are refused (exit 2, naming the file) without using
gigabytes. Peak memory is measured with ``resource.getrusage`` in a child process, which also
runs under an address-space cap so that a regression fails the test instead of the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli, table_counts
from tests.security import hostile

PEAK_LIMIT_MB = 300

_CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from qualcode.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
except MemoryError:
    code = 99
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"exit": code, "peak_mb": peak_kb / 1024}), file=sys.__stdout__)
"""


# Linux keeps a process's peak resident size across fork and exec (the kernel carries the old
# image's high-water mark into ru_maxrss), so a child started straight from a test worker that
# has grown to 300 MB would report 300 MB before doing anything. A small launcher process in
# between makes the measured child inherit only the launcher's few megabytes.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run([sys.executable, *sys.argv[1:]]).returncode)"


def _measured(*args: str) -> tuple[int, float, str]:
    """Run ``qualcode ARGS`` in a grandchild process: (exit code, peak resident MB, stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, "-c", _CHILD, *args], capture_output=True, text=True, timeout=600
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    try:
        report = json.loads(last)
    except json.JSONDecodeError:
        report = {}
    return int(report.get("exit", done.returncode)), float(report.get("peak_mb", 1e9)), done.stderr


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    hostile.spaces_odt(folder / "spaces.odt")
    hostile.zeros_docx(folder / "zeros.docx")
    hostile.zeros_qdpx(folder / "zeros.qdpx")
    hostile.zeros_xlsx(folder / "zeros.xlsx")
    return folder


@pytest.fixture(scope="module")
def sqlite_study(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("study") / "s.qualcode")
    assert run_cli("init", db, "--title", "T").exit_code == 0
    return db


@pytest.mark.parametrize("name", ["spaces.odt", "zeros.docx"])
def test_a_hostile_document_is_refused_with_little_memory(
    hostile_dir: Path, sqlite_study: str, name: str
) -> None:
    path = hostile_dir / name
    assert path.stat().st_size < 2_000_000  # the file itself is small
    before = table_counts(sqlite_study)
    code, peak, err = _measured("--db", sqlite_study, "--coder", "dana", "import", str(path))
    assert code == 2, err
    assert str(path) in err
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB"
    assert table_counts(sqlite_study) == before


def test_a_hostile_qdpx_is_refused_with_little_memory(hostile_dir: Path, tmp_path: Path) -> None:
    path = hostile_dir / "zeros.qdpx"
    db = str(tmp_path / "new.qualcode")
    assert run_cli("init", db, "--title", "T").exit_code == 0
    code, peak, err = _measured("--db", db, "import", str(path))
    assert code == 2, err
    assert str(path) in err
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB"


def test_a_hostile_participant_list_is_refused_with_little_memory(
    hostile_dir: Path, sqlite_study: str
) -> None:
    path = hostile_dir / "zeros.xlsx"
    code, peak, err = _measured("--db", sqlite_study, "participants", "import", str(path))
    assert code == 2, err
    assert str(path) in err
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB"


@pytest.mark.parametrize("name", ["zeros.docx", "zeros.qdpx", "spaces.odt", "zeros.xlsx"])
def test_audit_of_a_hostile_file_is_refused_with_little_memory(
    hostile_dir: Path, sqlite_study: str, tmp_path: Path, name: str
) -> None:
    key = tmp_path / "key.csv"
    key.write_text("real,pseudonym\nАйгерим Сапарова,Expert A\n", encoding="utf-8")
    path = hostile_dir / name
    code, peak, err = _measured("--db", sqlite_study, "audit", "--names", str(key), str(path))
    assert code == 2, err
    assert str(path) in err
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB"


def test_entity_expansion_in_a_codebook_is_refused(tmp_path: Path, sqlite_study: str) -> None:
    path = hostile.billion_laughs_qdc(tmp_path / "laughs.qdc")
    result = run_cli("import-codebook", str(path), db=sqlite_study)
    assert result.exit_code == 2, result.stderr
    assert str(path) in result.stderr
    assert "lollol" not in run_cli("codes", "list", db=sqlite_study).stdout


def test_deep_nesting_in_a_codebook_is_refused(tmp_path: Path, sqlite_study: str) -> None:
    path = hostile.deep_qdc(tmp_path / "deep.qdc")
    result = run_cli("import-codebook", str(path), db=sqlite_study)
    assert result.exit_code == 2, result.stderr
    assert str(path) in result.stderr


def test_a_docx_with_two_bodies_is_refused_on_import(tmp_path: Path, sqlite_study: str) -> None:
    path = hostile.duplicated_docx(tmp_path / "twice.docx", "Айгерим Сапарова said", "Expert A said")
    result = run_cli("import", str(path), db=sqlite_study)
    assert result.exit_code == 2, result.stderr
    assert str(path) in result.stderr and "two entries" in result.stderr


def test_the_document_limit_is_settable(tmp_path: Path, sqlite_study: str) -> None:
    """A 2 MB note is refused under a 1 MB limit; the limit set by the caller is named."""
    from qualcode.domain.errors import QualcodeError
    from qualcode.io.limits import Limits, using
    from qualcode.io.readers import read_document

    note = tmp_path / "long.txt"
    note.write_text("слово " * 400_000, encoding="utf-8")
    with using(Limits(max_document_chars=1024 * 1024)), pytest.raises(QualcodeError) as refused:
        read_document(note)
    assert str(note) in str(refused.value) and "--max-document-mb" in str(refused.value)
    assert read_document(note).text.startswith("слово")


def test_import_takes_a_document_limit(tmp_path: Path, sqlite_study: str) -> None:
    """``import --max-document-mb``: a 2 MB note is refused under a 1 MB limit, naming the file."""
    note = tmp_path / "long.txt"
    note.write_text("слово " * 200_000, encoding="utf-8")
    refused = run_cli("import", str(note), "--max-document-mb", "1", db=sqlite_study)
    assert refused.exit_code == 2 and str(note) in refused.stderr
    assert run_cli("import", str(note), "--max-document-mb", "0", db=sqlite_study).exit_code == 2
    done = run_cli("import", str(note), "--max-document-mb", "5", db=sqlite_study)
    assert done.exit_code == 0, done.stderr
