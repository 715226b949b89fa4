"""Rows of a table people keep by hand, one reader for every tabular import.

Participant lists, codebooks, pseudonym keys and speaker maps all come through ``read_rows`` /
``read_table``: ``.csv`` in any encoding ``decode_text`` reads (BOM, UTF-8, legacy code pages,
or ``--encoding``), separated by ``,`` ``;`` or tab (what Excel writes depends on the
computer's region: ``;`` in most of Europe and Central Asia), or ``.xlsx``. Every row comes with
its line (CSV) or row number (Excel), so that a message can say where.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import TableRow
from qualcode.io.limits import check_file_size, verify_archive
from qualcode.io.text import decode_text

SHEET_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
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


def header_key(cell: str) -> str:
    """A column name as compared: case folded, runs of white space as one space."""
    return " ".join(cell.split()).casefold()


def sniff_delimiter(text: str, *, required: tuple[str, ...] = ()) -> str:
    """The delimiter (``,`` ``;`` or tab) that splits the first records most consistently.

    A delimiter whose header holds every ``required`` column wins; then the one whose first
    twenty records have the header's number of cells most often, then the most columns.
    Default ``,`` (a one-column file).
    """
    best, best_key = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        records: list[list[str]] = []
        try:
            for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
                if any(c.strip() for c in cells):
                    records.append(cells)
                if len(records) >= 20:
                    break
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        header = {header_key(c) for c in records[0]}
        width = len(records[0])
        consistent = sum(len(r) == width for r in records) / len(records)
        key = (all(r in header for r in required) if required else False, consistent, width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def read_rows(
    path: Path, *, sheet: str | None = None, encoding: str | None = None, required: tuple[str, ...] = ()
) -> list[Row]:
    """Non-empty rows as (line, cells), cells stripped; Excel cells as the text they show.

    ``required`` helps choose a CSV's delimiter (see ``sniff_delimiter``). A damaged workbook or
    CSV is refused (QualcodeError with the file and, where known, the line).
    """
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SHEET_SUFFIXES:
        raise QualcodeError(
            f"unsupported file type {suffix or '(none)'}; give a .csv or .xlsx file", source=source
        )
    if not path.is_file():
        raise QualcodeError("no such file", source=source)
    check_file_size(path)
    if suffix in (".csv", ".tsv"):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
        text, _ = decode_text(data, source=source, encoding=encoding)
        delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(text, required=required)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
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
    return _workbook_rows(path, sheet)


def _workbook_rows(path: Path, sheet: str | None) -> list[Row]:
    from openpyxl import load_workbook

    source = str(path)
    verify_archive(path, "an .xlsx workbook")  # openpyxl inflates parts itself: check them first
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise QualcodeError(f"cannot read the workbook ({type(exc).__name__}: {exc})", source=source) from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise QualcodeError(
                    f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}", source=source
                )
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        # A sheet's stored dimension (A1:D3) may be older than its data (tools that append rows
        # without updating it): in read-only mode openpyxl would stop there, so forget it.
        reset = getattr(ws, "reset_dimensions", None)
        if reset is not None:
            reset()
        rows: list[Row] = []
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    rows.append((number, cells))
        except QualcodeError:
            raise
        except Exception as exc:  # malformed sheet XML surfaces while iterating
            raise QualcodeError(
                f"cannot read sheet {ws.title!r} ({type(exc).__name__}: {exc})", source=source
            ) from exc
        return rows
    finally:
        book.close()


def read_table(
    path: Path,
    *,
    required: tuple[str, ...] = (),
    sheet: str | None = None,
    encoding: str | None = None,
) -> tuple[int, list[str], list[TableRow]]:
    """(header line, column names, rows) of a table with a header row.

    Column names are compared case-insensitively (``header_key``); each row's values are keyed
    by them, short rows padded with "". A missing required column, an empty file or a row with
    more cells than the header is refused naming the file and line.
    """
    source = str(path)
    rows = read_rows(path, sheet=sheet, encoding=encoding, required=required)
    if not rows:
        raise QualcodeError("the file is empty", source=source, line=1)
    header_line, header_cells = rows[0]
    columns = [header_key(h) for h in header_cells]
    missing = [r for r in required if r not in columns]
    if missing:
        raise QualcodeError(f"missing column(s): {', '.join(missing)}", source=source, line=header_line)
    found: list[TableRow] = []
    for line, cells in rows[1:]:
        if len(cells) > len(columns):
            raise QualcodeError(
                f"{len(cells)} cells but the header has {len(columns)}", source=source, line=line
            )
        cells = cells + [""] * (len(columns) - len(cells))
        found.append(TableRow(line, dict(zip(columns, cells, strict=True))))
    return header_line, columns, found
