"""The matrix, citations and co-occurrence, checked against the codings a researcher can list."""

from __future__ import annotations

import csv
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from qualcode.domain.citations import CitationStyle, cite, number_in_words
from tests.conftest import run_cli, table_counts


def _letters_by_code(db: str) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for s in run_cli("segments", "--json", db=db).json():
        if s["participant"]:
            found[s["code"]].add(s["participant"].removeprefix("Expert "))
    return {code: sorted(letters) for code, letters in found.items()}


def test_cite_gives_the_right_letters_for_every_code(example_study: str) -> None:
    letters = _letters_by_code(example_study)
    names = [c["name"] for c in run_cli("codes", "list", "--json", db=example_study).json()]
    result = run_cli("report", "cite", *names, "--json", db=example_study)
    assert result.exit_code == 0, result.stderr
    cited = result.json()
    assert [c["subject"] for c in cited] == names
    for c in cited:
        want = letters[c["subject"]]
        assert [p.removeprefix("Expert ") for p in c["participants"]] == want
        if len(want) == 1:
            assert c["citation"] == f"Expert ({want[0]})"
        else:
            assert c["citation"] == f"{number_in_words(len(want))} Experts ({','.join(want)})"


def test_cite_a_theme_and_codes_together(example_study: str) -> None:
    db = example_study
    letters = _letters_by_code(db)
    themes = {t["name"]: t["codes"] for t in run_cli("themes", "list", "--json", db=db).json()}
    theme = "Specific Migrant Origins and Destinations"
    want = sorted({x for code in themes[theme] for x in letters.get(code, [])})
    out = run_cli("report", "cite", "--theme", theme, db=db)
    assert out.exit_code == 0, out.stderr
    assert out.stdout.strip() == f"{theme}: {number_in_words(len(want))} Experts ({','.join(want)})"
    both = run_cli("report", "cite", "Digitalisation", "Visa-free regime", "--together", "--listed", db=db)
    assert both.stdout.strip() == "Digitalisation + Visa-free regime: Experts (D) and (F)"
    few = run_cli("report", "cite", "Digitalisation", "Human trafficking problem", "--min", "2", db=db)
    assert few.stdout.strip() == "Human trafficking problem: two Experts (F,H)"
    missing = run_cli("report", "cite", "Digitalisaton", db=db)
    assert missing.exit_code == 2 and "did you mean 'Digitalisation'" in missing.stderr


def test_citation_wording() -> None:
    six = [f"Expert {c}" for c in "FEDCBA"]
    assert cite(six) == "six Experts (A,B,C,D,E,F)"
    assert cite(["Expert C"]) == "Expert (C)"
    assert cite(["Expert C", "Expert F"], CitationStyle(listed=True)) == "Experts (C) and (F)"
    three = ["Expert E", "Expert C", "Expert D"]
    assert cite(three, CitationStyle(listed=True)) == "Experts (C), (D), and (E)"
    assert cite(six, CitationStyle(count=False)) == "Experts (A,B,C,D,E,F)"
    assert cite(six, CitationStyle(capitalise=True)) == "Six Experts (A,B,C,D,E,F)"
    twelve = [f"P{i}" for i in range(12, 0, -1)]
    assert cite(twelve) == "12 Ps (1,2,3,4,5,6,7,8,9,10,11,12)"
    chicago = CitationStyle(words_below=101, plural="Participants")
    assert cite(twelve, chicago).startswith("twelve Participants (1,2,")
    assert cite(["Эксперт Б", "Эксперт А"], CitationStyle(plural="Эксперта")) == "two Эксперта (А,Б)"
    assert cite([]) == ""


def test_matrix_counts_are_the_codings(example_study: str) -> None:
    db = example_study
    table = run_cli("report", "matrix", "--format", "json", db=db).json()
    assert table["columns"] == [f"Expert {c}" for c in "ABCDEFGHI"]
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=db).json()}
    assert [r["code"] for r in table["rows"]] == list(codes)
    for row in table["rows"]:
        code = codes[row["code"]]
        assert row["total"] == code["count"] == sum(row["counts"].values())
        assert row["participants"] == len(code["participants"])
        assert {k for k, v in row["counts"].items() if v} == set(code["participants"])
    people = {p["label"]: p["codings"] for p in run_cli("participants", "list", "--json", db=db).json()}
    assert table["totals"]["counts"] == people
    assert table["totals"]["total"] == 195


def test_theme_subtotals_and_attribute_columns(example_study: str, tmp_path: Path) -> None:
    db = example_study
    table = run_cli("report", "matrix", "--themes", "--format", "json", db=db).json()
    themes = {t["name"]: t for t in run_cli("themes", "list", "--json", db=db).json()}
    by_code = {r["code"]: r for r in table["rows"]}
    for sub in table["subtotals"]:
        members = themes[sub["theme"]]["codes"]
        assert sub["total"] == sum(by_code[c]["total"] for c in members) == themes[sub["theme"]]["codings"]
    assert len(table["subtotals"]) == 8
    modes = run_cli("report", "matrix", "--by", "attribute:mode", "--format", "csv", db=db)
    rows = list(csv.reader(modes.stdout.splitlines()))
    assert rows[0] == ["kind", "theme", "code", "face to face", "Zoom", "total", "participants"]
    assert rows[-1][:2] == ["total", ""] and int(rows[-1][3]) + int(rows[-1][4]) == 195
    bad = run_cli("report", "matrix", "--by", "attribute:shoe", db=db)
    assert bad.exit_code == 2 and "mode" in bad.stderr
    docs = run_cli("report", "matrix", "--by", "document", "--format", "json", db=db).json()
    assert len(docs["columns"]) == 9


