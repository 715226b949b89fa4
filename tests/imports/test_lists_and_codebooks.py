"""Participant lists (Appendix A) and codebooks (.qdc, .xlsx, .csv, Appendix B) come in whole."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.conftest import run_cli, table_counts


def _xlsx(path: Path, rows: list[list[Any]], title: str = "Sheet") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_appendix_a_as_xlsx(empty_study: str, tmp_path: Path, appendix: dict[str, Any]) -> None:
    rows: list[list[Any]] = [["Date", "Name", "Organisation", "Location", "Mode"]]
    for expert in appendix["experts"]:
        mode = "Zoom" if "Zoom" in expert["location"] else "face to face"
        rows.append([expert["date"], expert["label"], expert["organisation"], expert["location"], mode])
    rows[1][0] = datetime(2024, 4, 11)  # a real Excel date cell
    path = _xlsx(tmp_path / "Appendix A.xlsx", rows)
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "9 participant(s) added" in result.stdout
    people = run_cli("participants", "list", "--json", db=empty_study).json()
    assert [p["label"] for p in people] == [e["label"] for e in appendix["experts"]]
    first, fourth = people[0], people[3]
    assert first["attributes"] == {
        "date": "2024-04-11",
        "organisation": "Representative of WPK company",
        "location": "Talan Towers Offices, Dostyk str. 16",
        "mode": "face to face",
    }
    assert fourth["attributes"]["organisation"] == appendix["experts"][3]["organisation"]
    assert list(fourth["attributes"]) == ["date", "organisation", "location", "mode"]


def test_participants_csv_refuses_existing_unless_update(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "label,organisation,consent\nExpert A,IOM,yes\nExpert B,NGO «Родник»,yes\n", encoding="utf-8"
    )
    assert run_cli("participants", "import", str(path), db=empty_study).exit_code == 0
    path.write_text("label,consent,notes approved\nExpert B,no,yes\n", encoding="utf-8")
    before = table_counts(empty_study)
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 2
    assert "people.csv, line 2: participant 'Expert B' is already in the study" in result.stderr
    assert table_counts(empty_study) == before
    result = run_cli("participants", "import", str(path), "--update", db=empty_study)
    assert result.exit_code == 0, result.stderr
    people = {p["label"]: p for p in run_cli("participants", "list", "--json", db=empty_study).json()}
    assert people["Expert B"]["attributes"] == {
        "organisation": "NGO «Родник»",
        "consent": "no",
        "notes approved": "yes",
    }
    # undo puts the attributes back
    assert run_cli("undo", db=empty_study).exit_code == 0
    people = {p["label"]: p for p in run_cli("participants", "list", "--json", db=empty_study).json()}
    assert people["Expert B"]["attributes"] == {"organisation": "NGO «Родник»", "consent": "yes"}


def test_a_participant_row_without_a_label_names_its_row(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text('label,organisation\nExpert A,IOM\n,"multi\nline org"\n', encoding="utf-8")
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 2 and "people.csv, line 3: the row has no label" in result.stderr
    assert run_cli("participants", "list", "--json", db=empty_study).json() == []


def test_an_unknown_participant_on_import_is_refused(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "Expert Z.txt"
    notes.write_text("Заметки.", encoding="utf-8")
    before = table_counts(empty_study)
    result = run_cli("import", str(notes), "--participant", "Expert Z", db=empty_study)
    assert result.exit_code == 2 and "no participant 'Expert Z'" in result.stderr
    assert table_counts(empty_study) == before


def test_appendix_b_shaped_sheet(empty_study: str, tmp_path: Path, appendix: dict[str, Any]) -> None:
    rows: list[list[Any]] = []
    for theme in appendix["themes"]:
        rows.append([theme["name"], "Example of a code", "Number of codes"])
        for code in theme["codes"]:
            rows.append([code["code"], f"Expert {code['expert']}: {code['quote']}", code["count"]])
        rows.append([])
    path = _xlsx(tmp_path / "Appendix B.xlsx", rows, title="Codebook")
    result = run_cli("import-codebook", str(path), "--sheet", "Codebook", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "194 code(s) added" in result.stdout and "8 theme(s) added" in result.stdout
    assert "'Human trafficking problem' is listed again" in result.stderr
    codes = run_cli("codes", "list", "--json", db=empty_study).json()
    assert len(codes) == 194
    themes = {c["name"]: c["theme"] for c in codes}
    assert themes["Digitalisation"] == "Current Policy and Regulation Enhancements"
    assert themes["Inflow continuation"] == "Migration Trends and Patterns"
    listed = run_cli("themes", "list", "--json", db=empty_study).json()
    assert [t["name"] for t in listed] == [t["name"] for t in appendix["themes"]]
    first_theme = appendix["themes"][0]
    assert listed[0]["codes"] == [c["code"] for c in first_theme["codes"]]


def test_columns_codebook_with_sub_themes_csv(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "codebook.csv"
    path.write_text(
        "Theme,Sub-theme,Code,Description,Colour\n"
        'Human trafficking,Labour exploitation,Forced labour,"Work under threat;\nno pay",#AA3300\n'
        "Human trafficking,,Human trafficking problem,,\n"
        "Миграция,,Қазақ тілі,Тіл туралы,\n",
        encoding="utf-8",
    )
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    assert codes["Forced labour"]["theme"] == "Labour exploitation"
    assert codes["Forced labour"]["description"] == "Work under threat;\nno pay"
    assert codes["Human trafficking problem"]["theme"] == "Human trafficking"
    assert codes["Қазақ тілі"]["description"] == "Тіл туралы"
    listed = {t["name"]: t for t in run_cli("themes", "list", "--json", db=empty_study).json()}
    assert listed["Labour exploitation"]["parent"] == "Human trafficking"


def test_a_codebook_row_without_a_code_name_names_its_row(empty_study: str, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "cb.xlsx", [["theme", "code"], ["T", "A"], ["T", ""], ["T", "B"]])
    path_csv = tmp_path / "cb.csv"
    path_csv.write_text("theme,code\nT,A\nT,\n", encoding="utf-8")
    before = table_counts(empty_study)
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 2 and "cb.xlsx, line 3: a codebook row has no code name" in result.stderr
    result = run_cli("import-codebook", str(path_csv), db=empty_study)
    assert result.exit_code == 2 and "cb.csv, line 3: a codebook row has no code name" in result.stderr
    assert table_counts(empty_study) == before


QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook {ns} origin="NVivo">
  <Codes>
    <Code guid="a0000000-0000-0000-0000-000000000001" name="Reasons for movement" isCodable="true">
      <Code guid="a0000000-0000-0000-0000-000000000002" name="Economic reasons"
            isCodable="true" color="#ff8800">
        <Description>Work, wages &amp; jobs</Description>
      </Code>
      <Code guid="a0000000-0000-0000-0000-000000000003" name="Relocation from Russia" isCodable="true"/>
    </Code>
    <Code guid="a0000000-0000-0000-0000-000000000004" name="Digitalisation" isCodable="true"/>
  </Codes>
</CodeBook>
"""


