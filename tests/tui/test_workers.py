"""Workers: an older load never overwrites a newer one; reloads do not keep old trees alive."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from textual.widgets.tree import TreeNode

from qualcode.services import workbench as wb
from qualcode.services.uow import UnitOfWork
from qualcode.tui.messages import SearchFinished
from qualcode.tui.screens import CodebookScreen, SearchScreen
from tests.tui.helpers import SIZE, press, run_async, settle, workbench


def _nodes(node: TreeNode[Any]) -> list[TreeNode[Any]]:
    return [node, *(n for child in node.children for n in _nodes(child))]


@run_async
async def test_reloading_the_codebook_twenty_times_keeps_memory_flat(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        replaced = [
            weakref.ref(node) for node in _nodes(book.codes_tree.root) if node is not book.codes_tree.root
        ]
        assert len(replaced) > 20
        for _ in range(20):
            book.reload()
            await settle(pilot)
        gc.collect()
        alive = sum(1 for ref in replaced if ref() is not None)
        assert alive == 0, f"{alive} of {len(replaced)} nodes of the first tree are still alive"


@run_async
async def test_a_superseded_search_does_not_overwrite_the_newer_one(example_study: str) -> None:
    release = threading.Event()

    def slow_search(uow: UnitOfWork, query: str) -> list[wb.SearchHit]:
        if query == "Schengen":  # the first query: held back until the second has shown
            release.wait(10)
        return wb.search(uow, query)

    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        app.load(screen, SearchFinished, slow_search, "Schengen")
        await pilot.pause()
        app.load(screen, SearchFinished, slow_search, "readmission")
        for _ in range(100):
            await pilot.pause()
            if screen.hits:
                break
        assert screen.hits and all("readmission" in h.snippet.lower() for h in screen.hits)
        release.set()
        await settle(pilot)
        assert screen.hits and all("readmission" in h.snippet.lower() for h in screen.hits)
