"""Reading a findings chapter as written: its citations, quotations and code-anchored claims.

Pure rules, no database. The forms are the ones a thesis's findings use (chapter 4 of the seed
thesis): "six Experts¹" with the footnote "Experts (A,B,C,D,E,F)", "Experts (C) and (D)",
"Experts (C), (D), and (E)", "Expert (H)", "Both Experts (F) and (H)"; a quotation in «…», “…”,
"…", ‘…’ or '…' attributed to the participant cited in the same sentence; a claim anchored to a
code by a Word comment naming it or by ``[code: NAME]`` after it.

A manuscript reaches this module as paragraphs whose footnote references are written inline as
``[^KEY]`` (Markdown's footnote syntax) with the footnote texts beside them; the readers in
``qualcode.io.manuscript`` turn .docx footnotes and superscript digits into that form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from qualcode.domain.citations import number_in_words

# "one" .. "twenty" and their numerals; "both" is two. "all" is every participant of the noun.
_NUMBER_WORDS = {number_in_words(n): n for n in range(1, 21)} | {"both": 2}
_ALL = "all"
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
CODE_MARKER = re.compile(r"\[code:\s*([^\]]+?)\s*\]", re.IGNORECASE)
# One identifier inside a citation's brackets: a letter or two ("A", "AA") or a number ("12").
_IDENT = r"(?-i:[A-Z]{1,2}|[a-z]|\d{1,4})"
# A range of identifiers: "A–F", "3-7" (hyphen, en dash or em dash).
_ITEM = rf"{_IDENT}(?:\s*[-–—]\s*{_IDENT})?"
_BRACKET = rf"\(\s*{_ITEM}(?:\s*[,;]\s*{_ITEM})*\s*\)"
_BRACKETS = rf"{_BRACKET}(?:\s*,?\s*(?:and|&)\s+{_BRACKET}|\s*,\s*{_BRACKET})*"


@dataclass(frozen=True)
class Anchor:
    """A claim the author tied to code(s): ``[start, end)`` in its paragraph's text."""

    codes: tuple[str, ...]
    start: int
    end: int
    # ``[code: NAME]`` or a comment starting "code:": an unknown name is a finding. A plain
    # Word comment that names no code is a reviewer's note, not a claim, and is passed over.
    explicit: bool = True


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph: ``number`` counts non-empty body paragraphs from 1 (headings too);
    ``footnotes`` maps each ``[^KEY]`` in ``text`` to the footnote's text."""

    number: int
    text: str
    footnotes: Mapping[str, str] = field(default_factory=dict)
    anchors: tuple[Anchor, ...] = ()


@dataclass(frozen=True)
class CitedGroup:
    """A citation as written: ``noun`` singular ("Expert"), ``idents`` in the order written.

    ``stated`` is the number the text states ("six" -> 6, "both" -> 2), ``None`` when it
    states none; ``every`` when it says "all Experts". ``footnote`` holds the key when the
    identifiers came from a footnote.
    """

    start: int
    end: int
    text: str
    noun: str
    plural: bool
    idents: tuple[str, ...]
    stated: int | None
    stated_text: str
    every: bool = False
    footnote: str | None = None
    unreadable: str = ""  # a bracket after the noun whose identifiers cannot be read


@dataclass(frozen=True)
class Quotation:
    """A direct quotation: ``text`` is what stands between the marks, ``[start, end)`` the
    marks included."""

    start: int
    end: int
    text: str


def plural_of(noun: str) -> str:
    """The plural the citations write ("Expert" -> "Experts", "Witness" -> "Witnesses")."""
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def citation_pattern(nouns: Iterable[str]) -> re.Pattern[str] | None:
    """The citation regex for these group nouns (singular, as in the labels), None for none.

    It matches from the noun on; the number word before it is read by ``find_citations``
    (an alternation of number words tried at every position is what made the scan slow)."""
    forms: list[str] = []
    for noun in sorted(set(nouns), key=len, reverse=True):
        if noun:
            forms += [re.escape(plural_of(noun)), re.escape(noun)]
    if not forms:
        return None
    return re.compile(
        rf"\b(?P<noun>{'|'.join(forms)})(?=[^\w]|[{SUPERSCRIPT_DIGITS}]|$)"
        rf"(?P<mark>\s?\[\^[^\]\s]+\]|[{SUPERSCRIPT_DIGITS}]+)?"
        rf"(?:\s*(?P<brackets>{_BRACKETS})|[ \u00a0](?P<bare>(?-i:[A-Z]{{1,2}}|\d{{1,4}}))(?![\w'’-]))?"
        rf"(?P<unread>\s*\([^()]{{0,40}}\))?",
        re.IGNORECASE,
    )


