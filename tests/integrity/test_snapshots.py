"""Codebook versions: snapshots, the diff between two, .qdc exports, the funnel's stages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import CliResult, run_cli, table_counts
from tests.integrity.study import build_water_study

SCHEMA = Path("/work/shared/refi-qda/Codebook-mrt2019.xsd")
BUNDLED_SCHEMA = Path(__file__).resolve().parents[2] / "qualcode" / "io" / "schemas"


@pytest.fixture
def water(empty_study: str, tmp_path: Path) -> str:
    db = build_water_study(empty_study, tmp_path / "notes")
    assert run_cli("themes", "add", "Infrastructure", db=db).exit_code == 0
    assert run_cli("themes", "add", "Governance", db=db).exit_code == 0
    assert (
        run_cli("themes", "assign", "Infrastructure", "Ageing pipes", "Digital meters", db=db).exit_code == 0
    )
    assert run_cli("themes", "assign", "Governance", "Tariff freeze", "Smart metering", db=db).exit_code == 0
    return db


def ok(*args: str, db: str) -> CliResult:
    result = run_cli(*args, db=db)
    assert result.exit_code == 0, result.stderr
    return result


def test_diff_around_a_merge_a_rename_a_move_and_an_exclusion_lists_exactly_those(water: str) -> None:
    ok("codebook", "snapshot", "cycle 1", db=water)
    ok("codes", "merge", "Smart metering", "--into", "Digital meters", db=water)
    ok("codes", "rename", "Ageing pipes", "Ageing pipe network", db=water)
    ok("themes", "assign", "Governance", "Digital meters", db=water)
    ok("codes", "exclude", "Climate change", "--reason", "outside the research questions", db=water)
    ok("codebook", "snapshot", "cycle 2", db=water)
    diff = ok("codebook", "diff", "cycle 1", "cycle 2", "--json", db=water).json()
    assert diff["merged"] == [{"code": "Smart metering", "into": "Digital meters"}]
    assert diff["renamed"] == [{"old": "Ageing pipes", "new": "Ageing pipe network"}]
    assert diff["moved"] == [
        {
            "code": "Digital meters",
            "theme_before": "Infrastructure",
            "theme_after": "Governance",
            "parent_before": None,
            "parent_after": None,
        }
    ]
    assert diff["excluded"] == ["Climate change"]
    # Nothing else: the merge's count change on "Digital meters" is the merge itself.
    for key in ("added", "removed", "unmerged", "included", "counts"):
        assert diff[key] == [], key
    text = ok("codebook", "diff", "cycle 1", "cycle 2", db=water).stdout
    assert text.splitlines()[-1] == "4 change(s) from 'cycle 1' to 'cycle 2'"
    # Against the study as it is now: a new coding shows as a count change and an added code.
    assert ok("codebook", "diff", "cycle 2", db=water).stdout.startswith("0 change(s)")
    ok("code", "Expert A", "--quote", "Households in the old districts", "Standpipes", "--new", db=water)
    ok("code", "Expert B", "--quote", "Leaks take away", "Ageing pipe network", db=water)
    now = ok("codebook", "diff", "cycle 2", "current", "--json", db=water).json()
    assert now["added"] == ["Standpipes"]
    assert now["counts"] == [{"code": "Ageing pipe network", "before": 1, "after": 2}]
    assert now["merged"] == now["renamed"] == now["moved"] == now["excluded"] == []


def test_snapshots_are_listed_refused_twice_and_unknown_names_say_so(water: str) -> None:
    ok("codebook", "snapshot", "cycle 1", db=water)
    counts = table_counts(water)
    again = run_cli("codebook", "snapshot", "cycle 1", db=water)
    assert again.exit_code == 2 and "already a snapshot 'cycle 1'" in again.stderr
    assert table_counts(water) == counts
    missing = run_cli("codebook", "diff", "cycle 9", db=water)
    assert (
        missing.exit_code == 2
        and "no codebook snapshot 'cycle 9'" in missing.stderr
        and "cycle 1" in missing.stderr
    )
    listed = ok("codebook", "snapshots", "--json", db=water).json()
    assert [(s["name"], s["codes"], s["codings"]) for s in listed] == [("cycle 1", 6, 8)]


def test_snapshot_exports_as_a_valid_qdc_with_the_codebook_of_its_time(water: str, tmp_path: Path) -> None:
    ok("codebook", "snapshot", "cycle 1", db=water)
    ok("codes", "merge", "Smart metering", "--into", "Digital meters", db=water)
    ok("codes", "rename", "Ageing pipes", "Ageing pipe network", db=water)
    old, new = tmp_path / "cycle1.qdc", tmp_path / "now.qdc"
    ok("codebook", "export", "cycle 1", str(old), db=water)
    ok("codebook", "export", "current", str(new), db=water)
    schema = etree.XMLSchema(
        etree.parse(str(SCHEMA if SCHEMA.exists() else BUNDLED_SCHEMA / "Codebook-mrt2019.xsd"))
    )
    names = {}
    for path in (old, new):
        root = etree.parse(str(path))
        schema.assertValid(root)
        assert os.stat(path).st_mode & 0o077 == 0
        names[path] = {
            el.get("name"): el.get("guid")
            for el in root.iter("{urn:QDA-XML:codebook:1.0}Code")
            if el.get("isCodable") == "true"
        }
    assert "Smart metering" in names[old] and "Smart metering" not in names[new]
    assert "Ageing pipes" in names[old] and "Ageing pipe network" in names[new]
    # The same code keeps its GUID across versions, so tools can match a renamed code.
    assert names[old]["Ageing pipes"] == names[new]["Ageing pipe network"]


def test_the_funnel_names_the_snapshot_each_stage_ends_at(water: str) -> None:
    ok("codes", "merge", "Smart metering", "--into", "Digital meters", db=water)
    ok("codebook", "snapshot", "after merging", db=water)
    ok("codes", "exclude", "Climate change", "--reason", "outside the research questions", db=water)
    ok("codebook", "snapshot", "kept for analysis", db=water)
    funnel = ok("funnel", "--json", db=water).json()
    assert funnel["stage_ends"] == {"combined": "after merging", "excluded": "kept for analysis"}
    assert funnel["merges"][0]["snapshot"] == "after merging"
    assert [s["name"] for s in funnel["snapshots"]] == ["after merging", "kept for analysis"]
    text = ok("funnel", db=water).stdout
    assert "ends at snapshot 'after merging'" in text and "ends at snapshot 'kept for analysis'" in text
    listed = ok("codebook", "snapshots", "--json", db=water).json()
    assert [(s["kept_codes"], s["excluded_codes"]) for s in listed] == [(5, 0), (4, 1)]


def test_a_code_moved_under_another_code_and_back_is_a_move(water: str) -> None:
    ok("codebook", "snapshot", "flat", db=water)
    ok("codes", "move", "Ageing pipes", "--parent", "Digital meters", db=water)
    ok("codebook", "snapshot", "nested", db=water)
    diff = ok("codebook", "diff", "flat", "nested", "--json", db=water).json()
    moves = [(m["code"], m["parent_before"], m["parent_after"]) for m in diff["moved"]]
    assert moves == [("Ageing pipes", None, "Digital meters")]
    text = ok("codebook", "diff", "flat", "nested", db=water).stdout
    assert "moved: Ageing pipes: (top) -> under Digital meters" in text
    ok("codes", "move", "Ageing pipes", "--top", db=water)
    back = ok("codebook", "diff", "nested", "current", "--json", db=water).json()
    moves = [(m["code"], m["parent_before"], m["parent_after"]) for m in back["moved"]]
    assert moves == [("Ageing pipes", "Digital meters", None)]


def test_snapshots_refuse_to_run_blind(water: str) -> None:
    ok("codebook", "snapshot", "team", db=water)
    counts = table_counts(water)
    for args in (("snapshot", "mine"), ("snapshots",), ("diff", "team"), ("export", "team", "x.qdc")):
        blind = run_cli("--blind", "codebook", *args, db=water)
        assert blind.exit_code == 2 and "without --blind" in blind.stderr, args
    assert table_counts(water) == counts
