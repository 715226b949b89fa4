"""The codebook tree keeps what the researcher opened and where the cursor was across reloads."""

from __future__ import annotations

from textual.widgets.tree import TreeNode

from qualcode.tui.screens import CodebookScreen
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, settle, type_text, workbench


def _expanded_themes(book: CodebookScreen) -> set[str]:
    return {
        n.data[1].name
        for n in book.codes_tree.root.children
        if n.data and n.data[0] == "theme" and n.is_expanded
    }


def _theme_node(book: CodebookScreen, index: int) -> TreeNode[tuple[str, object]]:
    themes = [n for n in book.codes_tree.root.children if n.data and n.data[0] == "theme"]
    return themes[index]


@run_async
async def test_expansion_and_cursor_survive_a_rename_and_a_reload(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        third = _theme_node(book, 2)
        third.expand()
        await settle(pilot)
        code_node = [c for c in third.children if c.data and c.data[0] == "code"][1]
        book.codes_tree.move_cursor(code_node)
        await settle(pilot)
        opened = _expanded_themes(book)
        assert len(opened) == 2
        old = code_node.data[1].name  # type: ignore[index,attr-defined,union-attr]
        await press(pilot, "r", "ctrl+a", "ctrl+k")
        await type_text(pilot, "Renamed in the workbench")
        await press(pilot, "enter")
        assert any(
            c["name"] == "Renamed in the workbench"
            for c in run_cli("codes", "list", "--json", db=example_study).json()
        )
        assert _expanded_themes(book) == opened
        assert book.current() is not None and book.current()[1].name == "Renamed in the workbench"  # type: ignore[index]
        assert old != "Renamed in the workbench"
        # the cursor on a theme row stays there when another coder's change reloads the tree
        second = _theme_node(book, 1)
        book.codes_tree.move_cursor(second)
        await settle(pilot)
        book.reload()
        await settle(pilot)
        assert _expanded_themes(book) == opened
        current = book.current()
        assert current is not None and current[0] == "theme" and current[1].name == second.data[1].name  # type: ignore[index,attr-defined,union-attr]
