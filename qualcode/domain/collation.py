"""Sorting text as a reader of the study's language expects: ICU collation.

Code point order puts Ё after Я and the Kazakh letters (Ә Ғ Қ Ң Ө Ұ Ү Һ І) after every Russian
one; plain DUCET (pyuca) puts Ү before Ұ and І right after Ж. ICU's CLDR tailorings get both
right: Kazakh order is А Ә Б В Г Ғ Д Е Ё Ж … К Қ … Н Ң О Ө … У Ұ Ү … Х Һ … І …, and it orders
Russian text exactly as Russian order does (Е, Ё, Ж …), so it is the default for any study that
holds Cyrillic text. Numbers inside text compare by value ("P2" before "P10").

The binding is PyICU, installed from the ``pyicu-wheels`` distribution (ICU built in, wheels for
Linux, macOS and Windows): a maintained library beats a hand-made alphabet table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import icu

ROOT = "und"  # ICU's root collation: the Unicode default order, for studies without Cyrillic
KAZAKH = "kk"
_CYRILLIC = re.compile("[\u0400-\u04ff]")

SortKey = Callable[[str], bytes]


def has_cyrillic(texts: Iterable[str | None]) -> bool:
    """True when any of ``texts`` holds a Cyrillic letter."""
    return any(t and _CYRILLIC.search(t) for t in texts)


def default_language(texts: Iterable[str | None]) -> str:
    """The collation a study gets when none is set: Kazakh when it holds Cyrillic, else root."""
    return KAZAKH if has_cyrillic(texts) else ROOT


@lru_cache(maxsize=16)
def _collator(language: str) -> icu.Collator:
    collator = icu.Collator.createInstance(icu.Locale(language or ROOT))
    collator.setAttribute(icu.UCollAttribute.NUMERIC_COLLATION, icu.UCollAttributeValue.ON)
    return collator


def collation_key(language: str = KAZAKH) -> SortKey:
    """A sort key function for ``sorted(..., key=...)`` in ``language``'s order.

    ``language`` is an ICU locale name ("kk", "ru", "en", "und" for root). Keys are bytes:
    compare them, never show them. Case is a last-level difference ("aigerim" just before
    "Aigerim"), so ties between otherwise equal names still sort the same way every time.

    >>> sorted(["Ү", "Ұ", "І", "Ж", "Ә", "Б"], key=collation_key("kk"))
    ['Ә', 'Б', 'Ж', 'Ұ', 'Ү', 'І']
    """
    collator = _collator(language)
    get = collator.getSortKey

    def key(text: str) -> bytes:
        return bytes(get(text or ""))

    return key


def check_language(language: str) -> str:
    """``language`` if ICU knows it (an ICU locale name such as ``kk``, ``ru``, ``en``), else
    ValueError naming it."""
    language = language.strip()
    if not language:
        raise ValueError("a language needs a name such as kk, ru or en")
    known = set(icu.Collator.getAvailableLocales())
    if language != ROOT and language.replace("-", "_").split("_")[0] not in known:
        raise ValueError(f"ICU has no collation for {language!r}; try kk, ru, en or und")
    return language
