"""Full-text search across every document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from qualcode.services import workbench as wb
from qualcode.tui.messages import SearchFinished
from qualcode.tui.screens.base import StudyScreen, _clip

if TYPE_CHECKING:
    pass


class SearchScreen(StudyScreen):
    """Full text across every document and coded segment; Enter jumps to the hit."""

    BINDINGS = [
        Binding("ctrl+f", "focus_query", "Edit query", id="search.focus"),
        Binding("o", "open", "Open hit", id="search.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[wb.SearchHit] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search every document (any language); Enter to search", id="search-input")
        yield Static("", id="search-summary")
        yield DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#hits", DataTable).add_columns("who", "document", "context", "coded with")
        self.query_one(Input).focus()

    def reload(self) -> None:
        super().reload()
        query = self.query_one(Input).value
        if query.strip():
            self.run_search(query)

    def action_focus_query(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#search-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        self.qapp.load(self, SearchFinished, wb.search, query)

    @on(SearchFinished)
    def show(self, message: SearchFinished) -> None:
        hits: list[wb.SearchHit] = message.result
        self.hits = hits
        table = self.query_one("#hits", DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    h.participant or "",
                    _clip(h.document, 20),
                    _clip(h.snippet, 80),
                    _clip(", ".join(h.codes), 30),
                )
                for h in hits
            ]
        )
        docs = len({h.document_id for h in hits})
        self.query_one("#search-summary", Static).update(f"{len(hits)} hit(s) in {docs} document(s)")
        if hits:
            table.focus()

    @on(DataTable.RowSelected, "#hits")
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if not self.hits:
            return
        hit = self.hits[self.query_one("#hits", DataTable).cursor_row]
        self.qapp.open_document(hit.document_id, (hit.start, hit.end))
