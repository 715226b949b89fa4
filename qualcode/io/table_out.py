"""Plain tables (query hits, word frequencies, keywords in context, saturation) as CSV, Markdown or
Excel: one header row, then data rows, text kept exactly as it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.io.output import replacing, write_text

FONT = "Arial"
_MAX_WIDTH = 80


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text (RFC 4180 quoting), one line per row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def table_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped, line breaks as <br>)."""
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_table_xlsx(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str
) -> None:
    """One sheet: a bold frozen header, wrapped text, widths from the content, a named font.

    Text cells are written as text even when they begin with "=", so an excerpt never becomes
    a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    bold, plain = Font(name=FONT, size=10, bold=True), Font(name=FONT, size=10)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = [len(str(h)) for h in headers]
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row=1, column=c, value=str(h))
        cell.font = bold
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"
                widths[c - 1] = max(widths[c - 1], min(len(value), _MAX_WIDTH))
            else:
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
                cell.value = value
                widths[c - 1] = max(widths[c - 1], len(str(value)))
            cell.font = plain
            cell.alignment = wrap
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(w, _MAX_WIDTH) + 2
    ws.freeze_panes = "A2"
    with replacing(path) as tmp:
        wb.save(tmp)


def write_table(
    path: Path, fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str
) -> None:
    """Write a table as ``fmt`` ("csv", "md" or "xlsx") to ``path`` (replaced atomically, 0600)."""
    if fmt == "xlsx":
        write_table_xlsx(path, headers, rows, title=title)
    elif fmt == "md":
        write_text(path, table_markdown(headers, rows))
    else:
        write_text(path, table_csv(headers, rows))
