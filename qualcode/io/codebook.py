"""Codebooks from elsewhere: REFI-QDA ``.qdc``, and ``.xlsx``/``.csv`` sheets.

A sheet has a header with the columns ``theme`` and ``code`` (``sub-theme``, ``parent``,
``description`` if wanted), or Taguette's codebook export (``tag``, ``parent``, ``description``,
``number of highlights``), or is shaped like the thesis's Appendix B: per theme a header row
``Theme name | Example of a code | Number of codes``, then one row per code (name, example
quote, count). A ``.qdc`` (REFI-QDA Codebook 1.0) is read by ``qualcode.io.refi.read_qdc``, the
same reader a ``.qdpx`` codebook goes through: a category that is not codable is a theme, a
codable code holding codes is a code with sub-codes.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCode
from qualcode.domain.project import Project
from qualcode.io.sheets import SHEET_SUFFIXES, Row, read_rows

CODEBOOK_SUFFIXES = (".qdc", *SHEET_SUFFIXES)
_TAGS = re.compile(r"</?(?:i|em|b|strong|p)>", re.IGNORECASE)


def read_codebook(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> list[ImportedCode]:
    """The codes of a codebook file, in its order (parents before their sub-codes); a code row
    without a name is refused."""
    if path.suffix.lower() == ".qdc":
        return read_qdc(path)
    if path.suffix.lower() not in CODEBOOK_SUFFIXES:
        raise QualcodeError(
            f"unsupported codebook type {path.suffix or '(none)'}; qualcode reads "
            + ", ".join(CODEBOOK_SUFFIXES),
            source=str(path),
        )
    rows = read_rows(path, sheet=sheet, encoding=encoding, required=("code",))
    if not rows:
        raise QualcodeError("the codebook is empty", source=str(path), line=1)
    if _appendix_header(rows[0][1]):
        return _appendix_codes(rows, str(path))
    return _column_codes(rows, str(path))


def _clean(cell: str) -> str:
    return " ".join(_TAGS.sub("", cell).split())


def _appendix_header(cells: list[str]) -> bool:
    return (
        len(cells) >= 2
        and bool(cells[0])
        and cells[1].casefold().startswith("example")
        and (len(cells) < 3 or cells[2].casefold().startswith(("number", "count")))
    )


def _appendix_codes(rows: list[Row], source: str) -> list[ImportedCode]:
    codes: list[ImportedCode] = []
    theme = ""
    for line, cells in rows:
        if _appendix_header(cells):
            theme = _clean(cells[0])
            continue
        name = _clean(cells[0]) if cells else ""
        if not name:
            raise QualcodeError("a codebook row has no code name", source=source, line=line)
        codes.append(ImportedCode(line, name, (theme,) if theme else ()))
    return codes


_THEME = ("theme",)
_SUBTHEME = ("sub-theme", "subtheme", "sub theme", "sub_theme")
_CODE = ("code", "code name", "name", "tag")
_PARENT = ("parent", "parent code")
_DESCRIPTION = ("description", "definition", "memo")
_COLOUR = ("colour", "color")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _column_codes(rows: list[Row], source: str) -> list[ImportedCode]:
    header_line, header_cells = rows[0]
    header = [c.casefold() for c in header_cells]
    code_at = _column(header, _CODE)
    if code_at is None:
        raise QualcodeError(
            "the header needs a 'code' column (and 'theme', 'description' if wanted), or the "
            "Appendix B layout: 'Theme | Example of a code | Number of codes'",
            source=source,
            line=header_line,
        )
    theme_at, sub_at = _column(header, _THEME), _column(header, _SUBTHEME)
    desc_at, colour_at = _column(header, _DESCRIPTION), _column(header, _COLOUR)
    parent_at = _column(header, _PARENT)

    def cell(cells: list[str], at: int | None) -> str:
        return cells[at] if at is not None and at < len(cells) else ""

    codes: list[ImportedCode] = []
    for line, cells in rows[1:]:
        name = _clean(cell(cells, code_at))
        if not name:
            raise QualcodeError("a codebook row has no code name", source=source, line=line)
        themes = tuple(t for t in (_clean(cell(cells, theme_at)), _clean(cell(cells, sub_at))) if t)
        colour = cell(cells, colour_at)
        if colour and not re.fullmatch(r"#?[0-9A-Fa-f]{6}", colour):
            raise QualcodeError(f"colour {colour!r} is not #RRGGBB", source=source, line=line)
        if colour and not colour.startswith("#"):
            colour = "#" + colour
        parent = _clean(cell(cells, parent_at))
        codes.append(ImportedCode(line, name, themes, cell(cells, desc_at), colour.upper(), parent))
    return codes


def read_qdc(path: Path) -> list[ImportedCode]:
    """A REFI-QDA codebook's codes, read by the same reader as a .qdpx's codebook."""
    from qualcode.io.refi import read_qdc as read_refi_codebook

    return codebook_entries(read_refi_codebook(path))


def codebook_entries(project: Project) -> list[ImportedCode]:
    """A REFI-QDA codebook (a Project's themes and codes) as codebook entries, parents first."""
    themes = {t.guid: t for t in project.themes}

    def path_of(guid: str | None) -> tuple[str, ...]:
        names: list[str] = []
        while guid is not None and guid in themes:
            names.append(themes[guid].name)
            guid = themes[guid].parent
        return tuple(reversed(names))

    names = {c.guid: c.name for c in project.codes}
    return [
        ImportedCode(
            code.line,
            code.name,
            path_of(code.theme),
            code.description,
            code.colour,
            names.get(code.parent, "") if code.parent else "",
        )
        for code in project.codes
    ]
