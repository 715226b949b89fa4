"""Rows of a spreadsheet people keep by hand: ``.csv`` (any encoding qualcode reads) or ``.xlsx``.

Every row comes with its line (CSV) or row number (Excel), so that a message can say where.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.io.limits import check_file_size, verify_archive
from qualcode.io.text import decode_text

SHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
Row = tuple[int, list[str]]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> list[Row]:
    """Non-empty rows as (line, cells), cells stripped; Excel cells as the text they show."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SHEET_SUFFIXES:
        raise QualcodeError(
            f"unsupported file type {suffix or '(none)'}; give a .csv or .xlsx file", source=source
        )
    if not path.is_file():
        raise QualcodeError("no such file", source=source)
    check_file_size(path)
    if suffix == ".csv":
        text, _ = decode_text(path.read_bytes(), source=source, encoding=encoding)
        reader = csv.reader(io.StringIO(text))
        rows: list[Row] = []
        start = 1
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append((start, [c.strip() for c in cells]))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise QualcodeError(f"cannot read the CSV ({exc})", source=source, line=reader.line_num) from exc
        return rows
    from openpyxl import load_workbook

    verify_archive(path, "an .xlsx workbook")  # openpyxl inflates parts itself: check them first
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise QualcodeError(f"cannot read the workbook ({exc})", source=source) from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise QualcodeError(
                    f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}", source=source
                )
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append((number, cells))
        return rows
    finally:
        book.close()
