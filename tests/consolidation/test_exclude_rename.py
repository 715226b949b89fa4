"""Excluding and including codes, renaming, and refusals that leave the study unchanged."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, table_counts
from tests.consolidation.helpers import Applied, sentences, snapshot, store_notes


def _study(db: str) -> None:
    store_notes(
        db,
        {
            "Interview A": (
                "Expert A",
                sentences(6),
                [
                    Applied(0, ("Weather",)),
                    Applied(1, ("Weather", "Small talk")),
                    Applied(2, ("Quota limits",)),
                    Applied(3, ("Quota limit",)),
                    Applied(4, ("Labour migration",)),
                ],
            )
        },
    )


def _names(db: str, *flags: str) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in run_cli("codes", "list", *flags, "--json", db=db).json()}


def test_excluded_codes_keep_their_codings_but_leave_the_codebook(empty_study: str) -> None:
    db = empty_study
    _study(db)
    codings = table_counts(db)["coding"]
    result = run_cli("codes", "exclude", "Weather", "Small talk", "--reason", "not about migration", db=db)
    assert result.exit_code == 0, result.stderr

    assert set(_names(db)) == {"Quota limits", "Quota limit", "Labour migration"}
    every = _names(db, "--all")
    assert every["Weather"]["status"] == "excluded" and every["Weather"]["count"] == 2
    assert every["Weather"]["exclusion_reason"] == "not about migration"
    assert table_counts(db)["coding"] == codings
    funnel = run_cli("funnel", "--json", db=db).json()
    assert (funnel["unique_codes"], funnel["kept_codes"], funnel["excluded_codes"]) == (5, 3, 2)
    assert sorted((x["code"], x["reason"], x["by"]) for x in funnel["exclusions"]) == [
        ("Small talk", "not about migration", "tester"),
        ("Weather", "not about migration", "tester"),
    ]

    assert run_cli("codes", "include", "Small talk", db=db).exit_code == 0
    assert "Small talk" in _names(db)
    funnel = run_cli("funnel", "--json", db=db).json()
    assert [x["code"] for x in funnel["exclusions"]] == ["Weather"]
    assert _names(db, "--all")["Small talk"]["exclusion_reason"] == ""

    # Excluded again with another reason: the funnel reports the one in force.
    assert run_cli("codes", "exclude", "Small talk", "--reason", "chit-chat", db=db).exit_code == 0
    reasons = {x["code"]: x["reason"] for x in run_cli("funnel", "--json", db=db).json()["exclusions"]}
    assert reasons == {"Weather": "not about migration", "Small talk": "chit-chat"}
    # And undo takes an exclusion back.
    assert run_cli("undo", db=db).exit_code == 0
    assert _names(db, "--all")["Small talk"]["status"] == "active"


def test_rename_refuses_a_name_in_use_and_points_to_merge(empty_study: str) -> None:
    db = empty_study
    _study(db)
    before = snapshot(db)
    result = run_cli("codes", "rename", "Quota limit", "Quota limits", db=db)
    assert result.exit_code == 2
    assert "already in the study" in result.stderr and "codes merge" in result.stderr
    assert snapshot(db) == before

    result = run_cli("codes", "rename", "Labour migration", "Трудовая миграция", db=db)
    assert result.exit_code == 0, result.stderr
    names = _names(db)
    assert "Трудовая миграция" in names and "Labour migration" not in names
    assert names["Трудовая миграция"]["count"] == 1
    # The funnel names a merge target by its name now.
    assert run_cli("codes", "merge", "Quota limit", "--into", "Quota limits", db=db).exit_code == 0
    assert run_cli("codes", "rename", "Quota limits", "Квоты", db=db).exit_code == 0
    merges = run_cli("funnel", "--json", db=db).json()["merges"]
    assert [(m["into"], m["from"]) for m in merges] == [("Квоты", ["Quota limit"])]
    # A merged code's name is in use too.
    assert run_cli("codes", "rename", "Weather", "Quota limit", db=db).exit_code == 2


REFUSALS = [
    (("codes", "merge", "Qouta limit", "--into", "Quota limits"), "did you mean 'Quota limit'"),
    (("codes", "merge", "Quota limits", "--into", "Quota limits"), "into itself"),
    (("codes", "merge", "Weather", "--into", "Nothing like it"), "no code named 'Nothing like it'"),
    (("codes", "merge", "Weather", "--into", "Quota limit"), "was merged into 'Quota limits'"),
    (("codes", "merge", "Quota limit", "--into", "Weather"), "already merged into 'Quota limits'"),
    (("codes", "merge", "Weather"), "--into"),
    (("codes", "unmerge", "Weather"), "no merge into or from code 'Weather'"),
    (("codes", "unmerge", "999"), "event 999 is not a merge"),
    (("codes", "unmerge", "Nowhere"), "no code named 'Nowhere'"),
    (("codes", "exclude", "Weather"), "--reason"),
    (("codes", "exclude", "Weather", "--reason", "  "), "give a --reason"),
    (("codes", "exclude", "Quota limit", "--reason", "x"), "is merged into another"),
    (("codes", "exclude", "Weather", "Nowhere", "--reason", "x"), "no code named 'Nowhere'"),
    (("codes", "include", "Weather"), "is not excluded"),
    (("codes", "rename", "Weather", "  "), "cannot be empty"),
    (("codes", "rename", "Weather", "Weather"), "already has that name"),
    (("codes", "similar", "--threshold", "150"), "150"),
]


@pytest.mark.parametrize(
    ("args", "message"), REFUSALS, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in enumerate(REFUSALS)]
)
def test_bad_input_exits_2_and_leaves_the_study_unchanged(
    empty_study: str, args: tuple[str, ...], message: str
) -> None:
    db = empty_study
    _study(db)
    assert run_cli("codes", "merge", "Quota limit", "--into", "Quota limits", db=db).exit_code == 0
    before = snapshot(db)
    counts = table_counts(db)
    result = run_cli(*args, db=db)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(db) == before and table_counts(db) == counts


def test_codes_nobody_applied_are_not_in_the_funnel_counts(empty_study: str) -> None:
    from sqlalchemy import insert

    from qualcode.db.engine import locate
    from qualcode.db.models import Code
    from qualcode.db.schema import open_study

    db = empty_study
    _study(db)
    opened = open_study(locate(db))
    try:
        with opened.engine.begin() as conn:  # a codebook entry, as import-codebook leaves one
            conn.execute(insert(Code).values(name="Planned, not yet applied"))
    finally:
        opened.engine.dispose()
    funnel = run_cli("funnel", "--json", db=db).json()
    assert (funnel["applications"], funnel["unique_codes"], funnel["unused_codes"]) == (6, 5, 1)
    assert "1 code(s) in the codebook with no codings yet" in run_cli("funnel", db=db).stdout
