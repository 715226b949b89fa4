"""The reader's side panel and `u`: every code on the passage, including the one enclosing it."""

from __future__ import annotations

from textual.widgets import OptionList

from qualcode.tui.screens import ChooseScreen, ReaderScreen
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, screen_text, settle, workbench


@run_async
async def test_an_enclosing_code_stays_listed_and_can_be_uncoded(empty_study: str, tmp_path: object) -> None:
    from pathlib import Path

    notes = Path(str(tmp_path)) / "Expert A.md"
    paragraph = "Visas are slow. Registration takes a week. Nobody explains the forms."
    notes.write_text(paragraph + "\n\nA second paragraph.\n", encoding="utf-8")
    assert run_cli("import", str(notes), db=empty_study).exit_code == 0
    assert (
        run_cli("code", "Expert A", "--quote", paragraph, "Bureaucracy", "--new", db=empty_study).exit_code
        == 0
    )
    sentence = "Registration takes a week."
    assert (
        run_cli(
            "code", "Expert A", "--quote", sentence, "Registration delays", "--new", db=empty_study
        ).exit_code
        == 0
    )

    app = workbench(empty_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document("Expert A")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        start = reader.document.text.index(sentence)
        reader.view.select(start, start + len(sentence))
        await settle(pilot)
        panel = str(reader.query_one("#here", OptionList).get_option_at_index(0).prompt)
        shown = screen_text(app)
        assert "Registration delays" in panel
        assert "Bureaucracy" in shown and "Registration delays" in shown
        await press(pilot, "u")
        dialog = app.screen
        assert isinstance(dialog, ChooseScreen)
        offered = " ".join(dialog.labels)
        assert "Bureaucracy" in offered and "Registration delays" in offered
        await press(pilot, "down", "enter")  # the enclosing paragraph's code
        assert isinstance(app.screen, ReaderScreen)
    codes = {c["name"]: c["count"] for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    assert codes == {"Bureaucracy": 0, "Registration delays": 1}
