"""Coder names: one person, one coder, however the name was typed.

``coder_key`` is what two names must share to be one coder: Unicode NFKC (so a decomposed "й"
and a composed one match), case folded, runs of spaces collapsed. ``latin_form`` writes a name in
plain Latin letters (ICU's Any-Latin; Latin-ASCII transliteration) so that "Айгерим" and "Aigerim"
can be found close to each other; it is used for the near-name warning only, never to match.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import icu
from rapidfuzz import fuzz

NEAR = 85  # rapidfuzz ratio (0-100) of two names' Latin forms from which they are "close"


def coder_key(name: str) -> str:
    """The matching key of a coder name: NFKC, case folded, spaces collapsed.

    >>> coder_key("  AIGERIM ") == coder_key("aigerim")
    True
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def clean_name(name: str) -> str:
    """A name as it is stored and shown: NFC, spaces collapsed (case kept)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


@lru_cache(maxsize=1)
def _to_latin() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


def latin_form(name: str) -> str:
    """``name`` in lower-case ASCII Latin letters ("Айгерим" -> "ajgerim")."""
    # Kazakh Ә becomes Latin ə, which ASCII folding keeps: write it "a" as Kazakh Latin does.
    return coder_key(_to_latin().transliterate(coder_key(name)).replace("ə", "a"))


def close_names(name: str, others: list[str], *, near: int = NEAR) -> list[str]:
    """The names among ``others`` that look like ``name`` (another case, a typo, another script),
    most alike first; names with the same ``coder_key`` are not listed (they are the same)."""
    key, latin = coder_key(name), latin_form(name)
    scored = []
    for other in others:
        if coder_key(other) == key:
            continue
        score = fuzz.ratio(latin, latin_form(other))
        if score >= near:
            scored.append((-score, other))
    return [other for _, other in sorted(scored)]
