"""The reader shows exactly the document's text: every word whole, at any width, at any time."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from qualcode.tui.app import QualcodeApp
from qualcode.tui.passage import PassageView
from qualcode.tui.screens import ReaderScreen
from tests.conftest import run_cli
from tests.tui.helpers import press, run_async, settle, type_text, workbench


def _visible_lines(app: QualcodeApp) -> dict[int, str]:
    """Document line number -> what the terminal shows of it in the reader's text pane."""
    view = app.screen.query_one(PassageView)
    region = view.scrollable_content_region
    strips = app.screen._compositor.render_strips()
    shown: dict[int, str] = {}
    for row in range(region.height):
        strip = strips[region.y + row].crop(region.x, region.right)
        shown[view.scroll_offset.y + row] = strip.text.rstrip()
    return shown


async def _read_whole_document(pilot: Pilot[None]) -> list[str]:
    """Every line of the document as the screen shows it, page by page from the top."""
    app = pilot.app
    assert isinstance(app, QualcodeApp)
    view = app.screen.query_one(PassageView)
    keep = view.scroll_offset.y
    lines: dict[int, str] = {}
    view.scroll_to(y=0, animate=False)
    await settle(pilot)
    while True:
        lines.update(_visible_lines(app))
        if view.scroll_offset.y >= view.max_scroll_y:
            break
        view.scroll_to(y=view.scroll_offset.y + view.scrollable_content_region.height, animate=False)
        await settle(pilot)
    view.scroll_to(y=keep, animate=False)
    await settle(pilot)
    return [lines[i] for i in sorted(lines)]


def _assert_shown_exactly(shown: list[str], text: str) -> None:
    words = " ".join(shown).split()
    expected = text.split()
    for i, (got, want) in enumerate(zip(words, expected, strict=False)):
        assert got == want, f"word {i}: the screen shows {got!r} where the document has {want!r}"
    assert len(words) == len(expected), "the screen shows a different number of words"


@pytest.mark.parametrize("columns", [80, 120, 200])
@run_async
async def test_reader_shows_every_word_whole_at_any_width(example_study: str, columns: int) -> None:
    app = workbench(example_study)
    async with app.run_test(size=(columns, 30)) as pilot:
        await settle(pilot)
        app.open_document("Expert B")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        view = reader.query_one(PassageView)
        assert view.max_scroll_y > 0, "the document must be long enough to scroll"
        text = reader.document.text
        # first open: the text before any coding or scrolling
        _assert_shown_exactly(await _read_whole_document(pilot), text)
        # after coding a sentence
        await press(pilot, "j", "c")
        await type_text(pilot, "Visa")
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
        _assert_shown_exactly(await _read_whole_document(pilot), text)
        # after scrolling down by paragraphs
        await press(pilot, *["right_square_bracket"] * 30)
        assert view.scroll_offset.y > 0
        _assert_shown_exactly(await _read_whole_document(pilot), text)


def _selection_on_screen(app: QualcodeApp) -> bool:
    """Whether the selected passage's first and last three words are on the lines on screen."""
    reader = app.screen
    assert isinstance(reader, ReaderScreen) and reader.document is not None
    a, b = reader.selection
    words = reader.document.text[a:b].split()
    shown = " ".join(" ".join(_visible_lines(app).values()).split())
    return bool(words) and " ".join(words[:3]) in shown and " ".join(words[-3:]) in shown


@run_async
async def test_a_search_hit_near_the_end_is_scrolled_into_view(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        await type_text(pilot, "readmission")
        await press(pilot, "enter")
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        a, b = reader.selection
        assert reader.document.text[a:b] == "readmission"
        assert reader.query_one(PassageView).scroll_offset.y > 0
        assert _selection_on_screen(app), "the hit is selected but not on screen"


@run_async
async def test_next_and_previous_coded_passage_scroll_into_view(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        app.open_document("Expert G")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        spans = sorted({(m.start, m.end) for m in reader.document.codings})
        assert len(spans) > 3
        for _ in spans:
            await press(pilot, "n")
            assert (reader.selection in spans) and _selection_on_screen(app)
        for _ in spans[:-1]:
            await press(pilot, "p")
            assert (reader.selection in spans) and _selection_on_screen(app)


@run_async
async def test_docx_paragraphs_are_spaced_apart_and_kept_exact(empty_study: str, tmp_path: Path) -> None:
    import docx

    paragraphs = [
        "Мы закрылись в России, открылись в Казахстане.",
        "Қазақстан азаматтары шетелде жұмыс істейді.",
        "Because they cannot get a Schengen visa in their own country.",
    ]
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    path = tmp_path / "Expert K.docx"
    document.save(str(path))
    assert run_cli("import", str(path), db=empty_study).exit_code == 0
    app = workbench(empty_study)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.open_document("Expert K")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        assert reader.document.text == "\n".join(paragraphs)  # offsets point into this text
        shown = await _read_whole_document(pilot)
        assert shown[:5] == [paragraphs[0], "", paragraphs[1], "", paragraphs[2]]
