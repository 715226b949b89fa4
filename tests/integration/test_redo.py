"""Redo: `qualcode redo` puts back what your own undo took back, and nothing else."""

from __future__ import annotations

from typing import Any

from tests.conftest import run_cli


def _codes(db: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in run_cli("codes", "list", "--all", "--json", db=db).json()}


def test_undo_then_redo_restores_the_change_exactly(example_study: str) -> None:
    before = _codes(example_study)
    assert run_cli("codes", "merge", "Removing barriers", "--into", "Dactyloscopy", "--reason", "one idea",
                   db=example_study, coder="dana").exit_code == 0  # fmt: skip
    merged = _codes(example_study)
    assert run_cli("undo", db=example_study, coder="dana").exit_code == 0
    assert _codes(example_study) == before
    redone = run_cli("redo", db=example_study, coder="dana")
    assert redone.exit_code == 0, redone.stderr
    assert "codes.merge" in redone.stdout
    assert _codes(example_study) == merged
    funnel = run_cli("funnel", "--json", db=example_study).json()
    assert [m["reason"] for m in funnel["merges"]] == ["one idea"]
    # the redo is a change like any other: undo takes it back
    assert run_cli("undo", db=example_study, coder="dana").exit_code == 0
    assert _codes(example_study) == before


def test_redo_is_per_coder_and_ends_with_a_new_change(example_study: str) -> None:
    assert (
        run_cli("codes", "rename", "Dactyloscopy", "Fingerprinting", db=example_study, coder="dana").exit_code
        == 0
    )
    assert run_cli("undo", db=example_study, coder="dana").exit_code == 0
    other = run_cli("redo", db=example_study, coder="aigerim")  # not aigerim's undo
    assert other.exit_code == 2 and "nothing of yours to redo" in other.stderr
    assert "Dactyloscopy" in _codes(example_study)
    assert (
        run_cli("codes", "rename", "Digitalisation", "Digitisation", db=example_study, coder="dana").exit_code
        == 0
    )
    after_new_change = run_cli("redo", db=example_study, coder="dana")
    assert after_new_change.exit_code == 2 and "nothing of yours to redo" in after_new_change.stderr
    codes = _codes(example_study)
    assert "Dactyloscopy" in codes and "Fingerprinting" not in codes and "Digitisation" in codes
