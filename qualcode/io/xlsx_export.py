"""Spreadsheets a thesis can use as they are: Appendix A, Appendix B, the matrix, co-occurrence.

Written in openpyxl's write-only mode (rows stream to disk, so 20,000 codes export in
seconds), in Calibri (Excel's default; LibreOffice shows the metric-compatible Carlito), with
column widths and row heights measured from the font's metrics (``qualcode.io.layout``) so that
every wrapped text shows whole and no header breaks a word, a frozen header repeated on every
printed page where the table has one, and a landscape page fit to width. Every text cell is
stored as a string (never a formula), XML-safe and within Excel's 32,767 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from qualcode.domain.characters import xml_safe
from qualcode.domain.citations import participant_label
from qualcode.domain.reports import Codebook, CooccurrenceRow, Matrix, MatrixRow, ParticipantRow
from qualcode.io.cells import within_limit, xlsx_text
from qualcode.io.layout import MAX_ROW_HEIGHT, Cell, TextMeasure, fit_column, row_height, style_of
from qualcode.io.output import ensure_folder, replacing

DEFAULT_FONT = "Calibri"  # Excel's default; LibreOffice renders the metric-compatible Carlito
DEFAULT_SIZE = 11
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
THEME_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CHART_SERIES = 24  # more stacked series than this cannot be told apart


class Styles:
    """Fonts and alignments shared by every cell (one style record each in the file)."""

    def __init__(self, font: str, size: float):
        self.size = size
        self.plain = Font(name=font, size=size)
        self.bold = Font(name=font, size=size, bold=True)
        self.italic = Font(name=font, size=size, italic=True)
        self.note = Font(name=font, size=size, italic=True, color="595959")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.wrap_centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
        self.centre = Alignment(horizontal="center", vertical="top")
        self.measure = TextMeasure(font, size)
        self._cache: dict[tuple[int, int, int, int], tuple[Any, tuple[Any, ...]]] = {}

    def cell(
        self,
        ws: Any,
        value: Any,
        font: Font,
        alignment: Alignment | None = None,
        *,
        fill: PatternFill | None = None,
        border: Border | None = GRID,
    ) -> Any:
        """A styled write-only cell. Styles are registered once per combination and copied
        after that: openpyxl hashes a Font on every assignment, which costs more than the write."""
        key = (id(font), id(alignment), id(fill), id(border))
        cell = WriteOnlyCell(ws, value=xlsx_text(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" is not a formula
        cached = self._cache.get(key)
        if cached is None:
            cell.font = font
            if alignment is not None:
                cell.alignment = alignment
            if fill is not None:
                cell.fill = fill
            if border is not None:
                cell.border = border
            # The style objects stay referenced here, so their ids cannot be reused by others.
            self._cache[key] = (copy(cell._style), (font, alignment, fill, border))
        else:
            cell._style = copy(cached[0])
        return cell

    def height(self, cells: Sequence[Cell]) -> float:
        """A row height (points) that shows every wrapped cell whole in its column."""
        return row_height(self.measure, list(cells))

    def shown(self, value: Any, chars: float, style: str = "regular", indent: int = 0) -> Any:
        """``value`` as a cell of that width can show it: text that would need a row taller
        than Excel's 409 pt ends at a word with "[… N more characters]" (visible, counted from
        the whole text); short text and numbers unchanged."""
        if not isinstance(value, str):
            return value
        text = xlsx_text(value)
        whole = xml_safe(value)
        if self.height([Cell(text, chars, style, indent)]) < MAX_ROW_HEIGHT:
            return text
        lo, hi = 1, len(text)  # the longest cut whose row still fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.height([Cell(within_limit(whole, mid), chars, style, indent)]) < MAX_ROW_HEIGHT:
                lo = mid
            else:
                hi = mid - 1
        return within_limit(whole, lo)

    def fit(self, texts: Any, *, bold: bool = False, italic: bool = False, **bounds: float) -> float:
        """A column width (characters) for ``texts`` in this font (see ``layout.fit_column``)."""
        return fit_column(self.measure, texts, style=style_of(bold, italic), **bounds)


def page_setup(
    ws: Any, widths: Sequence[float], *, header_rows: str | None = "1:1", freeze: str | None = "A2"
) -> None:
    """Column widths (characters), the frozen pane and the rows repeated on every printed page
    (None: none), an A4 landscape page fit to one page wide."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if freeze:
        ws.freeze_panes = freeze
    if header_rows:
        ws.print_title_rows = header_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5


