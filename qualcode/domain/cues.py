"""Where an excerpt of a transcript is in the recording: the times of the cues it covers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cue_times(cues: Sequence[Sequence[Any]], start: int, end: int) -> tuple[str, str] | None:
    """(from, to) of the span [start, end) of a transcript, or None when no cue covers it.

    ``cues`` is a transcript document's ``meta["cues"]``: ``[start, end, from, to]`` per cue in
    text order (times as ``HH:MM:SS.mmm``). ``from`` is the start of the first cue the span
    touches, ``to`` the end of the last.
    """
    touched = [c for c in cues if c[0] < end and start < c[1]]
    if not touched:
        return None
    return str(touched[0][2]), str(touched[-1][3])
