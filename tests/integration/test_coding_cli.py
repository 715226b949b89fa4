"""Coding from the command line, reading excerpts back, themes, the log and undo."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, table_counts

KAZAKH = "Көші-қон саясаты: әділ, ғылыми, қоғамдық, маңызды, өзекті, ұлттық, үкімет, һәм іс-шара."
RUSSIAN = "Ёлка и ещё: миграционная политика Казахстана."


def _study_with_notes(db: str, tmp_path: Path) -> None:
    assert run_cli("participants", "add", "Эксперт А", "--attr", "mode=Zoom", db=db).exit_code == 0
    notes = tmp_path / "Интервью 1.md"
    notes.write_text(f"{RUSSIAN}\r\n\r\n{KAZAKH}\r\n", encoding="utf-8-sig")
    result = run_cli("import", str(notes), "--participant", "Эксперт А", db=db)
    assert result.exit_code == 0, result.stderr


def test_code_by_quote_keeps_cyrillic_exact(empty_study: str, tmp_path: Path) -> None:
    _study_with_notes(empty_study, tmp_path)
    result = run_cli("code", "Интервью 1", "--quote", KAZAKH, "Саясат", "--new", db=empty_study)
    assert result.exit_code == 0, result.stderr
    rows = run_cli("segments", "--json", db=empty_study).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["text"] == KAZAKH
    assert row["code"] == "Саясат"
    assert row["participant"] == "Эксперт А"
    assert row["coder"] == "tester"
    # CRLF became LF and the BOM is gone before offsets were fixed.
    assert row["start"] == len(RUSSIAN) + 2
    assert row["end"] == row["start"] + len(KAZAKH)


def test_code_by_offsets_then_a_second_code_shares_the_segment(empty_study: str, tmp_path: Path) -> None:
    _study_with_notes(empty_study, tmp_path)
    args = ["code", "Интервью 1", "--start", "0", "--end", str(len(RUSSIAN))]
    assert run_cli(*args, "Политика", "--new", db=empty_study).exit_code == 0
    assert run_cli(*args, "Ёлка", "--new", db=empty_study).exit_code == 0
    again = run_cli(*args, "Политика", db=empty_study)
    assert again.exit_code == 0
    assert "already carries" in again.stdout
    rows = run_cli("segments", "--json", db=empty_study).json()
    assert {r["segment_id"] for r in rows} == {rows[0]["segment_id"]}
    assert sorted(r["code"] for r in rows) == ["Ёлка", "Политика"]
    codes = run_cli("codes", "list", "--json", db=empty_study).json()
    assert {c["name"]: c["count"] for c in codes} == {"Ёлка": 1, "Политика": 1}
    assert all(c["participants"] == ["Эксперт А"] for c in codes)


def test_an_ambiguous_quote_needs_an_occurrence(empty_study: str, tmp_path: Path) -> None:
    _study_with_notes(empty_study, tmp_path)
    before = table_counts(empty_study)
    refused = run_cli("code", "Интервью 1", "--quote", "ка", "X", "--new", db=empty_study)
    assert refused.exit_code == 2
    assert "--occurrence" in refused.stderr
    assert table_counts(empty_study) == before
    ok = run_cli("code", "Интервью 1", "--quote", "ка", "--occurrence", "2", "X", "--new", db=empty_study)
    assert ok.exit_code == 0, ok.stderr


def test_undo_removes_the_last_coding_and_the_log_shows_it(empty_study: str, tmp_path: Path) -> None:
    _study_with_notes(empty_study, tmp_path)
    before = table_counts(empty_study)
    assert (
        run_cli("code", "Интервью 1", "--quote", RUSSIAN, "Новый код", "--new", db=empty_study).exit_code == 0
    )
    log = run_cli("log", "--json", db=empty_study).json()
    assert log[0]["action"] == "coding.add"
    assert log[0]["coder"] == "tester"
    undone = run_cli("undo", db=empty_study)
    assert undone.exit_code == 0, undone.stderr
    after = table_counts(empty_study)
    assert after["coding"] == before["coding"]
    assert after["segment"] == before["segment"]
    assert after["code"] == before["code"]
    assert run_cli("segments", "--json", db=empty_study).json() == []


def test_undoing_an_import_removes_the_document_whole(empty_study: str, tmp_path: Path) -> None:
    _study_with_notes(empty_study, tmp_path)
    assert run_cli("undo", db=empty_study).exit_code == 0
    assert run_cli("documents", "list", "--json", db=empty_study).json() == []


def test_themes_nest_and_keep_their_order(example_study: str) -> None:
    assert (
        run_cli(
            "themes", "add", "Labour exploitation", "--parent", "Human trafficking", db=example_study
        ).exit_code
        == 0
    )
    moved = run_cli("themes", "assign", "Labour exploitation", "Human trafficking problem", db=example_study)
    assert moved.exit_code == 0, moved.stderr
    themes = run_cli("themes", "list", "--json", db=example_study).json()
    names = [t["name"] for t in themes]
    assert names.index("Labour exploitation") == names.index("Human trafficking") + 1
    sub = themes[names.index("Labour exploitation")]
    assert sub["parent"] == "Human trafficking" and sub["depth"] == 1
    assert sub["codes"] == ["Human trafficking problem"]
    assert sub["codings"] == 2
    codes = {c["name"]: c for c in run_cli("codes", "list", "--json", db=example_study).json()}
    assert codes["Human trafficking problem"]["theme"] == "Labour exploitation"


def test_a_theme_name_in_use_is_refused(example_study: str) -> None:
    before = table_counts(example_study)
    result = run_cli("themes", "add", "Human trafficking", db=example_study)
    assert result.exit_code == 2
    assert table_counts(example_study) == before
