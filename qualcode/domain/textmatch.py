"""The same interview saved twice: texts equal up to line endings, a BOM and trailing spaces.

``merge-study`` matches documents by ``normalised`` text and carries offsets from one copy to
the other with ``OffsetMap``, so a coding lands on the same words in the copy it is merged into.
"""

from __future__ import annotations

import bisect


def _kept(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, its index in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\ufeff" and i == 0:
            continue
        if ch == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                continue
            ch = "\n"
        if ch == "\n":
            while chars and chars[-1] in " \t":  # trailing white space of a line
                chars.pop()
                where.pop()
        chars.append(ch)
        where.append(i)
    while chars and chars[-1] in " \t\n":
        chars.pop()
        where.pop()
    return "".join(chars), where


def normalised(text: str) -> str:
    """``text`` with ``\\r\\n`` and ``\\r`` as ``\\n``, no leading BOM, no white space at line ends
    or at the end."""
    return _kept(text)[0]


class OffsetMap:
    """Character offsets of one text carried to another with the same normalised text."""

    def __init__(self, source: str, target: str):
        src_norm, self._src = _kept(source)
        dst_norm, self._dst = _kept(target)
        if src_norm != dst_norm:
            raise ValueError("the texts differ beyond line endings, a BOM and trailing spaces")
        self._target_length = len(target)

    def start(self, offset: int) -> int:
        """Where a span starting at ``offset`` in the source starts in the target."""
        n = bisect.bisect_left(self._src, offset)
        return self._dst[n] if n < len(self._dst) else self._target_length

    def end(self, offset: int) -> int:
        """Where a span ending (exclusive) at ``offset`` in the source ends in the target."""
        n = bisect.bisect_left(self._src, offset)
        return self._dst[n - 1] + 1 if n > 0 else 0
