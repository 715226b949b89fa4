"""Sub-codes: a code under a code, kept a tree through moves, merges, unmerges and undo."""

from __future__ import annotations

import pytest

from qualcode.domain.errors import QualcodeError
from qualcode.domain.subcodes import parents_after_merge
from tests.conftest import run_cli
from tests.consolidation.helpers import Applied, diff, sentences, snapshot, store_notes

PARENT = "Labour migration"
CHILD = "Seasonal work"
GRANDCHILD = "Harvest work in Russia"
OTHER = "Трудовая миграция"


def _study(db: str) -> None:
    store_notes(
        db,
        {
            "Interview A": (
                "Expert A",
                sentences(6),
                [
                    Applied(0, (PARENT,)),
                    Applied(1, (CHILD,)),
                    Applied(2, (GRANDCHILD,)),
                    Applied(3, (OTHER,), "dana"),
                ],
            )
        },
    )
    assert run_cli("themes", "add", "Mobility", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Mobility", PARENT, db=db).exit_code == 0


def _tree(db: str) -> dict[str, tuple[str | None, str | None, str]]:
    """code -> (parent, theme, status), as `codes list --all --json` shows them."""
    result = run_cli("codes", "list", "--all", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return {c["name"]: (c["parent"], c["theme"], c["status"]) for c in result.json()}


def test_move_makes_a_sub_code_that_joins_the_parents_theme_and_undo_takes_it_back(empty_study: str) -> None:
    db = empty_study
    _study(db)
    before = snapshot(db)
    moved = run_cli("codes", "move", CHILD, "--parent", PARENT, db=db)
    assert moved.exit_code == 0, moved.stderr
    assert run_cli("codes", "move", GRANDCHILD, "--parent", CHILD, db=db).exit_code == 0
    tree = _tree(db)
    assert tree[CHILD] == (PARENT, "Mobility", "active")
    assert tree[GRANDCHILD] == (CHILD, "Mobility", "active")
    assert run_cli("undo", db=db).exit_code == 0
    assert run_cli("undo", db=db).exit_code == 0
    assert diff(before, snapshot(db)) == set()


def test_a_code_cannot_become_its_own_ancestor(empty_study: str) -> None:
    db = empty_study
    _study(db)
    assert run_cli("codes", "move", CHILD, "--parent", PARENT, db=db).exit_code == 0
    assert run_cli("codes", "move", GRANDCHILD, "--parent", CHILD, db=db).exit_code == 0
    before = snapshot(db)
    for code, parent in [(PARENT, GRANDCHILD), (PARENT, CHILD), (PARENT, PARENT)]:
        refused = run_cli("codes", "move", code, "--parent", parent, db=db)
        assert refused.exit_code == 2
        assert "under itself or under one of its own sub-codes" in refused.stderr
    assert diff(before, snapshot(db)) == set()


def test_moving_a_parent_to_another_theme_brings_its_sub_codes(empty_study: str) -> None:
    db = empty_study
    _study(db)
    assert run_cli("codes", "move", CHILD, "--parent", PARENT, db=db).exit_code == 0
    assert run_cli("themes", "add", "Work", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Work", PARENT, db=db).exit_code == 0
    assert _tree(db)[CHILD] == (PARENT, "Work", "active")
    before = snapshot(db)
    refused = run_cli("themes", "assign", "Mobility", CHILD, db=db)
    assert refused.exit_code == 2
    assert f"is a sub-code of {PARENT!r}" in refused.stderr and "codes move" in refused.stderr
    assert diff(before, snapshot(db)) == set()
    assert run_cli("codes", "move", CHILD, "--theme", "Mobility", db=db).exit_code == 0
    assert _tree(db)[CHILD] == (None, "Mobility", "active")


def test_merging_a_parent_its_sub_codes_follow_into_the_target_and_unmerge_restores(empty_study: str) -> None:
    db = empty_study
    _study(db)
    assert run_cli("codes", "move", CHILD, "--parent", PARENT, db=db).exit_code == 0
    assert run_cli("codes", "move", GRANDCHILD, "--parent", CHILD, db=db).exit_code == 0
    before = snapshot(db)
    merged = run_cli("codes", "merge", PARENT, "--into", OTHER, db=db)
    assert merged.exit_code == 0, merged.stderr
    tree = _tree(db)
    assert tree[PARENT] == (None, None, "merged")
    assert tree[CHILD][0] == OTHER
    assert tree[GRANDCHILD][0] == CHILD
    assert tree[OTHER] == (None, "Mobility", "active")
    assert run_cli("codes", "unmerge", OTHER, db=db).exit_code == 0
    assert diff(before, snapshot(db)) == set()


def test_merging_an_ancestor_into_its_descendant_keeps_a_tree(empty_study: str) -> None:
    """PARENT > CHILD > GRANDCHILD; merging PARENT into GRANDCHILD: GRANDCHILD takes PARENT's
    place and CHILD, which sat between them, ends up below it."""
    db = empty_study
    _study(db)
    assert run_cli("codes", "move", CHILD, "--parent", PARENT, db=db).exit_code == 0
    assert run_cli("codes", "move", GRANDCHILD, "--parent", CHILD, db=db).exit_code == 0
    before = snapshot(db)
    assert run_cli("codes", "merge", PARENT, "--into", GRANDCHILD, db=db).exit_code == 0
    tree = _tree(db)
    assert tree[GRANDCHILD][0] is None
    assert tree[CHILD][0] == GRANDCHILD
    assert run_cli("undo", db=db).exit_code == 0
    assert diff(before, snapshot(db)) == set()


def test_merge_rule_never_makes_a_loop() -> None:
    # 1 > 2 > 3 > 4 > 5, and 6 under 3
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: 3, 5: 4, 6: 3}
    for sources, target in [({2}, 5), ({1, 4}, 5), ({3}, 1), ({2, 3}, 6), ({5}, 1)]:
        after = {**parents, **parents_after_merge(parents, sources, target)}
        for code in after:
            seen = {code}
            node = after[code]
            while node is not None:
                assert node not in seen
                seen.add(node)
                node = after[node]
        for source in sources:
            assert after[source] is None
            assert all(after[c] != source for c in after)
    with pytest.raises(QualcodeError):
        parents_after_merge(parents, {2}, 2)
