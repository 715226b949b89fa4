"""One snapshot per screen at 120×36 on the thesis study (SQLite; the pictures do not depend on
the engine). Update them with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the report before committing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, settle, type_text, workbench


@pytest.fixture(scope="module")
def thesis(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("snapshots") / "thesis.qualcode"
    result = run_cli("example", str(path))
    assert result.exit_code == 0, result.stderr
    return str(path)


@pytest.fixture(autouse=True)
def fixed_keymap_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # the help screen names the keymap file: keep it the same on every machine
    monkeypatch.setenv("QUALCODE_KEYMAP", "/etc/qualcode/keys.toml")


def _steps(*keys: str, text: str = "") -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        if text:
            await type_text(pilot, text)
        await settle(pilot)

    return run_before


SCREENS = {
    "documents": _steps(),
    "reader": _steps("down", "enter", "j", "j", "J"),
    "picker": _steps("enter", "c", text="visa"),
    "codebook": _steps("2", "down", "space"),
    "matrix": _steps("3"),
    "search": _steps("4", text="visas"),
    "help": _steps("f1"),
    "participants": _steps("5", "right", "right", "right"),
    "memos": _steps("6"),
    "memo-editor": _steps("6", "a", text="Saturation after Expert G"),
    "merge-dialog": _steps("2", "space", "M", text="same idea"),
    "funnel": _steps("2", "f"),
    "new-theme": _steps("2", "n", text="Reasons to stay"),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, thesis: str, snap_compare: Any, tmp_path: Path) -> None:
    steps = SCREENS[screen]
    if screen == "search":
        inner = steps

        async def steps(pilot: Pilot[Any]) -> None:
            await inner(pilot)
            await press(pilot, "enter")

    assert snap_compare(workbench(thesis), terminal_size=SIZE, run_before=steps)
