"""Coders: one person is one coder however the name is typed; no change is recorded under the
login name without anyone choosing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, table_counts

NOTES = "Remittances pay for school. Quotas are too low. Visa rules changed."


@pytest.fixture
def study(empty_study: str, tmp_path: Path) -> str:
    path = tmp_path / "Expert A.txt"
    path.write_text(NOTES, encoding="utf-8")
    assert run_cli("participants", "add", "Expert A", db=empty_study).exit_code == 0
    assert run_cli("import", str(path), "--participant", "Expert A", db=empty_study).exit_code == 0
    return empty_study


def code(db: str, quote: str, name: str, coder: str) -> str:
    result = run_cli("code", "Expert A", "--quote", quote, name, "--new", db=db, coder=coder)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def coders(db: str) -> dict[str, int]:
    listed = run_cli("coders", "list", "--json", db=db).json()
    return {c["name"]: c["codings"] for c in listed if c["codings"] or c["name"] != "tester"}


def test_one_person_in_any_case_or_unicode_form_is_one_coder(study: str) -> None:
    code(study, "Remittances pay for school.", "Remittances", "Aigerim")
    code(study, "Quotas are too low.", "Quotas", "aigerim")
    code(study, "Visa rules changed.", "Visas", " AIGERIM ")
    # "й" typed as и + combining breve is the same letter as the composed "й"
    code(study, "Quotas are too low.", "Quotas", "Бейбіт")
    code(study, "Visa rules changed.", "Visas", "Беи\u0306біт")
    assert coders(study) == {"Aigerim": 3, "Бейбіт": 2}
    # blind views match the name the same way
    mine = run_cli("--blind", "codes", "list", "--json", db=study, coder="AIGERIM").json()
    assert sum(c["count"] for c in mine) == 3


def test_a_name_close_to_another_is_accepted_with_a_warning_and_can_be_merged(study: str) -> None:
    code(study, "Remittances pay for school.", "Remittances", "Aigerim")
    code(study, "Quotas are too low.", "Quotas", "Aigerim")
    warned = code(study, "Quotas are too low.", "Quotas", "Айгерим")
    assert "Айгерим" in warned and "Aigerim" in warned and "coders merge" in warned
    assert coders(study) == {"Aigerim": 2, "Айгерим": 1}
    merged = run_cli("coders", "merge", "Айгерим", "--into", "aigerim", db=study)
    assert merged.exit_code == 0, merged.stderr
    # both coded that excerpt with Quotas: one coding stays, Aigerim's
    assert coders(study) == {"Aigerim": 2}
    log = run_cli("log", "--json", db=study).json()
    assert any(e["action"] == "coders.merge" for e in log)
    assert run_cli("undo", db=study).exit_code == 0
    assert coders(study) == {"Aigerim": 2, "Айгерим": 1}


def test_rename_refuses_a_name_another_coder_has(study: str) -> None:
    code(study, "Remittances pay for school.", "Remittances", "aigerim")
    code(study, "Quotas are too low.", "Quotas", "Dana")
    assert run_cli("coders", "rename", "AIGERIM", "Aigerim Sadykova", db=study).exit_code == 0
    assert coders(study) == {"Aigerim Sadykova": 1, "Dana": 1}
    before = table_counts(study)
    refused = run_cli("coders", "rename", "Dana", "aigerim sadykova", db=study)
    assert refused.exit_code == 2 and "coders merge" in refused.stderr
    assert table_counts(study) == before


def test_a_write_without_a_coder_name_is_refused_outside_a_terminal(
    study: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    before = table_counts(study)
    refused = run_cli(
        "code", "Expert A", "--quote", "Quotas are too low.", "Quotas", "--new", db=study, coder=""
    )
    assert refused.exit_code == 2
    assert "--coder" in refused.stderr and "QUALCODE_CODER" in refused.stderr
    assert table_counts(study) == before
    imported = tmp_path / "Expert B.txt"
    imported.write_text("Other notes.", encoding="utf-8")
    refused = run_cli("import", str(imported), db=study, coder="")
    assert refused.exit_code == 2 and "--coder" in refused.stderr
    assert table_counts(study) == before
    # reading needs no name
    assert run_cli("codes", "list", db=study, coder="").exit_code == 0
    # a name saved once (what the terminal prompt keeps) is used from then on
    (tmp_path / "config" / "qualcode").mkdir(parents=True)
    (tmp_path / "config" / "qualcode" / "coder").write_text("Aigerim\n", encoding="utf-8")
    done = run_cli(
        "code", "Expert A", "--quote", "Quotas are too low.", "Quotas", "--new", db=study, coder=""
    )
    assert done.exit_code == 0, done.stderr
    assert coders(study) == {"Aigerim": 1}


def test_the_sorting_language_is_a_study_setting(empty_study: str) -> None:
    for label in ["Ёлка", "Жук", "Ель"]:
        assert run_cli("participants", "add", label, db=empty_study).exit_code == 0
    assert run_cli("language", db=empty_study).stdout.strip() == "kk"
    labels = [p["label"] for p in run_cli("participants", "list", "--json", db=empty_study).json()]
    assert labels == ["Ель", "Ёлка", "Жук"]
    assert run_cli("language", "ru", db=empty_study).exit_code == 0
    assert run_cli("language", db=empty_study).stdout.strip() == "ru"
    refused = run_cli("language", "xx-nonsense", db=empty_study)
    assert refused.exit_code == 2 and "xx-nonsense" in refused.stderr
    assert run_cli("language", "auto", db=empty_study).exit_code == 0
    assert run_cli("language", db=empty_study).stdout.strip() == "kk"
