"""The analysis commands are in the workbench's command palette and do what the CLI does."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, settle, type_text


@run_async
async def test_a_coding_query_and_an_autocode_from_the_palette(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "trafficking.csv"
    app = QualcodeApp(Backend.open(example_study, "pilot"), keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "coding query")
        await press(pilot, "enter")
        app.screen.query_one(Input).value = 'theme "Human trafficking"'
        await press(pilot, "enter")
        app.screen.query_one(Input).value = str(out)
        await press(pilot, "enter")
        await press(pilot, "ctrl+p")
        await type_text(pilot, "autocode sentences")
        await press(pilot, "enter")
        app.screen.query_one(Input).value = "Visa talk"
        await press(pilot, "enter")
        app.screen.query_one(Input).value = "visa"
        await press(pilot, "enter")
        await press(pilot, "ctrl+p")
        await type_text(pilot, "describe a code")
        await press(pilot, "enter")
        app.screen.query_one(Input).value = "Visa talk"
        await press(pilot, "enter")
        app.screen.query_one(Input).value = "Every sentence that mentions a visa"
        await press(pilot, "enter")
    cli = run_cli("query", 'theme "Human trafficking"', "--format", "csv", db=example_study).stdout
    written = out.read_text(encoding="utf-8-sig")
    for row in run_cli("query", 'theme "Human trafficking"', "--json", db=example_study).json():
        assert row["text"].split("\n")[0] in written and row["text"].split("\n")[0] in cli
    coded = [r for r in run_cli("segments", "--json", db=example_study).json() if r["code"] == "Visa talk"]
    assert coded and all("visa" in r["text"].casefold() for r in coded)
    assert {r["coder"] for r in coded} == {"pilot"}
    described = [
        c for c in run_cli("codes", "list", "--json", db=example_study).json() if c["name"] == "Visa talk"
    ]
    assert described[0]["description"] == "Every sentence that mentions a visa"
