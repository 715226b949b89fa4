"""The code × participant matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from qualcode.domain.labels import split_label
from qualcode.services import workbench as wb
from qualcode.tui.messages import MatrixLoaded
from qualcode.tui.screens.base import StudyScreen, _clip
from qualcode.tui.screens.excerpts import ExcerptsScreen

if TYPE_CHECKING:
    pass


MATRIX_COLUMNS = 40


class MatrixScreen(StudyScreen):
    """Code × participant counts with theme subtotals; a cell opens its excerpts."""

    BINDINGS = [
        Binding("o", "excerpts", "Excerpts of the cell", id="matrix.excerpts"),
        Binding("right_square_bracket", "columns(1)", "Next participants", id="matrix.next_columns"),
        Binding("left_square_bracket", "columns(-1)", "Previous participants", id="matrix.previous_columns"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.matrix: wb.Matrix | None = None
        self.first_column = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the matrix…", id="matrix-summary")
        yield DataTable(id="matrix", cursor_type="cell", fixed_columns=1)
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.load(
            self, MatrixLoaded, wb.code_matrix, first_column=self.first_column, max_columns=MATRIX_COLUMNS
        )

    def action_columns(self, step: int) -> None:
        if self.matrix is None:
            return
        first = self.first_column + step * MATRIX_COLUMNS
        if 0 <= first < self.matrix.participants and first != self.first_column:
            self.first_column = first
            self.reload()

    @on(MatrixLoaded)
    def show(self, message: MatrixLoaded) -> None:
        matrix: wb.Matrix = message.result
        self.matrix = matrix
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_column("code", width=44)
        # Counts are right-aligned, so headers are too, each column as wide as its widest entry:
        # a left-aligned "B" over a right-aligned "12" reads as the column beside it.
        for i, label in enumerate(matrix.columns):
            header = split_label(label)[1] or label
            widest = max((len(str(r.counts[i])) for r in matrix.rows), default=1)
            table.add_column(Text(header, justify="right"), width=max(len(header), widest))
        table.add_column(
            Text("total", justify="right"), width=max(5, *(len(str(r.total)) for r in matrix.rows))
        )
        rows = []
        theme_depth = 0
        for row in matrix.rows:
            bold = "bold" if row.kind == "theme" else ""
            # sub-themes and sub-codes indented under their parent, as `report matrix` does
            # (a code's depth counts from its theme's: a code directly in a theme is one below it)
            if row.kind == "theme":
                theme_depth = row.depth
            level = row.depth + (theme_depth if row.kind == "code" and row.theme else 0)
            indent = "  " * (level if row.kind != "total" else 0)
            name = Text(indent + _clip(row.name, 44), style=bold or "")
            cells = [
                Text(str(n) if n else "·", style=bold or ("" if n else "dim"), justify="right")
                for n in row.counts
            ]
            rows.append([name, *cells, Text(str(row.total), style="bold", justify="right")])
        table.add_rows(rows)
        shown = len(matrix.columns)
        window = (
            f" (participants {self.first_column + 1}–{self.first_column + shown}"
            f" of {matrix.participants}: [ ] for more)"
            if shown < matrix.participants
            else ""
        )
        self.query_one("#matrix-summary", Static).update(
            f"{sum(1 for r in matrix.rows if r.kind == 'code'):,} codes × "
            f"{matrix.participants} participants{window}"
            "   —   Enter on a cell opens its excerpts"
        )
        table.focus()

    @on(DataTable.CellSelected, "#matrix")
    def cell_selected(self) -> None:
        self.action_excerpts()

    def action_excerpts(self) -> None:
        if self.matrix is None or not self.matrix.rows:
            return
        table = self.query_one("#matrix", DataTable)
        row = self.matrix.rows[table.cursor_row]
        col = table.cursor_column
        if row.kind != "code":
            self.notify("a theme row is a subtotal: open a code's cell", severity="warning")
            return
        participant = self.matrix.columns[col - 1] if 1 <= col <= len(self.matrix.columns) else None
        who = f" by {participant}" if participant else ""
        self.app.push_screen(ExcerptsScreen(f"{row.name!r}{who}", row.name, participant))