ABOUT_WIDTH = 110.0


def about_sheet(wb: Workbook, st: Styles, lines: Sequence[str]) -> None:
    """A sheet of provenance: what was exported, when, and how the numbers were counted."""
    ws = wb.create_sheet("About")
    ws.column_dimensions["A"].width = ABOUT_WIDTH
    for row, text in enumerate(lines, start=1):
        ws.row_dimensions[row].height = st.height([Cell(text, ABOUT_WIDTH)])
        ws.append([st.cell(ws, text, st.plain, st.wrap, border=None)])


def describe(wb: Workbook, title: str, description: str) -> None:
    """Document properties (File > Properties): where notes about the export belong."""
    wb.properties.title = xlsx_text(title)
    wb.properties.description = xlsx_text(description)
    wb.properties.creator = "qualcode"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


CODEBOOK_HEADS = ("Example of a code", "Number of codes")


def write_codebook_xlsx(
    book: Codebook,
    path: Path,
    *,
    label_style: str = "plain",
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
) -> None:
    """Appendix B: a header row per theme (``Theme | Example of a code | Number of codes``,
    bold), then its codes (name in italics, the quote ``Expert A: '…'``, the number of codings).

    Sub-themes get their own header row, indented. There is no generic header row above the
    first theme (Appendix B has none). The sheet "About" and the document properties say how
    the numbers were counted and which quotes qualcode picked because none was marked.
    """
    ensure_folder(path)
    st = Styles(font, size)
    sections = [s for s in book.sections if s.entries or s.theme is not None]
    names = [s.theme if s.theme is not None else "Codes without a theme" for s in sections]
    codes = [e.code for s in sections for e in s.entries]
    widths = (
        max(st.fit(codes, italic=True, least=30, most=40), st.fit(names, bold=True, least=30, most=40)),
        92.0,
        st.fit(CODEBOOK_HEADS[1:], bold=True, least=10, most=10),
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Codebook")
    page_setup(ws, widths, header_rows=None, freeze=None)
    row = 0
    for section, name in zip(sections, names, strict=True):
        row += 1
        indent = Alignment(wrap_text=True, vertical="top", indent=2 * section.depth)
        ws.row_dimensions[row].height = st.height(
            [
                Cell(name, widths[0], "bold", 2 * section.depth),
                Cell(CODEBOOK_HEADS[0], widths[1], "bold"),
                Cell(CODEBOOK_HEADS[1], widths[2], "bold"),
            ]
        )
        ws.append(
            [
                st.cell(ws, name, st.bold, indent, fill=THEME_FILL),
                st.cell(ws, CODEBOOK_HEADS[0], st.bold, st.wrap, fill=THEME_FILL),
                st.cell(ws, CODEBOOK_HEADS[1], st.bold, st.wrap_centre, fill=THEME_FILL),
            ]
        )
        for entry in section.entries:
            quote = st.shown(entry.example.cited(label_style) if entry.example else "", widths[1])
            row += 1
            ws.row_dimensions[row].height = st.height(
                [Cell(entry.code, widths[0], "italic"), Cell(quote, widths[1])]
            )
            ws.append(
                [
                    st.cell(ws, entry.code, st.italic, st.wrap),
                    st.cell(ws, quote, st.plain, st.wrap),
                    st.cell(ws, entry.count, st.plain, st.centre),
                ]
            )
    about = [
        f"Codebook of {book.title!r}, exported by qualcode on {_stamp()}.",
        f"{len(book.entries)} codes in {sum(1 for s in book.sections if s.theme)} themes; "
        f"{sum(e.count for e in book.entries)} codings. 'Number of codes' counts each code's codings "
        "in the study.",
    ]
    if book.note():
        about.append(book.note())
        about.append("Quotes chosen by qualcode: " + "; ".join(book.auto_picked_codes()))
    about_sheet(wb, st, about)
    describe(wb, f"Codebook: {book.title}", book.provenance())
    with replacing(path) as tmp:
        wb.save(tmp)


def write_participants_xlsx(
    people: Sequence[ParticipantRow],
    columns: Sequence[tuple[str, str]],
    path: Path,
    *,
    label_style: str = "brackets",
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
) -> None:
    """Appendix A: one row per participant; ``columns`` are (attribute key or "label", header)."""
    ensure_folder(path)
    st = Styles(font, size)
    table = participant_cells(people, columns, label_style)
    heads = [h for _, h in columns]
    widths = [
        max(st.fit([r[i] for r in table], least=8, most=60), st.fit([heads[i]], bold=True, least=8, most=60))
        for i in range(len(columns))
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Participants")
    page_setup(ws, widths)
    ws.row_dimensions[1].height = st.height([Cell(h, w, "bold") for h, w in zip(heads, widths, strict=True)])
    ws.append([st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL) for h in heads])
    for i, values in enumerate(table, start=2):
        values = [st.shown(v, w) for v, w in zip(values, widths, strict=True)]
        ws.row_dimensions[i].height = st.height([Cell(v, w) for v, w in zip(values, widths, strict=True)])
        ws.append([st.cell(ws, v, st.plain, st.wrap) for v in values])
    describe(wb, "Participants", f"{len(table)} participants, exported by qualcode on {_stamp()}.")
    with replacing(path) as tmp:
        wb.save(tmp)


def participant_cells(
    people: Sequence[ParticipantRow], columns: Sequence[tuple[str, str]], label_style: str
) -> list[list[Any]]:
    """The Appendix A table's cell values (shared by every format)."""
    out = []
    for p in people:
        row: list[Any] = []
        for key, _header in columns:
            if key == "label":
                row.append(participant_label(p.label, label_style))
            elif key == "documents":
                row.append(p.documents)
            elif key == "codings":
                row.append(p.codings)
            else:
                value = p.attributes.get(key, "")
                row.append("" if value is None else value if isinstance(value, int | float) else str(value))
        out.append(row)
    return out


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs of row numbers: [2,3,4,7,8] -> [(2,4),(7,8)]."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def write_matrix_xlsx(
    table: Matrix,
    path: Path,
    *,
    font: str = DEFAULT_FONT,
    size: float = DEFAULT_SIZE,
) -> None:
    """The code × column matrix: counts (empty cell = no codings), row and column totals, the
    distinct participants per row, theme subtotals in bold, a heat-map colour scale over the
    code cells, and a chart sheet of codings per theme stacked by column."""
    ensure_folder(path)
    st = Styles(font, size)
    n = len(table.columns)
    heads = ["Code", *table.columns, "Total", "Participants"]
    # Each column header on one line where it fits in 16 characters, never a word broken.
    col_width = st.fit(table.columns, bold=True, least=6, most=16) if n else 6.0
    label_width = st.fit([r.label for r in table.rows], bold=True, least=30, most=50)
    widths = [
        label_width,
        *([col_width] * n),
        st.fit(["Total"], bold=True, least=7, most=10),
        st.fit(["Participants"], bold=True, least=8, most=16),
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Matrix")
    page_setup(ws, widths, freeze="B2")
    ws.row_dimensions[1].height = st.height([Cell(h, w, "bold") for h, w in zip(heads, widths, strict=True)])
    ws.append(
        [
            st.cell(ws, h, st.bold, st.wrap_centre if i else st.wrap, fill=HEADER_FILL)
            for i, h in enumerate(heads)
        ]
    )
    code_rows: list[int] = []
    number = Alignment(horizontal="center", vertical="top")
    for r, row in enumerate(table.rows, start=2):
        bold = row.kind != "code"
        font_ = st.bold if bold else st.plain
        fill = THEME_FILL if bold else None
        indent = min(15, row.depth * 2)
        label_align = Alignment(wrap_text=True, vertical="top", indent=indent)
        if row.kind == "code":
            code_rows.append(r)
        ws.row_dimensions[r].height = st.height([Cell(row.label, widths[0], style_of(bold), indent)])
        ws.append(
            [
                st.cell(ws, row.label, font_, label_align, fill=fill),
                *_count_cells(st, ws, row, font_, number, fill),
                st.cell(ws, row.total, st.bold, number, fill=fill),
                st.cell(ws, row.participants, font_, number, fill=fill),
            ]
        )
    if n and code_rows:
        last = get_column_letter(1 + n)
        ranges = " ".join(f"B{a}:{last}{b}" for a, b in _runs(code_rows))
        ws.conditional_formatting.add(
            ranges,
            ColorScaleRule(
                start_type="num", start_value=0, start_color="FFFFFF", end_type="max", end_color="F4A460"
            ),
        )
    _matrix_chart(wb, st, table)
    codes_n = len(code_rows)
    describe(
        wb,
        f"Codings per code and {table.by}",
        f"{codes_n} codes × {n} {table.by} columns; empty cell = no codings. "
        f"Exported by qualcode on {_stamp()}.",
    )
    with replacing(path) as tmp:
        wb.save(tmp)


def _count_cells(
    st: Styles, ws: Any, row: MatrixRow, font: Font, align: Alignment, fill: PatternFill | None
) -> list[Any]:
    """A row's count cells: styled where there are codings, empty (None, no cell written)
    elsewhere, so that a sparse 20,000 × 2,000 matrix writes only its 200,000 codings."""
    values: list[Any] = [None] * row.width
    if fill is not None:  # subtotal and total rows are shaded across
        values = [st.cell(ws, None, font, align, fill=fill) for _ in range(row.width)]
    for i, v in row.cells:
        values[i] = st.cell(ws, v, font, align, fill=fill)
    return values


def _matrix_chart(wb: Workbook, st: Styles, table: Matrix) -> None:
    """Codings per theme, stacked by column; beyond CHART_SERIES columns the rest are summed."""
    if not table.theme_totals or not table.columns:
        return
    columns = list(table.columns)
    totals = [sum(counts[i] for _, counts in table.theme_totals) for i in range(len(columns))]
    keep = list(range(len(columns)))
    if len(columns) > CHART_SERIES:
        keep = sorted(sorted(keep, key=lambda i: -totals[i])[: CHART_SERIES - 1])
    rest = [i for i in range(len(columns)) if i not in set(keep)]
    # A worksheet (not a chartsheet): LibreOffice prints charts on worksheets only.
    data = wb.create_sheet("Chart")
    series_names = [columns[i] for i in keep] + ([f"Other ({len(rest)})"] if rest else [])
    names = [name for name, _ in table.theme_totals]
    widths = [
        st.fit(names, least=30, most=50),
        *([st.fit(series_names, bold=True, least=6, most=16)] * len(series_names)),
    ]
    page_setup(data, widths)
    heads = ["Theme", *series_names]
    data.row_dimensions[1].height = st.height(
        [Cell(h, w, "bold") for h, w in zip(heads, widths, strict=True)]
    )
    data.append([st.cell(data, h, st.bold, st.wrap, fill=HEADER_FILL) for h in heads])
    for r, (name, counts) in enumerate(table.theme_totals, start=2):
        values = [counts[i] for i in keep] + ([sum(counts[i] for i in rest)] if rest else [])
        data.row_dimensions[r].height = st.height([Cell(name, widths[0])])
        data.append(
            [st.cell(data, name, st.plain, st.wrap), *[st.cell(data, v, st.plain, st.centre) for v in values]]
        )
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = f"Codings per theme, by {table.by.removeprefix('attribute:')}"
    chart.y_axis.title = "Codings"
    chart.x_axis.scaling.orientation = "maxMin"  # first theme at the top, as in the codebook
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    rows = len(table.theme_totals)
    refs = Reference(data, min_col=2, max_col=1 + len(series_names), min_row=1, max_row=1 + rows)
    chart.add_data(refs, titles_from_data=True)
    chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=1 + rows))
    chart.legend.position = "r"
    chart.width = 30  # cm
    chart.height = max(10.0, 1.2 * rows + 4)
    data.add_chart(chart, f"A{rows + 3}")


