"""Participants: their attributes in an editable table, and which documents are theirs."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label, Static

from qualcode.services import workbench as wb
from qualcode.tui.messages import ParticipantsLoaded
from qualcode.tui.screens.base import StudyScreen, _clip
from qualcode.tui.screens.dialogs import ChooseScreen, PromptScreen

FIXED = ("participant", "documents", "codings")  # the columns before the attributes


class ParticipantsScreen(StudyScreen):
    """One row per participant, one column per attribute; Enter edits the cell under the cursor."""

    BINDINGS = [
        Binding("e", "edit", "Edit attribute", id="participants.edit"),
        Binding("a", "add_attribute", "New attribute", id="participants.add_attribute"),
        Binding("l", "link", "Link a document", id="participants.link"),
        Binding("L", "unlink", "Unlink a document", id="participants.unlink"),
        Binding("m", "memo", "Memo on participant", id="participants.memo"),
        Binding("o", "open", "Open their document", id="participants.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.table: wb.ParticipantsTable | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the participants…", id="participants-summary")
        yield DataTable(id="participants", cursor_type="cell", zebra_stripes=True, fixed_columns=1)
        yield Label("Documents", classes="side-title")
        yield DataTable(id="participant-documents", cursor_type="row")
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.load(self, ParticipantsLoaded, wb.participants_screen)

    @on(ParticipantsLoaded)
    def show(self, message: ParticipantsLoaded) -> None:
        self.table = message.result
        assert self.table is not None
        grid = self.query_one("#participants", DataTable)
        keep = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_columns(*FIXED, *self.table.attribute_names)
        rows = []
        for person in self.table.participants:
            values = dict(person.attributes)
            rows.append(
                (
                    Text(person.label, style="bold"),
                    Text(str(len(person.documents)), justify="right"),
                    Text(str(person.codings), justify="right"),
                    *(values.get(name, "") for name in self.table.attribute_names),
                )
            )
        grid.add_rows(rows)
        if rows:
            grid.move_cursor(
                row=min(keep.row, len(rows) - 1),
                column=min(keep.column, len(FIXED) + len(self.table.attribute_names) - 1),
            )
        self.query_one("#participants-summary", Static).update(
            f"{len(rows)} participants · {len(self.table.attribute_names)} attributes · "
            f"{sum(1 for _, who in self.table.documents if who is None)} unlinked document(s)"
            "   —   Enter edit · a new attribute · l link · L unlink · m memo"
        )
        self._show_documents()
        grid.focus()

    def _person(self) -> wb.ParticipantScreenRow | None:
        if self.table is None or not self.table.participants:
            return None
        row = self.query_one("#participants", DataTable).cursor_row
        return self.table.participants[min(row, len(self.table.participants) - 1)]

    @on(DataTable.CellHighlighted, "#participants")
    def _show_documents(self) -> None:
        person = self._person()
        docs = self.query_one("#participant-documents", DataTable)
        docs.clear(columns=True)
        docs.add_columns("document")
        if person is not None:
            docs.add_rows([(_clip(title, 100),) for title in person.documents] or [("(no documents)",)])

    @on(DataTable.CellSelected, "#participants")
    def selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        person = self._person()
        if person is None or self.table is None:
            return
        column = self.query_one("#participants", DataTable).cursor_column
        if column < len(FIXED):
            if column == 1:
                self.action_link()
            else:
                self.notify("move to an attribute column to edit it (a adds a new one)", severity="warning")
            return
        name = self.table.attribute_names[column - len(FIXED)]
        self._ask_value(person, name, dict(person.attributes).get(name, ""))

    def _ask_value(self, person: wb.ParticipantScreenRow, name: str, value: str) -> None:
        from qualcode.services.participants import set_participant_attribute

        def given(new: str | None) -> None:
            if new is None or new.strip() == value.strip():
                return
            self.qapp.db(
                set_participant_attribute,
                person.label,
                name,
                new,
                write=True,
                done=lambda _r: self._changed(f"{person.label}: {name} = {new.strip() or '(removed)'}"),
            )

        self.app.push_screen(
            PromptScreen(f"{person.label} — {name} (empty removes it)", value, placeholder=name), given
        )

    def action_add_attribute(self) -> None:
        person = self._person()
        if person is None:
            return

        def named(name: str | None) -> None:
            if name and name.strip():
                self._ask_value(person, name.strip(), "")

        self.app.push_screen(
            PromptScreen(f"New attribute of {person.label}", placeholder="e.g. location"), named
        )

    def action_link(self) -> None:
        from qualcode.services.documents import assign_document

        person = self._person()
        if person is None or self.table is None:
            return
        options: list[tuple[str, Any]] = [
            (f"{title}  ({who or 'no participant'})", title)
            for title, who in self.table.documents
            if who != person.label
        ]
        if not options:
            self.notify("every document is already theirs", severity="warning")
            return

        def chosen(title: str | None) -> None:
            if title is not None:
                self.qapp.db(
                    assign_document,
                    title,
                    person.label,
                    write=True,
                    done=lambda _r: self._changed(f"{title} is now {person.label}'s"),
                )

        self.app.push_screen(ChooseScreen(f"Which document is {person.label}'s?", options), chosen)

    def action_unlink(self) -> None:
        from qualcode.services.documents import assign_document

        person = self._person()
        if person is None or not person.documents:
            return

        def chosen(title: str | None) -> None:
            if title is not None:
                self.qapp.db(
                    assign_document,
                    title,
                    None,
                    write=True,
                    done=lambda _r: self._changed(f"{title} is no longer {person.label}'s"),
                )

        self.app.push_screen(
            ChooseScreen(f"Which document is not {person.label}'s?", [(t, t) for t in person.documents]),
            chosen,
        )

    def action_memo(self) -> None:
        from qualcode.tui.screens.memos import write_memo

        person = self._person()
        if person is not None:
            write_memo(self.app, f"participant {person.label}", participant=person.label)

    def action_open(self) -> None:
        person = self._person()
        if person is not None and person.documents:
            self.qapp.open_document(person.documents[0])

    def _changed(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()
