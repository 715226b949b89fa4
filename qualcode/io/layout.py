"""How much room a text needs in a spreadsheet cell, from the named font's real metrics.

A row height that is too small clips a quote, and a column too narrow for a header's longest
word breaks it mid-word; neither is visible in the file, only when a reader opens it. So the
exporters measure: every character's advance width comes from the font's own tables (read with
fontTools by ``tools/font_metrics.py`` and shipped in ``qualcode/io/fonts/``), text is wrapped
word by word the way a spreadsheet wraps it, and a row gets the height of its tallest cell.

Calibri — Excel's default, and what the exporters name — is measured with Carlito, which is
metric-compatible with it (LibreOffice shows Carlito for Calibri). Any other font is measured
with DejaVu Sans, LibreOffice's fallback and one of the widest common sans faces, so that its
rows err towards room to spare rather than clipping.

Column widths in .xlsx are counted in characters of the workbook's default font (Calibri 11);
Excel and LibreOffice turn that into points differently (Excel: 7 px per character plus 5 px
of padding; LibreOffice: the width of '0', 1.958 mm), so a column is taken to be as narrow as
the narrower of the two.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qualcode.domain.characters import xml_safe

# Excel's maximum row height, in points.
MAX_ROW_HEIGHT = 409.0
# Room a cell keeps between its border and its text, left + right, in points (LibreOffice
# indents 0.35 mm each side plus the grid line; Excel about 2 px each side).
CELL_PADDING = 5.0
# Above and below the text of a row, in points (the line height already holds Excel's).
ROW_PADDING = 1.0
# A code point the font does not have is drawn by a fallback font; assume it is wide.
MISSING_EM = 1.25
_PX_PER_PT = 96 / 72
_EXCEL_PX_PER_CHAR = 7  # Calibri 11's '0' at 96 dpi, the unit of an .xlsx column width
_LIBREOFFICE_PT_PER_CHAR = 1.958 / 25.4 * 72  # 1.958 mm, measured in LibreOffice 7.4

STYLES = ("regular", "bold", "italic", "bold_italic")


def style_of(bold: bool = False, italic: bool = False) -> str:
    """The metrics table's name for a face: ``regular``, ``bold``, ``italic``, ``bold_italic``."""
    return STYLES[(1 if bold else 0) + (2 if italic else 0)]


