"""Team coding in the workbench: others' new codings appear without a restart; --blind hides them."""

from __future__ import annotations

from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend
from qualcode.tui.screens import CodebookScreen, ReaderScreen
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, screen_text, settle

QUOTE = "we're in the top 10 for e-Government"


@run_async
async def test_another_coders_new_coding_appears_without_a_restart(example_study: str) -> None:
    app = QualcodeApp(Backend.open(example_study, "dana"), keymap={})
    app.WATCH_SECONDS = 0.05
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document("Expert D")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        assert reader.document.title == "Expert D"
        assert not any(m.code == "E-government ranking" for m in reader.document.codings)
        # Another coder, in another program, codes a passage of the same document.
        other = run_cli(
            "code",
            "Expert D",
            "--quote",
            QUOTE,
            "E-government ranking",
            "--new",
            db=example_study,
            coder="aigerim",
        )
        assert other.exit_code == 0, other.stderr
        for _ in range(200):  # the workbench looks every WATCH_SECONDS; wait until it has
            await pilot.pause(0.05)
            await settle(pilot)
            if reader.document and any(m.code == "E-government ranking" for m in reader.document.codings):
                break
        marks = [m for m in reader.document.codings if m.code == "E-government ranking"]
        assert [(m.coder, reader.document.text[m.start : m.end]) for m in marks] == [("aigerim", QUOTE)]


@run_async
async def test_blind_shows_only_my_codings_in_reader_and_codebook(example_study: str) -> None:
    assert (
        run_cli(
            "code", "Expert D", "--quote", QUOTE, "Digitalisation", db=example_study, coder="dana"
        ).exit_code
        == 0
    )
    app = QualcodeApp(Backend.open(example_study, "dana", blind=True), keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "blind" in app.sub_title
        app.open_document("Expert D")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        assert {m.coder for m in reader.document.codings} == {"dana"}  # the thesis team's are hidden
        assert [m.code for m in reader.document.codings] == ["Digitalisation"]
        await press(pilot, "escape", "2")
        assert isinstance(app.screen, CodebookScreen)
        shown = screen_text(app)
        assert "Digitalisation" in shown
    # Without --blind the same coder sees everyone's codings.
    app = QualcodeApp(Backend.open(example_study, "dana"), keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_document("Expert D")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        assert {m.coder for m in reader.document.codings} == {"dana", "Thesis team"}
