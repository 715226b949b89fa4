"""The first screen: documents grouped by participant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from qualcode.services import workbench as wb
from qualcode.tui.messages import DocumentsLoaded, ProgressLoaded
from qualcode.tui.screens.base import StudyScreen, progress_bar

if TYPE_CHECKING:
    pass


class DocumentsScreen(StudyScreen):
    """The first screen: documents grouped by participant, with how much of each is coded."""

    BINDINGS = [
        Binding("o", "open", "Open document", id="documents.open"),
        Binding("ctrl+r", "reload", "Reload", id="documents.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.row_documents: list[int | None] = []
        self.groups: list[wb.ParticipantGroup] = []
        self.progress: dict[int, wb.DocumentProgress] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the study…", id="documents-summary")
        yield DataTable(id="documents", cursor_type="row")
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.load(self, DocumentsLoaded, wb.document_overview)

    def action_reload(self) -> None:
        self.reload()

    @on(DocumentsLoaded)
    def show(self, message: DocumentsLoaded) -> None:
        """The list first; how much of each document is coded follows from a second query."""
        self.groups = message.result
        self._fill_table()
        self.qapp.load(self, ProgressLoaded, wb.document_progress)

    @on(ProgressLoaded)
    def show_progress(self, message: ProgressLoaded) -> None:
        self.progress = message.result
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#documents", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_columns("participant / document", "characters", "codings", "coded")
        rows: list[tuple[object, ...]] = []
        self.row_documents = []
        docs = 0
        for group in self.groups:
            label = group.label or "(no participant)"
            rows.append((Text(label, style="bold"), "", Text(str(group.codings), style="bold"), ""))
            self.row_documents.append(None)
            for doc in group.documents:
                docs += 1
                known = self.progress.get(doc.id)
                size = f"{known.characters:,}" if known else "…"
                rows.append(
                    (f"  {doc.title}", size, str(doc.codings), progress_bar(known.share) if known else "…")
                )
                self.row_documents.append(doc.id)
        table.add_rows(rows)
        self.qapp.loaded()
        codings = sum(g.codings for g in self.groups)
        self.query_one("#documents-summary", Static).update(
            f"{docs} documents · {sum(1 for g in self.groups if g.label)} participants · {codings:,} codings"
            "   —   Enter opens a document · 2 codebook · 3 matrix · 4 search · F1 help"
        )
        if rows:
            first_doc = next((i for i, d in enumerate(self.row_documents) if d is not None), 0)
            table.move_cursor(row=keep if 0 < keep < len(rows) else first_doc)
        table.focus()

    @on(DataTable.RowSelected, "#documents")
    def row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#documents", DataTable)
        if not self.row_documents:
            return
        doc_id = self.row_documents[table.cursor_row]
        if doc_id is None:  # a participant row: open their first document
            later = self.row_documents[table.cursor_row :]
            doc_id = next((d for d in later if d is not None), None)
        if doc_id is not None:
            self.qapp.open_document(doc_id)