@cache
def _table(name: str) -> dict[str, object]:
    raw = resources.files("qualcode.io").joinpath("fonts", f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(raw)
    return data


@cache
def _advances(name: str, style: str) -> tuple[dict[int, float], float, float]:
    """Per code point its advance in em; the font's line spacing in em; its '0' in em."""
    face = _table(name)["styles"][style]  # type: ignore[index]
    upm = float(face["units_per_em"])
    widths: dict[int, float] = {}
    for run in face["widths"]:
        first = run[0]
        for offset, w in enumerate(run[1:]):
            widths[first + offset] = w / upm
    # Excel and LibreOffice space lines by the Windows metrics (usWinAscent + usWinDescent).
    spacing = max(
        face["win_ascent"] + face["win_descent"], face["ascent"] + face["descent"] + face["line_gap"]
    )
    return widths, spacing / upm, widths.get(ord("0"), 0.5)


def metrics_for(font: str) -> str:
    """Which shipped metrics measure ``font``: ``carlito`` for Calibri/Carlito, else ``dejavu-sans``."""
    return "carlito" if font.strip().lower() in {"calibri", "carlito"} else "dejavu-sans"


class TextMeasure:
    """Widths and wrapped line counts of text in one font and size (points)."""

    def __init__(self, font: str, size: float):
        self.font = font
        self.size = size
        self._name = metrics_for(font)
        self._words: dict[tuple[str, str], float] = {}
        _, spacing, _ = _advances(self._name, "regular")
        # Excel spaces wrapped lines by the font's line spacing in whole pixels plus 2 px
        # (Calibri 11: 18 + 2 px = 15 pt, its default row); LibreOffice spaces them closer.
        self.line_height = (math.ceil(spacing * size * _PX_PER_PT) + 2) / _PX_PER_PT

    def _glyph(self, em: float) -> float:
        # Both renderers lay text out in whole screen pixels (96 dpi): each glyph's advance is
        # taken rounded up to a pixel, which is what LibreOffice measured needs (up to 12 %
        # more than the linear width for short texts) and bounds Excel's hinted GDI widths.
        return math.ceil(em * self.size * _PX_PER_PT - 1e-9) / _PX_PER_PT

    def width(self, text: str, style: str = "regular") -> float:
        """The width of ``text`` on one line, in points: each glyph's advance rounded up to a
        whole pixel at 96 dpi (kerning ignored: it only narrows)."""
        key = (text, style)
        found = self._words.get(key)
        if found is None:
            advances, _, _ = _advances(self._name, style)
            found = sum(self._glyph(advances.get(ord(ch), MISSING_EM)) for ch in text)
            if len(self._words) < 200_000:
                self._words[key] = found
        return found

    def widest_word(self, text: str, style: str = "regular") -> float:
        """The width of the longest unbreakable word in ``text``, in points."""
        return max((self.width(w, style) for w in str(text).split()), default=0.0)

    def lines(self, text: str, room: float, style: str = "regular") -> int:
        """Lines ``text`` takes when wrapped at spaces into ``room`` points, as a spreadsheet does.

        A word wider than the room is broken between characters (as Excel and LibreOffice do).
        Breaking only at spaces, where a renderer may also break after hyphens and slashes,
        can only need more lines than the renderer, never fewer.
        """
        room = max(room, self.size)
        space = self.width(" ", style)
        total = 0
        for paragraph in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            lines, used = 1, 0.0
            for word in paragraph.replace("\t", " ").split(" "):
                if not word:
                    used += space if used else 0.0
                    continue
                w = self.width(word, style)
                if used and used + space + w > room:
                    lines += 1
                    used = 0.0
                elif used:
                    used += space
                if w > room:  # broken between characters
                    advances, _, _ = _advances(self._name, style)
                    for ch in word:
                        cw = self._glyph(advances.get(ord(ch), MISSING_EM))
                        if used and used + cw > room:
                            lines += 1
                            used = 0.0
                        used += cw
                else:
                    used += w
            total += lines
        return max(1, total)


def column_points(chars: float) -> float:
    """The narrower of Excel's and LibreOffice's rendering of an .xlsx column width, in points."""
    excel = (chars * _EXCEL_PX_PER_CHAR + 5) * 0.75
    return min(excel, chars * _LIBREOFFICE_PT_PER_CHAR)


def column_chars(points: float) -> float:
    """The .xlsx column width (characters, to 0.25) whose narrower rendering holds ``points``."""
    chars = max(points / _LIBREOFFICE_PT_PER_CHAR, (points / 0.75 - 5) / _EXCEL_PX_PER_CHAR)
    return math.ceil(chars * 4) / 4


def room(chars: float, indent: int = 0) -> float:
    """Points for text in a column of ``chars`` width, after padding and an indent level."""
    # An indent level is three spaces' worth of the default font in both renderers (~ 3 chars).
    return column_points(chars) - CELL_PADDING - indent * 3 * _EXCEL_PX_PER_CHAR * 0.75


def fit_column(
    measure: TextMeasure, texts: object, *, style: str = "regular", least: float = 6.0, most: float = 60.0
) -> float:
    """A column width (characters) wide enough for every text on one line, within [least, most];
    never narrower than the widest single word, so a header does not break a word."""
    need_line = 0.0
    need_word = 0.0
    for text in texts:  # type: ignore[attr-defined]
        s = "" if text is None else str(text)
        for paragraph in s.split("\n"):
            need_line = max(need_line, measure.width(paragraph, style))
        need_word = max(need_word, measure.widest_word(s, style))
    width = column_chars(need_line + CELL_PADDING)
    return max(least, min(most, width), column_chars(need_word + CELL_PADDING))


@dataclass(frozen=True)
class Cell:
    """A text as laid out: what it says, how it is styled, the width and indent of its column."""

    text: object
    chars: float
    style: str = "regular"
    indent: int = 0


def row_height(measure: TextMeasure, cells: list[Cell]) -> float:
    """The height (points) that shows every cell of a row whole, capped at Excel's 409 pt."""
    # Measured as written: a character XML cannot hold becomes what the file holds (a vertical
    # tab a line break), so a name with one gets the two lines it shows.
    lines = max(
        (
            measure.lines("" if c.text is None else xml_safe(str(c.text)), room(c.chars, c.indent), c.style)
            for c in cells
        ),
        default=1,
    )
    return min(MAX_ROW_HEIGHT, math.ceil((lines * measure.line_height + ROW_PADDING) * 4) / 4)
