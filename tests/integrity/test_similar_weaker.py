"""codes similar, weaker kinds: names with words added, and names the team glossary pairs."""

from __future__ import annotations

import csv
from collections import Counter

from qualcode.domain.similarity import find_glossary_pairs, subset_pair
from tests.conftest import DATA, run_cli
from tests.consolidation.helpers import Applied, sentences, store_notes

FLOOR = 0.95


def _rows() -> list[dict[str, str]]:
    with open(DATA / "code_pairs.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_has_subset_and_glossary_pairs_in_every_language() -> None:
    kinds = Counter((r["language"], r["weaker"]) for r in _rows())
    for lang in ("en", "ru", "kk"):
        assert kinds[(lang, "subset")] >= 10, lang
    assert kinds[("mixed", "glossary")] >= 10
    held = [r for r in _rows() if r["kind"] in ("added place", "added number")]
    assert {r["language"] for r in held} == {"en", "ru", "kk"}
    assert all(r["weaker"] == "" for r in held)  # the held-apart rule: never suggested


def test_subset_and_glossary_precision_and_recall_per_language() -> None:
    tally: Counter[tuple[str, str]] = Counter()
    wrong = []
    for r in _rows():
        if r["glossary"]:
            entries = [tuple(e.split("=", 1)) for e in r["glossary"].split(";")]
            said = bool(find_glossary_pairs([r["a"], r["b"]], entries))  # type: ignore[arg-type]
            truth = r["weaker"] == "glossary"
            group = "glossary"
        else:
            said = subset_pair(r["a"], r["b"]) is not None
            truth = r["weaker"] == "subset"
            group = f"subset {r['language']}"
        tally[
            (group, {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get((said, truth), "tn"))
        ] += 1
        if said != truth:
            wrong.append((r["a"], r["b"]))
    print(f"\nmisjudged: {wrong}")
    for group in ("subset en", "subset ru", "subset kk", "glossary"):
        tp, fp, fn = (tally[(group, k)] for k in ("tp", "fp", "fn"))
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print(f"{group:10} precision {precision:.3f} recall {recall:.3f}")
        assert tp >= 10, group
        assert precision >= FLOOR and recall >= FLOOR, group


def test_codes_similar_lists_weaker_kinds_apart_and_keeps_places_and_numbers_apart(empty_study: str) -> None:
    db = empty_study
    names = [
        "Benefits for Kazakhstan",
        "Economic benefits for Kazakhstan",
        "Economic benefits for Kazakhstan",
        "Digitalisation",
        "Digitalisation",
        "Цифровизация",
        "Приток мигрантов",
        "Приток мигрантов из Узбекистана",
        "Рынок труда",
        "Рынок труда 2",
        "Тұрғын үй",
        "Тұрғын үй бағасы",
    ]
    applied = [Applied(i, (name,)) for i, name in enumerate(names)]
    store_notes(db, {"Interview A": ("Expert A", sentences(len(names)), applied)})
    found = run_cli("codes", "similar", "--json", db=db).json()["clusters"]
    weaker = {(c["kind"], tuple(c["codes"])) for c in found if c["kind"] != "spelling"}
    assert weaker == {
        ("subset", ("Economic benefits for Kazakhstan", "Benefits for Kazakhstan")),
        ("subset", ("Тұрғын үй", "Тұрғын үй бағасы")),
    }
    economic = next(c for c in found if c["suggested"] == "Economic benefits for Kazakhstan")
    assert economic["added"] == ["Economic"] and economic["counts"]["Economic benefits for Kazakhstan"] == 2
    added = run_cli("codes", "glossary", "add", "Digitalisation", "Цифровизация", db=db)
    assert added.exit_code == 0, added.stderr
    found = run_cli("codes", "similar", "--json", db=db).json()["clusters"]
    glossary = [c for c in found if c["kind"] == "glossary"]
    assert [(c["codes"], c["via"]) for c in glossary] == [
        (["Digitalisation", "Цифровизация"], ["Digitalisation = Цифровизация"])
    ]
    text = run_cli("codes", "similar", db=db).stdout
    assert "maybe (glossary): Digitalisation / Цифровизация" in text
    assert (
        "maybe (subset): Economic benefits for Kazakhstan / Benefits for Kazakhstan  [adds Economic]" in text
    )
    assert "Узбекистана" not in text and "Рынок труда 2" not in text
    again = run_cli("codes", "glossary", "add", "Цифровизация", "Digitalisation", db=db)
    assert again.exit_code == 2 and "already pairs" in again.stderr
    assert run_cli("codes", "glossary", "list", "--json", db=db).json() == [
        {"term_a": "Digitalisation", "term_b": "Цифровизация"}
    ]
    assert run_cli("codes", "glossary", "remove", "Digitalisation", "Цифровизация", db=db).exit_code == 0
    found = run_cli("codes", "similar", "--json", db=db).json()["clusters"]
    assert not [c for c in found if c["kind"] == "glossary"]
