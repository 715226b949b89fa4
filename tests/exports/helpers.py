"""What the export tests share: the published Appendix B as rows, and a study's own counts."""

from __future__ import annotations

from typing import Any

from tests.conftest import run_cli


def published_rows(appendix: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(theme, code, expert letter, quote with its quotation marks) per distinct code, in order.

    The published table lists "Human trafficking problem" twice; the first row is kept, and the
    tests mark its excerpt as the code's example so that the export shows that quote.
    """
    rows: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            if row["code"] in seen:
                continue
            seen.add(row["code"])
            rows.append((theme["name"], row["code"], row["expert"], row["quote"]))
    return rows


def study_counts(db: str) -> dict[str, int]:
    return {c["name"]: c["count"] for c in run_cli("codes", "list", "--json", db=db).json()}


def mark_published_example(db: str, code: str, label: str) -> int:
    """Mark the excerpt ``label`` gave for ``code`` as its example quote; returns the segment id."""
    segments = run_cli("segments", "--code", code, "--json", db=db).json()
    segment_id = next(s["segment_id"] for s in segments if s["participant"] == label)
    result = run_cli("codes", "example", code, "--segment", str(segment_id), db=db)
    assert result.exit_code == 0, result.stderr
    return int(segment_id)