def test_qdc_in_the_namespace_variants_tools_write(empty_study: str, tmp_path: Path) -> None:
    variants = [
        'xmlns="urn:QDA-XML:codebook:1.0"',
        'xmlns="urn:QDA-XML:project:1.0"',
        "",
    ]
    for i, ns in enumerate(variants):
        path = tmp_path / f"book{i}.qdc"
        path.write_text(QDC.format(ns=ns), encoding="utf-8")
        result = run_cli("import-codebook", str(path), db=empty_study)
        assert result.exit_code == 0, (ns, result.stderr)
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    # A codable code holding codes is a code with sub-codes (as NVivo means it), not a theme.
    assert set(codes) == {
        "Reasons for movement",
        "Economic reasons",
        "Relocation from Russia",
        "Digitalisation",
    }
    assert codes["Economic reasons"]["parent"] == "Reasons for movement"
    assert codes["Relocation from Russia"]["parent"] == "Reasons for movement"
    assert codes["Economic reasons"]["description"] == "Work, wages & jobs"
    assert codes["Digitalisation"]["theme"] is None and codes["Digitalisation"]["parent"] is None


def test_qdc_code_without_a_name(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.qdc"
    path.write_text(QDC.format(ns="").replace('name="Digitalisation"', 'name=" "'), encoding="utf-8")
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 2 and "bad.qdc, line 11: <Code> has no name" in result.stderr


def test_codebook_then_import_moves_existing_codes_and_is_undoable(empty_study: str, tmp_path: Path) -> None:
    assert (
        run_cli(
            "import-codebook", str(_csv(tmp_path, "a.csv", "theme,code\nOld,Quota limits\n")), db=empty_study
        ).exit_code
        == 0
    )
    result = run_cli(
        "import-codebook",
        str(_csv(tmp_path, "b.csv", "theme,code,description\nNew,Quota limits,Caps\n")),
        db=empty_study,
    )
    assert result.exit_code == 0 and "0 code(s) added, 1 updated" in result.stdout
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    assert codes["Quota limits"]["theme"] == "New" and codes["Quota limits"]["description"] == "Caps"
    assert run_cli("undo", db=empty_study).exit_code == 0
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    assert codes["Quota limits"]["theme"] == "Old" and codes["Quota limits"]["description"] == ""
    assert [t["name"] for t in run_cli("themes", "list", "--json", db=empty_study).json()] == ["Old"]


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
