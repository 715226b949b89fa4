"""The reader's text: a document with coded spans coloured per code and one selection.

It renders only the lines on screen (Textual's line API), so a long transcript scrolls as fast
as a short one. It knows nothing of the database: the screen hands it a ``DocumentText``.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.services.workbench import CodingMark, DocumentText

# Background colours for codes without their own: dark enough for light text, far apart in hue.
PALETTE = (
    "#5f3f8f",
    "#2f6f4f",
    "#8f4f1f",
    "#1f5f8f",
    "#8f2f4f",
    "#4f6f1f",
    "#3f3f9f",
    "#6f5f1f",
    "#1f6f6f",
    "#7f1f1f",
    "#5f2f6f",
    "#2f4f6f",
)
SELECTION = Style(color="black", bgcolor="#e5c07b", bold=True)
_TOKEN = re.compile(r"\S+\s*|\s+")


def code_colour(code_id: int, colour: str = "") -> str:
    """A code's own colour, else a stable one from the palette."""
    return colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour or "") else PALETTE[code_id % len(PALETTE)]


def wrap_lines(text: str, width: int) -> list[tuple[int, int]]:
    """[start, end) of each screen line: paragraphs wrapped at word boundaries to ``width`` cells.

    Two paragraphs separated by a single line break (how .docx and .odt paragraphs are stored)
    get an empty screen line between them, as a word processor shows paragraph spacing; the
    text itself, and so every offset, is unchanged.
    """
    width = max(8, width)
    lines: list[tuple[int, int]] = []
    at = 0
    previous_empty = True
    for para in text.split("\n"):
        if not para:
            lines.append((at, at))
            at += 1
            previous_empty = True
            continue
        if not previous_empty:
            lines.append((at - 1, at - 1))  # the spacing line, on the line break itself
        previous_empty = False
        line_start = at
        used = 0
        pos = at
        for m in _TOKEN.finditer(para):
            token = m.group()
            word = token.rstrip()
            need = cell_len(word)
            if used and used + need > width:
                lines.append((line_start, pos))
                line_start, used = pos, 0
            while need > width:  # a word longer than the line: break it
                lines.append((line_start, line_start + width))
                line_start += width
                word = word[width:]
                need = cell_len(word)
            used += cell_len(token)
            pos = at + m.end()
        lines.append((line_start, at + len(para)))
        at += len(para) + 1
    return lines


class PassageView(ScrollView, can_focus=True):
    """A document's text with coded spans and the selection."""

    DEFAULT_CSS = """
    PassageView { background: $surface; padding: 0 1; scrollbar-gutter: stable; }
    """

    class SelectionMoved(Message):
        def __init__(self, start: int, end: int):
            super().__init__()
            self.start = start
            self.end = end

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.document: DocumentText | None = None
        self.selection: tuple[int, int] = (0, 0)
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._marks_by_line: list[list[CodingMark]] = []
        self._wrapped_for = -1

    # --- content ------------------------------------------------------------------------------

    def show(self, document: DocumentText, selection: tuple[int, int] | None = None) -> None:
        self.document = document
        self._wrapped_for = -1
        self._rewrap()
        if selection is not None:
            self.select(*selection)
        # The new virtual size reaches the scroll limits on the next layout: until then a
        # scroll to a line below the first screen is clamped to the top.
        self.call_after_refresh(self._scroll_to_selection)
        self.refresh()

    def select(self, start: int, end: int) -> None:
        self.selection = (start, end)
        self._scroll_to_selection()
        self.refresh()
        self.post_message(self.SelectionMoved(start, end))

    def line_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._line_starts, offset) - 1)

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width or 80
        if self.document is None or width == self._wrapped_for:
            return
        self._wrapped_for = width
        self._lines = wrap_lines(self.document.text, width - 1)
        self._line_starts = [a for a, _ in self._lines]
        by_line: list[list[CodingMark]] = [[] for _ in self._lines]
        for mark in self.document.codings:
            i = self.line_of(mark.start)
            while i < len(self._lines) and self._lines[i][0] < mark.end:
                by_line[i].append(mark)
                i += 1
        self._marks_by_line = by_line
        self.virtual_size = Size(width, len(self._lines))

    def on_resize(self) -> None:
        self._rewrap()
        self._scroll_to_selection()

    def _scroll_to_selection(self) -> None:
        if not self._lines:
            return
        top = self.line_of(self.selection[0])
        bottom = self.line_of(max(self.selection[0], self.selection[1] - 1))
        height = self.scrollable_content_region.height or 1
        y = self.scroll_offset.y
        if top < y:
            self.scroll_to(y=max(0, top - 1), animate=False)
        elif bottom >= y + height:
            self.scroll_to(
                y=max(top - 1, bottom - height + 2) if bottom - top < height else top, animate=False
            )

    # --- rendering ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._wrapped_for:
            # The width changed without a resize (a scroll bar came or went): lines wrapped for
            # the old width would lose their last characters to the crop below.
            self._rewrap()
            self.refresh()
        index = self.scroll_offset.y + y
        base = self.rich_style
        if self.document is None or index >= len(self._lines):
            return Strip.blank(width, base)
        text = self.document.text
        start, end = self._lines[index]
        marks = self._marks_by_line[index]
        sel_a, sel_b = self.selection
        cuts = {start, end}
        for m in marks:
            cuts.update(p for p in (m.start, m.end) if start < p < end)
        cuts.update(p for p in (sel_a, sel_b) if start < p < end)
        points = sorted(cuts)
        segments: list[Segment] = []
        for a, b in zip(points, points[1:], strict=False):
            covering = [m for m in marks if m.start <= a < m.end]
            style = base
            if covering:
                inner = min(covering, key=lambda m: (m.end - m.start, -m.start))
                style = style + Style(bgcolor=code_colour(inner.code_id, inner.colour), color="white")
                if len({m.code_id for m in covering}) > 1:
                    style = style + Style(underline=True)
            if sel_a <= a < sel_b:
                style = style + SELECTION + (Style(underline=True) if covering else Style())
            segments.append(Segment(text[a:b], style))
        strip = Strip(segments)
        return strip.extend_cell_length(width, base).crop(0, width)
