"""One name matcher for pseudonyms and the audit: the same listed name is found however typed.

A name is found in a text when its letters stand there as a whole word, compared after:

- Unicode normalisation (NFKC, so "й" typed as "и" + combining breve, or a full-width letter, is
  the letter) and case folding (``str.casefold``), with "ё" and "е" as one letter (Russian writes
  "ё" as "е" more often than not);
- soft hyphens (U+00AD) and zero-width characters (U+200B-U+200D, U+2060, U+FEFF) ignored where
  they stand inside a word;
- word boundaries: anything that is not a letter ends a word, so ``_``, digits, ``@`` and ``.``
  do (``saparova_1985@mail.kz`` holds "Saparova"), while "Ивановская" is not "Иванов";
- between the words of a name, any run of white space, ``_`` or ``.`` ("Aigerim_Saparova",
  "aigerim.saparova@…").

Inflected forms are listed by the user (a key's ``real`` cell: "Иванов | Иванова | Иванову"); the
matcher does not guess them. A text already in NFKC without ignorable characters (nearly every
text) is matched as it stands, in one regular-expression pass; other paragraphs are folded
character by character with a map back to the original offsets, so hits always point into the
text as stored. Time is linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

IGNORABLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_IGNORABLE_RE = re.compile(f"[{IGNORABLE}]")
_SEPARATORS = re.compile(r"[\s_.]+")
_LETTER = r"[^\W\d_]"  # a letter: a word character that is neither a digit nor "_"
# Apostrophes and hyphens Word's autocorrect and keyboards vary: each family is one character.
_SAME = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-"})
_APOSTROPHES = "'’ʼ‘"
_HYPHENS = "-‐‑–"


def fold(text: str) -> str:
    """The comparison form of a name: NFKC, case-folded, ё as е, ignorables removed, words
    joined by single spaces (``_`` and ``.`` between words count as space)."""
    text = _IGNORABLE_RE.sub("", unicodedata.normalize("NFKC", text))
    text = unicodedata.normalize("NFKC", text.casefold()).replace("ё", "е").translate(_SAME)
    return " ".join(w for w in _SEPARATORS.split(text) if w)


def _pattern_of(form: str) -> str:
    out: list[str] = []
    for word_no, word in enumerate(form.split(" ")):
        if word_no:
            out.append(r"[\s_.]+")
        for ch in word:
            if ch == "е":
                out.append("[её]")
            elif ch == "'":
                out.append(f"[{_APOSTROPHES}]")
            elif ch == "-":
                out.append(f"[{re.escape(_HYPHENS)}]")
            else:
                out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True)
class NameHit:
    """One listed name found: offsets into the text as given, the text found there, and the
    first form of the listed name it matched."""

    start: int
    end: int
    found: str  # the text as it stands in the file or study
    real: str  # the key's first form of that name


class NameMatcher:
    """Listed name forms compiled into one whole-word, case-insensitive pattern.

    ``forms``: (form, value) pairs; a hit reports the value of the form it matched (the key uses
    the first form of the name, so a hit says which listed person it is).
    """

    def __init__(self, forms: Iterable[tuple[str, str]]):
        self._value: dict[str, str] = {}
        for form, value in forms:
            folded = fold(form)
            if folded:
                self._value.setdefault(folded, value)
        ordered = sorted(self._value, key=len, reverse=True)  # "анна ли" before "анна"
        body = "|".join(_pattern_of(f) for f in ordered)
        self._pattern = (
            re.compile(rf"(?<!{_LETTER})(?:{body})(?!{_LETTER})", re.IGNORECASE) if ordered else None
        )

    def __len__(self) -> int:
        return len(self._value)

    def value_of(self, found: str) -> str | None:
        """The value of the listed form that ``found`` (a piece of text) is, or None."""
        return self._value.get(fold(found))

    def hits(self, text: str) -> list[NameHit]:
        """Every listed name in ``text``, in order, with offsets into ``text`` as given."""
        if self._pattern is None or not text:
            return []
        if unicodedata.is_normalized("NFKC", text) and not _IGNORABLE_RE.search(text):
            return list(self._plain_hits(text, 0, len(text)))
        # Text that needs normalising somewhere is folded whole, so a name wrapped across lines
        # is still one name.
        return list(self._folded_hits(text, 0, len(text)))

    def _plain_hits(self, text: str, a: int, b: int) -> Iterator[NameHit]:
        assert self._pattern is not None
        for m in self._pattern.finditer(text, a, b):
            value = self.value_of(m.group())
            if value is not None:
                yield NameHit(m.start(), m.end(), m.group(), value)

    def _folded_hits(self, text: str, a: int, b: int) -> Iterator[NameHit]:
        """Match a paragraph that needs normalising: fold it cluster by cluster (a letter and
        its combining marks), remembering where each folded character came from."""
        assert self._pattern is not None
        pieces: list[str] = []
        starts: list[int] = []  # original offset of each folded character's cluster
        ends: list[int] = []
        i = a
        while i < b:
            j = i + 1
            while j < b and (unicodedata.combining(text[j]) or text[j] in IGNORABLE):
                j += 1
            cluster = _IGNORABLE_RE.sub("", text[i:j])
            folded = unicodedata.normalize(
                "NFKC", unicodedata.normalize("NFKC", cluster).casefold()
            ).translate(_SAME)
            for ch in folded:
                pieces.append(ch)
                starts.append(i)
                ends.append(j)
            i = j
        folded_text = "".join(pieces)
        for m in self._pattern.finditer(folded_text):
            start, end = starts[m.start()], ends[m.end() - 1]
            value = self.value_of(m.group())
            if value is not None:
                yield NameHit(start, end, text[start:end], value)


def line_numbers(text: str, offsets: Iterable[int]) -> Iterator[int]:
    """1-based line numbers of increasing offsets, counted in one pass over the text."""
    line, at = 1, 0
    for offset in offsets:
        line += text.count("\n", at, offset)
        at = offset
        yield line