_NUMBER_BEFORE = re.compile(
    rf"\b(?P<num>{'|'.join(sorted([*_NUMBER_WORDS, _ALL], key=len, reverse=True))}|\d{{1,3}})\s+$",
    re.IGNORECASE,
)


def _expand(first: str, last: str) -> list[str]:
    if first.isdigit() and last.isdigit() and int(first) <= int(last) and int(last) - int(first) < 200:
        return [str(n) for n in range(int(first), int(last) + 1)]
    if len(first) == len(last) == 1 and first.isalpha() and last.isalpha() and first.upper() <= last.upper():
        return [chr(c) for c in range(ord(first.upper()), ord(last.upper()) + 1)]
    return [first, last]


def _idents(brackets: str) -> tuple[str, ...]:
    out: list[str] = []
    for inside in re.findall(r"\(([^()]*)\)", brackets):
        for m in re.finditer(rf"({_IDENT})(?:\s*[-–—]\s*({_IDENT}))?", inside):
            out += _expand(m.group(1), m.group(2)) if m.group(2) else [m.group(1)]
    return tuple(i.upper() if i.isalpha() else i for i in out)


# What a bracket of identifiers the checker cannot read looks like: short tokens, commas,
# dashes and "and" only ("(A–F, I)" before ranges were read, "(A/B)", "(A & B & C)").
_IDENTISH = re.compile(r"^\(\s*(?:(?:[A-Za-z]{1,2}|\d{1,4}|and)\b[\s,;/&+–—-]*)+\)$")


def find_citations(
    text: str, pattern: re.Pattern[str] | None, footnotes: Mapping[str, str], nouns: Iterable[str]
) -> list[CitedGroup]:
    """Every citation in ``text``: with its identifiers from brackets or from its footnote."""
    if pattern is None:
        return []
    singular = {n.casefold(): n for n in nouns if n} | {plural_of(n).casefold(): n for n in nouns if n}
    out: list[CitedGroup] = []
    for m in pattern.finditer(text):
        written = m.group("noun")
        noun = singular[written.casefold()]
        if written[0].islower():  # "expert" in running text is a word, not a participant label
            continue
        idents = _idents(m.group("brackets") or "") or ((m.group("bare"),) if m.group("bare") else ())
        unread = m.group("unread") or ""
        if m.group("brackets") is None and unread and _IDENTISH.match(unread.strip()):
            idents = ()
            unreadable = unread.strip()
        else:
            unreadable = ""
        key: str | None = None
        mark = (m.group("mark") or "").strip()
        if mark and not idents:
            key = mark[2:-1] if mark.startswith("[^") else mark.translate(_SUPERSCRIPT)
            note = footnotes.get(key, "")
            for inner in find_citations(note, pattern, {}, nouns):
                idents += tuple(i for i in inner.idents if i not in idents)
        before = _NUMBER_BEFORE.search(text, max(0, m.start() - 24), m.start())
        num_text = before.group("num") if before else ""
        start = before.start() if before else m.start()
        num = num_text.casefold()
        stated: int | None
        if num.isdigit():
            stated = int(num)
        else:
            stated = _NUMBER_WORDS.get(num)
        plural = written.casefold() != noun.casefold()
        if not idents and stated is None and num != _ALL and not plural and not unreadable:
            continue  # "Expert" on its own names nobody
        out.append(
            CitedGroup(
                start,
                m.end(),
                text[start : m.end()],
                noun,
                plural,
                idents,
                stated,
                num_text,
                every=num == _ALL,
                footnote=key,
                unreadable=unreadable,
            )
        )
    return out


# Opening mark -> its closing marks. Straight quotes open after a space or a bracket and close
# before a space or punctuation, so that apostrophes ("Kazakhstan's") are not taken for quotes.
_PAIRS = {"«": "»", "“": "”„", "„": "“”", '"': '"', "‘": "’", "'": "'"}
_STRAIGHT = {'"', "'"}


_QUOTE_CHAR = re.compile("[" + re.escape("".join(set(_PAIRS) | set("".join(_PAIRS.values())))) + "\n]")


def find_quotations(text: str, *, min_words: int = 2) -> list[Quotation]:
    """The outermost quotations of ``text`` with at least ``min_words`` words (one-word quotes
    are terms, not testimony)."""
    marks = [m.start() for m in _QUOTE_CHAR.finditer(text)]
    n = len(text)
    out: list[Quotation] = []
    k = 0
    while k < len(marks):
        i = marks[k]
        ch = text[i]
        if ch in _PAIRS and (ch not in _STRAIGHT or i == 0 or not text[i - 1].isalnum()):
            closers = _PAIRS[ch]
            close = None
            for step in range(k + 1, len(marks)):
                j = marks[step]
                c = text[j]
                if c == "\n":
                    if ch in _STRAIGHT:
                        break
                    continue
                if c in closers and (
                    c not in _STRAIGHT
                    or ((j + 1 == n or not text[j + 1].isalnum()) and not text[j - 1].isspace())
                ):
                    close = step
                    break
            if close is not None:
                j = marks[close]
                inner = text[i + 1 : j]
                if len(inner.split()) >= min_words:
                    out.append(Quotation(i, j + 1, inner))
                    k = close + 1
                    continue
        k += 1
    return out


