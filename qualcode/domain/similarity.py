"""Likely duplicate code names: normalisation, pair scores and clusters that do not chain.

Researchers write the same code many ways: "Visa-free regime" / "visa free regimes",
"Lack of documents" / "documents, lack of", "Регистрация мигрантов" / "регистрация мигранта",
"Еңбек көші-қоны" / "еңбек көші қон", a typo, a Latin "o" inside a Cyrillic word, "ё" for "е".

``normalise_name`` turns a name into content tokens (case folded, punctuation and hyphens
split, Cyrillic/Latin lookalikes unified, ё → е, Kazakh letters folded as a Russian keyboard
types them, light suffix stripping for English, Russian and Kazakh, function words dropped).
``pair_score`` aligns the tokens of two names (so word order does not matter) and scores the
aligned strings with rapidfuzz's normalised Indel similarity (0-100), capped by the least
alike pair of facing words, so a typo costs little and a different word a lot. Names whose
numbers differ ("Quotas 12" / "Quotas 13") and words that negate each other ("skilled" /
"unskilled", "законная" / "незаконная") never match.

``find_clusters`` never compares all pairs: candidates are names that share a blocking key
(see ``_blocking_keys``: the words up to one typo, in the manner of SymSpell's deletion
neighbourhood). Candidate pairs at or above the threshold are grouped by complete linkage:
two groups join only if every pair across them scores at or above the threshold, so
"A ~ B ~ C" never pulls in a C unlike A. The threshold (88) was tuned on the labelled pairs
in ``tests/data/code_pairs.csv``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

DEFAULT_THRESHOLD = 88.0
_PREFIX = 4

# Latin letters that look like Cyrillic ones, and back (a mixed-script token is read in the
# script most of its letters are in).
_LATIN_TO_CYRILLIC = str.maketrans("aceopxykmthbi", "асеорхукмтнві")
_CYRILLIC_TO_LATIN = str.maketrans("асеорхукмтнві", "aceopxykmthbi")
# Kazakh typed on a Russian keyboard: ә→а, ғ→г, қ→к, ң→н, ө→о, ұ ү→у, һ→х, і→и.
_KAZAKH_FOLD = str.maketrans("әғқңөұүһі", "агкноуухи")
_KAZAKH_LETTERS = frozenset("әғқңөұүһі")

_EN_STOP = frozenset(
    "a an the of in on at to for with by from and or as about into over under its their is are".split()
)
_RU_STOP = frozenset("и в во на с со к ко по о об от до для из за при без как или а".split())
_KK_STOP = frozenset("және мен бен пен үшін туралы".split())
_STOP = _EN_STOP | _RU_STOP | _KK_STOP

_RU_ENDINGS = sorted(
    (
        "иями ями ами иях ией ого его ому ему ыми ими ых их ая яя ое ее ые ие ый ий ой ей ом ем ам ям "
        "ах ях ов ев ую юю ия ии ию ья ье ьи ью а я о е ы и у ю ь й"
    ).split(),
    key=len,
    reverse=True,
)
# Kazakh suffixes by slot, outermost first: case, then possessive, then plural (a word is
# root + plural + possessive + case). Folded to Russian letters, as words are when they are cut.


def _slot(words: str) -> tuple[str, ...]:
    return tuple(sorted({w.translate(_KAZAKH_FOLD) for w in words.split()}, key=len, reverse=True))


# A word without Kazakh letters still reads as Kazakh when it ends in a plural, or a vowel and
# a possessive or a three-letter case suffix ("квоталары", "интеграциясы", "бюрократиядан").
_KAZAKH_ENDING = re.compile(
    "(?:лар|лер|дар|дер|тар|тер)(?:ы|и|сы|си)?(?:ды|ди|ты|ти|ны|ни|дын|дин|тын|тин|нын|нин|га|ге|ка|ке|да|де|та|те|дан|ден|тан|тен)?$"
    "|[аеиоуыэюя](?:сы|си|дан|ден|тан|тен|нан|нен|нын|нин|дын|дин|тын|тин|нда|нде)$"
)
_KK_SLOTS = (
    _slot(
        "ның нің дың дің тың тің ға ге қа ке на не да де та те нда нде дан ден тан тен нан нен "
        "ды ді ты ті ны ні ын ін мен бен пен"
    ),
    _slot("сы сі ы і"),
    _slot("лар лер дар дер тар тер"),
)
_EN_SPELLING = (
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("our", "or"),
)

# English, Russian negating prefixes, and im-/e-/э- that turn migration into immigration and
# emigration; Kazakh "-сыз/-сіз" (without), folded.
_NEGATING_PREFIXES = frozenset("un in il ir im non dis e не без бес э".split())
_NEGATING_SUFFIXES = ("сыз", "сиз")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_DIGITS = re.compile(r"\d+")


def _fix_script(token: str) -> str:
    cyr = len(_CYRILLIC.findall(token))
    lat = len(_LATIN.findall(token))
    if cyr and lat:
        return token.translate(_LATIN_TO_CYRILLIC if cyr >= lat else _CYRILLIC_TO_LATIN)
    return token


def _stem_english(token: str) -> str:
    for british, american in _EN_SPELLING:
        if token.endswith(british) and len(token) > len(british) + 2:
            token = token[: -len(british)] + american
            break
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("sses", "shes", "ches", "xes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("ed") and not token.endswith("eed"):
        return token[:-2]
    return token


def _strip_russian(token: str) -> str:
    for ending in _RU_ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= 3:
            return token[: -len(ending)]
    return token


def _strip_kazakh(token: str) -> str:
    for slot in _KK_SLOTS:
        for suffix in slot:
            # Two letters may stay: "үйлер" -> "үй" (house).
            if token.endswith(suffix) and len(token) - len(suffix) >= 2:
                token = token[: -len(suffix)]
                break
    return token


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    if token.isdigit():
        return token
    if _CYRILLIC.search(token):
        # Folded first, so a Kazakh word typed on a Russian keyboard stems like the original.
        # Kazakh suffixes only on words that look Kazakh: Russian words ending in "-та" or
        # "-мен" are not Kazakh case forms.
        kazakh = bool(_KAZAKH_LETTERS.intersection(token))
        token = token.translate(_KAZAKH_FOLD)
        if kazakh or _KAZAKH_ENDING.search(token):
            token = _strip_kazakh(token)
        return _strip_russian(token)
    if token.isascii():
        return _stem_english(token)
    return token


def _typed_function_words() -> frozenset[str]:
    """English function words as typos make them: a letter dropped ("o", "wth"), doubled
    ("off", "wwith") or swapped ("ni", "ofr"). Only these forms, so that real words one edit
    away ("aid", "end", "own") stay content words; "no" is a word of its own."""
    forms: set[str] = set()
    for word in _EN_STOP:
        for i in range(len(word)):
            forms.add(word[:i] + word[i + 1 :])
            forms.add(word[:i] + word[i] + word[i:])
            if i + 1 < len(word):
                forms.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return frozenset(forms - _EN_STOP - {"", "no"})


_TYPED_STOP = _typed_function_words()


def content_tokens(name: str) -> tuple[str, ...]:
    """A code name's words, folded, without function words (unless it has nothing else)."""
    raw = [_fix_script(t) for t in _TOKEN.findall(_fold(name))]
    content = [t for t in raw if t not in _STOP and t not in _TYPED_STOP]
    return tuple(content or raw)


