"""Spreadsheets a thesis can use as they are: Appendix A, Appendix B, the matrix, co-occurrence.

Written in openpyxl's write-only mode (rows stream to disk, so 20,000 codes export in
seconds), with a named font, wrapped text and row heights that show a quote whole, column
widths, a frozen header repeated on every printed page, and a landscape page fit to width.
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

from qualcode.domain.citations import participant_label
from qualcode.domain.reports import Codebook, CooccurrenceRow, Matrix, MatrixRow, ParticipantRow
from qualcode.io.output import ensure_folder, replacing

DEFAULT_FONT = "Arial"  # LibreOffice renders it with the metric-compatible Liberation Sans
DEFAULT_SIZE = 10
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
THEME_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_ROW_HEIGHT = 409.0  # Excel's limit, in points
CHART_SERIES = 24  # more stacked series than this cannot be told apart


class _Styles:
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
        self.line_height = size * 1.28  # points per wrapped line (Excel: 12.75 for 10 pt)
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
        cell = WriteOnlyCell(ws, value=value)
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

    def height(self, texts_and_widths: Sequence[tuple[str, float]]) -> float:
        """A row height (points) that shows every wrapped text whole in its column width."""
        lines = max((_lines(t, w * 10 / self.size) for t, w in texts_and_widths), default=1)
        return min(MAX_ROW_HEIGHT, round(lines * self.line_height + 3, 2))


def _lines(text: str, chars_per_line: float) -> int:
    """Wrapped lines of ``text`` in a column holding about ``chars_per_line`` characters.

    A column's width counts '0' digits; running text in Arial/Liberation Sans averages about
    1.4 characters per digit width (measured on LibreOffice's rendering of the thesis quotes).
    We count 1.2, wrapping word by word, so that Cyrillic (wider) and Excel's rounding still
    fit: a row may end with a little room to spare, never with a cut-off quote.
    """
    limit = max(1, int(chars_per_line * 1.2))
    total = 0
    for paragraph in str(text).split("\n"):
        used, lines = 0, 1
        for word in paragraph.split(" "):
            size = len(word)
            if used and used + 1 + size > limit:
                lines += 1
                used = 0
            while size > limit:  # a very long word breaks across lines
                lines += 1
                size -= limit
            used = used + (1 if used else 0) + size
        total += lines
    return max(1, total)


def _page(ws: Any, widths: Sequence[float], *, header_rows: str = "1:1", freeze: str = "A2") -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.print_title_rows = header_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5


def _about(wb: Workbook, st: _Styles, lines: Sequence[str]) -> None:
    ws = wb.create_sheet("About")
    ws.column_dimensions["A"].width = 120
    for text in lines:
        ws.append([st.cell(ws, text, st.plain, st.wrap, border=None)])


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


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

    Sub-themes get their own header row, indented. The sheet "About" says which quotes
    qualcode picked because none was marked.
    """
    ensure_folder(path)
    st = _Styles(font, size)
    widths = (36.0, 92.0, 12.0)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Codebook")
    _page(ws, widths)
    header = ["Theme", "Example of a code", "Number of codes"]
    ws.row_dimensions[1].height = st.line_height + 4
    row = 1
    cells = [st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL) for h in header]
    cells[2].alignment = st.wrap_centre
    ws.append(cells)
    for section in book.sections:
        if not section.entries and section.theme is None:
            continue
        name = section.theme if section.theme is not None else "Codes without a theme"
        row += 1
        ws.row_dimensions[row].height = st.height([(name, widths[0] - 2 * section.depth)])
        indent = Alignment(wrap_text=True, vertical="top", indent=2 * section.depth)
        ws.append(
            [
                st.cell(ws, name, st.bold, indent, fill=THEME_FILL),
                st.cell(ws, "Example of a code", st.bold, st.wrap, fill=THEME_FILL),
                st.cell(ws, "Number of codes", st.bold, st.wrap_centre, fill=THEME_FILL),
            ]
        )
        for entry in section.entries:
            quote = entry.example.cited(label_style) if entry.example else ""
            row += 1
            ws.row_dimensions[row].height = st.height([(entry.code, widths[0]), (quote, widths[1])])
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
        about.append(
            "Quotes chosen by qualcode: "
            + "; ".join(e.code for e in book.entries if e.example and not e.example.marked)
        )
    _about(wb, st, about)
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
    st = _Styles(font, size)
    table = participant_cells(people, columns, label_style)
    widths = [
        min(60.0, max(10.0, max((len(str(r[i])) for r in table), default=8) + 2.0))
        for i in range(len(columns))
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Participants")
    _page(ws, widths)
    ws.append([st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL) for _, h in columns])
    for i, values in enumerate(table, start=2):
        ws.row_dimensions[i].height = st.height([(str(v), w) for v, w in zip(values, widths, strict=True)])
        ws.append([st.cell(ws, v, st.plain, st.wrap) for v in values])
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
    st = _Styles(font, size)
    n = len(table.columns)
    col_width = min(14.0, max(6.0, max((len(c) for c in table.columns), default=4) * 0.9 + 1))
    widths = [40.0, *([col_width] * n), 9.0, 13.0]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Matrix")
    _page(ws, widths, freeze="B2")
    heads = ["Code", *table.columns, "Total", "Participants"]
    ws.row_dimensions[1].height = st.height([(h, col_width) for h in table.columns] + [("Participants", 13)])
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
        label_align = Alignment(wrap_text=True, vertical="top", indent=min(15, row.depth * 2))
        if row.kind == "code":
            code_rows.append(r)
        ws.row_dimensions[r].height = st.height([(row.label, widths[0] - 2 * row.depth)])
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
    with replacing(path) as tmp:
        wb.save(tmp)


def _count_cells(
    st: _Styles, ws: Any, row: MatrixRow, font: Font, align: Alignment, fill: PatternFill | None
) -> list[Any]:
    """A row's count cells: styled where there are codings, empty (None, no cell written)
    elsewhere, so that a sparse 20,000 × 2,000 matrix writes only its 200,000 codings."""
    values: list[Any] = [None] * row.width
    if fill is not None:  # subtotal and total rows are shaded across
        values = [st.cell(ws, None, font, align, fill=fill) for _ in range(row.width)]
    for i, v in row.cells:
        values[i] = st.cell(ws, v, font, align, fill=fill)
    return values


def _matrix_chart(wb: Workbook, st: _Styles, table: Matrix) -> None:
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
    _page(data, [40.0] + [10.0] * len(series_names))
    data.append([st.cell(data, h, st.bold, st.wrap, fill=HEADER_FILL) for h in ["Theme", *series_names]])
    for name, counts in table.theme_totals:
        values = [counts[i] for i in keep] + ([sum(counts[i] for i in rest)] if rest else [])
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
    ensure_folder(path)
    st = _Styles(font, size)
    widths = [40.0, 40.0, 10.0, 11.0, 40.0]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Co-occurrence")
    _page(ws, widths)
    ws.append(
        [
            st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL)
            for h in ["Code", "Code", "Together", "Documents", "Participants"]
        ]
    )
    for i, r in enumerate(rows, start=2):
        who = ", ".join(r.participants)
        ws.row_dimensions[i].height = st.height([(r.code_a, 40), (r.code_b, 40), (who, 40)])
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
