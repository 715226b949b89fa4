"""Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Pure functions of plain data. Reliability data are given unit by unit: for each unit, the value
each coder gave it, ``None`` where a coder gave none (missing). Values may be anything hashable
(a code name, True/False, a frozenset of code names).

References:
- Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological
  Measurement 20(1), 37-46: kappa = (po - pe) / (1 - pe).
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
  Communication, University of Pennsylvania: alpha = 1 - Do/De from the coincidence matrix, units
  with fewer than two values are not pairable and drop out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence

Unit = Sequence[Hashable | None]


def _present(unit: Unit) -> list[Hashable]:
    return [v for v in unit if v is not None]


def percent_agreement(units: Sequence[Unit]) -> float | None:
    """Share of units (with at least two values) on which every value is the same; None if none."""
    comparable = [vals for vals in (_present(u) for u in units) if len(vals) >= 2]
    if not comparable:
        return None
    agreed = sum(1 for vals in comparable if all(v == vals[0] for v in vals[1:]))
    return agreed / len(comparable)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two coders over units both coded; None when undefined (pe = 1 or no units)."""
    n = len(pairs)
    if n == 0:
        return None
    po = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    pe = sum(first[v] * second.get(v, 0) for v in first) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def coincidences(units: Sequence[Unit]) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix o_ck: each pairable unit adds 1/(m_u - 1) per ordered pair."""
    matrix: dict[tuple[Hashable, Hashable], float] = {}
    for unit in units:
        vals = _present(unit)
        m = len(vals)
        if m < 2:
            continue
        weight = 1.0 / (m - 1)
        for i, c in enumerate(vals):
            for j, k in enumerate(vals):
                if i != j:
                    matrix[(c, k)] = matrix.get((c, k), 0.0) + weight
    return matrix


def krippendorff_alpha_nominal(units: Sequence[Unit]) -> float | None:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    None when undefined: fewer than two pairable values, or every pairable value the same
    (expected disagreement zero).
    """
    matrix = coincidences(units)
    totals: dict[Hashable, float] = {}
    for (c, _k), o in matrix.items():
        totals[c] = totals.get(c, 0.0) + o
    n = sum(totals.values())
    if n < 2:
        return None
    observed = sum(o for (c, k), o in matrix.items() if c != k)  # n * Do
    expected = (n * n - sum(t * t for t in totals.values())) / (n - 1)  # n * De
    if expected <= 0:
        return None
    # Do / De with both sides' common factor 1/n cancelled.
    return 1.0 - observed / expected


def pairs_of(units: Sequence[Unit]) -> list[tuple[Hashable, Hashable]]:
    """The units both of two coders coded (``units`` hold exactly two values each)."""
    return [(a, b) for a, b in (tuple(u) for u in units) if a is not None and b is not None]


# --- unitising text ------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u00bb\u201d\u2019)\]]*(?=\s|$)")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs as [start, end) spans: each non-blank line, without its surrounding spaces."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        span = _trimmed(text, m.start(), m.end())
        if span:
            spans.append(span)
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as [start, end) spans: a sentence ends at . ! ? or … (with any closing quotes or
    brackets) followed by a space, or at the end of its paragraph; works for Cyrillic text alike."""
    spans = []
    for a, b in paragraph_spans(text):
        pos = a
        for m in _SENTENCE_END.finditer(text, a, b):
            span = _trimmed(text, pos, m.end())
            if span:
                spans.append(span)
            pos = m.end()
        span = _trimmed(text, pos, b)
        if span:
            spans.append(span)
    return spans
