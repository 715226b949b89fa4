"""Small tables people edit by hand, read through ``qualcode.io.sheets`` (CSV or XLSX)."""

from __future__ import annotations

from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import CodebookRow, TableRow
from qualcode.io.sheets import read_table


def read_csv_rows(path: Path, *, required: tuple[str, ...], encoding: str | None = None) -> list[TableRow]:
    """Rows of a table with a header (.csv in any dialect and encoding, or .xlsx); column names
    are matched case-insensitively. See ``qualcode.io.sheets.read_table``."""
    return read_table(path, required=required, encoding=encoding)[2]


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
