"""Word tables a thesis can take as they are: Appendix A and the Appendix-B codebook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from qualcode.domain.reports import Codebook, ParticipantRow
from qualcode.io.output import ensure_folder, replacing
from qualcode.io.xlsx_export import participant_cells

DEFAULT_FONT = "Times New Roman"
DEFAULT_SIZE = 11


def _document(font: str, size: float, *, landscape: bool) -> Any:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size)
    # East Asian / complex-script fallbacks too, or Word substitutes a font for Cyrillic runs.
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), font)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2.0)
    return doc


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _shade(cell: Any, colour: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shd)


def _write(cell: Any, text: Any, *, bold: bool = False, italic: bool = False, centre: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run("" if text is None else str(text))
    run.bold = bold
    run.italic = italic
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _widths(table: Any, widths: Sequence[float]) -> None:
    """Column widths in cm: on the grid (LibreOffice reads it) and on every cell (Word does)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def write_codebook_docx(
    book: Codebook,
    path: Path,
    *,
    label_style: str = "plain",
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
    heading: str = "Appendix B. Codebook",
) -> None:
    """Appendix B as one Word table: per theme a bold, shaded header row, then its codes."""
    ensure_folder(path)
    doc = _document(font, size, landscape=False)
    if heading:
        doc.add_heading(heading, level=2)
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    first = True
    for section in book.sections:
        if not section.entries and section.theme is None:
            continue
        row = table.add_row()
        if first:
            _repeat_header(row)
            first = False
        name = section.theme if section.theme is not None else "Codes without a theme"
        for cell, text in zip(row.cells, [name, "Example of a code", "Number of codes"], strict=True):
            _write(cell, text, bold=True, centre=text == "Number of codes")
            _shade(cell, "E7E6E6" if section.depth == 0 else "F2F2F2")
        if section.depth:
            row.cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.5 * section.depth)
        for entry in section.entries:
            cells = table.add_row().cells
            _write(cells[0], entry.code, italic=True)
            _write(cells[1], entry.example.cited(label_style) if entry.example else "")
            _write(cells[2], entry.count, centre=True)
    _widths(table, [4.5, 10.0, 2.5])
    if book.note():
        doc.add_paragraph().add_run(book.note()).italic = True
    with replacing(path) as tmp:
        doc.save(str(tmp))


def write_participants_docx(
    people: Sequence[ParticipantRow],
    columns: Sequence[tuple[str, str]],
    path: Path,
    *,
    label_style: str = "brackets",
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
    heading: str = "Appendix A. List of Interviewees",
) -> None:
    """Appendix A: a header row (bold, repeated on every page) and one row per participant."""
    ensure_folder(path)
    doc = _document(font, size, landscape=len(columns) > 4)
    if heading:
        doc.add_heading(heading, level=2)
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, (_, header) in zip(table.rows[0].cells, columns, strict=True):
        _write(cell, header, bold=True)
        _shade(cell, "E7E6E6")
    _repeat_header(table.rows[0])
    for values in participant_cells(people, columns, label_style):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            _write(cell, value)
    with replacing(path) as tmp:
        doc.save(str(tmp))
