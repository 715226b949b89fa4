"""F1: every key of every screen, as it is typed, with its binding id for the keymap file."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.keys import _character_to_key, key_to_character
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


def binding_sources() -> list[tuple[str, type[Any]]]:
    """(where, class) for every screen and dialog with keys, in the order help lists them."""
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.picker import PickerScreen
    from qualcode.tui.screens.codebook import CodebookScreen
    from qualcode.tui.screens.dialogs import MemoEditor, ReasonScreen
    from qualcode.tui.screens.documents import DocumentsScreen
    from qualcode.tui.screens.excerpts import ExcerptsScreen
    from qualcode.tui.screens.funnel import FunnelScreen
    from qualcode.tui.screens.matrix import MatrixScreen
    from qualcode.tui.screens.memos import MemosScreen
    from qualcode.tui.screens.participants import ParticipantsScreen
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
        ("funnel", FunnelScreen),
        ("merge/exclude", ReasonScreen),
        ("matrix", MatrixScreen),
        ("search", SearchScreen),
        ("participants", ParticipantsScreen),
        ("memos", MemosScreen),
        ("memo editor", MemoEditor),
        ("excerpts", ExcerptsScreen),
    ]


# Key names Textual gives characters that Unicode calls otherwise.
_NAMED = {"slash": "/", "backslash": "\\", "full_stop": ".", "comma": ","}


def typed_key(key: str) -> str:
    """A key as the user types it: "]" for right_square_bracket, "/" for slash; keys that are
    not one character keep their name ("ctrl+up", "pagedown", "escape")."""
    if "+" in key or len(key) == 1:
        return key
    if key in _NAMED:
        return _NAMED[key]
    character = key_to_character(key)
    if character is not None and character.isprintable() and not character.isspace():
        if _character_to_key(character) == key:
            return character
    return key


def typed_keys(keys: str) -> str:
    """A binding's comma-separated keys as typed, joined by " or "."""
    return " or ".join(typed_key(k.strip()) for k in keys.split(",") if k.strip())


class HelpScreen(ModalScreen[None]):
    """F1: every binding of every screen, with its id for the keymap file."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close help", id="help.close")]

    def compose(self) -> ComposeResult:
        from qualcode.tui.keymap import keymap_path

        with Vertical(classes="dialog wide", id="help-dialog"):
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
                rows.append((where, typed_keys(keys), binding.description, binding.id or ""))
        rows.append(("everywhere", "ctrl+p", "Command palette: every action by name", ""))
        table.add_rows(rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
