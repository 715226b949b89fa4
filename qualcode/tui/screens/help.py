"""F1: every key of every screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from qualcode.tui.picker import PickerScreen

if TYPE_CHECKING:
    pass


def binding_sources() -> list[tuple[str, type[Any]]]:
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.codebook import CodebookScreen
    from qualcode.tui.screens.documents import DocumentsScreen
    from qualcode.tui.screens.excerpts import ExcerptsScreen
    from qualcode.tui.screens.matrix import MatrixScreen
    from qualcode.tui.screens.reader import ReaderScreen
    from qualcode.tui.screens.search import SearchScreen
    from qualcode.tui.screens.similar import SimilarScreen

    return [
        ("everywhere", QualcodeApp),
        ("documents", DocumentsScreen),
        ("reader", ReaderScreen),
        ("code picker", PickerScreen),
        ("codebook", CodebookScreen),
        ("similar codes", SimilarScreen),
        ("matrix", MatrixScreen),
        ("search", SearchScreen),
        ("excerpts", ExcerptsScreen),
    ]


class HelpScreen(ModalScreen[None]):
    """F1: every binding of every screen, with its id for the keymap file."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close help", id="help.close")]

    def compose(self) -> ComposeResult:
        from qualcode.tui.keymap import keymap_path

        with Vertical(classes="dialog wide"):
            yield Label(
                f"Keys — remap them in {keymap_path()} (see docs/workbench.md)", classes="dialog-title"
            )
            yield DataTable(id="help", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "keys", "does", "binding id")
        keymap: dict[str, str] = dict(getattr(self.app, "_keymap", {}) or {})
        rows = []
        for where, source in binding_sources():
            for binding in source.BINDINGS:
                if not isinstance(binding, Binding):
                    continue
                keys = keymap.get(binding.id or "", binding.key)
                rows.append((where, keys.replace(",", "  "), binding.description, binding.id or ""))
        rows.append(("everywhere", "ctrl+p", "Command palette: every action by name", ""))
        table.add_rows(rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
