"""Finding spans of text: quotes located in a document, paragraph boundaries."""

from __future__ import annotations


def find_all(text: str, quote: str) -> list[int]:
    """Every start offset of ``quote`` in ``text`` (overlapping matches included)."""
    if not quote:
        return []
    found: list[int] = []
    at = text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each non-empty line (a paragraph in imported notes)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append((start, end))
        start = end + 1
    return spans
