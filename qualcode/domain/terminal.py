"""Text shown on a terminal: control and escape characters made visible, never obeyed.

A code name, a document title or a line of interview text can hold an escape sequence (pasted
from a terminal, or planted): printed raw, ``ESC [ 2 J`` clears the researcher's screen, an OSC
sequence retitles the window or writes a link, a carriage return hides what came before it, and
bidirectional overrides reorder what is read ("Trojan Source", CVE-2021-42574). ``visible``
replaces each such character with its escape (``\\x1b``, ``\\r``, ``\\u202e``); new lines and tabs
stay as they are unless ``keep_newlines`` is false.
"""

from __future__ import annotations

import re

# C0 controls but tab and new line, DEL, C1 controls; bidirectional embeddings, overrides and
# isolates; the line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch == "\r":
        return "\\r"
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every control, escape and bidirectional-override character shown escaped."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_ALL
    return pattern.sub(_escape, text) if pattern.search(text) else text
