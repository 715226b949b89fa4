"""Codebooks from elsewhere: REFI-QDA ``.qdc``, and ``.xlsx``/``.csv`` sheets.

A sheet has a header with the columns ``theme`` and ``code`` (``sub-theme`` and ``description``
if wanted), or is shaped like the thesis's Appendix B: per theme a header row
``Theme name | Example of a code | Number of codes``, then one row per code (name, example
quote, count). In a ``.qdc`` (REFI-QDA Codebook 1.0), a code with child codes is a theme and
the codes without children are its codes; the file's namespace may be the codebook's, the
project's, or none, as different tools write it.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCode
from qualcode.io.limits import check_file_size, parse_xml
from qualcode.io.sheets import SHEET_SUFFIXES, Row, read_rows

CODEBOOK_SUFFIXES = (".qdc", *SHEET_SUFFIXES)
_TAGS = re.compile(r"</?(?:i|em|b|strong|p)>", re.IGNORECASE)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_codebook(path: Path, *, sheet: str | None = None) -> list[ImportedCode]:
    """The codes of a codebook file, in its order; a code row without a name is refused."""
    if path.suffix.lower() == ".qdc":
        return read_qdc(path)
    if path.suffix.lower() not in CODEBOOK_SUFFIXES:
        raise QualcodeError(
            f"unsupported codebook type {path.suffix or '(none)'}; qualcode reads "
            + ", ".join(CODEBOOK_SUFFIXES),
            source=str(path),
        )
    rows = read_rows(path, sheet=sheet)
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
_CODE = ("code", "code name", "name")
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
        codes.append(ImportedCode(line, name, themes, cell(cells, desc_at), colour.upper()))
    return codes


def read_qdc(path: Path) -> list[ImportedCode]:
    """A REFI-QDA codebook (or a project's codebook): codes with children become themes."""
    source = str(path)
    check_file_size(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise QualcodeError("no such file", source=source) from exc
    root = parse_xml(data, source)
    codes_element = next((e for e in root.iter() if _local(e.tag) == "Codes"), None)
    if _local(root.tag) not in ("CodeBook", "Project") or codes_element is None:
        raise QualcodeError("not a REFI-QDA codebook: no CodeBook with Codes", source=source, line=1)
    found: list[ImportedCode] = []

    def walk(element: etree._Element, themes: tuple[str, ...]) -> None:
        for code in element:
            if _local(code.tag) != "Code":
                continue
            name = " ".join((code.get("name") or "").split())
            line = code.sourceline or 0
            if not name:
                raise QualcodeError("a Code has no name", source=source, line=line)
            children = [c for c in code if _local(c.tag) == "Code"]
            if children:
                walk(code, (*themes, name))
                continue
            description = next(((d.text or "").strip() for d in code if _local(d.tag) == "Description"), "")
            colour = (code.get("color") or "").upper()
            found.append(ImportedCode(line, name, themes, description, colour if len(colour) == 7 else ""))

    walk(codes_element, ())
    if not found:
        raise QualcodeError("the codebook has no codes", source=source)
    return found
