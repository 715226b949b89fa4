"""Citation fragments for findings: "six Experts (A,B,C,D,E,F)", "Expert (C)", "Experts (C) and (F)".

Numbers are written in words below ``words_below`` (default 10, as APA 7th edition §6.32
prescribes for numbers below 10; set 101 for Chicago 17th edition §9.2, which spells out zero to
one hundred), in numerals from there on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qualcode.domain.labels import natural_key, split_label

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_in_words(n: int) -> str:
    """0..100 in English words ("twenty-one"); larger numbers as numerals."""
    if 0 <= n < 20:
        return _ONES[n]
    if 20 <= n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n == 100:
        return "one hundred"
    return str(n)


@dataclass(frozen=True)
class CitationStyle:
    """How a group of participants is cited.

    grouped (default): ``six Experts (A,B,C,D,E,F)`` / ``Expert (C)``;
    listed: ``Experts (C), (D), and (E)`` / ``Experts (C) and (F)``.
    """

    listed: bool = False
    count: bool = True  # "six Experts" rather than "Experts"
    words_below: int = 10
    brackets: str = "()"  # "" for "Experts A, B"
    separator: str = ","  # between identifiers inside one bracket: (A,B,C)
    plural: str = ""  # the group noun's plural when "+s" is wrong ("People" for "Person")
    capitalise: bool = False  # "Six Experts" at the start of a sentence

    def number(self, n: int) -> str:
        return number_in_words(n) if n < self.words_below else str(n)

    def wrap(self, text: str) -> str:
        if len(self.brackets) == 2:
            return f"{self.brackets[0]}{text}{self.brackets[1]}"
        return text


def _plural(noun: str, style: CitationStyle) -> str:
    if style.plural:
        return style.plural
    if not noun:
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _and_list(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + f", and {parts[-1]}"


def cite(
    labels: Iterable[str], style: CitationStyle | None = None, *, key: Callable[[str], Any] | None = None
) -> str:
    """The fragment that cites these participants, sorted by ``key`` (the study's participant
    order; natural label order when None).

    >>> cite(["Expert C"])
    'Expert (C)'
    >>> cite(["Expert B", "Expert A", "Expert C"])
    'three Experts (A,B,C)'

    Labels with different nouns ("Expert A", "Official 2") are cited group by group, joined
    with "and". An empty list gives "".
    """
    style = style or CitationStyle()
    unique = sorted(set(labels), key=key or natural_key)
    groups: dict[str, list[str]] = {}
    for label in unique:
        noun, ident = split_label(label)
        groups.setdefault(noun, []).append(ident)
    parts = []
    for noun, idents in groups.items():
        if not noun:  # labels without a group noun ("Anna"): cited as they are
            parts.append(_and_list(idents))
            continue
        if len(idents) == 1:
            parts.append(f"{noun} {style.wrap(idents[0])}")
            continue
        plural = _plural(noun, style)
        if style.listed:
            ids = _and_list([style.wrap(i) for i in idents])
        else:
            ids = style.wrap(style.separator.join(idents))
        lead = f"{style.number(len(idents))} " if style.count and not style.listed else ""
        parts.append(f"{lead}{plural} {ids}")
    text = _and_list(parts)
    if style.capitalise and text:
        text = text[0].upper() + text[1:]
    return text


def participant_label(label: str, style: str = "plain") -> str:
    """A label as a table prints it: ``plain`` "Expert A" or ``brackets`` "Expert (A)"."""
    if style == "plain":
        return label
    if style != "brackets":
        raise ValueError(f"unknown label style {style!r}")
    noun, ident = split_label(label)
    return f"{noun} ({ident})" if noun else label
