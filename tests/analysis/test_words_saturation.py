"""Word frequencies, keywords in context and code saturation, counted by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analysis.helpers import DOC1, DOC2, build_study, cli_ok
from tests.conftest import run_cli


@pytest.fixture
def study(empty_study: str, tmp_path: Path) -> str:
    build_study(empty_study, tmp_path)
    return empty_study


def _words(db: str, *args: str) -> dict[str, Any]:
    result = run_cli("report", "words", "--json", "--top", "1000", *args, db=db)
    assert result.exit_code == 0, result.stderr
    return {w["word"]: w for w in result.json()["words"]}


def test_word_counts_fold_case_and_yo_and_drop_stop_words(study: str) -> None:
    words = _words(study)
    assert words["labour"]["total"] == 2  # "Labour shortage", "Forced labour"
    assert words["елка"]["total"] == 1  # "Ёлка" counted as елка
    assert words["is"]["total"] == 1
    assert words["көші-қон"]["total"] == 1  # a hyphenated Kazakh word stays one word
    stopped = _words(study, "--stopwords", "en,ru")
    assert "is" not in stopped and "и" not in stopped and stopped["labour"]["total"] == 2
    by = _words(study, "--by", "participant")
    assert by["labour"]["counts"] == {"Эксперт А": 0, "Эксперт Б": 2}
    total_words = len((DOC1 + " " + DOC2).split())  # no numbers, no stray punctuation tokens
    assert run_cli("report", "words", "--json", db=study).json()["words_counted"] == total_words


def test_words_per_code_count_the_coded_excerpts(study: str) -> None:
    by_code = _words(study, "--by", "code")
    # "Страх" codes "Торговля людьми скрыта. Жертвы боятся полиции." and "Nobody reports it."
    assert by_code["полиции"]["counts"]["Страх"] == 1
    assert by_code["nobody"]["counts"]["Страх"] == 1
    assert by_code["labour"]["counts"]["Forced labour"] == 1
    blind = run_cli(
        "--blind", "report", "words", "--by", "code", "--json", "--top", "1000", coder="second", db=study
    )
    assert {w["word"] for w in blind.json()["words"]} == {"nobody", "reports", "it"}


def test_stemming_counts_forms_together_in_russian_english_and_kazakh(
    empty_study: str, tmp_path: Path
) -> None:
    notes = tmp_path / "Forms.txt"
    notes.write_text(
        "Мигрант, мигранты, мигрантов. Migrants and a migrant. Саясат, саясаты, саясатқа.", encoding="utf-8"
    )
    cli_ok("import", str(notes), db=empty_study)
    words = _words(empty_study, "--stem")
    assert (words["мигрант"]["stem"], words["мигрант"]["total"]) == ("мигрант", 3)
    assert words["migrant"]["total"] == 2
    assert words["саясат"]["total"] == 3
    assert _words(empty_study, "--top", "2", "--stem").keys() == {"мигрант", "саясат"}


def test_a_stop_word_file_and_xlsx_output(study: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    stop = tmp_path / "stop.txt"
    stop.write_text("labour\nЁлка\n", encoding="utf-8")
    cli_ok(
        "report",
        "words",
        "--stopwords",
        str(stop),
        "--by",
        "document",
        "-o",
        str(tmp_path / "w.xlsx"),
        db=study,
    )
    ws = load_workbook(tmp_path / "w.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("word", "total", "Интервью 1", "Interview 2")
    words = {r[0] for r in rows[1:]}
    assert "labour" not in words and "елка" not in words and "shortage" in words
    missing = run_cli("report", "words", "--stopwords", str(tmp_path / "nope.txt"), db=study)
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_keyword_in_context(study: str, tmp_path: Path) -> None:
    result = run_cli("report", "kwic", "ЕМКОСТ", "--width", "12", "--json", db=study)
    assert result.exit_code == 0, result.stderr
    [hit] = result.json()
    assert (hit["document"], hit["keyword"], hit["left"], hit["right"]) == (
        "Интервью 1",
        "ёмкость",
        "Ёлка и",
        "рынка:",
    )
    labour = run_cli("report", "kwic", "labour", "--json", db=study).json()
    assert [(h["keyword"], h["participant"]) for h in labour] == [
        ("Labour", "Эксперт Б"),
        ("labour", "Эксперт Б"),
    ]
    assert run_cli("report", "kwic", "lab", "--whole-word", "--json", db=study).json() == []
    cli_ok("report", "kwic", "labour", "-o", str(tmp_path / "k.csv"), db=study)
    assert "Forced,labour,happens on farms." in (tmp_path / "k.csv").read_text(encoding="utf-8-sig").replace(
        " ", ",", 0
    )


def _three_interviews(db: str, tmp_path: Path) -> None:
    """Interview dates 1 March, 10 March, 20 February; codes A B | B C D | A D."""
    plan = [
        ("P1", "2024-03-01", "1", "Int 1", ["A", "B"]),
        ("P2", "2024-03-10", "3", "Int 2", ["B", "C", "D"]),
        ("P3", "February 20, 2024", "2", "Int 3", ["A", "D"]),
    ]
    for label, date, wave, title, codes in plan:
        cli_ok("participants", "add", label, "--attr", f"date={date}", "--attr", f"wave={wave}", db=db)
        path = tmp_path / f"{title}.txt"
        path.write_text("\n".join(f"Paragraph {c}." for c in codes), encoding="utf-8")
        cli_ok("import", str(path), "--participant", label, db=db)
        for c in codes:
            cli_ok("code", title, "--quote", f"Paragraph {c}.", c, "--new", db=db)


def _curve(db: str, *args: str) -> list[tuple[str, int, int, list[str]]]:
    result = run_cli("report", "saturation", "--json", *args, db=db)
    assert result.exit_code == 0, result.stderr
    return [(s["interview"], s["new"], s["cumulative"], s["new_codes"]) for s in result.json()["interviews"]]


def test_saturation_curve_equals_the_counts_worked_out_by_hand(empty_study: str, tmp_path: Path) -> None:
    _three_interviews(empty_study, tmp_path)
    # By date: Int 3 (20 Feb: A, D) → 2 new; Int 1 (1 Mar: A, B) → B; Int 2 (10 Mar: B, C, D) → C.
    assert _curve(empty_study) == [
        ("Int 3", 2, 2, ["A", "D"]),
        ("Int 1", 1, 3, ["B"]),
        ("Int 2", 1, 4, ["C"]),
    ]
    # By title: Int 1 → A, B; Int 2 → C, D; Int 3 adds nothing: saturated.
    assert _curve(empty_study, "--order", "title") == [
        ("Int 1", 2, 2, ["A", "B"]),
        ("Int 2", 2, 4, ["C", "D"]),
        ("Int 3", 0, 4, []),
    ]
    assert [c[0] for c in _curve(empty_study, "--order", "attribute:wave")] == ["Int 1", "Int 3", "Int 2"]
    shares = run_cli("report", "saturation", "--json", db=empty_study).json()["interviews"]
    assert [s["share"] for s in shares] == [0.5, 0.75, 1.0]
    # An excluded code is not one of the codes for analysis.
    cli_ok("codes", "exclude", "C", "--reason", "off topic", db=empty_study)
    assert _curve(empty_study)[2] == ("Int 2", 0, 3, [])
    assert _curve(empty_study, "--include-excluded")[2] == ("Int 2", 1, 4, ["C"])


def test_saturation_refuses_an_order_an_interview_lacks_and_draws_a_chart(
    empty_study: str, tmp_path: Path
) -> None:
    _three_interviews(empty_study, tmp_path)
    missing = run_cli("report", "saturation", "--order", "attribute:region", db=empty_study)
    assert missing.exit_code == 2 and "has no attribute 'region'" in missing.stderr
    svg = tmp_path / "curve.svg"
    cli_ok("report", "saturation", "--chart", str(svg), db=empty_study)
    drawn = svg.read_text(encoding="utf-8")
    assert drawn.index("Int 3") < drawn.index("Int 1") < drawn.index("Int 2")  # in date order, as text
    png = tmp_path / "words.png"
    cli_ok("report", "words", "--chart", str(png), db=empty_study)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run_cli("report", "words", "--chart", str(tmp_path / "words.gif"), db=empty_study)
    assert bad.exit_code == 2 and ".png or .svg" in bad.stderr
