"""Regenerate qualcode/io/fonts/*.json: advance widths read from the font files with fontTools.

The exporters measure text with these tables (see qualcode/io/layout.py), so a spreadsheet
gets the same row heights on every machine, whether or not the font is installed there.

    pip install fonttools
    apt-get install fonts-crosextra-carlito fonts-dejavu-core   # Debian's font files
    python tools/font_metrics.py

Carlito is metric-compatible with Calibri (same advance widths, same line spacing), which is
what Excel shows and what LibreOffice substitutes for Calibri. DejaVu Sans is the fallback
LibreOffice uses for a font it does not have, and among the widest common sans faces, so
measuring an unknown font with it errs towards rows with room to spare.
"""

from __future__ import annotations

import json
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = {
    "carlito": (
        "Carlito",
        "/usr/share/fonts/truetype/crosextra/Carlito-{}.ttf",
        {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"},
    ),
    "dejavu-sans": (
        "DejaVu Sans",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf",
        {"regular": "", "bold": "-Bold", "italic": "-Oblique", "bold_italic": "-BoldOblique"},
    ),
}
OUT = Path(__file__).resolve().parent.parent / "qualcode" / "io" / "fonts"


def runs(widths: dict[int, int]) -> list[list[int]]:
    """[[first code point, width, width, ...], ...] over contiguous code points."""
    out: list[list[int]] = []
    for cp in sorted(widths):
        if out and out[-1][0] + len(out[-1]) - 1 == cp:
            out[-1].append(widths[cp])
        else:
            out.append([cp, widths[cp]])
    return out


def table(path: str) -> dict[str, object]:
    font = TTFont(path)
    advances = font["hmtx"].metrics
    widths = {cp: advances[glyph][0] for cp, glyph in font.getBestCmap().items()}
    hhea = font["hhea"]
    return {
        "units_per_em": font["head"].unitsPerEm,
        "ascent": hhea.ascent,
        "descent": -hhea.descent,
        "line_gap": hhea.lineGap,
        "win_ascent": font["OS/2"].usWinAscent,
        "win_descent": font["OS/2"].usWinDescent,
        "widths": runs(widths),
    }


def main() -> None:
    for name, (family, pattern, styles) in FONTS.items():
        data = {"family": family, "source": pattern.format("*"), "styles": {}}
        for style, part in styles.items():
            data["styles"][style] = table(pattern.format(part))  # type: ignore[index]
        (OUT / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {OUT / (name + '.json')}")


if __name__ == "__main__":
    main()
