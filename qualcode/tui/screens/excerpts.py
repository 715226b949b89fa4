"""The coded excerpts of a code (and participant)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from qualcode.services.coding import SegmentRow, list_segments
from qualcode.tui.screens.base import _clip

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


class ExcerptsScreen(ModalScreen[None]):
    """The coded excerpts of a code (and participant); Enter opens one in the reader."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="excerpts.close"),
        Binding("o", "open", "Open in reader", id="excerpts.open"),
    ]

    def __init__(self, title: str, code: str | None, participant: str | None = None):
        super().__init__()
        self.title_text = title
        self.code = code
        self.participant = participant
        self.rows: list[SegmentRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            yield DataTable(id="excerpts", cursor_type="row", zebra_stripes=True)
            yield Label("Enter: open in the reader · Escape: close", classes="dim")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("who", "document", "excerpt", "coder")
        table.focus()
        cast("QualcodeApp", self.app).db(
            list_segments, code=self.code, participant=self.participant, done=self.show
        )

    def show(self, rows: list[SegmentRow]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.add_rows(
            [(r.participant or "", _clip(r.document, 24), _clip(r.text, 90), r.coder) for r in rows]
        )
        self.query_one(".dialog-title", Label).update(f"{self.title_text} — {len(rows)} excerpt(s)")

    @on(DataTable.RowSelected, "#excerpts")
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        row = self.rows[table.cursor_row]
        self.dismiss(None)
        cast("QualcodeApp", self.app).open_document(row.document, (row.start, row.end))

    def action_close(self) -> None:
        self.dismiss(None)
