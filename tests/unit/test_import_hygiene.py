"""The core never loads Textual, and quick commands never load the heavy format libraries.

Each check runs in a fresh interpreter, so nothing imported by other tests can hide a leak.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ("db", "domain", "services", "io")
HEAVY = ("textual", "rich", "openpyxl", "docx", "lxml")


def _core_modules() -> list[str]:
    found = []
    for package in CORE_PACKAGES:
        for path in sorted((ROOT / "qualcode" / package).glob("*.py")):
            name = f"qualcode.{package}" + ("" if path.stem == "__init__" else f".{path.stem}")
            found.append(name)
    return found


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return {m.split(".")[0] for m in json.loads(out.stdout.strip().splitlines()[-1])}


def test_core_never_imports_textual() -> None:
    modules = _core_modules()
    assert len(modules) > 10  # the glob found the core
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert "textual" not in loaded
    assert "rich" not in loaded


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["codes", "list", "--help"],
        ["--db", "{db}", "codes", "list"],
        ["--db", "{db}", "participants", "list", "--json"],
        ["--db", "{db}", "documents", "list"],
        ["--db", "{db}", "segments", "--json"],
        ["--db", "{db}", "themes", "list"],
        ["--db", "{db}", "funnel"],
    ],
)
def test_quick_commands_load_no_heavy_library(argv: list[str], tmp_path: Path) -> None:
    db = tmp_path / "s.qualcode"
    subprocess.run([sys.executable, "-m", "qualcode", "example", str(db)], check=True, capture_output=True)
    args = [a.replace("{db}", str(db)) for a in argv]
    code = (
        "import sys\nfrom qualcode.cli import main\n"
        f"sys.argv = ['qualcode', *{args!r}]\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit as exc:\n        assert exc.code == 0, exc.code\n"
    )
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
