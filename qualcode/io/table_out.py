"""Plain tables (query hits, word frequencies, keywords in context, saturation) as CSV, Markdown or
Excel: one header row, then data rows, text kept exactly as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.io.cells import xlsx_text
from qualcode.io.md_csv_export import _md, _md_row, rows_csv
from qualcode.io.output import replacing, write_text

FONT = "Calibri"  # as the other exports (LibreOffice draws it with the metric-twin Carlito)
_SIZE = 11
_MAX_WIDTH = 60.0  # characters; longer text wraps


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, raw: bool = False) -> str:
    """CSV text, one line per row; a cell that would open as a formula gets a leading ``'``
    unless ``raw`` (the exporters' one CSV writer)."""
    return rows_csv([list(headers), *[["" if v is None else v for v in row] for row in rows]], raw=raw)


def table_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped, line breaks as <br>)."""
    lines = [_md_row([_md(h) for h in headers]), "|" + "---|" * len(headers)]
    lines += [_md_row([_md(v) for v in row]) for row in rows]
    return "\n".join(lines) + "\n"


def write_table_xlsx(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str
) -> None:
    """One sheet: a bold frozen header, wrapped text, column widths and row heights measured with
    the font's metrics (``qualcode.io.layout``), so no excerpt is clipped.

    Text cells are written as text even when they begin with "=", so an excerpt never becomes
    a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from qualcode.io.layout import Cell, TextMeasure, fit_column, row_height, style_of

    measure = TextMeasure(FONT, _SIZE)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    bold, plain = Font(name=FONT, size=_SIZE, bold=True), Font(name=FONT, size=_SIZE)
    wrap = Alignment(wrap_text=True, vertical="top")
    values = [[_cell_value(v) for v in row] for row in rows]
    widths = [
        max(
            fit_column(measure, [h], style=style_of(bold=True), most=_MAX_WIDTH),
            fit_column(measure, [row[c] for row in values if c < len(row)], most=_MAX_WIDTH),
        )
        for c, h in enumerate(headers)
    ]
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row=1, column=c, value=str(h))
        cell.font = bold
        cell.alignment = wrap
    ws.row_dimensions[1].height = row_height(
        measure, [Cell(h, widths[c], style_of(bold=True)) for c, h in enumerate(headers)]
    )
    for r, row in enumerate(values, 2):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cell.font = plain
            cell.alignment = wrap
        ws.row_dimensions[r].height = row_height(measure, [Cell(v, widths[c]) for c, v in enumerate(row)])
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    with replacing(path) as tmp:
        wb.save(tmp)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return xlsx_text(value)  # XML-safe, within Excel's cell limit
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
    return value


def write_table(
    path: Path,
    fmt: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str,
    raw: bool = False,
) -> None:
    """Write a table as ``fmt`` ("csv", "md" or "xlsx") to ``path`` (replaced atomically, 0600);
    ``raw``: no ``'`` before .csv cells that begin like a formula."""
    if fmt == "xlsx":
        write_table_xlsx(path, headers, rows, title=title)
    elif fmt == "md":
        write_text(path, table_markdown(headers, rows))
    else:
        write_text(path, table_csv(headers, rows, raw=raw))
