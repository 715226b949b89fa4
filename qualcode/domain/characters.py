"""Characters that XML (and so .xlsx, .docx, .qdpx) cannot hold, replaced once at import.

A PDF-to-text tool leaves form feeds between pages and Word exports a manual line break as a
vertical tab; XML 1.0 forbids both (and the other C0 control characters, U+FFFE, U+FFFF and
lone surrogates), so an exporter that meets one fails. Importers replace each with one
character — offsets into the text stay valid — and say how many they replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A page or line break stays a break; anything else becomes the replacement character.
LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n"}
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Replaced:
    """What ``replace_forbidden`` changed: how many characters, and the first one's place."""

    count: int
    first_line: int | None  # 1-based line of the first replaced character
    kinds: tuple[str, ...]  # e.g. ("U+000C form feed",)

    def message(self) -> str:
        """``replaced 2 characters that XML cannot hold (U+000C form feed), first on line 3``."""
        if not self.count:
            return ""
        return (
            f"replaced {self.count} character(s) that XML cannot hold ({', '.join(self.kinds)}), "
            f"first on line {self.first_line}"
        )


_NAMES = {"\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL"}


def replace_forbidden(text: str) -> tuple[str, Replaced]:
    """``text`` with every XML-forbidden character replaced one for one (offsets unchanged):
    a vertical tab or form feed by a line break, anything else by U+FFFD; and what was done."""
    found = FORBIDDEN.search(text)
    if found is None:
        return text, Replaced(0, None, ())
    kinds: list[str] = []
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        ch = m.group()
        count += 1
        kind = f"U+{ord(ch):04X}" + (f" {_NAMES[ch]}" if ch in _NAMES else "")
        if kind not in kinds:
            kinds.append(kind)
        return LINE_BREAKS.get(ch, REPLACEMENT)

    cleaned = FORBIDDEN.sub(swap, text)
    line = text.count("\n", 0, found.start()) + 1
    return cleaned, Replaced(count, line, tuple(kinds))


def xml_safe(text: str) -> str:
    """``text`` with XML-forbidden characters replaced (for exporters: they refuse nothing)."""
    return text if FORBIDDEN.search(text) is None else replace_forbidden(text)[0]


def clean_name(name: str) -> str:
    """A code, theme or participant name with XML-forbidden characters made spaces (a name
    never holds a line break) or U+FFFD, and the spaces around them collapsed."""
    if FORBIDDEN.search(name) is None:
        return name
    cleaned, _ = replace_forbidden(name)
    return " ".join(cleaned.replace("\n", " ").split())