def test_matrix_xlsx_has_a_heat_map_and_a_chart(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "matrix.xlsx"
    result = run_cli("report", "matrix", "--themes", "-o", str(out), db=example_study)
    assert result.exit_code == 0, result.stderr
    wb = load_workbook(out)
    ws = wb["Matrix"]
    header = [c.value for c in ws[1]]
    assert header == ["Code", *[f"Expert {c}" for c in "ABCDEFGHI"], "Total", "Participants"]
    assert ws.freeze_panes == "B2"
    subtotal = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Human trafficking")
    assert subtotal[0].font.b and subtotal[10].value == 7
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "Total" and total[10] == 195
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert [r.type for r in rules] == ["colorScale"]
    chart_data = wb["Chart"]
    assert [c.value for c in chart_data[1]][:3] == ["Theme", "Expert A", "Expert B"]
    with zipfile.ZipFile(out) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = zf.read(charts[0]).decode("utf-8")
    assert "barChart" in xml and 'grouping val="stacked"' in xml


def test_cooccurrence_of_shared_and_overlapping_excerpts(example_study: str, tmp_path: Path) -> None:
    db = example_study
    pairs = run_cli("report", "cooccurrence", "--format", "json", db=db).json()
    assert [(p["code_a"], p["code_b"], p["count"]) for p in pairs] == [
        ("Need for additional TRP aims", "Need for additional visa categories", 1)
    ]
    # Code a span that overlaps the "Digitalisation" excerpt of Expert D with another code.
    seg = run_cli("segments", "--code", "Digitalisation", "--json", db=db).json()[0]
    start = seg["start"] + 10
    added = run_cli(
        "code",
        seg["document"],
        "--start",
        str(start),
        "--end",
        str(seg["end"] + 5),
        "e-Government",
        "--new",
        db=db,
    )
    assert added.exit_code == 0, added.stderr
    pairs = run_cli("report", "cooccurrence", "--format", "json", db=db).json()
    found = {(p["code_a"], p["code_b"]): p for p in pairs}
    assert found[("Digitalisation", "e-Government")]["count"] == 1
    assert found[("Digitalisation", "e-Government")]["participants"] == ["Expert D"]
    sheet = tmp_path / "pairs.xlsx"
    assert run_cli("report", "cooccurrence", "-o", str(sheet), db=db).exit_code == 0
    ws = load_workbook(sheet)["Co-occurrence"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0] == ["Code", "Code", "Together", "Documents", "Participants"]
    assert ["Digitalisation", "e-Government", 1, 1, "Expert D"] in cells
    before = table_counts(db)
    bad = run_cli("report", "cooccurrence", "-o", "pairs.pdf", db=db)
    assert bad.exit_code == 2 and table_counts(db) == before


def test_themes_rename_move_and_undo(example_study: str) -> None:
    db = example_study

    def order() -> list[tuple[str, Any, int]]:
        listed = run_cli("themes", "list", "--json", db=db).json()
        return [(t["name"], t["parent"], t["depth"]) for t in listed]

    first = order()
    assert run_cli("themes", "rename", "Human trafficking", "Trafficking", db=db).exit_code == 0
    moved = run_cli("themes", "move", "Trafficking", "--under", "Characteristics of Migration", db=db)
    assert moved.exit_code == 0, moved.stderr
    now = order()
    assert now[now.index(("Characteristics of Migration", None, 0)) + 1] == (
        "Trafficking",
        "Characteristics of Migration",
        1,
    )
    cycle = run_cli("themes", "move", "Characteristics of Migration", "--under", "Trafficking", db=db)
    assert cycle.exit_code == 2 and "itself" in cycle.stderr
    top = run_cli(
        "themes", "move", "Trafficking", "--top", "--before", "Migration Trends and Patterns", db=db
    )
    assert top.exit_code == 0, top.stderr
    assert [n for n, _, _ in order()][:3] == [
        "Current Policy and Regulation Enhancements",
        "Trafficking",
        "Migration Trends and Patterns",
    ]
    for _ in range(3):
        assert run_cli("undo", db=db).exit_code == 0
    assert order() == first


def test_codes_example_refuses_a_segment_without_the_code(example_study: str) -> None:
    db = example_study
    other = run_cli("segments", "--code", "Digitalisation", "--json", db=db).json()[0]["segment_id"]
    before = table_counts(db)
    bad = run_cli("codes", "example", "Agreements", "--segment", str(other), db=db)
    assert bad.exit_code == 2 and "not coded with 'Agreements'" in bad.stderr
    assert table_counts(db) == before
    assert run_cli("codes", "example", "Digitalisation", "--segment", str(other), db=db).exit_code == 0
    assert run_cli("codes", "example", "Digitalisation", "--clear", db=db).exit_code == 0
