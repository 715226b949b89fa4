"""Driving the workbench in tests: open it on a study, wait for its workers, read the screen."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

from textual.pilot import Pilot

from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend

SIZE = (120, 36)
P = ParamSpec("P")


def workbench(db: str, *, coder: str = "pilot", keymap: dict[str, str] | None = None) -> QualcodeApp:
    """The app on ``db`` with no keymap file read (a test must not depend on ~/.config)."""
    return QualcodeApp(Backend.open(db, coder), keymap=keymap or {})


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every database worker has finished and its result is on screen."""
    app = pilot.app
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return
    raise AssertionError("the workbench did not settle")


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])
    await settle(pilot)


def screen_text(app: QualcodeApp) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


def notifications(app: QualcodeApp) -> list[tuple[str, str]]:
    return [(n.severity, n.message) for n in app._notifications]


def run_async(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test in its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def widget_text(app: QualcodeApp, selector: str) -> str:
    """What the terminal shows inside one widget (its content region), lines joined by spaces."""
    widget = app.screen.query_one(selector)
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    rows = [strips[region.y + row].crop(region.x, region.right).text for row in range(region.height)]
    return " ".join(" ".join(rows).split())
