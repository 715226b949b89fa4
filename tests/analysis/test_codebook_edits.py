"""In-vivo codes, descriptions, colours and removing one coding from the command line."""

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


def _codes(db: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in run_cli("codes", "list", "--json", db=db).json()}


def test_in_vivo_names_the_code_with_the_participants_words(study: str) -> None:
    result = run_cli(
        "code", "Интервью 1", "--quote", "Жертвы боятся полиции.", "--in-vivo", "--json", db=study
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["new_codes"] == ["Жертвы боятся полиции"]  # the full stop is not part of a name
    rows = [r for r in run_cli("segments", "--json", db=study).json() if r["code"] == "Жертвы боятся полиции"]
    assert [(r["document"], r["text"]) for r in rows] == [("Интервью 1", "Жертвы боятся полиции.")]
    assert _codes(study)["Жертвы боятся полиции"]["count"] == 1
    cli_ok("undo", db=study)
    assert "Жертвы боятся полиции" not in _codes(study)


def test_in_vivo_reuses_a_code_of_the_same_name_in_any_case(study: str) -> None:
    result = run_cli("code", "Interview 2", "--quote", "forced labour", "--in-vivo", "--json", db=study)
    assert result.exit_code == 2  # the text has "Forced labour" with a capital: quotes are exact
    result = run_cli("code", "Interview 2", "--quote", "Forced labour", "--in-vivo", "--json", db=study)
    assert result.exit_code == 0, result.stderr
    assert result.json()["new_codes"] == [] and result.json()["added"] == ["Forced labour"]
    assert _codes(study)["Forced labour"]["count"] == 2


def test_in_vivo_refuses_a_near_name_and_a_long_selection(study: str) -> None:
    # "Нехватка кадров." differs from the code "Нехватка кадров" only by case and punctuation → reused;
    # "Labour shortage is rea" is one letter off a code made below: a near-duplicate in the making.
    cli_ok("code", "Интервью 1", "--quote", "нехватка кадров.", "--in-vivo", db=study)
    assert _codes(study)["Нехватка кадров"]["count"] == 4
    before = table_counts(study)
    near = run_cli("code", "Interview 2", "--quote", "Labour shortage is real", "--in-vivo", db=study)
    assert near.exit_code == 0  # nothing close: a new code
    after_new = table_counts(study)
    close = run_cli("code", "Interview 2", "--quote", "Labour shortage is rea", "--in-vivo", db=study)
    assert close.exit_code == 2
    assert (
        "close to the existing code 'Labour shortage is real'" in close.stderr and "--force" in close.stderr
    )
    assert table_counts(study) == after_new
    forced = run_cli(
        "code", "Interview 2", "--quote", "Labour shortage is rea", "--in-vivo", "--force", db=study
    )
    assert forced.exit_code == 0, forced.stderr
    long = run_cli("code", "Интервью 1", "--start", "0", "--end", "120", "--in-vivo", db=study)
    assert long.exit_code == 2 and "at most 100" in long.stderr
    assert after_new["code"] == before["code"] + 1


def test_describe_and_colour_a_code_and_undo(study: str) -> None:
    cli_ok("codes", "describe", "Страх", "Участники боятся обращаться в полицию", db=study)
    assert _codes(study)["Страх"]["description"] == "Участники боятся обращаться в полицию"
    cli_ok("codes", "colour", "Страх", "#d62728", db=study)
    bad = run_cli("codes", "colour", "Страх", "red", db=study)
    assert bad.exit_code == 2 and "#RRGGBB" in bad.stderr
    unknown = run_cli("codes", "describe", "Страхх", "x", db=study)
    assert unknown.exit_code == 2 and "did you mean 'Страх'" in unknown.stderr
    project = run_cli("codes", "list", "--json", db=study).json()
    assert [c["description"] for c in project if c["name"] == "Страх"] == [
        "Участники боятся обращаться в полицию"
    ]
    cli_ok("undo", db=study)  # the colour
    cli_ok("undo", db=study)  # the description
    assert _codes(study)["Страх"]["description"] == ""


def test_uncode_removes_only_your_coding_of_that_excerpt(study: str) -> None:
    quote = "Labour shortage is real."
    cli_ok("uncode", "Interview 2", "Нехватка кадров", "--quote", quote, db=study)
    rows = [r for r in run_cli("segments", "--json", db=study).json() if r["text"] == quote]
    assert [r["code"] for r in rows] == ["Трудовая миграция"]  # the excerpt stays: it carries another code
    assert _codes(study)["Нехватка кадров"]["count"] == 2
    theirs = run_cli("uncode", "Interview 2", "Страх", "--quote", "Nobody reports it.", db=study)
    assert theirs.exit_code == 2 and "given by second" in theirs.stderr
    missing = run_cli("uncode", "Interview 2", "Страх", "--quote", quote, db=study)
    assert missing.exit_code == 2 and "does not carry" in missing.stderr
    cli_ok("undo", db=study)
    assert _codes(study)["Нехватка кадров"]["count"] == 3
