"""The consolidation funnel: the numbers and the sentence a methods chapter reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MergeStep:
    into: str
    sources: tuple[str, ...]
    by: str | None
    at: str
    reason: str
    snapshot: str | None = None  # the first codebook snapshot taken after this step


@dataclass(frozen=True)
class ExclusionStep:
    code: str
    by: str | None
    at: str
    reason: str
    snapshot: str | None = None


@dataclass(frozen=True)
class FunnelReport:
    applications: int
    unique_codes: int
    kept_codes: int
    excluded_codes: int
    merges: list[MergeStep] = field(default_factory=list)
    exclusions: list[ExclusionStep] = field(default_factory=list)
    unused_codes: int = 0  # codebook entries not applied yet: in no count above
    # Codebook snapshots (name, taken at, ISO 8601), oldest first, and the snapshot each stage
    # ends at ("combined", "excluded"): the first one taken after the stage's last step.
    snapshots: list[tuple[str, str]] = field(default_factory=list)
    stage_ends: dict[str, str | None] = field(default_factory=dict)

    @property
    def recurring_combined(self) -> int:
        """Code names folded into another by merges."""
        return sum(len(m.sources) for m in self.merges)

    @property
    def paragraph(self) -> str:
        """E.g. "556 code applications → 226 unique codes after combining 34 recurring codes →
        197 codes kept for analysis (29 excluded)"."""
        return (
            f"{self.applications} code applications → {self.unique_codes} unique codes after "
            f"combining {self.recurring_combined} recurring codes → {self.kept_codes} codes kept "
            f"for analysis ({self.excluded_codes} excluded)"
        )

    def stage_lines(self) -> list[str]:
        """Per stage, what was merged or excluded, by whom, when and why (for people)."""
        lines: list[str] = []
        ends = {
            k: f"; ends at snapshot {self.stage_ends[k]!r}" if self.stage_ends.get(k) else ""
            for k in ("combined", "excluded")
        }
        if self.merges:
            lines += ["", f"Combined ({self.recurring_combined} recurring codes{ends['combined']}):"]
            for m in self.merges:
                why = f" - {m.reason}" if m.reason else ""
                sources = ", ".join(m.sources)
                lines.append(f"  {sources} -> {m.into} ({m.by or 'unknown'}, {m.at[:10]}){why}")
        if self.exclusions:
            lines += ["", f"Excluded ({self.excluded_codes}{ends['excluded']}):"]
            for x in self.exclusions:
                when = f", {x.at[:10]}" if x.at else ""
                lines.append(f"  {x.code} ({x.by or 'unknown'}{when}) - {x.reason}")
        if self.unused_codes:
            lines += ["", f"Not counted: {self.unused_codes} code(s) in the codebook with no codings yet."]
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "unique_codes": self.unique_codes,
            "kept_codes": self.kept_codes,
            "excluded_codes": self.excluded_codes,
            "merges": [
                {
                    "into": m.into,
                    "from": list(m.sources),
                    "by": m.by,
                    "at": m.at,
                    "reason": m.reason,
                    "snapshot": m.snapshot,
                }
                for m in self.merges
            ],
            "exclusions": [
                {
                    "code": x.code,
                    "by": x.by,
                    "at": x.at,
                    "reason": x.reason,
                    "snapshot": x.snapshot,
                }
                for x in self.exclusions
            ],
            "unused_codes": self.unused_codes,
            "paragraph": self.paragraph,
            "snapshots": [{"name": name, "at": at} for name, at in self.snapshots],
            "stage_ends": {k: self.stage_ends.get(k) for k in ("combined", "excluded")},
        }
