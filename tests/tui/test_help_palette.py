"""F1 shows every key as typed and every binding id whole; the palette reaches every action."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import DataTable

from qualcode.tui.screens import CodebookScreen, HelpScreen, MatrixScreen, ReasonScreen, binding_sources
from qualcode.tui.screens.funnel import FunnelScreen
from tests.tui.helpers import SIZE, press, run_async, screen_text, settle, type_text, workbench


@run_async
async def test_help_shows_keys_as_typed_and_ids_whole(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        table = help_screen.query_one("#help", DataTable)
        seen_words: set[str] = set()
        shown_lines: list[str] = []
        for row in range(0, table.row_count, 5):
            table.move_cursor(row=row)
            await settle(pilot)
            text = screen_text(app)
            shown_lines.extend(text.splitlines())
            seen_words.update(text.split())
        ids = {b.id for _, source in binding_sources() for b in source.BINDINGS}
        missing = sorted(i for i in ids if i not in seen_words)
        assert not missing, f"binding ids not shown whole: {missing}"
        assert not any("square_bracket" in line or "slash" in line for line in shown_lines)
        paragraph = next(line for line in shown_lines if "reader.next_paragraph" in line)
        assert "pagedown or ]" in paragraph
        search = next(line for line in shown_lines if "app.search" in line)
        assert "4 or /" in search


async def _palette_choose(pilot: object, query: str) -> None:
    await press(pilot, "ctrl+p")  # type: ignore[arg-type]
    await type_text(pilot, query)  # type: ignore[arg-type]
    await press(pilot, "enter")  # type: ignore[arg-type]


@run_async
async def test_palette_reaches_codebook_actions_from_every_screen(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        assert isinstance(app.screen, MatrixScreen)
        await _palette_choose(pilot, "Codebook: Funnel")
        assert isinstance(app.screen, FunnelScreen)
        assert "code applications" in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "1")
        await _palette_choose(pilot, "Codebook: Merge marked here")
        assert isinstance(app.screen, CodebookScreen)  # nothing marked: it says how to mark
        await press(pilot, "space")
        await press(pilot, "4")
        await _palette_choose(pilot, "Codebook: Merge marked here")
        assert isinstance(app.screen, ReasonScreen)
        await press(pilot, "escape")


@run_async
async def test_palette_says_colour_scheme_not_theme(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "colour scheme")
        assert "Colour scheme" in screen_text(app)
        await press(pilot, "ctrl+a", "ctrl+k")
        await type_text(pilot, "theme")
        shown = screen_text(app)
        assert "Change the current theme" not in shown
        assert "Codebook: New theme" in shown
