"""Small tables people edit by hand: participants and codebooks as CSV (UTF-8)."""

from __future__ import annotations

import csv
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import CodebookRow, TableRow
from qualcode.io.limits import check_file_size
from qualcode.io.text import decode_text


def read_csv_rows(path: Path, *, required: tuple[str, ...]) -> list[TableRow]:
    """Rows of a CSV file with a header; column names are matched case-insensitively."""
    check_file_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    text, _ = decode_text(data, source=str(path))
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration as exc:
        raise QualcodeError("the file is empty", source=str(path), line=1) from exc
    columns = [h.strip().casefold() for h in header]
    missing = [r for r in required if r not in columns]
    if missing:
        raise QualcodeError(f"missing column(s): {', '.join(missing)}", source=str(path), line=1)
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            raise QualcodeError(
                f"{len(cells)} cells but the header has {len(columns)}", source=str(path), line=number
            )
        cells = cells + [""] * (len(columns) - len(cells))
        rows.append(TableRow(number, {k: v.strip() for k, v in zip(columns, cells, strict=True)}))
    return rows


def read_codebook_csv(path: Path) -> list[CodebookRow]:
    """A codebook sheet: theme, code, description (+ example participant, quote, count)."""
    rows = []
    for row in read_csv_rows(path, required=("theme", "code")):
        code = row.values.get("code", "")
        if not code:
            raise QualcodeError("a codebook row has no code name", source=str(path), line=row.line)
        count = row.values.get("published_count", "")
        try:
            published = int(count) if count else None
        except ValueError as exc:
            raise QualcodeError(
                f"count {count!r} is not a whole number", source=str(path), line=row.line
            ) from exc
        rows.append(
            CodebookRow(
                row.line,
                row.values["theme"],
                code,
                row.values.get("description", ""),
                row.values.get("participant", ""),
                row.values.get("quote", ""),
                published,
            )
        )
    return rows
