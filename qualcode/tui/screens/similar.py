"""Duplicate-suggestion clusters, accepted or rejected one by one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.services import consolidate
from qualcode.tui.screens.dialogs import ReasonScreen, name_list

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


class SimilarScreen(ModalScreen[None]):
    """Duplicate-suggestion clusters: accept (merge into the suggested name) or reject, one by one."""

    BINDINGS = [
        Binding("a", "accept", "Accept cluster", id="similar.accept"),
        Binding("d", "reject", "Reject cluster", id="similar.reject"),
        Binding("escape", "close", "Close", id="similar.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.clusters: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                "Similar codes — a: merge into the suggested name · d: reject · Escape: close",
                classes="dialog-title",
            )
            yield OptionList(id="clusters")

    def on_mount(self) -> None:
        cast("QualcodeApp", self.app).db(consolidate.similar_codes, done=self.show)

    def show(self, result: Any) -> None:
        self.clusters = list(getattr(result, "clusters", result))
        options = self.query_one(OptionList)
        options.clear_options()
        for cluster in self.clusters:
            options.add_option(
                Option(
                    Text.assemble(
                        (f"{cluster.suggested}", "bold"),
                        " ← ",
                        ", ".join(c for c in cluster.codes if c != cluster.suggested),
                        (f"  (min {cluster.min_score:.0f})", "dim"),
                    )
                )
            )
        if not self.clusters:
            options.add_option(Option("no similar codes", disabled=True))
        options.focus()

    def _current(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        return index if index is not None and index < len(self.clusters) else None

    def action_accept(self) -> None:
        index = self._current()
        if index is None:
            return
        cluster = self.clusters[index]
        sources = [c for c in cluster.codes if c != cluster.suggested]

        def merged(_r: Any) -> None:
            self.notify(f"merged {name_list(sources)} into {cluster.suggested!r}", markup=False)
            self._drop(index)

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                cast("QualcodeApp", self.app).db(
                    consolidate.merge_codes,
                    sources,
                    cluster.suggested,
                    reason=reason,
                    write=True,
                    done=merged,
                )

        self.app.push_screen(
            ReasonScreen(
                f"Merge {len(sources)} code(s) into {cluster.suggested!r}?",
                [f"merge {name_list(sources)}", f"into {cluster.suggested!r}"],
                verb="merge",
                reason=f"near-duplicate names (similarity at least {cluster.min_score:.0f})",
            ),
            confirmed,
        )

    def action_reject(self) -> None:
        index = self._current()
        if index is not None:
            self._drop(index)

    def _drop(self, index: int) -> None:
        del self.clusters[index]
        self.query_one(OptionList).remove_option_at_index(index)

    def action_close(self) -> None:
        self.dismiss(None)