_SENTENCE_END = re.compile(r"[.!?][\"”»’']?(?=\s|$)")


def sentence_bounds(text: str, quotes: Iterable[Quotation]) -> list[tuple[int, int]]:
    """Sentences as ``[start, end)`` spans; full stops inside quotations do not end one, except
    the quotation's last (``… the words "purchase and sale." The problem …``)."""
    masked = list(text)
    for q in quotes:
        for k in range(q.start, q.end - 2):
            masked[k] = "x"
    flat = "".join(masked)
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(flat):
        # "Dr." / "e.g." / "(See. Appendix A)" are not sentence ends when lower case follows.
        rest = flat[m.end() :].lstrip()
        if rest and rest[0].islower():
            continue
        bounds.append((start, m.end()))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def nearest_in_sentence(
    start: int, end: int, citations: Iterable[CitedGroup], sentences: list[tuple[int, int]]
) -> CitedGroup | None:
    """The citation of the same sentence nearest to ``[start, end)``, one that overlaps first."""
    lo, hi = next(((a, b) for a, b in sentences if a <= start < b), (start, end))
    best: tuple[int, CitedGroup] | None = None
    for c in citations:
        if c.end <= lo or c.start >= hi:
            continue
        if c.start < end and start < c.end:
            distance = 0
        else:
            distance = start - c.end if c.end <= start else c.start - end
        if best is None or distance < best[0]:
            best = (distance, c)
    return best[1] if best else None


# Characters a quotation may print differently from the notes: curly and angle quotes,
# dashes, non-breaking spaces. Each maps to one character, so offsets are kept.
_FOLD = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|\(\s*(?:\.\s*){3}\)|\.{3,}|…)\s*")


def fold_quotes(text: str) -> str:
    """``text`` with quote marks, dashes and no-break spaces made plain; same length."""
    return text.translate(_FOLD)


def quotation_pieces(quote: str) -> tuple[str, ...]:
    """The folded pieces of a quotation between its ellipses, single-spaced."""
    pieces = [p.strip() for p in _ELLIPSIS.split(fold_quotes(quote))]
    return tuple(" ".join(p.strip(" ,;").rstrip(".").split()) for p in pieces if p.strip(" ,;."))


def find_quotation(quote: str, folded_text: str) -> int | None:
    """Where ``quote`` starts in ``folded_text`` (a text through ``fold_quotes``), else None.

    The pieces are looked up with ``str.find`` first (the notes usually space words singly);
    only when that fails is the ``quotation_pattern`` regex run."""
    pieces = quotation_pieces(quote)
    if not pieces:
        return None
    at = -1
    first = -1
    for piece in pieces:
        variants = {piece, piece[0].swapcase() + piece[1:]}
        hits = [h for h in (folded_text.find(v, at + 1) for v in variants) if h >= 0]
        if not hits or (at >= 0 and min(hits) - at > 2000 + len(piece)):
            break
        at = min(hits) + len(piece) - 1
        first = min(hits) if first < 0 else first
    else:
        return first
    pattern = quotation_pattern(quote)
    m = pattern.search(folded_text) if pattern else None
    return m.start() if m else None


@lru_cache(maxsize=4096)
def quotation_pattern(quote: str) -> re.Pattern[str] | None:
    """A regex that finds ``quote`` in folded notes: exact words in order, any whitespace
    between them, an ellipsis ("...", "…", "[...]") standing for up to 2,000 left-out
    characters, and the first letter of each piece in either case (quotes start mid-sentence).
    None when nothing but ellipses is quoted."""
    pieces = [p.strip() for p in _ELLIPSIS.split(fold_quotes(quote))]
    pieces = [p.strip(" ,;").rstrip(".") for p in pieces if p.strip(" ,;.")]
    if not pieces:
        return None
    parts = []
    for piece in pieces:
        words = piece.split()
        escaped = [re.escape(w) for w in words]
        if words[0][0].isalpha():
            escaped[0] = f"(?i:{re.escape(words[0][0])})" + re.escape(words[0][1:])
        parts.append(r"\s+".join(escaped))
    return re.compile(r"[\s\S]{0,2000}?".join(parts))
