"""Participant labels: "Expert A", "Expert (A)", "P12" — split, sorted, cited."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(?P<noun>.*?)[\s_-]*\(?(?P<id>[^\s()]+)\)?$")


def split_label(label: str) -> tuple[str, str]:
    """``"Expert A"`` -> ``("Expert", "A")``; ``"Expert (A)"`` likewise; ``"P12"`` -> ``("P", "12")``.

    The last token is the participant's identifier; what stands before it is the group noun
    citations pluralise ("six Experts (A,B,C,D,E,F)").
    """
    text = label.strip()
    m = _LABEL.match(text)
    if not m or not m.group("noun"):
        digits = re.match(r"^(?P<noun>\D+?)(?P<id>\d+)$", text)
        if digits:
            return digits.group("noun"), digits.group("id")
        return "", text
    return m.group("noun").strip(), m.group("id")


def natural_key(text: str) -> tuple[tuple[int, object], ...]:
    """Sort "Expert B" before "Expert AA" and "P2" before "P10"; case-insensitive otherwise."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)
