"""One reader for every table: CSV as Excel writes it in any region and code page, XLSX whose
stored dimension is stale, Taguette's and REFI-QDA's codebooks, read one way wherever they come from."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.conftest import run_cli, table_counts

GERMAN_ROWS = [
    ["Name", "Datum", "Organisation", "Ort"],
    ["Expert M", "12.03.2024", "Ministerium für Arbeit, Abteilung 3", "München"],
    ["Expert N", "14.03.2024", "NGO „Brücke“", "Köln"],
]


def _people(db: str) -> dict[str, dict[str, Any]]:
    result = run_cli("participants", "list", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return {p["label"]: p["attributes"] for p in result.json()}


def _codes(db: str) -> dict[str, tuple[str | None, str | None, str]]:
    """code -> (theme, parent, description)."""
    result = run_cli("codes", "list", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return {c["name"]: (c["theme"], c["parent"], c["description"]) for c in result.json()}


def _semicolons(rows: list[list[str]]) -> str:
    return "".join(";".join(f'"{c}"' if ";" in c or '"' in c else c for c in row) + "\r\n" for row in rows)


EXPECTED_GERMAN = {
    "Expert M": {
        "datum": "12.03.2024",
        "organisation": "Ministerium für Arbeit, Abteilung 3",
        "ort": "München",
    },
    "Expert N": {"datum": "14.03.2024", "organisation": "NGO „Brücke“", "ort": "Köln"},
}


def test_semicolon_csv_with_a_bom_as_excel_writes_it(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _semicolons(GERMAN_ROWS).encode("utf-8"))
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _people(empty_study) == EXPECTED_GERMAN


def test_semicolon_csv_in_windows_1252(empty_study: str, tmp_path: Path) -> None:
    rows = [r[:] for r in GERMAN_ROWS]
    rows[2][2] = "Verein Brücke für Familien"  # cp1252 has no „“ quotes problem, but keep it plain
    path = tmp_path / "participants.csv"
    path.write_bytes(_semicolons(rows).encode("cp1252"))
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _people(empty_study)["Expert N"]["organisation"] == "Verein Brücke für Familien"
    assert _people(empty_study)["Expert M"]["ort"] == "München"


def test_tab_separated_cp1251_list(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    text = (
        "label\torganisation\tlocation\n"
        "Expert A\tМинистерство труда и социальной защиты населения\tАстана\n"
        "Expert B\tМеждународная организация по миграции\tАлматы\n"
    )
    path.write_bytes(text.encode("cp1251"))
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _people(empty_study)["Expert B"] == {
        "organisation": "Международная организация по миграции",
        "location": "Алматы",
    }


def test_encoding_option_settles_an_ambiguous_list(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_bytes("label;city\nExpert T;İzmir\n".encode("cp1254"))
    before = table_counts(empty_study)
    refused = run_cli("participants", "import", str(path), db=empty_study)
    assert refused.exit_code == 2 and "--encoding" in refused.stderr and str(path) in refused.stderr
    assert table_counts(empty_study) == before
    result = run_cli("participants", "import", str(path), "--encoding", "cp1254", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _people(empty_study) == {"Expert T": {"city": "İzmir"}}
    unknown = run_cli("import-codebook", str(path), "--encoding", "latin-9000", db=empty_study)
    assert unknown.exit_code == 2 and "latin-9000" in unknown.stderr


def _stale_dimension(path: Path, rows: list[list[str]], stored: str) -> Path:
    """An .xlsx whose <dimension ref> says less than its data holds (as some tools write it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    xml, count = re.subn(r'<dimension ref="[^"]+"', f'<dimension ref="{stored}"', xml)
    assert count == 1
    members["xl/worksheets/sheet1.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_xlsx_with_a_stale_dimension_keeps_every_row(empty_study: str, tmp_path: Path) -> None:
    rows = [["label", "organisation"]] + [[f"Expert {chr(65 + i)}", f"Организация {i}"] for i in range(8)]
    path = _stale_dimension(tmp_path / "participants.xlsx", rows, "A1:B2")
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    people = _people(empty_study)
    assert len(people) == 8 and people["Expert H"] == {"organisation": "Организация 7"}


def test_malformed_sheet_xml_is_refused_and_nothing_stored(empty_study: str, tmp_path: Path) -> None:
    path = _stale_dimension(tmp_path / "broken.xlsx", [["label"], ["Expert A"]], "A1:A2")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][:-40]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    before = table_counts(empty_study)
    result = run_cli("participants", "import", str(path), db=empty_study)
    assert result.exit_code == 2, result.stderr
    assert str(path) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before


def test_semicolon_codebook_with_a_bom(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "codebook.csv"
    text = 'theme;code;description\nArbeit;Überstunden;"Unbezahlte Mehrarbeit; oft nachts"\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codes(empty_study) == {"Überstunden": ("Arbeit", None, "Unbezahlte Mehrarbeit; oft nachts")}


def test_taguette_codebook_csv(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "codebook.csv"
    path.write_text(
        "tag,parent,description,number of highlights\n"
        "interesting,,Anything worth a second look,4\n"
        "family,,,2\n"
        "family.siblings,family,Brothers and sisters,1\n",
        encoding="utf-8",
    )
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codes(empty_study) == {
        "interesting": (None, None, "Anything worth a second look"),
        "family": (None, None, ""),
        "family.siblings": (None, "family", "Brothers and sisters"),
    }


def test_a_parent_not_in_the_codebook_is_refused_naming_the_line(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "codebook.csv"
    path.write_text("tag,parent\nfamily.siblings,family\n", encoding="utf-8")
    before = table_counts(empty_study)
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 2
    assert f"{path}, line 2: parent code 'family'" in result.stderr
    assert table_counts(empty_study) == before


def test_taguette_qdc_without_a_namespace(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "codebook.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook origin="Taguette 1.4.1"><Codes>'
        '<Code guid="6F1C2B0A-1D3E-5A7B-9C11-0E2F3A4B5C6D" name="interesting" isCodable="true"></Code>'
        '<Code guid="0A9B8C7D-6E5F-5A4B-8C3D-2E1F0A9B8C7D" name="people.family" isCodable="true"></Code>'
        "</Codes><Sets></Sets></CodeBook>",
        encoding="utf-8",
    )
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert set(_codes(empty_study)) == {"interesting", "people.family"}


CATEGORIES = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="made up">
  <Codes>
    <Code guid="a0000000-0000-4000-8000-000000000001" name="Барьеры" isCodable="false" color="#AA0000">
      <Description>Что мешало</Description>
      <Code guid="a0000000-0000-4000-8000-000000000002" name="Стоимость" isCodable="true" color="#CC3333"/>
      <Code guid="a0000000-0000-4000-8000-000000000003" name="Тіл" isCodable="true"/>
    </Code>
    <Code guid="a0000000-0000-4000-8000-000000000005" name="Support" isCodable="true" color="#00AA00">
      <Description>Any help received; also used on its own</Description>
      <Code guid="a0000000-0000-4000-8000-000000000006" name="Family support" isCodable="true">
        <Code guid="a0000000-0000-4000-8000-000000000007" name="Siblings" isCodable="true"/>
      </Code>
    </Code>
  </Codes>
</CodeBook>
"""
EXPECTED_CATEGORIES = {
    "Стоимость": ("Барьеры", None, ""),
    "Тіл": ("Барьеры", None, ""),
    "Support": (None, None, "Any help received; also used on its own"),
    "Family support": (None, "Support", ""),
    "Siblings": (None, "Family support", ""),
}


def test_qdc_category_is_a_theme_and_a_codable_parent_a_code_with_sub_codes(
    empty_study: str, tmp_path: Path
) -> None:
    path = tmp_path / "codebook.qdc"
    path.write_text(CATEGORIES, encoding="utf-8")
    result = run_cli("import-codebook", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codes(empty_study) == EXPECTED_CATEGORIES
    themes = run_cli("themes", "list", "--json", db=empty_study).json()
    assert [t["name"] for t in themes] == ["Барьеры"]


def test_the_same_codebook_inside_a_qdpx_reads_the_same(study_url: str, tmp_path: Path) -> None:
    assert run_cli("init", study_url).exit_code == 0
    inner = re.search(r"<Codes>.*</Codes>", CATEGORIES, re.S)
    assert inner is not None
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="cb">'
        f"<CodeBook>{inner.group(0)}</CodeBook></Project>"
    )
    path = tmp_path / "codebook-only.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    result = run_cli("import", str(path), db=study_url)
    assert result.exit_code == 0, result.stderr
    assert _codes(study_url) == EXPECTED_CATEGORIES
