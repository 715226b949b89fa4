"""Participant lists (``.csv``/``.xlsx``) shaped like the thesis's Appendix A.

Appendix A has the columns Date, Name, Organisation, Location, where "Name" holds the
anonymised label ("Expert (A)"). The label column is ``label`` if there is one, else the first
of ``name``, ``participant``, ``interviewee``, ``expert``; every other column becomes an
attribute, named by its header in lower case, in the sheet's order.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import TableRow
from qualcode.io.sheets import header_key, read_rows

LABEL_COLUMNS = ("label", "name", "participant", "interviewee", "expert")


def read_participants(
    path: Path, *, sheet: str | None = None, encoding: str | None = None
) -> tuple[str, list[TableRow]]:
    """(label column, rows); each row's values keyed by lower-case header."""
    source = str(path)
    rows = read_rows(path, sheet=sheet, encoding=encoding)
    if not rows:
        raise QualcodeError("the file is empty", source=source, line=1)
    header_line, header_cells = rows[0]
    header = [header_key(h) for h in header_cells]
    label = next((name for name in LABEL_COLUMNS if name in header), None)
    if label is None:
        raise QualcodeError(
            "the header needs a label column: one of " + ", ".join(LABEL_COLUMNS),
            source=source,
            line=header_line,
        )
    for at, name in enumerate(header):
        if not name:
            raise QualcodeError(f"column {at + 1} has no header", source=source, line=header_line)
        if name in header[:at]:
            raise QualcodeError(f"column {name!r} appears twice", source=source, line=header_line)
    found: list[TableRow] = []
    for line, cells in rows[1:]:
        if len(cells) > len(header):
            raise QualcodeError(
                f"{len(cells)} cells but the header has {len(header)}", source=source, line=line
            )
        cells = cells + [""] * (len(header) - len(cells))
        found.append(TableRow(line, dict(zip(header, cells, strict=True))))
    return label, found
