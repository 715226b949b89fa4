"""Word tables a thesis can take as they are: Appendix A, the Appendix-B codebook, the matrix.

Rows never split across pages; only a true column header repeats on each page. The codebook is
one table per theme (kept as close as one table), whose first row — the theme's name, "Example
of a code", "Number of codes" — is that table's header: a theme running onto a new page shows
its own name above its codes there, never another theme's. Notes about the export go to the
document properties (File > Properties > Comments) and the command's output, not the page.
"""

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

from qualcode.domain.characters import xml_safe
from qualcode.domain.reports import Codebook, Matrix, ParticipantRow
from qualcode.io.cells import within_limit
from qualcode.io.layout import TextMeasure
from qualcode.io.output import ensure_folder, replacing
from qualcode.io.xlsx_export import participant_cells

DEFAULT_FONT = "Times New Roman"
DEFAULT_SIZE = 11
CORE_PROPERTY_LIMIT = 255  # characters python-docx accepts in a core property


def new_document(font: str, size: float, *, landscape: bool) -> Any:
    """An empty A4 Word document whose Normal style is ``font`` at ``size`` points (every script)."""
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


def _row_flag(row: Any, name: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement(name)
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _repeat_header(row: Any) -> None:
    """A true column header: repeated at the top of every page the table runs onto."""
    _row_flag(row, "w:tblHeader")


def _keep_together(table: Any) -> None:
    """No row splits across a page break (a quote is read whole, on one page)."""
    for row in table.rows:
        _row_flag(row, "w:cantSplit")


def _keep_with_next(row: Any) -> None:
    """The row stays on the page of the row after it (a header never ends a page alone)."""
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def _gap(doc: Any) -> None:
    """A hairline paragraph between tables: Word would join two adjacent tables into one."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(2)
    paragraph.add_run("").font.size = Pt(1)


def describe(doc: Any, title: str, comments: str) -> None:
    """Document properties: the place for notes about how the file was made."""
    props = doc.core_properties
    # python-docx refuses core properties longer than 255 characters: end on a word, say how
    # much was left out (the command's output has the whole note).
    props.title = within_limit(xml_safe(title), CORE_PROPERTY_LIMIT)
    props.comments = within_limit(xml_safe(comments), CORE_PROPERTY_LIMIT)
    props.author = "qualcode"


def _shade(cell: Any, colour: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shd)


def _write(cell: Any, text: Any, *, bold: bool = False, italic: bool = False, centre: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run("" if text is None else xml_safe(str(text)))
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


CODEBOOK_WIDTHS = (4.5, 10.0, 2.5)  # cm: code, example quote, number of codings


def write_codebook_docx(
    book: Codebook,
    path: Path,
    *,
    label_style: str = "plain",
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
    heading: str = "Appendix B. Codebook",
) -> None:
    """Appendix B: per theme a table headed by a bold, shaded row ``Theme | Example of a code |
    Number of codes`` (repeated on the next page when the theme runs on), then its codes: name
    in italics, the quote ``Expert A: '…'``, the number of codings."""
    ensure_folder(path)
    doc = new_document(font, size, landscape=False)
    if heading:
        doc.add_heading(heading, level=2)
    first = True
    for section in book.sections:
        if not section.entries and section.theme is None:
            continue
        if not first:
            _gap(doc)
        first = False
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        name = section.theme if section.theme is not None else "Codes without a theme"
        for cell, text in zip(head.cells, [name, "Example of a code", "Number of codes"], strict=True):
            _write(cell, text, bold=True, centre=text == "Number of codes")
            _shade(cell, "E7E6E6" if section.depth == 0 else "F2F2F2")
        if section.depth:
            head.cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.5 * section.depth)
        _repeat_header(head)
        _keep_with_next(head)
        for entry in section.entries:
            cells = table.add_row().cells
            _write(cells[0], entry.code, italic=True)
            _write(cells[1], entry.example.cited(label_style) if entry.example else "")
            _write(cells[2], entry.count, centre=True)
        _widths(table, CODEBOOK_WIDTHS)
        _keep_together(table)
    describe(doc, f"Codebook: {book.title}", book.provenance())
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
    doc = new_document(font, size, landscape=len(columns) > 4)
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
    _keep_together(table)
    describe(doc, "Participants", f"{len(people)} participants, exported by qualcode.")
    with replacing(path) as tmp:
        doc.save(str(tmp))


def write_matrix_docx(
    table: Matrix,
    path: Path,
    *,
    font: str = DEFAULT_FONT,
    size: float = 9,
    heading: str = "",
) -> None:
    """The code × column matrix as a Word table: a header row of columns (repeated on every
    page), one row per code (empty cell = no codings), theme subtotal rows in bold, totals."""
    ensure_folder(path)
    n = len(table.columns)
    doc = new_document(font, size, landscape=n > 4)
    if heading:
        doc.add_heading(heading, level=2)
    grid = doc.add_table(rows=1, cols=n + 3)
    grid.style = "Table Grid"
    heads = ["Code", *table.columns, "Total", "Participants"]
    for cell, text in zip(grid.rows[0].cells, heads, strict=True):
        _write(cell, text, bold=True, centre=text != "Code")
        _shade(cell, "E7E6E6")
    _repeat_header(grid.rows[0])
    for row in table.rows:
        bold = row.kind != "code"
        cells = grid.add_row().cells
        _write(cells[0], row.label, bold=bold)
        if row.depth:
            cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.4 * row.depth)
        for cell, value in zip(cells[1 : n + 1], row.counts, strict=True):
            _write(cell, value or "", bold=bold, centre=True)
        _write(cells[n + 1], row.total, bold=True, centre=True)
        _write(cells[n + 2], row.participants, bold=bold, centre=True)
        if bold:
            for cell in cells:
                _shade(cell, "F2F2F2")
    # Wide enough that no header breaks a word (measured; a font without shipped metrics is
    # measured with DejaVu Sans, which errs wide), the code column takes what is left.
    measure = TextMeasure(font, size)

    def word_cm(texts: Sequence[str]) -> float:
        return max((measure.widest_word(t, "bold") for t in texts), default=0.0) / 72 * 2.54 + 0.45

    page = (29.7 if n > 4 else 21.0) - 4.0  # cm between the margins
    counts = max(1.0, word_cm(table.columns))
    tail = [word_cm(["Total"]), word_cm(["Participants"])]
    _widths(grid, [max(4.0, page - counts * n - sum(tail)), *([counts] * n), *tail])
    _keep_together(grid)
    codes_n = sum(1 for r in table.rows if r.kind == "code")
    describe(
        doc,
        f"Codings per code and {table.by}",
        f"{codes_n} codes × {n} {table.by} columns; empty cell = no codings. Exported by qualcode.",
    )
    with replacing(path) as tmp:
        doc.save(str(tmp))
