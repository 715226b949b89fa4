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
from typing import Any

Unit = Sequence[Hashable | None]


def _present(unit: Unit) -> list[Hashable]:
    return [v for v in unit if v is not None]


def _weighted(items: Sequence[Any], weights: Sequence[int] | None) -> list[tuple[Any, int]]:
    # ``weights[i]`` says how many identical copies of ``items[i]`` there are: a study's many
    # units on which nobody gave a code are passed once, with their number.
    if weights is None:
        return [(item, 1) for item in items]
    if len(weights) != len(items):
        raise ValueError("one weight per unit")
    return [(item, w) for item, w in zip(items, weights, strict=True) if w]


def percent_agreement(units: Sequence[Unit], weights: Sequence[int] | None = None) -> float | None:
    """Share of units (with at least two values) on which every value is the same; None if none."""
    comparable = agreed = 0
    for unit, w in _weighted(units, weights):
        vals = _present(unit)
        if len(vals) < 2:
            continue
        comparable += w
        if all(v == vals[0] for v in vals[1:]):
            agreed += w
    return agreed / comparable if comparable else None


def cohen_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]], weights: Sequence[int] | None = None
) -> float | None:
    """Cohen's kappa for two coders over units both coded; None when undefined (pe = 1 or no units)."""
    weighted = _weighted(pairs, weights)
    n = sum(w for _, w in weighted)
    if n == 0:
        return None
    po = sum(w for (a, b), w in weighted if a == b) / n
    first: Counter[Hashable] = Counter()
    second: Counter[Hashable] = Counter()
    for (a, b), w in weighted:
        first[a] += w
        second[b] += w
    pe = sum(first[v] * second.get(v, 0) for v in first) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def coincidences(
    units: Sequence[Unit], weights: Sequence[int] | None = None
) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix o_ck: each pairable unit adds 1/(m_u - 1) per ordered pair."""
    matrix: dict[tuple[Hashable, Hashable], float] = {}
    for unit, w in _weighted(units, weights):
        vals = _present(unit)
        m = len(vals)
        if m < 2:
            continue
        weight = w / (m - 1)
        for i, c in enumerate(vals):
            for j, k in enumerate(vals):
                if i != j:
                    matrix[(c, k)] = matrix.get((c, k), 0.0) + weight
    return matrix


def krippendorff_alpha_nominal(units: Sequence[Unit], weights: Sequence[int] | None = None) -> float | None:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    None when undefined: fewer than two pairable values, or every pairable value the same
    (expected disagreement zero).
    """
    matrix = coincidences(units, weights)
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


def pairs_of(
    units: Sequence[Unit], weights: Sequence[int] | None = None
) -> tuple[list[tuple[Hashable, Hashable]], list[int]]:
    """The units both of two coders coded (``units`` hold two values each), with their weights."""
    pairs, kept = [], []
    for unit, w in _weighted(units, weights):
        a, b = unit
        if a is not None and b is not None:
            pairs.append((a, b))
            kept.append(w)
    return pairs, kept


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
