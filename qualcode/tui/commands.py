"""The command palette (ctrl+p): every action of every screen, grouped by screen.

Entries come from the bindings themselves (so an action with a key is always in the palette
too), titled "Screen: action"; choosing an action of another screen switches to that screen
first. Screens add entries without a key through ``palette_commands()``; the exports come last.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


def _described(bindings: list[Any]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.description and b.action != "command_palette"]


def binding_commands(node: DOMNode, prefix: str = "") -> list[PaletteCommand]:
    """One palette entry per described binding of ``node`` (run in ``node``'s namespace)."""
    from qualcode.tui.screens.help import typed_keys

    return [
        PaletteCommand(
            f"{prefix}{binding.description}",
            f"key: {typed_keys(binding.key)}",
            partial(node.app.call_later, node.app.run_action, binding.action, node),
        )
        for binding in _described(node.BINDINGS)
    ]


def screen_groups() -> list[tuple[str, str | None, type[Any]]]:
    """(group title, mode, screen class) for every screen whose actions the palette offers;
    the reader has no mode of its own (it opens over the documents)."""
    from qualcode.tui.screens import (
        CodebookScreen,
        DocumentsScreen,
        MatrixScreen,
        MemosScreen,
        ParticipantsScreen,
        ReaderScreen,
        SearchScreen,
    )

    return [
        ("Documents", "documents", DocumentsScreen),
        ("Reader", None, ReaderScreen),
        ("Codebook", "codebook", CodebookScreen),
        ("Matrix", "matrix", MatrixScreen),
        ("Search", "search", SearchScreen),
        ("Participants", "participants", ParticipantsScreen),
        ("Memos", "memos", MemosScreen),
    ]


def run_on_screen(app: App[Any], mode: str | None, screen_class: type[Any], action: str) -> None:
    """Run ``action`` on the screen of ``screen_class``, switching to it first when needed."""
    from qualcode.tui.screens import ReaderScreen

    def run_here() -> None:
        if isinstance(app.screen, screen_class):
            app.call_later(app.run_action, action, app.screen)

    if isinstance(app.screen, screen_class):
        run_here()
        return
    if screen_class is ReaderScreen:
        stack = app._screen_stacks.get("documents", [])
        if not any(isinstance(s, ReaderScreen) for s in stack):
            app.notify("open a document first (1, then Enter)", severity="warning")
            return
        mode = "documents"
    if mode is None:
        return
    app.switch_mode(mode)
    app.call_after_refresh(run_here)


def every_screen_commands(app: App[Any]) -> list[PaletteCommand]:
    """One entry per action of every screen, titled "Screen: action", in screen order."""
    from qualcode.tui.screens.help import typed_keys

    commands = []
    for group, mode, screen_class in screen_groups():
        for binding in _described(screen_class.BINDINGS):
            commands.append(
                PaletteCommand(
                    f"{group}: {binding.description}",
                    f"key: {typed_keys(binding.key)} (in {group.lower()})",
                    partial(run_on_screen, app, mode, screen_class, binding.action),
                )
            )
    return commands


class WorkbenchCommands(Provider):
    def _commands(self) -> list[PaletteCommand]:
        screen = self.screen
        found: list[PaletteCommand] = []
        extra = getattr(screen, "palette_commands", None)
        if callable(extra):
            found.extend(extra())
        found.extend(binding_commands(self.app, "Workbench: "))
        found.extend(every_screen_commands(self.app))
        from qualcode.tui.exports import export_commands

        found.extend(export_commands(self.app))
        from qualcode.tui.analysis import analysis_commands  # the analysis helper's entries

        found.extend(analysis_commands(self.app))
        seen: set[str] = set()
        unique = []
        for command in found:
            if command.title not in seen:
                seen.add(command.title)
                unique.append(command)
        return unique

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
