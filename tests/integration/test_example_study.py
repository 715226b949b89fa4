"""The bundled thesis study: what a researcher checks against the published appendices."""

from __future__ import annotations

from typing import Any

from tests.conftest import run_cli


def test_codes_list_has_the_194_codes_of_appendix_b(example_study: str, appendix: dict[str, Any]) -> None:
    codes = run_cli("codes", "list", "--json", db=example_study).json()
    published = []
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            if row["code"] not in published:
                published.append(row["code"])
    assert [c["name"] for c in codes] == published
    assert len(codes) == 194
    assert all(c["count"] >= 1 for c in codes)
    by_name = {c["name"]: c for c in codes}
    trafficking = by_name["Human trafficking problem"]
    assert trafficking["count"] == 2
    assert trafficking["participants"] == ["Expert F", "Expert H"]
    assert trafficking["theme"] == "Human trafficking"


def test_participants_are_the_nine_experts_of_appendix_a(
    example_study: str, appendix: dict[str, Any]
) -> None:
    people = run_cli("participants", "list", "--json", db=example_study).json()
    assert [p["label"] for p in people] == [f"Expert {c}" for c in "ABCDEFGHI"]
    for person, published in zip(people, appendix["experts"], strict=True):
        assert person["attributes"]["date"] == published["date"]
        assert person["attributes"]["organisation"] == published["organisation"]
        assert person["attributes"]["location"] == published["location"]
        assert person["documents"] == 1
    assert sum(p["codings"] for p in people) == 195


def test_every_published_quote_is_coded_at_its_exact_text(
    example_study: str, appendix: dict[str, Any]
) -> None:
    segments = run_cli("segments", "--json", db=example_study).json()
    assert len(segments) == 195
    assert len({s["segment_id"] for s in segments}) == 194
    coded = {(s["code"], s["participant"], s["text"]) for s in segments}
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            quote = row["quote"][1:-1]
            assert (row["code"], f"Expert {row['expert']}", quote) in coded
    for s in segments:
        assert s["end"] - s["start"] == len(s["text"])


def test_two_codes_share_one_segment_of_expert_b(example_study: str) -> None:
    segments = run_cli("segments", "--participant", "Expert B", "--json", db=example_study).json()
    by_segment: dict[int, list[str]] = {}
    for s in segments:
        by_segment.setdefault(s["segment_id"], []).append(s["code"])
    shared = [codes for codes in by_segment.values() if len(codes) == 2]
    assert len(shared) == 1


def test_themes_are_the_eight_of_appendix_b_in_order(example_study: str, appendix: dict[str, Any]) -> None:
    themes = run_cli("themes", "list", "--json", db=example_study).json()
    assert [t["name"] for t in themes] == [t["name"] for t in appendix["themes"]]
    assert sum(len(t["codes"]) for t in themes) == 194


def test_funnel_counts_the_example(example_study: str) -> None:
    funnel = run_cli("funnel", "--json", db=example_study).json()
    assert funnel["applications"] == 195
    assert funnel["unique_codes"] == 194
    assert funnel["kept_codes"] == 194
    assert funnel["excluded_codes"] == 0


def test_db_check_passes_on_the_example(example_study: str) -> None:
    result = run_cli("db", "check", db=example_study)
    assert result.exit_code == 0, result.stdout
    assert "every segment matches its text" in result.stdout


def test_each_code_has_its_published_example_marked(
    example_study: str, appendix: dict[str, Any], tmp_path: Any
) -> None:
    import csv

    out = tmp_path / "appendix-b.csv"
    result = run_cli("export", "codebook", str(out), db=example_study)
    assert result.exit_code == 0, result.stderr
    assert "not marked" not in result.stdout + result.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["code"]: r for r in csv.DictReader(fh)}
    first_published: dict[str, dict[str, str]] = {}
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            first_published.setdefault(row["code"], row)
    for code, published in first_published.items():
        assert rows[code]["example_quote"] == published["quote"][1:-1]
        assert rows[code]["example_participant"] == f"Expert {published['expert']}"
