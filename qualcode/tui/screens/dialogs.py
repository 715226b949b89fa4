"""Small dialogs: choose one of a few things, type one line, confirm a change with its reason."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option


class ChooseScreen(ModalScreen[Any]):
    """Pick one of a few things (which coding to uncode, which theme to move to)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, options: list[tuple[str, Any]], *, cancelled: Any = None):
        super().__init__()
        self.title_text = title
        self.cancelled = cancelled  # what Escape returns (None unless None is a choice)
        self.values = [value for _, value in options]
        self.labels = [label for label, _ in options]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=str(i)) for i, label in enumerate(self.labels)], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.values[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(self.cancelled)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a memo, a new name, an export path)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = ""):
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to confirm, Escape to cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def name_list(names: list[str], most: int = 8) -> str:
    """Code names as a dialog shows them: quoted, the first ``most``, then how many more."""
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


class ReasonScreen(ModalScreen[str | None]):
    """Confirm a change the funnel reports (merge, exclude) and say why.

    Shows exactly what will change, names included; Enter with a reason confirms (the reason
    is returned), Escape cancels. An empty reason is refused in place: the methods chapter
    needs the "why" of every consolidation step.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel")]

    def __init__(self, title: str, what: list[str], *, verb: str, reason: str = ""):
        super().__init__()
        self.title_text = title
        self.what = what
        self.verb = verb
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            for line in self.what:
                yield Static(Text(line), classes="dialog-line")
            yield Label("Why? (the funnel and the methods chapter report it)", classes="dim")
            yield Input(self.reason, placeholder="reason", id="reason-input")
            yield Label("", id="reason-warning")
            yield Label(f"Enter to {self.verb}, Escape to cancel (ctrl+z undoes)", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#reason-input")
    def submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#reason-warning", Label).update(Text("give a reason first", style="bold yellow"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Write or edit a memo of several lines; ctrl+s saves, Escape leaves without saving."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save memo", id="memo.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: str, text: str = ""):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog memo"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield TextArea(self.text, id="memo-text", soft_wrap=True, show_line_numbers=False)
            yield Label("", id="memo-warning")
            yield Label("ctrl+s to save · Escape to cancel · Enter starts a new line", classes="dim")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.query_one("#memo-warning", Label).update(Text("a memo needs some text", style="bold yellow"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
