"""Merging codes, and taking a merge back exactly, even after later unrelated edits."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, table_counts
from tests.consolidation.helpers import Applied, diff, sentences, snapshot, store_notes

TARGET = "Visa-free regime"
SOURCE = "visa free regimes"
SOURCE_2 = "Безвизовый режим"


def _study(db: str) -> None:
    """Two experts, two coders; SOURCE doubles TARGET on sentence 0 (same coder, with a memo)."""
    store_notes(
        db,
        {
            "Interview A": (
                "Expert A",
                sentences(10),
                [
                    Applied(0, (TARGET,), "aigerim"),
                    Applied(0, (SOURCE,), "aigerim", memo="said twice in one breath"),
                    Applied(1, (SOURCE,), "dana"),
                    Applied(2, (SOURCE_2,), "aigerim"),
                    Applied(3, ("Quota limits",), "aigerim"),
                    Applied(4, ("Unrelated",), "dana"),
                ],
            ),
            "Interview B": (
                "Expert B",
                sentences(10, "квоты"),
                [Applied(0, (TARGET,), "dana"), Applied(1, (SOURCE,), "aigerim")],
            ),
        },
    )
    assert run_cli("themes", "add", "Mobility", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Mobility", SOURCE, "Quota limits", db=db).exit_code == 0


def _set_description(db: str, code: str, text: str) -> None:
    """No command edits descriptions yet: written through the model, as an importer would."""
    from sqlalchemy import update

    from qualcode.db.engine import locate
    from qualcode.db.models import Code, Memo, table_of
    from qualcode.db.schema import open_study

    opened = open_study(locate(db))
    try:
        with opened.engine.begin() as conn:
            conn.execute(update(Code).where(Code.name == code).values(description=text))
            code_id = conn.execute(table_of(Code).select().where(Code.name == code)).one().id
            conn.execute(
                table_of(Memo).insert().values(text="first noticed in B", code_id=code_id, provenance="")
            )
    finally:
        opened.engine.dispose()


def test_merge_moves_codings_folds_doubles_and_keeps_memos(empty_study: str) -> None:
    db = empty_study
    _study(db)
    _set_description(db, SOURCE, "Travel without a visa")
    before = table_counts(db)

    result = run_cli("codes", "merge", SOURCE, SOURCE_2, "--into", TARGET, "--reason", "one regime", db=db)
    assert result.exit_code == 0, result.stderr
    assert "3 coding(s) moved, 1 doubled coding(s) folded" in result.stdout

    codes = {c["name"]: c for c in run_cli("codes", "list", "--all", "--json", db=db).json()}
    assert codes[TARGET]["count"] == 5  # 2 of its own + 3 moved (the doubled one folded)
    assert codes[TARGET]["participants"] == ["Expert A", "Expert B"]
    assert codes[TARGET]["theme"] == "Mobility"  # took the source's place
    assert (codes[SOURCE]["status"], codes[SOURCE]["merged_into"], codes[SOURCE]["count"]) == (
        "merged",
        TARGET,
        0,
    )
    assert codes[SOURCE]["theme"] is None
    assert codes[SOURCE_2]["status"] == "merged"
    assert table_counts(db)["coding"] == before["coding"] - 1

    rows = run_cli("segments", "--code", TARGET, "--json", db=db).json()
    assert sorted((r["document"], r["start"], r["coder"]) for r in rows) == sorted(
        [
            ("Interview A", 0, "aigerim"),
            ("Interview A", _start(1), "dana"),
            ("Interview A", _start(2), "aigerim"),
            ("Interview B", 0, "dana"),
            ("Interview B", _start(1, "квоты"), "aigerim"),
        ]
    )
    memos = _memos(db)
    # The folded coding's memo now sits on the coding that stayed; the code memo and the
    # description moved to the target, each saying where it came from.
    assert ("said twice in one breath", "coding", TARGET) in {(t, kind, on) for t, kind, on, _ in memos}
    carried = {t: p for t, kind, on, p in memos if kind == "code" and on == TARGET}
    assert "visa free regimes" in carried["first noticed in B"]
    assert carried["Travel without a visa"].startswith("description of code 'visa free regimes'")

    # A coding given to a merged name lands on its survivor.
    span = ("--start", str(_start(5)), "--end", str(_start(6) - 1))
    coded = run_cli("code", "Interview A", *span, SOURCE, db=db)
    assert coded.exit_code == 0, coded.stderr
    codes = {c["name"]: c for c in run_cli("codes", "list", "--all", "--json", db=db).json()}
    assert (codes[TARGET]["count"], codes[SOURCE]["count"]) == (6, 0)


def _start(i: int, word: str = "migration") -> int:
    parts = sentences(10, word)
    return sum(len(p) + 1 for p in parts[:i])


def _memos(db: str) -> list[tuple[str, str, str, str]]:
    """(text, kind of target, code name, provenance) for every memo on a code or a coding."""
    from sqlalchemy import select

    from qualcode.db.engine import locate
    from qualcode.db.models import Code, Coding, Memo
    from qualcode.db.schema import open_study

    opened = open_study(locate(db))
    try:
        with opened.engine.connect() as conn:
            found = []
            for memo in conn.execute(select(Memo)).all():
                if memo.code_id is not None:
                    name = conn.execute(select(Code.name).where(Code.id == memo.code_id)).scalar_one()
                    found.append((memo.text, "code", name, memo.provenance))
                elif memo.coding_id is not None:
                    name = conn.execute(
                        select(Code.name)
                        .join(Coding, Coding.code_id == Code.id)
                        .where(Coding.id == memo.coding_id)
                    ).scalar_one()
                    found.append((memo.text, "coding", name, memo.provenance))
            return found
    finally:
        opened.engine.dispose()


@pytest.mark.parametrize("how", ["unmerge", "undo"])
def test_unmerge_after_later_edits_restores_every_row(empty_study: str, how: str) -> None:
    db = empty_study
    _study(db)
    _set_description(db, SOURCE, "Travel without a visa")
    before_merge = snapshot(db)

    merged = run_cli("codes", "merge", SOURCE, SOURCE_2, "--into", TARGET, db=db)
    assert merged.exit_code == 0, merged.stderr
    merge_event = run_cli("log", "--json", db=db).json()[0]
    assert merge_event["action"] == "codes.merge"
    after_merge = snapshot(db)
    merge_rows = diff(before_merge, after_merge)
    assert {t for t, _ in merge_rows} >= {"code", "coding", "memo"}

    # Later, unrelated work: new codings (one given to the merged name), a rename, an exclusion,
    # a new theme.
    later = [
        (
            "code",
            "Interview B",
            "--start",
            str(_start(5, "квоты")),
            "--end",
            str(_start(6, "квоты") - 1),
            TARGET,
        ),
        ("code", "Interview A", "--start", str(_start(6)), "--end", str(_start(7) - 1), SOURCE),
        ("code", "Interview A", "--start", str(_start(7)), "--end", str(_start(8) - 1), "Brand new", "--new"),
        ("codes", "rename", "Unrelated", "Unrelated, renamed"),
        ("codes", "exclude", "Quota limits", "--reason", "not about mobility"),
        ("themes", "add", "Second cycle"),
    ]
    for args in later:
        result = run_cli(*args, db=db, coder="dana")
        assert result.exit_code == 0, (args, result.stderr)
    before_unmerge = snapshot(db)
    later_rows = diff(after_merge, before_unmerge)
    assert later_rows and not (later_rows & merge_rows)

    args = ("codes", "unmerge", TARGET) if how == "unmerge" else ("undo", str(merge_event["id"]))
    result = run_cli(*args, db=db)
    assert result.exit_code == 0, result.stderr
    final = snapshot(db)

    # Every row the merge changed is back as it was before the merge; every row the later edits
    # changed keeps their work; nothing else moved.
    for table, row_id in sorted(merge_rows):
        assert final[table].get(row_id) == before_merge[table].get(row_id), (table, row_id)
    for table, row_id in sorted(later_rows):
        assert final[table].get(row_id) == before_unmerge[table].get(row_id), (table, row_id)
    untouched = diff(before_merge, final) - merge_rows - later_rows
    assert untouched == set()

    log = run_cli("log", "--json", db=db).json()
    assert log[0]["undoes"] == merge_event["id"]
    assert next(e for e in log if e["id"] == merge_event["id"])["undone_by"] == log[0]["id"]
    funnel = run_cli("funnel", "--json", db=db).json()
    assert funnel["merges"] == []
    # The coding given to the merged name while it was merged stays where it landed.
    assert len(run_cli("segments", "--code", SOURCE, "--json", db=db).json()) == 3


def test_unmerge_refused_when_a_later_merge_moved_the_same_codings(empty_study: str) -> None:
    db = empty_study
    _study(db)
    assert run_cli("codes", "merge", SOURCE, "--into", TARGET, db=db).exit_code == 0
    first = run_cli("log", "--json", db=db).json()[0]["id"]
    assert run_cli("codes", "merge", TARGET, "--into", "Quota limits", db=db).exit_code == 0
    before = snapshot(db)
    counts = table_counts(db)

    result = run_cli("codes", "unmerge", str(first), db=db)
    assert result.exit_code == 2
    assert "undo that first" in result.stderr and "codes.merge" in result.stderr
    assert snapshot(db) == before and table_counts(db) == counts

    # Undo in order: the later merge, then the first.
    assert run_cli("codes", "unmerge", "Quota limits", db=db).exit_code == 0
    assert run_cli("codes", "unmerge", str(first), db=db).exit_code == 0
    names = {c["name"]: c["status"] for c in run_cli("codes", "list", "--all", "--json", db=db).json()}
    assert names[SOURCE] == names[TARGET] == "active"


def test_merge_of_thousands_of_codings_unmerges_exactly(empty_study: str) -> None:
    db = empty_study
    many = [Applied(i, ("Work permits",), coder) for i in range(600) for coder in ("aigerim", "dana")]
    many += [Applied(i, ("Work permit",), "aigerim") for i in range(0, 600, 3)]
    store_notes(db, {"Long notes": ("Expert A", sentences(600), many)})
    before = snapshot(db)
    result = run_cli("codes", "merge", "Work permits", "--into", "Work permit", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    assert (result.json()["moved"], result.json()["dropped"]) == (1000, 200)
    assert run_cli("undo", db=db).exit_code == 0
    assert snapshot(db) == before
