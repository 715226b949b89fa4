"""Words of interview text: matching as search does (case-insensitive, е = ё), word tokens,
stop words, stems, and keywords in context. Pure functions over strings and offsets.

Offsets stay Python ``str`` indices into the original text: ``fold_yo`` swaps ё for е letter
for letter (one character for one), so a match found in the folded text has the same span in
the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from qualcode.domain.errors import QualcodeError

# A word: letters and digits, with inner hyphens or apostrophes ("көші-қон", "don't").
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def fold_yo(text: str) -> str:
    """ё → е and Ё → Е, one character for one (offsets are unchanged)."""
    # Two str.replace calls are ~20x faster than str.translate on long texts.
    return text.replace("ё", "е").replace("Ё", "Е") if "ё" in text or "Ё" in text else text


def text_pattern(text: str, *, whole_word: bool = False) -> re.Pattern[str]:
    """A pattern for literal ``text`` over ``fold_yo``-ed text, case-insensitive; with
    ``whole_word`` it must not start or end inside a word."""
    text = text.strip()
    if not text:
        raise QualcodeError("the text to look for is empty")
    body = re.escape(fold_yo(text))
    if whole_word:
        body = rf"(?<![^\W_]){body}(?![^\W_])"
    return re.compile(body, re.IGNORECASE)


def regex_pattern(regex: str, *, whole_word: bool = False) -> re.Pattern[str]:
    """A researcher's regular expression over ``fold_yo``-ed text, case-insensitive; a bad one
    is a ``QualcodeError`` naming where it fails."""
    if not regex:
        raise QualcodeError("the regular expression is empty")
    body = fold_yo(regex)
    if whole_word:
        body = rf"(?<![^\W_])(?:{body})(?![^\W_])"
    try:
        pattern = re.compile(body, re.IGNORECASE)
    except re.error as exc:
        where = f" at character {exc.pos + 1}" if exc.pos is not None else ""
        raise QualcodeError(f"not a valid regular expression{where}: {exc.msg}", source="--regex") from exc
    if pattern.match(""):
        raise QualcodeError(
            "the regular expression matches empty text; it would code nothing", source="--regex"
        )
    return pattern


def find_matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Every non-empty match of ``pattern`` in ``text`` (folded first) as [start, end) spans."""
    return [m.span() for m in pattern.finditer(fold_yo(text)) if m.end() > m.start()]


