"""Every .xlsx qualcode writes, opened in LibreOffice as a reader would: no row is shorter than
its text needs, and no header cell breaks a word (asked through LibreOffice's UNO API)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.exports.helpers import build_cyrillic_study

UNO_SCRIPT = Path(__file__).resolve().parent.parent / "render" / "uno_layout.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def _uno_available() -> bool:
    if shutil.which("soffice") is None or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


needs_uno = pytest.mark.skipif(not _uno_available(), reason="LibreOffice with python3-uno is not installed")


def export_every_xlsx(db: str, folder: Path) -> list[Path]:
    """The codebook, participants, matrix (with its chart sheet), co-occurrence and excerpts."""
    people = run_cli("participants", "list", "--json", db=db).json()
    keys = sorted({k for p in people for k in p["attributes"]})
    columns = ",".join(["label=Name", *[f"{k}={k.capitalize()}" for k in keys], "codings=Codings"])
    commands = {
        "codebook.xlsx": ["export", "codebook"],
        "participants.xlsx": ["export", "participants", "--columns", columns, "OUT"],
        "matrix.xlsx": ["export", "matrix", "OUT", "--themes"],
        "cooccurrence.xlsx": ["report", "cooccurrence", "--min", "1", "-o"],
        # The analysis tables (qualcode.io.table_out).
        "query.xlsx": ["query", 'where participant != "-"', "-o"],  # every excerpt
        "words.xlsx": ["report", "words", "--by", "participant", "--top", "20", "-o"],
        "excerpts.xlsx": ["export", "excerpts", "OUT", "--context", "40"],
    }
    paths = []
    for name, args in commands.items():
        out = folder / name
        argv = [str(out) if a == "OUT" else a for a in args] + ([] if "OUT" in args else [str(out)])
        result = run_cli(*argv, db=db)
        assert result.exit_code == 0, result.stderr
        paths.append(out)
    return paths


def libreoffice_layout(paths: list[Path]) -> dict[str, Any]:
    """Per file and sheet: each row's stored and optimal height, and header words that break."""
    done = subprocess.run(
        [SYSTEM_PYTHON, str(UNO_SCRIPT), *map(str, paths)], capture_output=True, timeout=600, check=True
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def assert_whole(report: dict[str, Any]) -> None:
    sheets = 0
    for path, by_sheet in report.items():
        for sheet, probe in by_sheet.items():
            sheets += 1
            assert probe["rows"], (path, sheet)
            for row in probe["rows"]:
                # Heights in 1/100 mm: the row as stored is at least what LibreOffice needs.
                assert row["stored"] >= row["optimal"], (Path(path).name, sheet, row["row"], row["texts"])
            assert probe["broken_words"] == [], (Path(path).name, sheet)
    assert sheets >= 5


@needs_uno
@pytest.mark.slow
def test_every_xlsx_shows_its_text_whole(example_study: str, tmp_path: Path) -> None:
    """The thesis study, and a study in Russian and Kazakh with quotes of 1 to 2,000 characters."""
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    paths = export_every_xlsx(example_study, thesis)
    cyrillic = tmp_path / "cyrillic"
    cyrillic.mkdir()
    db = str(cyrillic / "study.qualcode")
    assert run_cli("init", db).exit_code == 0
    quotes = build_cyrillic_study(db, cyrillic)
    assert 1900 < max(map(len, quotes)) <= 2000
    paths += export_every_xlsx(db, cyrillic)
    report = libreoffice_layout(paths)
    assert_whole(report)
    # The matrix's participant headers are whole ("Expert A", not "Expert"): one line each.
    matrix = report[str(thesis / "matrix.xlsx")]["Matrix"]["rows"][0]
    assert matrix["texts"][1:4] == ["Expert A", "Expert B", "Expert C"]
    # The 2,000-character Kazakh quote's row is as tall as LibreOffice needs for it.
    codebook = report[str(cyrillic / "codebook.xlsx")]["Codebook"]["rows"]
    longest = max(codebook, key=lambda r: len(r["texts"][1]))
    assert len(longest["texts"][1]) > 1900 and longest["stored"] >= longest["optimal"] > 5000
