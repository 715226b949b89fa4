"""The thesis's funnel from the data: 556 code applications -> 226 unique codes -> 197 kept."""

from __future__ import annotations

import random
from typing import Any

from tests.conftest import run_cli, table_counts
from tests.consolidation.helpers import Applied, sentences, store_notes

EXPERTS = [f"Expert {letter}" for letter in "ABCDEFGHI"]


def _base_names(appendix: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            if row["code"] not in names:
                names.append(row["code"])
    extra = [f"Further observation {i}" for i in range(226 - len(names))]
    return names + extra


def _plan(appendix: dict[str, Any]) -> tuple[list[str], dict[str, list[str]], dict[str, list[Applied]], int]:
    """260 names (226 codes and 34 recurring variants of 20 of them) over 556 codings.

    Ten variant codings sit on a segment its code already carries from the same coder: the
    merge folds them, and the funnel must still count them as applications.
    """
    bases = _base_names(appendix)
    assert len(bases) == 226
    variants: dict[str, list[str]] = {}
    for i, base in enumerate(bases[:20]):
        forms = [base.upper(), base + " (recurring)"] if i < 14 else [base.upper()]
        variants[base] = forms
    names = bases + [v for forms in variants.values() for v in forms]
    assert len(names) == 260 and len(set(names)) == 260

    rng = random.Random(556)
    per_doc: dict[str, list[Applied]] = {e: [] for e in EXPERTS}
    used: set[tuple[str, int, str]] = set()

    def place(expert: str, sentence: int, name: str) -> None:
        used.add((expert, sentence, name))
        per_doc[expert].append(Applied(sentence, (name,)))

    def free_spot(name: str) -> tuple[str, int]:
        while True:
            spot = (rng.choice(EXPERTS), rng.randrange(80))
            if (spot[0], spot[1], name) not in used:
                return spot

    folded = 0
    for base, forms in variants.items():  # ten doubled codings, on the base's own segment
        if folded < 10:
            expert, sentence = free_spot(base)
            place(expert, sentence, base)
            place(expert, sentence, forms[0])
            folded += 1
    total = sum(len(v) for v in per_doc.values())
    for name in names:  # every name at least once
        if not any(name == a.codes[0] for v in per_doc.values() for a in v):
            place(*free_spot(name), name)
    total = sum(len(v) for v in per_doc.values())
    while total < 556:
        name = rng.choice(names)
        place(*free_spot(name), name)
        total += 1
    return names, variants, per_doc, folded


def test_funnel_reports_556_226_197_with_every_merge_and_exclusion(
    empty_study: str, appendix: dict[str, Any]
) -> None:
    db = empty_study
    names, variants, per_doc, folded = _plan(appendix)
    store_notes(db, {f"Interview {e}": (e, sentences(80), per_doc[e]) for e in EXPERTS})
    assert table_counts(db)["coding"] == 556
    assert len(run_cli("codes", "list", "--json", db=db).json()) == 260

    for base, forms in variants.items():
        result = run_cli(
            "codes", "merge", *forms, "--into", base, "--reason", "same code, written differently", db=db
        )
        assert result.exit_code == 0, result.stderr
    # 20 + 9 excluded with two different reasons, as a researcher would.
    kept_side = _base_names(appendix)
    off_topic = kept_side[-29:-9]
    too_rare = kept_side[-9:]
    assert (
        run_cli("codes", "exclude", *off_topic, "--reason", "outside the research questions", db=db).exit_code
        == 0
    )
    assert run_cli("codes", "exclude", *too_rare, "--reason", "said once, in passing", db=db).exit_code == 0

    report = run_cli("funnel", "--json", db=db).json()
    assert (
        report["applications"],
        report["unique_codes"],
        report["kept_codes"],
        report["excluded_codes"],
    ) == (
        556,
        226,
        197,
        29,
    )
    assert report["paragraph"] == (
        "556 code applications → 226 unique codes after combining 34 recurring codes → "
        "197 codes kept for analysis (29 excluded)"
    )
    assert [(m["into"], m["from"]) for m in report["merges"]] == [(b, f) for b, f in variants.items()]
    assert {m["by"] for m in report["merges"]} == {"tester"}
    assert {m["reason"] for m in report["merges"]} == {"same code, written differently"}
    assert all(m["at"][:4] >= "2024" for m in report["merges"])
    excluded = {x["code"]: x["reason"] for x in report["exclusions"]}
    assert excluded == {
        **{n: "outside the research questions" for n in off_topic},
        **{n: "said once, in passing" for n in too_rare},
    }
    assert {x["by"] for x in report["exclusions"]} == {"tester"}

    # The folded codings are in the history, not in the table: 556 applications, 546 codings.
    assert folded == 10
    assert table_counts(db)["coding"] == 556 - folded
    active = run_cli("codes", "list", "--json", db=db).json()
    assert len(active) == 197
    every = run_cli("codes", "list", "--all", "--json", db=db).json()
    assert sum(c["count"] for c in every) == 556 - folded
    assert sum(1 for c in every if c["status"] == "merged") == 34

    text = run_cli("funnel", db=db).stdout
    assert text.startswith(report["paragraph"])
    assert "Combined (34 recurring codes):" in text and "Excluded (29):" in text

    # Undoing one merge takes it out of the funnel, and its folded coding back into the table.
    first = next(iter(variants))
    assert run_cli("codes", "unmerge", first, db=db).exit_code == 0
    again = run_cli("funnel", "--json", db=db).json()
    assert (again["applications"], again["unique_codes"], again["kept_codes"]) == (556, 228, 199)
    assert first not in [m["into"] for m in again["merges"]]
    assert table_counts(db)["coding"] == 556 - folded + 1
