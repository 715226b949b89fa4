"""Code saturation: how many new codes each interview adds, in the order they were held.

Guest, Bunce & Johnson (2006), "How Many Interviews Are Enough? An Experiment with Data
Saturation and Variability", Field Methods 18(1):59-82, define saturation as the point where new
interviews add few or no new codes: they counted, interview by interview in the order coded, the
codes not met before, and read saturation off the flattening cumulative curve (in their study 92%
of the codes had appeared within the first twelve interviews). ``saturation_steps`` computes
exactly those two series from the codes each interview carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SaturationStep:
    """One interview: its codes, the codes it was the first to carry, and the running totals."""

    position: int  # 1-based, in the chosen order
    interview: str
    participant: str | None
    codes: int  # distinct codes in this interview
    new: int  # codes no earlier interview carried
    new_codes: tuple[str, ...]
    cumulative: int  # distinct codes in this and every earlier interview
    share: float  # cumulative / all codes met in the study (0-1)


def saturation_steps(
    interviews: Sequence[tuple[str, str | None, Iterable[str]]], *, order_codes: Sequence[str] = ()
) -> list[SaturationStep]:
    """The new-codes-per-interview series and its cumulative curve.

    ``interviews``: (title, participant, codes carried) in the order held. ``order_codes``: the
    codebook order the new codes are listed in (others follow alphabetically).
    """
    rank = {name: i for i, name in enumerate(order_codes)}
    seen: set[str] = set()
    rows: list[tuple[str, str | None, int, list[str], int]] = []
    for title, participant, codes in interviews:
        mine = set(codes)
        new = sorted(mine - seen, key=lambda c: (rank.get(c, len(rank)), c))
        seen |= mine
        rows.append((title, participant, len(mine), new, len(seen)))
    total = len(seen)
    return [
        SaturationStep(i, title, who, n, len(new), tuple(new), cum, (cum / total) if total else 0.0)
        for i, (title, who, n, new, cum) in enumerate(rows, 1)
    ]
