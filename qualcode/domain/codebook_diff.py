"""How a codebook changed between two snapshots: pure rules over the snapshots' data.

A snapshot's ``codes`` carry the code's row id, so a rename is the same id under a new name
and a merge is an id whose status became ``merged``. A merge target's count that grew by no
more than the codings of the codes merged into it is explained by the merge and is not listed
again under "counts changed" (a merge may drop codings that would have doubled one already on
the target, so the count can grow by less).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qualcode.domain.labels import natural_key


@dataclass(frozen=True)
class Renamed:
    old: str
    new: str


@dataclass(frozen=True)
class Merged:
    code: str  # the name it had in the earlier snapshot
    into: str  # the code it lives on in the later one


@dataclass(frozen=True)
class Moved:
    """A code moved between themes, or under another code (a sub-code) or back to the top."""

    code: str
    theme_before: str | None
    theme_after: str | None
    parent_before: str | None = None  # the code it sat under, None at the top
    parent_after: str | None = None


@dataclass(frozen=True)
class CountChanged:
    code: str
    before: int
    after: int


@dataclass(frozen=True)
class CodebookDiff:
    before: str  # snapshot names ("current" for the study as it is)
    after: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    renamed: tuple[Renamed, ...]
    merged: tuple[Merged, ...]
    unmerged: tuple[str, ...]
    moved: tuple[Moved, ...]
    excluded: tuple[str, ...]
    included: tuple[str, ...]
    counts: tuple[CountChanged, ...]

    @property
    def changes(self) -> int:
        """How many changes the diff lists in all."""
        return sum(
            len(x)
            for x in (
                self.added,
                self.removed,
                self.renamed,
                self.merged,
                self.unmerged,
                self.moved,
                self.excluded,
                self.included,
                self.counts,
            )
        )


def _by_id(data: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(c["id"]): c for c in data.get("codes", [])}


def _final(codes: dict[int, dict[str, Any]], code_id: int) -> dict[str, Any]:
    """Follow merged_into links to the code that carries the codings now."""
    seen = set()
    code = codes[code_id]
    while code.get("merged_into_id") in codes and code["id"] not in seen:
        seen.add(code["id"])
        code = codes[code["merged_into_id"]]
    return code


def _names(items: list[str]) -> tuple[str, ...]:
    return tuple(sorted(items, key=natural_key))


def diff_codebooks(
    before: Mapping[str, Any], after: Mapping[str, Any], names: tuple[str, str]
) -> CodebookDiff:
    """The changes from ``before`` to ``after`` (snapshot data as ``codebook_data`` builds it)."""
    a, b = _by_id(before), _by_id(after)
    merged_state = "merged"
    added = [c["name"] for i, c in b.items() if i not in a and c["status"] != merged_state]
    removed = [c["name"] for i, c in a.items() if i not in b and c["status"] != merged_state]
    renamed: list[Renamed] = []
    merged: list[Merged] = []
    unmerged: list[str] = []
    moved: list[Moved] = []
    excluded: list[str] = []
    included: list[str] = []
    counts: list[CountChanged] = []
    grown_by: dict[int, int] = {}
    for i, old in a.items():
        new = b.get(i)
        if new is None:
            continue
        if old["name"] != new["name"]:
            renamed.append(Renamed(old["name"], new["name"]))
        if old["status"] != merged_state and new["status"] == merged_state:
            target = _final(b, i)
            merged.append(Merged(old["name"], target["name"]))
            grown_by[int(target["id"])] = grown_by.get(int(target["id"]), 0) + int(old.get("count", 0))
        elif old["status"] == merged_state and new["status"] != merged_state:
            unmerged.append(new["name"])
    for i, old in a.items():
        new = b.get(i)
        if new is None or merged_state in (old["status"], new["status"]):
            continue
        if old.get("theme_id") != new.get("theme_id") or old.get("parent_id") != new.get("parent_id"):
            moved.append(
                Moved(
                    new["name"],
                    old.get("theme"),
                    new.get("theme"),
                    a[old["parent_id"]]["name"] if old.get("parent_id") in a else None,
                    b[new["parent_id"]]["name"] if new.get("parent_id") in b else None,
                )
            )
        if old["status"] == "active" and new["status"] == "excluded":
            excluded.append(new["name"])
        elif old["status"] == "excluded" and new["status"] == "active":
            included.append(new["name"])
        was, now = int(old.get("count", 0)), int(new.get("count", 0))
        extra = grown_by.get(i, 0)
        if was != now and not (extra and was <= now <= was + extra):
            counts.append(CountChanged(new["name"], was, now))
    return CodebookDiff(
        names[0],
        names[1],
        _names(added),
        _names(removed),
        tuple(sorted(renamed, key=lambda r: natural_key(r.new))),
        tuple(sorted(merged, key=lambda m: (natural_key(m.into), natural_key(m.code)))),
        _names(unmerged),
        tuple(sorted(moved, key=lambda m: natural_key(m.code))),
        _names(excluded),
        _names(included),
        tuple(sorted(counts, key=lambda c: natural_key(c.code))),
    )
