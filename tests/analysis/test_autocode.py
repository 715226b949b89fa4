"""Autocoding: a dry run changes nothing; a real run codes every hit in one undoable event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analysis.helpers import build_study, cli_ok
from tests.conftest import run_cli, table_counts


@pytest.fixture
def study(empty_study: str, tmp_path: Path) -> str:
    build_study(empty_study, tmp_path)
    return empty_study


def _segments(db: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_cli("segments", "--json", db=db).json()
    return rows


def test_a_dry_run_lists_hits_ignoring_case_and_yo_and_changes_nothing(study: str) -> None:
    before, segments = table_counts(study), _segments(study)
    result = run_cli("autocode", "Рынок", "--text", "ЁМКОСТЬ", "--new", "--dry-run", "--json", db=study)
    assert result.exit_code == 0, result.stderr
    hits = result.json()["hits"]
    assert [(h["document"], h["text"]) for h in hits] == [("Интервью 1", "ёмкость")]
    again = run_cli(
        "autocode",
        "Рынок",
        "--text",
        "емкость",
        "--unit",
        "sentence",
        "--new",
        "--dry-run",
        "--json",
        db=study,
    )
    assert [h["text"] for h in again.json()["hits"]] == ["Ёлка и ёмкость рынка: нехватка кадров."]
    assert table_counts(study) == before
    assert _segments(study) == segments
    assert "Рынок" not in {c["name"] for c in run_cli("codes", "list", "--json", db=study).json()}


def test_a_real_run_codes_every_sentence_in_one_event_and_one_undo_takes_it_back(study: str) -> None:
    before, segments = table_counts(study), _segments(study)
    result = run_cli(
        "autocode",
        "Труд",
        "--text",
        "labour",
        "--whole-word",
        "--unit",
        "sentence",
        "--new",
        "--json",
        db=study,
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["coded"] == 2
    coded = {(r["document"], r["text"]) for r in _segments(study) if r["code"] == "Труд"}
    assert coded == {
        ("Interview 2", "Labour shortage is real."),
        ("Interview 2", "Forced labour happens on farms."),
    }
    log = run_cli("log", "--json", db=study).json()
    assert log[0]["action"] == "coding.autocode"
    assert len([e for e in log if e["action"] == "coding.autocode"]) == 1
    cli_ok("undo", db=study)
    assert _segments(study) == segments
    after = table_counts(study)
    assert {k: v for k, v in after.items() if k != "event"} == {
        k: v for k, v in before.items() if k != "event"
    }


def test_whole_word_and_paragraph_units(study: str) -> None:
    part = run_cli("autocode", "Нехватка кадров", "--text", "рабоч", "--dry-run", "--json", db=study).json()
    assert [h["text"] for h in part["hits"]] == ["рабоч"]
    whole = run_cli(
        "autocode", "Нехватка кадров", "--text", "рабоч", "--whole-word", "--dry-run", "--json", db=study
    )
    assert whole.json()["hits"] == []
    para = run_cli(
        "autocode",
        "Нехватка кадров",
        "--regex",
        r"жертв\w*|полици\w*",
        "--unit",
        "paragraph",
        "--dry-run",
        "--json",
        db=study,
    )
    # Two matches in one paragraph code it once.
    assert [h["text"] for h in para.json()["hits"]] == ["Торговля людьми скрыта. Жертвы боятся полиции."]


def test_an_excerpt_already_coded_is_not_coded_twice(study: str) -> None:
    result = run_cli("autocode", "Нехватка кадров", "--text", "Labour shortage is real.", "--json", db=study)
    assert result.exit_code == 0, result.stderr
    assert result.json()["coded"] == 0
    assert [h["already"] for h in result.json()["hits"]] == [True]


@pytest.mark.parametrize(
    "args,words",
    [
        (["--regex", "труд("], "not a valid regular expression"),
        (["--regex", "x*"], "matches empty text"),
        (["--text", "x", "--regex", "y"], "exactly one of"),
        (["--text", "x", "--document", "Нет такого"], "no document"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(study: str, args: list[str], words: str) -> None:
    before = table_counts(study)
    result = run_cli("autocode", "Страх", *args, db=study)
    assert result.exit_code == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table_counts(study) == before


def test_an_unknown_code_is_refused_without_new(study: str) -> None:
    result = run_cli("autocode", "Страхи", "--text", "полиции", db=study)
    assert result.exit_code == 2 and "did you mean 'Страх'" in result.stderr


def test_speaker_turns_of_a_transcript(empty_study: str, tmp_path: Path) -> None:
    vtt = tmp_path / "Zoom 1.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Как вы оцениваете квоты?\n\n"
        "00:00:05.000 --> 00:00:09.000\n<v Айгерим>Квоты слишком жёсткие.\n\n"
        "00:00:10.000 --> 00:00:12.000\n<v Interviewer>Почему?\n\n"
        "00:00:13.000 --> 00:00:15.000\n<v Айгерим>Бизнес ждёт месяцами.\n",
        encoding="utf-8",
    )
    cli_ok("import", str(vtt), db=empty_study)
    result = run_cli("autocode", "Ответы", "--speaker", "айгерим", "--new", "--json", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert result.json()["coded"] == 2
    texts = [r["text"] for r in _segments(empty_study)]
    assert texts == ["Айгерим: Квоты слишком жёсткие.", "Айгерим: Бизнес ждёт месяцами."]
    turn = run_cli(
        "autocode",
        "Квоты",
        "--text",
        "жесткие",
        "--unit",
        "turn",
        "--new",
        "--dry-run",
        "--json",
        db=empty_study,
    )
    assert [h["text"] for h in turn.json()["hits"]] == ["Айгерим: Квоты слишком жёсткие."]


def test_a_sentence_runs_on_past_common_abbreviations(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "Abbrev.txt"
    notes.write_text(
        "Емкость растёт, т.е. спрос высокий. Квоты, визы и т.д. Dr. Smith agreed, e.g. here.",
        encoding="utf-8",
    )
    cli_ok("import", str(notes), db=empty_study)
    hits = run_cli(
        "autocode",
        "Ёмкость",
        "--text",
        "ёмкость",
        "--unit",
        "sentence",
        "--new",
        "--dry-run",
        "--json",
        db=empty_study,
    )
    assert [h["text"] for h in hits.json()["hits"]] == ["Емкость растёт, т.е. спрос высокий."]
    smith = run_cli(
        "autocode",
        "Smith",
        "--text",
        "smith",
        "--unit",
        "sentence",
        "--new",
        "--dry-run",
        "--json",
        db=empty_study,
    )
    assert [h["text"] for h in smith.json()["hits"]] == ["Dr. Smith agreed, e.g. here."]
