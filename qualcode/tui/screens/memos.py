"""Memos: the editor opened from any screen, and the memo browser (every memo of the study)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from qualcode.services.memos import MemoRow, add_memo, edit_memo, list_memos
from qualcode.tui.messages import MemosLoaded
from qualcode.tui.screens.base import StudyScreen, _clip
from qualcode.tui.screens.dialogs import MemoEditor

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


def write_memo(app: Any, about: str, then: Callable[[MemoRow], object] | None = None, **target: Any) -> None:
    """Open the memo editor for a new memo on ``target`` (document=, participant=, code=,
    theme=, coding_id=; none: the study) and save it through ``add_memo``."""
    qapp = cast("QualcodeApp", app)

    def saved(row: MemoRow) -> None:
        qapp.notify(f"memo saved on {about}", markup=False)
        if then is not None:
            then(row)

    def written(text: str | None) -> None:
        if text is not None:
            qapp.db(add_memo, text, write=True, done=saved, **target)

    qapp.push_screen(MemoEditor(f"Memo on {about}"), written)


def change_memo(app: Any, memo: MemoRow, then: Callable[[MemoRow], object] | None = None) -> None:
    """Open the memo editor on an existing memo and save the new text through ``edit_memo``."""
    qapp = cast("QualcodeApp", app)

    def saved(row: MemoRow) -> None:
        qapp.notify(f"memo {row.memo_id} saved", markup=False)
        if then is not None:
            then(row)

    def written(text: str | None) -> None:
        if text is not None and text != memo.text:
            qapp.db(edit_memo, memo.memo_id, text, write=True, done=saved)

    qapp.push_screen(MemoEditor(f"Memo {memo.memo_id} on {memo_about(memo)}", memo.text), written)


def memo_about(memo: MemoRow) -> str:
    """What a memo is on, in words: "the study", "Expert A", "a coding of 'Visa-free regime'"."""
    if memo.target == "coding":
        return f"a coding of {memo.code!r} in {memo.document}"
    if memo.target == "code":
        return f"code {memo.code!r}"
    if memo.target == "document":
        return f"document {memo.document}"
    if memo.target in ("participant", "theme"):
        return f"{memo.target} {memo.about}"
    return "the study"


class MemosScreen(StudyScreen):
    """Every memo of the study, newest last; Enter edits one, a writes a memo on the study."""

    BINDINGS = [
        Binding("e", "edit", "Edit memo", id="memos.edit"),
        Binding("a", "add", "Memo on the study", id="memos.add"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.memos: list[MemoRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the memos…", id="memos-summary")
        yield DataTable(id="memos", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.load(self, MemosLoaded, list_memos)

    @on(MemosLoaded)
    def show(self, message: MemosLoaded) -> None:
        self.memos = list(message.result)
        table = self.query_one("#memos", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_columns("#", "on", "author", "written", "memo")
        table.add_rows(
            [
                (
                    str(m.memo_id),
                    _clip(memo_about(m), 40),
                    m.author or "",
                    m.created_at.strftime("%Y-%m-%d %H:%M"),
                    _clip(m.text, 70),
                )
                for m in self.memos
            ]
        )
        kinds = sorted({m.target for m in self.memos})
        self.query_one("#memos-summary", Static).update(
            f"{len(self.memos)} memo(s) on {', '.join(kinds) or 'nothing yet'}"
            "   —   Enter edits · a memo on the study · m in other screens writes one there"
        )
        if self.memos:
            table.move_cursor(row=min(keep, len(self.memos) - 1))
        table.focus()

    @on(DataTable.RowSelected, "#memos")
    def selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        if not self.memos:
            return
        memo = self.memos[self.query_one("#memos", DataTable).cursor_row]
        change_memo(self.app, memo, lambda _row: self.reload())

    def action_add(self) -> None:
        write_memo(self.app, "the study", lambda _row: self.reload())