def normalise_name(name: str) -> tuple[str, ...]:
    """A code name as stemmed content tokens: ``"Visa-free Regimes"`` -> ``("visa", "free", "regime")``."""
    return tuple(_stem(t) for t in content_tokens(name))


def _numbers(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(_DIGITS.findall(" ".join(tokens))))


def _opposed(x: str, y: str) -> bool:
    """One word is the other negated: "skilled"/"unskilled", "законная"/"незаконная",
    "визовый"/"безвизовый", "заңды"/"заңсыз" (-сыз: without)."""
    if len(x) < len(y):
        x, y = y, x
    if len(y) < 3:
        return False
    if x.endswith(y) and x[: len(x) - len(y)] in _NEGATING_PREFIXES:
        return True
    stem = y[:-2] if len(y) > 4 else y  # "заңды" / "заңсыз": compare the shared root
    return any(x == stem + suffix or x.startswith(stem + suffix) for suffix in _NEGATING_SUFFIXES)


def _token_likeness(x: str, y: str) -> float:
    return 0.0 if _opposed(x, y) else Indel.normalized_similarity(x, y)


def _align(a: Sequence[str], b: Sequence[str]) -> tuple[list[str], list[str], float]:
    """Order both token lists so that the most alike tokens face each other (greedy).

    Also returns the likeness (0-1) of the least alike facing pair; a token left without a
    partner counts as 0.
    """
    pairs = sorted(
        ((_token_likeness(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    left: list[str] = []
    right: list[str] = []
    worst = 1.0
    for score, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        left.append(a[i])
        right.append(b[j])
        worst = min(worst, score)
    if len(used_a) < len(a) or len(used_b) < len(b):
        worst = 0.0
    left += [t for i, t in enumerate(a) if i not in used_a]
    right += [t for j, t in enumerate(b) if j not in used_b]
    return left, right, worst


@dataclass(frozen=True)
class NameKey:
    """What names are compared by: stemmed and unstemmed content tokens, the bare letters."""

    tokens: tuple[str, ...]
    words: tuple[str, ...]
    squeezed: str


def squeeze(name: str) -> str:
    """The name's letters and digits only, in order: "Lac kof wages" and "Lack of wages" agree."""
    return "".join(_TOKEN.findall(_fold(name)))


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")


@lru_cache(maxsize=200_000)
def name_key(name: str) -> NameKey:
    words = content_tokens(name)
    return NameKey(tuple(_stem(t) for t in words), words, squeeze(name))


def _tokens_score(a: Sequence[str], b: Sequence[str]) -> float:
    if sorted(a) == sorted(b):
        return 100.0
    left, right, worst = _align(a, b)
    # Joined without spaces so a split or joined word costs one edit, not a token.
    whole = 100.0 * Indel.normalized_similarity("".join(left), "".join(right))
    # A word with no like partner ("квоты" facing "отток", or a word only one name has) makes
    # them different codes however long the shared words are.
    return min(whole, 60.0 + 40.0 * worst)


def key_score(a: NameKey, b: NameKey) -> float:
    """0-100 likeness of two names' keys (see the module docstring)."""
    if _numbers(a.tokens) != _numbers(b.tokens):
        return 0.0
    if a.squeezed == b.squeezed:
        return 100.0
    # Stemming can cut two forms apart ("salaries"/"salarise" -> "salary"/"salarize"): the
    # better of the stemmed and the unstemmed comparison counts.
    return max(_tokens_score(a.tokens, b.tokens), _tokens_score(a.words, b.words))


def pair_score(a: str, b: str) -> float:
    """0-100 likeness of two code names: 100 when they normalise to the same tokens."""
    return key_score(name_key(a), name_key(b))


@dataclass(frozen=True)
class Cluster:
    """Likely duplicates: ``codes`` (the suggested survivor first), and the weakest pair."""

    codes: tuple[str, ...]
    suggested: str
    min_score: float


@lru_cache(maxsize=50_000)
def _deletions(token: str) -> tuple[str, ...]:
    return tuple({token[:i] + token[i + 1 :] for i in range(len(token))})


def _blocking_keys(key: NameKey) -> set[int]:
    """Names sharing a key are scored; the keys stand for "the same words up to one typo".

    Per stemmed word: the other words plus this word, and plus each one-letter deletion of it
    (SymSpell's deletion neighbourhood), so one changed, dropped, doubled or swapped letter in
    one word still meets, in any word order. Also the bare letters in order and each one-letter
    deletion of them (a space typed in the wrong place, a typo the stemmer cut differently, two
    typos that a deletion on each side undoes), the unstemmed words, and the stems cut to four
    letters (forms the stemmer left apart).
    """
    keys = {hash(("^", *sorted(t[:_PREFIX] for t in key.tokens)))}
    bare = key.squeezed
    keys.add(hash(("~", bare)))
    keys.update(hash(("~", bare[:i] + bare[i + 1 :])) for i in range(len(bare)))
    keys.add(hash(("w", *sorted(key.words))))
    ordered = sorted(key.tokens)
    for i, token in enumerate(ordered):
        rest = " ".join(ordered[:i] + ordered[i + 1 :]) + "\x1f"
        keys.add(hash(rest + token))
        if len(token) >= 3:
            keys.update(hash(rest + variant) for variant in _deletions(token))
    return keys


def candidate_pairs(keys: Sequence[NameKey]) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share a blocking key; never all pairs."""
    # Most keys belong to one name only: such a bucket holds the bare index, and becomes a
    # list at its second member (a list per key would double the memory at 20,000 names).
    buckets: dict[int, int | list[int]] = {}
    for index, key in enumerate(keys):
        if not key.tokens:
            continue
        for block in _blocking_keys(key):
            held = buckets.get(block)
            if held is None:
                buckets[block] = index
            elif isinstance(held, int):
                buckets[block] = [held, index]
            else:
                held.append(index)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if isinstance(members, int):
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return pairs


def find_clusters(
    names: Sequence[str],
    *,
    counts: Mapping[str, int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Cluster]:
    """Groups of likely duplicate names, each with every pair at or above ``threshold``.

    The suggested survivor is the name with most codings (``counts``), then the shortest, then
    the first alphabetically. Clusters come out largest first, then by their survivor.
    """
    counts = counts or {}
    keys = [name_key(n) for n in names]
    scored: dict[tuple[int, int], float] = {}
    for i, j in candidate_pairs(keys):
        score = key_score(keys[i], keys[j])
        if score >= threshold:
            scored[(i, j)] = score

    def score_of(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        found = scored.get(key)
        if found is None:
            found = key_score(keys[key[0]], keys[key[1]])
            scored[key] = found
        return found

    # Complete linkage, strongest pairs first.
    group_of: dict[int, list[int]] = {}
    for (i, j), score in sorted(scored.items(), key=lambda item: (-item[1], item[0])):
        if score < threshold:
            continue
        gi = group_of.get(i, [i])
        gj = group_of.get(j, [j])
        if gi is gj:
            continue
        if all(score_of(x, y) >= threshold for x in gi for y in gj):
            merged = gi + gj
            for member in merged:
                group_of[member] = merged

    clusters: list[Cluster] = []
    seen: set[int] = set()
    for members in group_of.values():
        if id(members) in seen:
            continue
        seen.add(id(members))
        member_names = [names[m] for m in members]
        ranked = sorted(member_names, key=lambda n: (-counts.get(n, 0), len(n), n))
        low = min(score_of(x, y) for k, x in enumerate(members) for y in members[k + 1 :])
        clusters.append(Cluster(tuple(ranked), ranked[0], round(low, 1)))
    clusters.sort(key=lambda c: (-len(c.codes), c.suggested))
    return clusters


# ---------------------------------------------------------------- weaker kinds: subsets, glossary

# A word that stands for a place or a number keeps two names apart ("Приток мигрантов" /
# "Приток мигрантов из Узбекистана", "Рынок труда" / "Рынок труда 2"): such codes are kept
# apart on purpose, per place or per item.
_MAX_ADDED_WORDS = 3


@dataclass(frozen=True)
class WeakPair:
    """A pair that may be one code, of a weaker kind than a spelling duplicate.

    ``kind`` is ``subset`` (``longer`` is ``shorter`` with ``added`` words) or ``glossary``
    (the names translate into each other through the team glossary, ``via`` the entries used).
    """

    kind: str
    shorter: str
    longer: str
    added: tuple[str, ...] = ()
    via: tuple[str, ...] = ()


@lru_cache(maxsize=200_000)
def _written(name: str) -> tuple[tuple[str, str], ...]:
    """The name's words as written, each with its stem."""
    return tuple(
        (w, _stem(_fix_script(_fold(w)))) for w in _TOKEN.findall(unicodedata.normalize("NFKC", name))
    )


@lru_cache(maxsize=200_000)
def _hyphen_stems(name: str) -> frozenset[str]:
    """Stems of the words that are halves of a hyphenated compound ("Visa-free", "e-government")."""
    found: set[str] = set()
    for compound in re.findall(r"[^\W_]+(?:-[^\W_]+)+", unicodedata.normalize("NFKC", name)):
        found.update(_stem(_fix_script(p)) for p in _fold(compound).split("-"))
    return frozenset(found)


def _held_apart_word(name: str, word: str) -> bool:
    """An added word that names a place or a number: capitalised inside the name (a proper
    noun: "Uzbekistan", "Узбекистана"), or digits."""
    if any(ch.isdigit() for ch in word):
        return True
    return any(stem == word and i > 0 and w[:1].isupper() for i, (w, stem) in enumerate(_written(name)))


def subset_pair(a: str, b: str) -> WeakPair | None:
    """``a`` and ``b`` when one is the other with up to three content words added (the shorter
    name's word stems all stand in the longer one), and no added word is a place, a number,
    half of a hyphenated compound, or a negation of a shared word. Typos are the spelling
    clusters' business, not this weaker kind's."""
    ka, kb = name_key(a), name_key(b)
    if len(ka.tokens) > len(kb.tokens):
        a, b, ka, kb = b, a, kb, ka
    small, large = ka.tokens, kb.tokens
    if not small or len(small) == len(large) or len(large) - len(small) > _MAX_ADDED_WORDS:
        return None
    remaining = list(large)
    for token in small:
        if token not in remaining:
            return None
        remaining.remove(token)
    added = tuple(remaining)
    for word in added:
        if len(word) < 2 or _held_apart_word(b, word) or word in _hyphen_stems(b):
            return None
        if any(_opposed(word, t) for t in small):
            return None
    written = tuple(w for w, stem in _written(b) if stem in added)
    return WeakPair("subset", a, b, written or added)


def find_subset_pairs(names: Sequence[str], *, limit_per_name: int = 20) -> list[WeakPair]:
    """Every subset pair among ``names`` (see ``subset_pair``); candidates share all the
    shorter name's words (exact stems: an index lookup, never all pairs). A name that is the
    shorter side of more than ``limit_per_name`` pairs ("Migration") is too general to suggest
    and is left out."""
    keys = [name_key(n) for n in names]
    postings: dict[str, set[int]] = {}
    for index, key in enumerate(keys):
        for token in set(key.tokens):
            postings.setdefault(token, set()).add(index)
    out: list[WeakPair] = []
    for index, key in enumerate(keys):
        if not key.tokens:
            continue
        lists = sorted((postings[t] for t in set(key.tokens)), key=len)
        candidates = set(lists[0]).intersection(*lists[1:])
        found = []
        for other in candidates:
            extra = len(keys[other].tokens) - len(key.tokens)
            if other == index or not 0 < extra <= _MAX_ADDED_WORDS:
                continue
            pair = subset_pair(names[index], names[other])
            if pair is not None and pair.shorter == names[index]:
                found.append(pair)
        if len(found) <= limit_per_name:
            out += found
    out.sort(key=lambda p: (p.shorter.casefold(), p.longer.casefold()))
    return out


def glossary_key(name: str) -> tuple[str, ...]:
    """A glossary term as the stemmed tokens names are compared by."""
    return tuple(sorted(normalise_name(name)))


def find_glossary_pairs(names: Sequence[str], glossary: Sequence[tuple[str, str]]) -> list[WeakPair]:
    """Pairs of names that translate into each other through the glossary: each entry's
    words, where a name holds all of them, are replaced by the other term's words (either
    way); the names pair when what is left is the same words (after stemming)."""
    entries = []
    for x, y in glossary:
        kx, ky = glossary_key(x), glossary_key(y)
        if kx and ky:
            entries.append((kx, ky, f"{x} = {y}"))
            entries.append((ky, kx, f"{x} = {y}"))
    by_key: dict[tuple[str, ...], list[int]] = {}
    keys = [glossary_key(n) for n in names]
    for index, key in enumerate(keys):
        by_key.setdefault(key, []).append(index)
    seen: set[tuple[int, int]] = set()
    out: list[WeakPair] = []
    for index, key in enumerate(keys):
        tokens = list(key)
        used: list[str] = []
        changed = False
        for source, target, label in entries:
            if all(tokens.count(t) >= source.count(t) for t in set(source)) and not (
                set(source) <= set(target)
            ):
                for t in source:
                    tokens.remove(t)
                tokens += list(target)
                used.append(label)
                changed = True
        if not changed:
            continue
        for other in by_key.get(tuple(sorted(tokens)), []):
            pair = (min(index, other), max(index, other))
            if other == index or pair in seen or keys[other] == key:
                continue
            seen.add(pair)
            first, second = sorted((names[index], names[other]), key=lambda n: (len(n), n))
            out.append(WeakPair("glossary", first, second, via=tuple(dict.fromkeys(used))))
    out.sort(key=lambda p: (p.shorter.casefold(), p.longer.casefold()))
    return out
