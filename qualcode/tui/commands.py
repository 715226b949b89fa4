"""The command palette (ctrl+p): every action of the app and of the screen it was opened from.

Entries come from the bindings themselves (so an action with a key is always in the palette
too) plus what a screen adds through ``palette_commands()`` (exports, actions without a key).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


def binding_commands(node: DOMNode, prefix: str = "") -> list[PaletteCommand]:
    """One palette entry per described binding of ``node`` (run in ``node``'s namespace)."""
    commands = []
    for binding in node.BINDINGS:
        if not isinstance(binding, Binding) or not binding.description or binding.action == "command_palette":
            continue
        keys = node.app.get_key_display(binding)
        commands.append(
            PaletteCommand(
                f"{prefix}{binding.description}",
                f"key: {keys}",
                partial(node.app.call_later, node.app.run_action, binding.action, node),
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
        found.extend(binding_commands(screen))
        found.extend(binding_commands(self.app))
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
