"""Units a reader moves by: sentences, paragraphs and words, as [start, end) spans of a text.

Offsets are Python ``str`` indices, the same as segments use, so a selection made of these
units can be coded as it is.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from qualcode.domain.spans import paragraph_spans

# A sentence ends at . ! ? … (possibly several, possibly followed by a closing quote or
# bracket) before whitespace, or at the end of a line.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)\]]*(?=\s|$)")
_WORD = re.compile(r"\S+")


# Abbreviations that end in a full stop inside a sentence (Russian, Kazakh, English). One of
# these ends a sentence only when a capital letter follows; a title (Dr., г-н) never does.
_ABBREVIATIONS = frozenset(
    "т.е т.к т.д т.п т.н т.ч т.о и.о г гг ул д др пр им см стр руб тыс млн млрд напр ср рис табл "
    "т.б т.с.с ж e.g i.e etc vs approx cf no fig".split()
)
_TITLES = frozenset("dr mr mrs ms prof st г-н г-жа проф".split())
_LAST_WORD = re.compile(r"([^\W\d_]+(?:[.-][^\W\d_]+)*)\.$")


def _ends_sentence(para: str, end: int, stop: str) -> bool:
    """Whether the full stop(s) ``stop`` ending at ``end`` close a sentence (not "т.е.", "e.g.")."""
    if stop != ".":
        return True
    word = _LAST_WORD.search(para, 0, end)
    if word is None:
        return True
    abbrev = word.group(1).casefold()
    if abbrev in _TITLES:
        return False
    if abbrev not in _ABBREVIATIONS:
        return True
    rest = para[end:].lstrip()
    return not rest or not (rest[0].islower() or rest[0].isdigit())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of every paragraph, without the spaces between them; a full stop after a
    common abbreviation ("т.е.", "и т.д.", "г.", "e.g.", "Dr.") followed by a lower-case word
    does not end one."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text):
        para = text[p_start:p_end]
        at = 0
        for m in _SENTENCE_END.finditer(para):
            if not _ends_sentence(para, m.end(), m.group().rstrip("\"'»”)]")):
                continue
            _add_trimmed(spans, para, at, m.end(), p_start)
            at = m.end()
        _add_trimmed(spans, para, at, len(para), p_start)
    return spans


def _add_trimmed(spans: list[tuple[int, int]], para: str, a: int, b: int, offset: int) -> None:
    while a < b and para[a].isspace():
        a += 1
    while b > a and para[b - 1].isspace():
        b -= 1
    if a < b:
        spans.append((offset + a, offset + b))


def word_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


@dataclass(frozen=True)
class Units:
    """The sentences, paragraphs and words of one text, for moving a selection over it."""

    sentences: tuple[tuple[int, int], ...]
    paragraphs: tuple[tuple[int, int], ...]
    words: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str) -> Units:
        return cls(tuple(sentence_spans(text)), tuple(paragraph_spans(text)), tuple(word_spans(text)))


def _after(spans: tuple[tuple[int, int], ...], offset: int) -> tuple[int, int] | None:
    """The first span ending after ``offset`` that does not start before it."""
    i = bisect.bisect_left(spans, (offset, -1))
    return spans[i] if i < len(spans) else None


def _before(spans: tuple[tuple[int, int], ...], offset: int) -> tuple[int, int] | None:
    """The last span that ends at or before ``offset``."""
    ends = [b for _, b in spans]
    i = bisect.bisect_right(ends, offset) - 1
    return spans[i] if i >= 0 else None


def _containing(spans: tuple[tuple[int, int], ...], offset: int) -> tuple[int, int] | None:
    i = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return spans[i]
    return None


Selection = tuple[int, int]


def first(units: tuple[tuple[int, int], ...]) -> Selection:
    return units[0] if units else (0, 0)


def next_unit(units: tuple[tuple[int, int], ...], sel: Selection) -> Selection:
    """The unit after the selection (the selection itself when it is the last)."""
    found = _after(units, sel[1])
    return found if found is not None else (_containing(units, sel[0]) or sel)


def previous_unit(units: tuple[tuple[int, int], ...], sel: Selection) -> Selection:
    """The unit before the selection (the first unit when there is none before)."""
    found = _before(units, sel[0])
    return found if found is not None else (units[0] if units else sel)


def extend(units: tuple[tuple[int, int], ...], sel: Selection) -> Selection:
    """Move the selection's end to the end of the next unit."""
    found = _after(units, sel[1])
    if found is None:
        # the end may sit inside a unit (a word inside a sentence): finish that unit
        inside = _containing(units, sel[1])
        return (sel[0], inside[1]) if inside and inside[1] > sel[1] else sel
    inside = _containing(units, sel[1])
    if inside is not None and inside[1] > sel[1]:
        return (sel[0], inside[1])
    return (sel[0], found[1])


def shrink(units: tuple[tuple[int, int], ...], sel: Selection) -> Selection:
    """Move the selection's end back to the end of the previous unit (never to nothing)."""
    ends = [b for _, b in units]
    i = bisect.bisect_left(ends, sel[1]) - 1
    while i >= 0 and ends[i] > sel[0]:
        if ends[i] < sel[1]:
            return (sel[0], ends[i])
        i -= 1
    return sel
