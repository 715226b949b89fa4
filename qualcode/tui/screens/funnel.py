"""The consolidation funnel, as `qualcode funnel` prints it: the sentence and every step."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from qualcode.domain.funnel import FunnelReport
from qualcode.services.funnel import study_funnel

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


class FunnelScreen(ModalScreen[None]):
    """What the methods chapter reports: applications → unique codes → kept, with each merge's
    and exclusion's who, when and why."""

    BINDINGS = [Binding("escape,f,q", "close", "Close", id="funnel.close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("The consolidation funnel (qualcode funnel)", classes="dialog-title")
            with VerticalScroll(id="funnel-scroll"):
                yield Static("counting…", id="funnel")
            yield Label("Escape to close", classes="dim")

    def on_mount(self) -> None:
        cast("QualcodeApp", self.app).db(study_funnel, done=self.show)

    def show(self, report: FunnelReport) -> None:
        self.report = report
        self.query_one("#funnel", Static).update(Text("\n".join([report.paragraph, *report.stage_lines()])))

    def action_close(self) -> None:
        self.dismiss(None)
