"""The Appendix-B codebook, exported from the thesis study and read back as a reader would."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.conftest import run_cli, table_counts
from tests.exports.helpers import mark_published_example, published_rows, study_counts

HEADER = ["Example of a code", "Number of codes"]


def _sections(path: Path) -> list[dict[str, Any]]:
    """Theme header rows and code rows of the Codebook sheet, with their fonts."""
    ws = load_workbook(path)["Codebook"]
    out: list[dict[str, Any]] = []
    for row in ws.iter_rows(min_row=1):
        a, b, c = row[0], row[1], row[2]
        if b.value == "Example of a code":
            out.append({"theme": a.value, "bold": a.font.b and b.font.b and c.font.b, "codes": []})
        else:
            out[-1]["codes"].append(
                {
                    "code": a.value,
                    "italic": bool(a.font.i),
                    "quote": b.value,
                    "count": c.value,
                    "height": ws.row_dimensions[a.row].height,
                }
            )
    return out


def test_xlsx_codebook_is_appendix_b_with_the_studys_counts(
    example_study: str, appendix: dict[str, Any], tmp_path: Path
) -> None:
    mark_published_example(example_study, "Human trafficking problem", "Expert H")
    out = tmp_path / "appendix-b.xlsx"
    result = run_cli("export", "codebook", str(out), db=example_study)
    assert result.exit_code == 0, result.stderr
    sections = _sections(out)
    published = published_rows(appendix)
    # Appendix B has no generic "Theme" row: the first row is the first theme's own header.
    assert load_workbook(out)["Codebook"]["A1"].value == appendix["themes"][0]["name"]
    assert [s["theme"] for s in sections] == [t["name"] for t in appendix["themes"]]
    assert all(s["bold"] for s in sections)
    exported = [(s["theme"], c) for s in sections for c in s["codes"]]
    assert len(exported) == 194
    counts = study_counts(example_study)
    for (theme, code), (p_theme, p_code, expert, quote) in zip(exported, published, strict=True):
        assert (theme, code["code"]) == (p_theme, p_code)
        assert code["italic"], code["code"]
        assert code["quote"] == f"Expert {expert}: {quote}"
        assert code["count"] == counts[p_code]
    # The published "Number of codes" are the thesis's own tallies; the export counts the study.
    by_code = {c["code"]: c["count"] for _, c in exported}
    assert by_code["Human trafficking problem"] == 2
    assert by_code["Digitalisation"] == 1  # the thesis printed 10
    # The bundled study marks each code's published example, so nothing was picked for it...
    about = [r[0].value for r in load_workbook(out)["About"].iter_rows()]
    assert not any("was not marked" in (line or "") for line in about)
    # ...and a code whose mark is cleared gets the deterministic pick, which the file notes.
    assert run_cli("codes", "example", "Digitalisation", "--clear", db=example_study).exit_code == 0
    again = tmp_path / "appendix-b-again.xlsx"
    assert run_cli("export", "codebook", str(again), db=example_study).exit_code == 0
    about = [r[0].value for r in load_workbook(again)["About"].iter_rows()]
    assert any("1 code(s) was not marked" in (line or "") for line in about)


def test_xlsx_looks_right_in_a_spreadsheet(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "codebook.xlsx"
    result = run_cli("export", "codebook", str(out), db=example_study)
    assert result.exit_code == 0
    ws = load_workbook(out)["Codebook"]
    # Every row is a theme's header or a code: nothing to freeze or repeat as a column header.
    assert ws.freeze_panes is None and not ws.print_title_rows
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["B"].width >= 80
    fonts = {cell.font.name for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert fonts == {"Calibri"}
    for row in ws.iter_rows():
        assert row[1].alignment.wrap_text


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler are not installed",
)
def test_xlsx_renders_in_libreoffice_with_whole_quotes(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "codebook.xlsx"
    assert run_cli("export", "codebook", str(out), db=example_study).exit_code == 0
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "codebook.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    # The longest quote's last words are on the page: its row was tall enough.
    assert "improper execution of documents, then they were already annul...'" in flat
    assert "Impact of immigration of foreigners" in flat


def test_docx_codebook_is_a_word_table(example_study: str, appendix: dict[str, Any], tmp_path: Path) -> None:
    mark_published_example(example_study, "Human trafficking problem", "Expert H")
    out = tmp_path / "appendix-b.docx"
    assert run_cli("export", "codebook", str(out), db=example_study).exit_code == 0
    tables = Document(str(out)).tables
    quote_column, name_column, count_column = (tables[0].columns[i].width for i in (1, 0, 2))
    assert quote_column > name_column > count_column  # set on the grid, which LibreOffice reads
    published = published_rows(appendix)
    themes, codes = [], []
    for row in (row for table in tables for row in table.rows):
        cells = row.cells
        runs = [r for c in cells for p in c.paragraphs for r in p.runs]
        if cells[1].text == "Example of a code":
            themes.append(cells[0].text)
            assert all(r.bold for r in runs)
        else:
            assert all(r.italic for p in cells[0].paragraphs for r in p.runs)
            codes.append((cells[0].text, cells[1].text, cells[2].text))
    assert themes == [t["name"] for t in appendix["themes"]]
    counts = study_counts(example_study)
    assert codes == [(c, f"Expert {e}: {q}", str(counts[c])) for _, c, e, q in published]


def test_markdown_and_csv_codebooks(example_study: str, tmp_path: Path) -> None:
    segment = mark_published_example(example_study, "Human trafficking problem", "Expert H")
    md, csv_path = tmp_path / "codebook.md", tmp_path / "codebook.csv"
    styled = run_cli("export", "codebook", str(md), "--label-style", "brackets", db=example_study)
    assert styled.exit_code == 0
    assert run_cli("export", "codebook", str(csv_path), db=example_study).exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert "| **Human trafficking** | **Example of a code** | **Number of codes** |" in text
    assert "| *Digitalisation* | Expert (D): 'In terms of e-government" in text
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 194
    # The bundled study marks every code's published example quote.
    assert {r["example_chosen_by"] for r in rows} == {"researcher"}
    trafficking = next(r for r in rows if r["code"] == "Human trafficking problem")
    assert (trafficking["example_segment"], trafficking["example_participant"]) == (str(segment), "Expert H")


def test_min_count_and_excluded_codes(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "few.csv"
    assert run_cli("export", "codebook", str(out), "--min-count", "2", db=example_study).exit_code == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["code"] for r in rows] == ["Human trafficking problem"]
    excluded = run_cli("codes", "exclude", "Dactyloscopy", "--reason", "off topic", db=example_study)
    assert excluded.exit_code == 0
    assert run_cli("export", "codebook", str(out), db=example_study).exit_code == 0
    names = [r["code"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())]
    assert "Dactyloscopy" not in names and len(names) == 193
    assert run_cli("export", "codebook", str(out), "--include-excluded", db=example_study).exit_code == 0
    names = [r["code"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())]
    assert names.index("Dactyloscopy") == 1


def test_sub_themes_get_their_own_header_rows(example_study: str, tmp_path: Path) -> None:
    db = example_study
    assert run_cli("themes", "add", "Statistics", "--parent", "Human trafficking", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Statistics", "Human trafficking problem", db=db).exit_code == 0
    out = tmp_path / "nested.xlsx"
    assert run_cli("export", "codebook", str(out), db=db).exit_code == 0
    sections = _sections(out)
    names = [s["theme"] for s in sections]
    assert names[names.index("Human trafficking") + 1] == "Statistics"
    assert [c["code"] for c in sections[names.index("Statistics")]["codes"]] == ["Human trafficking problem"]
    ws = load_workbook(out)["Codebook"]
    indents = {r[0].value: r[0].alignment.indent for r in ws.iter_rows(min_row=2) if r[1].value == HEADER[0]}
    assert indents["Statistics"] > indents["Human trafficking"]


def test_a_bad_target_writes_nothing(example_study: str, tmp_path: Path) -> None:
    before = table_counts(example_study)
    folder = tmp_path / "exports"
    folder.mkdir()
    result = run_cli("export", "codebook", str(folder / "codebook.pdf"), db=example_study)
    assert result.exit_code == 2
    assert "codebook.pdf" in result.stderr and ".xlsx" in result.stderr
    result = run_cli("export", "codebook", str(folder / "missing" / "c.xlsx"), db=example_study)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert list(folder.iterdir()) == []
    assert table_counts(example_study) == before


def test_appendix_a_participants(example_study: str, appendix: dict[str, Any], tmp_path: Path) -> None:
    xlsx, docx, md = tmp_path / "a.xlsx", tmp_path / "a.docx", tmp_path / "a.md"
    for out in (xlsx, docx, md):
        result = run_cli("export", "participants", str(out), db=example_study)
        assert result.exit_code == 0, result.stderr
    expected = [["Date", "Name", "Organisation", "Location"]] + [
        [e["date"], e["label"], e["organisation"], e["location"]] for e in appendix["experts"]
    ]
    ws = load_workbook(xlsx)["Participants"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == expected
    assert all(c.font.b for c in ws[1])
    table = Document(str(docx)).tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == expected
    row_c = "| April 17, 2024 | Expert (C) | Representative of Dos-Immigration company | Interview via Zoom |"
    assert row_c in md.read_text(encoding="utf-8")
    chosen = tmp_path / "chosen.csv"
    columns = "label=Name,mode=Mode,codings=Codings"
    result = run_cli(
        "export",
        "participants",
        str(chosen),
        "--columns",
        columns,
        "--label-style",
        "plain",
        db=example_study,
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(chosen.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Name", "Mode", "Codings"]
    assert rows[3] == ["Expert C", "Zoom", "34"]
    bad = run_cli("export", "participants", str(chosen), "--columns", "label,shoe_size", db=example_study)
    assert bad.exit_code == 2 and "shoe_size" in bad.stderr