def write_cooccurrence_xlsx(
    rows: Sequence[CooccurrenceRow], path: Path, *, font: str = DEFAULT_FONT, size: float = DEFAULT_SIZE
) -> None:
    """Pairs of codes met on the same or overlapping excerpts, most frequent first."""
    ensure_folder(path)
    st = Styles(font, size)
    heads = ["Code", "Code", "Together", "Documents", "Participants"]
    widths = [
        40.0,
        40.0,
        st.fit(heads[2:3], bold=True, least=8),
        st.fit(heads[3:4], bold=True, least=8),
        40.0,
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Co-occurrence")
    page_setup(ws, widths)
    ws.row_dimensions[1].height = st.height([Cell(h, w, "bold") for h, w in zip(heads, widths, strict=True)])
    ws.append([st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL) for h in heads])
    for i, r in enumerate(rows, start=2):
        who = ", ".join(r.participants)
        ws.row_dimensions[i].height = st.height([Cell(r.code_a, 40), Cell(r.code_b, 40), Cell(who, 40)])
        ws.append(
            [
                st.cell(ws, r.code_a, st.plain, st.wrap),
                st.cell(ws, r.code_b, st.plain, st.wrap),
                st.cell(ws, r.count, st.plain, st.centre),
                st.cell(ws, r.documents, st.plain, st.centre),
                st.cell(ws, who, st.plain, st.wrap),
            ]
        )
    with replacing(path) as tmp:
        wb.save(tmp)
