"""What reports hand to exporters: the codebook, the matrix, co-occurrence, Appendix A.

Plain frozen dataclasses built by ``qualcode.services.reports`` and written by the exporters
in ``qualcode.io`` (which never see a session). Every number here is counted from codings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qualcode.domain.citations import participant_label

AUTO_PICK_RULE = "the first coded excerpt in participant order, then document, then position in the text"


@dataclass(frozen=True)
class Quote:
    """A code's example excerpt; ``marked`` when the researcher chose it (codes example)."""

    text: str
    participant: str | None
    document: str
    segment_id: int
    marked: bool

    def cited(self, label_style: str = "plain") -> str:
        """``Expert A: '…'`` as Appendix B prints it (the document title when no participant)."""
        who = participant_label(self.participant, label_style) if self.participant else self.document
        return f"{who}: '{self.text}'"


@dataclass(frozen=True)
class CodebookEntry:
    code: str
    theme: str | None
    description: str
    status: str
    count: int  # codings
    participants: tuple[str, ...]
    example: Quote | None
    parent: str | None = None  # the parent code of a sub-code
    depth: int = 0  # 0 a code, 1 a sub-code, …


@dataclass(frozen=True)
class CodebookSection:
    """One theme (or sub-theme, ``depth`` > 0) and its codes; ``theme`` None: codes without one."""

    theme: str | None
    depth: int
    entries: tuple[CodebookEntry, ...]
    parent: str | None = None


@dataclass(frozen=True)
class Codebook:
    title: str
    sections: tuple[CodebookSection, ...]

    @property
    def entries(self) -> list[CodebookEntry]:
        return [e for s in self.sections for e in s.entries]

    @property
    def auto_picked(self) -> int:
        return sum(1 for e in self.entries if e.example is not None and not e.example.marked)

    def note(self) -> str:
        """The line that says which example quotes qualcode chose (empty when none)."""
        n = self.auto_picked
        if not n:
            return ""
        return (
            f"Note: the example quote of {n} code(s) was not marked by the researchers; qualcode "
            f"showed {AUTO_PICK_RULE}."
        )

    def auto_picked_codes(self) -> list[str]:
        """The codes whose example quote qualcode picked, in codebook order."""
        return [e.code for e in self.entries if e.example is not None and not e.example.marked]

    def provenance(self) -> str:
        """What a file's document properties say about the quotes (never the table itself)."""
        note = self.note()
        if not note:
            return "Every example quote was marked by the researchers."
        return f"{note} Picked for: {'; '.join(self.auto_picked_codes())}."


MARK_HINT = "Mark one with: qualcode codes example CODE --segment ID."


@dataclass(frozen=True)
class MatrixRow:
    """One row; ``cells`` holds only the non-zero counts as (column index, count), so that a
    20,000 × 2,000 matrix of 200,000 codings stays small in memory."""

    kind: str  # "code", "subtotal" (a theme) or "total"
    label: str
    theme: str | None
    depth: int
    cells: tuple[tuple[int, int], ...]
    width: int  # number of columns
    total: int
    participants: int  # distinct participants behind the row

    @property
    def counts(self) -> tuple[int, ...]:
        """One count per column (zeros included)."""
        dense = [0] * self.width
        for i, n in self.cells:
            dense[i] = n
        return tuple(dense)

    def as_dict(self, columns: tuple[str, ...]) -> dict[str, Any]:
        key = "code" if self.kind == "code" else "theme" if self.kind == "subtotal" else "label"
        return {
            "kind": self.kind,
            key: self.label,
            **({"theme": self.theme} if self.kind == "code" else {}),
            "counts": dict(zip(columns, self.counts, strict=True)),
            "total": self.total,
            "participants": self.participants,
        }


@dataclass(frozen=True)
class Matrix:
    """Codings per code (rows) and column (participant, document or attribute value)."""

    by: str
    columns: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    # For the chart: codings per top-level theme (rows) and column.
    theme_totals: tuple[tuple[str, tuple[int, ...]], ...] = field(default=())
    # A window of the columns (the workbench's): the index of the first one shown, and how many
    # columns the whole matrix has (``columns`` holds only the shown ones).
    first_column: int = 0
    all_columns: int | None = None

    def as_dict(self) -> dict[str, Any]:
        codes = [r.as_dict(self.columns) for r in self.rows if r.kind == "code"]
        return {
            "by": self.by,
            "columns": list(self.columns),
            "rows": codes,
            "subtotals": [r.as_dict(self.columns) for r in self.rows if r.kind == "subtotal"],
            "totals": next((r.as_dict(self.columns) for r in self.rows if r.kind == "total"), None),
        }


@dataclass(frozen=True)
class CooccurrenceRow:
    code_a: str
    code_b: str
    count: int  # places where both apply: one segment, or two overlapping segments
    documents: int
    participants: tuple[str, ...]


@dataclass(frozen=True)
class ParticipantRow:
    label: str
    attributes: dict[str, Any]
    documents: int
    codings: int
