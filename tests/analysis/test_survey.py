"""Survey spreadsheets: a participant per respondent, a document per answer or per question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analysis.helpers import cli_ok
from tests.conftest import run_cli, table_counts

HEADER = ["ID", "Organisation", "Q1 Причины миграции", "Mode", "Q2 Kazakh"]
ROWS = [
    ["R01", "NGO", "Работа и зарплата.", "Zoom", "Еңбек көші-қоны."],
    ["R02", "Government", "Семья.", "face to face", ""],
    ["R03", "", "Учёба\nи работа.", "Zoom", "Білім."],
]


def _xlsx(path: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_one_document_per_answer_and_participants_with_attributes(empty_study: str, tmp_path: Path) -> None:
    sheet = tmp_path / "survey.xlsx"
    _xlsx(sheet, ROWS)
    result = run_cli(
        "import",
        str(sheet),
        "--survey",
        "--id-column",
        "id",
        "--text-columns",
        "Q1 Причины миграции,Q2 Kazakh",
        db=empty_study,
    )
    assert result.exit_code == 0, result.stderr
    people = {p["label"]: p for p in run_cli("participants", "list", "--json", db=empty_study).json()}
    assert people["R01"]["attributes"] == {"Organisation": "NGO", "Mode": "Zoom"}
    assert people["R03"]["attributes"] == {"Mode": "Zoom"}  # an empty cell is no attribute
    docs = {d["title"]: d for d in run_cli("documents", "list", "--json", db=empty_study).json()}
    assert set(docs) == {
        "R01 – Q1 Причины миграции",
        "R01 – Q2 Kazakh",
        "R02 – Q1 Причины миграции",
        "R03 – Q1 Причины миграции",
        "R03 – Q2 Kazakh",
    }  # R02 left Q2 empty: no document
    assert docs["R03 – Q1 Причины миграции"]["participant"] == "R03"
    assert docs["R03 – Q1 Причины миграции"]["characters"] == len("Учёба\nи работа.")
    cli_ok("code", "R01 – Q2 Kazakh", "--quote", "Еңбек көші-қоны.", "Еңбек", "--new", db=empty_study)
    # A query can now filter by the survey's columns.
    rows = run_cli("query", "Еңбек where Organisation = NGO", "--json", db=empty_study).json()
    assert [r["participant"] for r in rows] == ["R01"]
    again = run_cli(
        "import", str(sheet), "--survey", "--id-column", "ID", "--text-columns", "Q2 Kazakh", db=empty_study
    )
    assert again.exit_code == 2 and "R01" in again.stderr and "line 2" in again.stderr


def test_one_document_per_question_keeps_who_answered(empty_study: str, tmp_path: Path) -> None:
    sheet = tmp_path / "survey.csv"
    import csv

    with sheet.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *ROWS])
    result = run_cli(
        "import",
        str(sheet),
        "--survey",
        "--id-column",
        "ID",
        "--text-columns",
        "Q1 Причины миграции",
        "--by",
        "question",
        db=empty_study,
    )
    assert result.exit_code == 0, result.stderr
    [doc] = run_cli("documents", "list", "--json", db=empty_study).json()
    assert doc["title"] == "Q1 Причины миграции" and doc["participant"] is None
    # Each answer is a turn of its respondent: autocode by speaker finds R03's answer.
    hits = run_cli(
        "autocode", "Учёба", "--speaker", "R03", "--new", "--dry-run", "--json", db=empty_study
    ).json()
    assert [h["text"] for h in hits["hits"]] == ["R03: Учёба и работа."]
    cli_ok("undo", db=empty_study)
    assert run_cli("documents", "list", "--json", db=empty_study).json() == []
    assert run_cli("participants", "list", "--json", db=empty_study).json() == []


@pytest.mark.parametrize(
    "rows,args,words",
    [
        (ROWS, ["--id-column", "Respondent", "--text-columns", "Q2 Kazakh"], "no column 'Respondent'"),
        (ROWS, ["--id-column", "ID", "--text-columns", "Q9"], "no column 'Q9'"),
        (
            [*ROWS, ["R01", "", "Again", "", ""]],
            ["--id-column", "ID", "--text-columns", "Q2 Kazakh"],
            "listed twice",
        ),
        ([["", "NGO", "x", "", ""]], ["--id-column", "ID", "--text-columns", "Q2 Kazakh"], "has no 'ID'"),
        (ROWS, ["--id-column", "ID"], "--text-columns"),
    ],
)
def test_a_bad_survey_is_refused_naming_the_row(
    empty_study: str, tmp_path: Path, rows: list[list[Any]], args: list[str], words: str
) -> None:
    sheet = tmp_path / "bad.xlsx"
    _xlsx(sheet, rows)
    before = table_counts(empty_study)
    result = run_cli("import", str(sheet), "--survey", *args, db=empty_study)
    assert result.exit_code == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before


def test_characters_xml_cannot_hold_are_replaced_in_answers(empty_study: str, tmp_path: Path) -> None:
    sheet = tmp_path / "survey.csv"
    sheet.write_text("ID,Q1\nR01,Page one\x0cpage two\n", encoding="utf-8")
    result = run_cli(
        "import", str(sheet), "--survey", "--id-column", "ID", "--text-columns", "Q1", db=empty_study
    )
    assert result.exit_code == 0, result.stderr
    assert "warning" in result.stderr
    [doc] = run_cli("documents", "list", "--json", db=empty_study).json()
    assert doc["characters"] == len("Page one\x0cpage two")  # one for one: offsets stay
    out = tmp_path / "q.xlsx"
    cli_ok("code", doc["title"], "--start", "0", "--end", "8", "Pages", "--new", db=empty_study)
    cli_ok("query", "Pages", "-o", str(out), db=empty_study)
