"""Second-cycle work in the codebook: create, rename, nest and reorder themes from the keyboard."""

from __future__ import annotations

from typing import Any

from qualcode.tui.screens import ChooseScreen, CodebookScreen
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, settle, type_text, workbench


def _themes(db: str) -> list[tuple[str, str | None]]:
    """(name, parent) in the study's order, as `themes list` reports them."""
    rows: list[dict[str, Any]] = run_cli("themes", "list", "--json", db=db).json()
    return [(t["name"], t["parent"]) for t in rows]


@run_async
async def test_create_nest_rename_and_reorder_themes(example_study: str) -> None:
    before = _themes(example_study)
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        await press(pilot, "n")
        await type_text(pilot, "Миграционная политика")
        await press(pilot, "enter")
        assert _themes(example_study) == [*before, ("Миграционная политика", None)]
        current = book.current()
        assert current is not None and current[0] == "theme" and current[1].name == "Миграционная политика"
        await press(pilot, "N")
        await type_text(pilot, "Visa regimes")
        await press(pilot, "enter")
        assert _themes(example_study)[-1] == ("Visa regimes", "Миграционная политика")
        current = book.current()
        assert current is not None and current[1].name == "Visa regimes"
        await press(pilot, "r", "ctrl+a", "ctrl+k")
        await type_text(pilot, "Visa and entry regimes")
        await press(pilot, "enter")
        assert _themes(example_study)[-1] == ("Visa and entry regimes", "Миграционная политика")
        # nest: move the sub-theme to the top level, then under the first theme
        await press(pilot, "t")
        dialog = app.screen
        assert isinstance(dialog, ChooseScreen) and "Visa and entry regimes" in dialog.title_text
        await press(pilot, "enter")  # "(top level)"
        assert ("Visa and entry regimes", None) in _themes(example_study)
        await press(pilot, "t", "enter")  # the first theme (no "(top level)": it is there)
        first = before[0][0]
        assert ("Visa and entry regimes", first) in _themes(example_study)
        # reorder: the new top-level theme goes up one place among its siblings
        await press(pilot, "escape")
        book.codes_tree.move_cursor(
            next(
                n
                for n in book.codes_tree.root.children
                if n.data and n.data[1].name == "Миграционная политика"
            )  # type: ignore[union-attr]
        )
        await settle(pilot)
        await press(pilot, "ctrl+up")
        tops = [name for name, parent in _themes(example_study) if parent is None]
        assert tops[-2:] == ["Миграционная политика", before[-1][0]]
        current = book.current()
        assert current is not None and current[1].name == "Миграционная политика"