def words_of(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of the words of a text."""
    return [m.span() for m in WORD.finditer(text)]


# --- stop words and stems -----------------------------------------------------------------------

# Function words only (articles, pronouns, prepositions, conjunctions, auxiliaries, particles):
# never content a researcher would look for.
STOPWORDS = {
    "en": frozenset(
        """a about above after again against all am an and any are as at be because been before being
        below between both but by can could did do does doing down during each few for from further had
        has have having he her here hers herself him himself his how i if in into is it its itself just
        me more most my myself no nor not now of off on once only or other our ours ourselves out over
        own same she should so some such than that the their theirs them themselves then there these they
        this those through to too under until up very was we were what when where which while who whom
        why will with would you your yours yourself yourselves also yes well like really""".split()
    ),
    "ru": frozenset(
        """и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
        ее её мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни
        быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть
        надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто
        этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее неё сейчас были
        куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас
        про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
        нельзя такой им более всегда конечно всю между это также очень""".split()
    ),
    "kk": frozenset(
        """және мен бен пен да де та те ал бірақ немесе әрі үшін туралы сияқты арқылы бойынша дейін
        кейін соң бұл осы сол ол олар біз сіз сен мен менің біздің оның олардың не неге қалай қашан
        қайда кім ма ме ба бе па пе ғой қой ғана қана тек әр барлық бар жоқ емес еді екен болды болып
        болады өте тағы енді""".split()
    ),
}


def read_stopwords(spec: str, *, read_file: object = None) -> frozenset[str]:
    """Stop words for ``spec``: language codes joined by commas (en, ru, kk), or a file path of
    one word a line (read with ``read_file``, a callable taking the path and returning text)."""
    words: set[str] = set()
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.lower() in STOPWORDS:
            words |= STOPWORDS[part.lower()]
        elif callable(read_file):
            text = read_file(part)
            words |= {fold_yo(w.strip().casefold()) for w in str(text).splitlines() if w.strip()}
        else:
            raise QualcodeError(f"no stop-word list {part!r}: give en, ru, kk or a file")
    return frozenset(fold_yo(w.casefold()) for w in words)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KAZAKH_LETTERS = frozenset("әғқңөұүһі")


@lru_cache(maxsize=1)
def _stemmers() -> tuple[object, object]:
    import snowballstemmer

    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A folded word's stem: Snowball (Porter's algorithms, snowballstem.org) for Russian and
    English; a Kazakh word (one with a Kazakh letter or ending) loses its case, possessive and
    plural suffixes by the rules of ``qualcode.domain.similarity``. Other scripts stay as they are."""
    from qualcode.domain.similarity import _KAZAKH_ENDING, _KAZAKH_FOLD, _strip_kazakh

    russian, english = _stemmers()
    if _CYRILLIC.search(word):
        if _KAZAKH_LETTERS.intersection(word) or _KAZAKH_ENDING.search(word.translate(_KAZAKH_FOLD)):
            return _strip_kazakh(word.translate(_KAZAKH_FOLD))
        return str(russian.stemWord(word))  # type: ignore[attr-defined]
    if word.isascii():
        return str(english.stemWord(word))  # type: ignore[attr-defined]
    return word


def word_keys(text: str, *, stopwords: frozenset[str] = frozenset(), stemmed: bool = False) -> list[str]:
    """The words of ``text`` as counted: case-folded, ё as е, stop words dropped, stemmed if asked.
    Numbers alone are not words."""
    words = [w for w in WORD.findall(fold_yo(text.casefold())) if w not in stopwords and not w.isdigit()]
    return [stem(w) for w in words] if stemmed else words


@dataclass(frozen=True)
class Context:
    """One keyword in context: the words before, the keyword as written, the words after."""

    start: int
    end: int
    left: str
    keyword: str
    right: str


def keyword_in_context(text: str, spans: Iterable[tuple[int, int]], *, width: int) -> list[Context]:
    """Each span with up to ``width`` characters either side, on one line (line breaks as spaces),
    cut at a word boundary where one is near."""
    out = []
    for a, b in spans:
        left = text[max(0, a - width) : a]
        right = text[b : b + width]
        if a - width > 0 and (cut := _SPACE.search(left)):
            left = left[cut.end() :]  # start at a whole word
        if b + width < len(text) and (cuts := list(_SPACE.finditer(right))):
            right = right[: cuts[-1].start()]
        out.append(Context(a, b, _flat(left), text[a:b], _flat(right)))
    return out


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return " ".join(text.split()) if text.strip() else ""


def top(counts: dict[str, int], n: int | None) -> list[tuple[str, int]]:
    """The ``n`` most frequent words, ties in alphabetical order (so every run lists the same)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked if n is None else ranked[:n]


# --- in-vivo code names -------------------------------------------------------------------------

# An in-vivo code is named with the participant's own words; a name longer than this is a
# passage, not a label (a codebook cell, a matrix row and the picker show about this much).
MAX_IN_VIVO = 100
# Same bound as the workbench picker's near-name warning (rapidfuzz ratio on case-folded names).
NEAR_NAME_SCORE = 85.0
_EDGE = "\"'«»“”„‘’()[]{}.,;:!?…-–— \t\n"


def in_vivo_name(selected: str) -> str:
    """The code name a selection gives: its words on one line, without the quotes and
    punctuation around them. Refuses an empty or over-long one (``MAX_IN_VIVO`` characters)."""
    name = " ".join(selected.split()).strip(_EDGE)
    if not name:
        raise QualcodeError("the selection has no words to name a code with")
    if len(name) > MAX_IN_VIVO:
        raise QualcodeError(
            f"the selection is {len(name)} characters; an in-vivo code name is at most {MAX_IN_VIVO}: "
            "select fewer words, or name the code yourself"
        )
    return name


def near_name(name: str, names: Sequence[str], *, score: float = NEAR_NAME_SCORE) -> tuple[str, float] | None:
    """The existing name closest to ``name`` (case-folded rapidfuzz ratio, 0-100) when it is at
    least ``score`` and not the same name; None otherwise."""
    from rapidfuzz import fuzz, process

    folded = [n.casefold() for n in names]
    q = name.strip().casefold()
    best = process.extractOne(q, folded, scorer=fuzz.ratio, processor=None, score_cutoff=score)
    if best is None or best[0] == q:
        return None
    return names[best[2]], float(best[1])
