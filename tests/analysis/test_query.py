"""Coding queries: the excerpts a researcher asks for, checked against `segments --json`."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.helpers import build_study, cli_ok
from tests.conftest import run_cli, table_counts


@pytest.fixture
def study(empty_study: str, tmp_path: Path) -> str:
    build_study(empty_study, tmp_path)
    return empty_study


def _segments(db: str) -> dict[int, dict[str, Any]]:
    """Per excerpt: its text, document, participant and the codes on it, from `segments --json`."""
    out: dict[int, dict[str, Any]] = {}
    for r in run_cli("segments", "--json", db=db).json():
        seg = out.setdefault(r["segment_id"], {**r, "codes": set(), "coders": defaultdict(set)})
        seg["codes"].add(r["code"])
        seg["coders"][r["code"]].add(r["coder"])
    return out


def _query(db: str, expression: str, *extra: str) -> list[dict[str, Any]]:
    result = run_cli("query", expression, "--json", *extra, db=db)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, Any]] = result.json()
    return rows


def _pairs(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["text"], r["code"]) for r in rows}


def test_a_theme_stands_for_its_codes_and_their_sub_codes(study: str) -> None:
    segs = _segments(study)
    expected = {sid for sid, s in segs.items() if s["codes"] & {"Торговля людьми", "Forced labour"}}
    rows = _query(study, 'theme "Эксплуатация"')
    assert {r["segment_id"] for r in rows} == expected
    assert _pairs(rows) == {
        ("Торговля людьми скрыта.", "Торговля людьми"),
        ("Forced labour happens on farms.", "Forced labour"),
    }


def test_and_needs_both_codes_on_one_excerpt(study: str) -> None:
    segs = _segments(study)
    expected = {sid for sid, s in segs.items() if {"Нехватка кадров", "Трудовая миграция"} <= s["codes"]}
    rows = _query(study, '"Нехватка кадров" and "Трудовая миграция"')
    assert {r["segment_id"] for r in rows} == expected
    assert _pairs(rows) == {
        ("Labour shortage is real.", "Нехватка кадров"),
        ("Labour shortage is real.", "Трудовая миграция"),
    }
    # One row per coding, the same rows `segments` prints.
    by_id = {r["coding_id"]: r for r in run_cli("segments", "--json", db=study).json()}
    assert all(by_id[r["coding_id"]] == r for r in rows)


def test_and_binds_tighter_than_or_and_parentheses_change_it(study: str) -> None:
    segs = _segments(study)
    a, b, c = "Страх", "Нехватка кадров", "Трудовая миграция"
    loose = {sid for sid, s in segs.items() if a in s["codes"] or {b, c} <= s["codes"]}
    grouped = {sid for sid, s in segs.items() if (a in s["codes"] or b in s["codes"]) and c in s["codes"]}
    assert {r["segment_id"] for r in _query(study, f'{a} or "{b}" and "{c}"')} == loose
    assert {r["segment_id"] for r in _query(study, f'({a} or "{b}") and "{c}"')} == grouped
    assert loose != grouped


def test_not_and_a_where_on_a_participant_attribute(study: str) -> None:
    segs = _segments(study)
    expected = {
        sid
        for sid, s in segs.items()
        if s["participant"] == "Эксперт А" and "Трудовая миграция" not in s["codes"]
    }
    rows = _query(study, 'not "Трудовая миграция" where mode = zoom')
    assert {r["segment_id"] for r in rows} == expected
    assert {r["participant"] for r in rows} == {"Эксперт А"}
    assert ("Жертвы боятся полиции.", "Страх") not in _pairs(rows)  # the excerpt is longer
    assert ("Торговля людьми скрыта. Жертвы боятся полиции.", "Страх") in _pairs(rows)


def test_overlaps_keeps_the_left_excerpts_that_share_text(study: str) -> None:
    rows = _query(study, 'Страх overlaps "Торговля людьми"')
    assert _pairs(rows) == {("Торговля людьми скрыта. Жертвы боятся полиции.", "Страх")}


def test_within_n_sentences_counts_sentences_between_excerpts(study: str) -> None:
    rows = _query(study, '"Нехватка кадров" within 1 sentence of "Трудовая миграция"')
    # "Работодатели ищут рабочих." is the sentence after "Трудовая миграция растёт."; the
    # shortage in the last paragraph is five sentences away; interview 2 codes one sentence twice.
    assert {r["text"] for r in rows} == {"Работодатели ищут рабочих.", "Labour shortage is real."}
    assert {
        r["text"] for r in _query(study, '"Нехватка кадров" within 0 sentences of "Трудовая миграция"')
    } == {"Labour shortage is real."}
    assert {
        r["text"] for r in _query(study, '"Нехватка кадров" within 2 paragraphs of "Трудовая миграция"')
    } == {
        "Работодатели ищут рабочих.",
        "Ёлка и ёмкость рынка: нехватка кадров.",
        "Labour shortage is real.",
    }


def test_where_on_coder_dates_and_documents(study: str) -> None:
    rows = _query(study, "where coder = second")
    assert _pairs(rows) == {("Nobody reports it.", "Страх")}
    early = _query(study, "where date < 2024-05-01")  # the participants' interview dates
    assert {r["participant"] for r in early} == {"Эксперт А"}
    assert {r["document"] for r in _query(study, 'Страх where document = "Interview 2"')} == {"Interview 2"}
    assert _query(study, "Страх where coded < 2000-01-01") == []


def test_names_are_matched_without_case_and_with_e_for_yo(study: str) -> None:
    assert _pairs(_query(study, "нехватка КАДРОВ and трудовая миграция")) == _pairs(
        _query(study, '"Нехватка кадров" and "Трудовая миграция"')
    )


@pytest.mark.parametrize(
    "expression,position,words",
    [
        ('("Нехватка кадров" or Страх', 28, "expected ')'"),
        ("Страх and", 10, "expected a code or theme name"),
        ("Страх within two sentences of Страх", 14, "within needs a number"),
        ('"Нехватка кадров', 1, "never closed"),
        ("Страхх", 1, "did you mean 'Страх'"),
        ("Lack of law", 6, "a name with 'of' in it goes in quotes"),
        ("Страх where colour = red", 13, "no attribute 'colour'"),
    ],
)
def test_a_malformed_query_is_refused_with_its_position(
    study: str, expression: str, position: int, words: str
) -> None:
    before = table_counts(study)
    result = run_cli("query", expression, db=study)
    assert result.exit_code == 2
    first, shown, caret = result.stderr.splitlines()[:3]
    assert words in first
    assert f"at character {position}" in first
    assert shown.strip() == expression
    assert caret.index("^") - 2 == position - 1
    assert table_counts(study) == before


def test_saved_queries_run_again_by_name_and_undo(study: str) -> None:
    expected = _query(study, 'theme "Труд" where organisation = NGO')
    cli_ok("query", 'theme "Труд" where organisation = NGO', "--save", "ngo labour", db=study)
    listed = run_cli("query", "--list", "--json", db=study).json()
    assert listed == [
        {"name": "ngo labour", "query": 'theme "Труд" where organisation = NGO', "saved_by": "tester"}
    ]
    rerun = run_cli("query", "--run", "ngo labour", "--json", db=study)
    assert rerun.exit_code == 0, rerun.stderr
    assert rerun.json() == expected
    twice = run_cli("query", "Страх", "--save", "ngo labour", db=study)
    assert twice.exit_code == 2 and "--replace" in twice.stderr
    bad = run_cli("query", "Страхх", "--save", "bad", db=study)
    assert bad.exit_code == 2
    cli_ok("undo", db=study)
    assert run_cli("query", "--list", "--json", db=study).json() == []


def test_blind_query_sees_only_the_coders_own_codings(study: str) -> None:
    result = run_cli("--blind", "query", "Страх", "--json", coder="second", db=study)
    assert result.exit_code == 0, result.stderr
    assert _pairs(result.json()) == {("Nobody reports it.", "Страх")}


def test_query_writes_xlsx_csv_and_markdown(study: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    cli_ok("query", 'theme "Эксплуатация"', "-o", str(tmp_path / "hits.xlsx"), db=study)
    ws = load_workbook(tmp_path / "hits.xlsx").active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    header = list(values[0])
    assert header[:3] == ["segment_id", "document", "participant"]
    got = {(row[header.index("text")], row[header.index("code")]) for row in values[1:]}
    assert got == {
        ("Торговля людьми скрыта.", "Торговля людьми"),
        ("Forced labour happens on farms.", "Forced labour"),
    }
    cli_ok("query", "Страх", "-o", str(tmp_path / "hits.csv"), db=study)
    text = (tmp_path / "hits.csv").read_text(encoding="utf-8-sig")
    assert "Торговля людьми скрыта. Жертвы боятся полиции." in text and "Nobody reports it." in text
    md = cli_ok("query", "Страх", "--format", "md", db=study)
    assert md.startswith("| segment_id | document |") and "| Nobody reports it. |" in md


def test_report_matrix_takes_the_query_filters(study: str) -> None:
    rows = run_cli("segments", "--json", db=study).json()
    zoom = [r for r in rows if r["participant"] == "Эксперт А" and r["coder"] == "tester"]
    expected: dict[str, int] = defaultdict(int)
    for r in zoom:
        expected[r["code"]] += 1
    result = run_cli(
        "report", "matrix", "--where", "mode = Zoom and coder = tester", "--format", "json", db=study
    )
    assert result.exit_code == 0, result.stderr
    table = result.json()
    got = {r["code"]: r["total"] for r in table["rows"] if r["total"]}
    assert (
        got
        == dict(expected)
        == {"Трудовая миграция": 1, "Нехватка кадров": 2, "Торговля людьми": 1, "Страх": 1}
    )
    assert {r["code"]: r["counts"]["Эксперт Б"] for r in table["rows"]} == {
        r["code"]: 0 for r in table["rows"]
    }
    everyone = run_cli("report", "matrix", "--format", "json", db=study).json()
    assert sum(r["total"] for r in everyone["rows"]) == len(rows)
    bad = run_cli("report", "matrix", "--where", "mode = ", db=study)
    assert bad.exit_code == 2 and "^" in bad.stderr
