"""The workbench from the keyboard, as a researcher uses it; every change is checked in the study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList

from qualcode.services import workbench as wb
from qualcode.tui.picker import PickerScreen
from qualcode.tui.screens import (
    ChooseScreen,
    CodebookScreen,
    DocumentsScreen,
    HelpScreen,
    ReaderScreen,
    ReasonScreen,
    SearchScreen,
    binding_sources,
)
from tests.conftest import run_cli
from tests.tui.helpers import (
    SIZE,
    notifications,
    press,
    run_async,
    screen_text,
    settle,
    type_text,
    widget_text,
    workbench,
)


def _segments(db: str, code: str) -> list[dict[str, Any]]:
    result = run_cli("segments", "--code", code, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    data: list[dict[str, Any]] = result.json()
    return data


def _codes(db: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in run_cli("codes", "list", "--all", "--json", db=db).json()}


@run_async
async def test_code_an_excerpt_end_to_end(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen)
        assert "Expert A" in screen_text(app)
        await press(pilot, "enter")  # open Expert A's notes
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        text = reader.document.text
        await press(pilot, "j", "j", "J")  # third sentence, extended by the fourth
        start, end = reader.selection
        sentences = [s for s in reader.units.sentences]
        assert (start, end) == (sentences[2][0], sentences[3][1])
        await press(pilot, "shift+left")  # shrink by a word
        start, end = reader.selection
        assert end < sentences[3][1] and text[end - 1] != " "
        await press(pilot, "c")
        assert isinstance(app.screen, PickerScreen)
        await type_text(pilot, "digitalisation")
        await press(pilot, "enter")
        assert app.screen is reader
        assert "Digitalisation" in screen_text(app)  # the side panel shows the new coding
    rows = _segments(example_study, "Digitalisation")
    mine = [r for r in rows if r["coder"] == "pilot"]
    assert [(r["document"], r["start"], r["end"], r["text"]) for r in mine] == [
        ("Expert A", start, end, text[start:end])
    ]
    assert _codes(example_study)["Digitalisation"]["count"] == 2


@run_async
async def test_the_picker_warns_about_a_near_name_and_creates_on_confirm(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "c")
        await type_text(pilot, "Dactyloscopyy")  # one letter away from "Dactyloscopy"
        await press(pilot, "up", "enter")  # the "+ new code" line, then Enter
        assert isinstance(app.screen, PickerScreen)  # not created yet: it asks first
        assert widget_text(app, "#picker-warning") == (
            "close to an existing code: Dactyloscopy (96%). "
            "Enter again to create 'Dactyloscopyy' anyway, or pick the existing one."
        )
        assert "Dactyloscopyy" not in _codes(example_study)
        await press(pilot, "up", "enter")  # Enter again: create it anyway
        assert isinstance(app.screen, ReaderScreen)
        await press(pilot, "j", "c")
        await type_text(pilot, "Housing costs in Almaty")  # far from every code: created at once
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
    codes = _codes(example_study)
    assert codes["Dactyloscopyy"]["count"] == 1 and codes["Dactyloscopyy"]["status"] == "active"
    assert codes["Housing costs in Almaty"]["count"] == 1
    assert codes["Housing costs in Almaty"]["participants"] == ["Expert A"]


@run_async
async def test_memo_example_uncode_and_undo_from_the_reader(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        first = reader.document.codings[0]
        reader.view.select(first.start, first.end)
        await settle(pilot)
        await press(pilot, "m", "enter")  # a memo on this coding (the first choice)
        await type_text(pilot, "барьеры сняты, from the interview")
        await press(pilot, "ctrl+s")
        await press(pilot, "e")
        if isinstance(app.screen, ChooseScreen):  # other codings overlap it: this one is first
            await press(pilot, "enter")
        assert reader.document is not None
        mark = next(m for m in reader.document.codings if m.coding_id == first.coding_id)
        assert mark.memos == ("барьеры сняты, from the interview",)
        assert mark.is_example
        await press(pilot, "u")
        if isinstance(app.screen, ChooseScreen):
            await press(pilot, "enter")
        assert all(m.coding_id != first.coding_id for m in reader.document.codings)
        assert _segments(example_study, first.code) == []
        await press(pilot, "ctrl+z")
        assert [(r["start"], r["end"]) for r in _segments(example_study, first.code)] == [
            (first.start, first.end)
        ]
        assert any("undid" in message for _, message in notifications(app))


@run_async
async def test_merge_from_the_codebook_and_undo(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        assert book.current_code() is not None
        first = book.codes_tree.cursor_node
        assert first is not None and first.data is not None
        source = first.data[1].name
        await press(pilot, "space")  # mark it; the cursor moves to the next code
        target_node = book.codes_tree.cursor_node
        assert target_node is not None and target_node.data is not None
        target = target_node.data[1].name
        before = _codes(example_study)
        await press(pilot, "M")
        dialog = app.screen
        assert isinstance(dialog, ReasonScreen)  # nothing merged before it is confirmed
        assert _codes(example_study) == before
        shown = screen_text(app)
        assert f"merge {source!r}" in shown and f"into {target!r}" in shown
        await press(pilot, "enter")  # no reason yet: refused in place
        assert app.screen is dialog and _codes(example_study) == before
        await type_text(pilot, "same idea, two wordings")
        await press(pilot, "enter")
        after = _codes(example_study)
        assert after[source]["status"] == "merged"
        assert after[target]["count"] == before[target]["count"] + before[source]["count"]
        assert source not in screen_text(app)  # the tree shows the merged codebook
        funnel = run_cli("funnel", "--json", db=example_study).json()
        assert [(m["into"], m["from"], m["reason"]) for m in funnel["merges"]] == [
            (target, [source], "same idea, two wordings")
        ]
        await press(pilot, "ctrl+z")
        assert _codes(example_study) == before
        assert source in screen_text(app)


@run_async
async def test_escape_on_the_merge_dialog_merges_nothing(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        before = _codes(example_study)
        await press(pilot, "space", "M")
        assert isinstance(app.screen, ReasonScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, CodebookScreen)
    assert _codes(example_study) == before


@run_async
async def test_search_jumps_to_the_hit_in_the_reader(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "Schengen")
        await press(pilot, "enter")
        hits = app.screen.hits
        assert hits and all(h.participant == "Expert B" for h in hits)
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        a, b = reader.selection
        assert reader.document.text[a:b] == "Schengen"
        assert reader.document.title == hits[0].document


@run_async
async def test_matrix_cell_opens_its_excerpts(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        matrix = app.screen.matrix  # type: ignore[attr-defined]
        assert isinstance(matrix, wb.Matrix)
        row = next(i for i, r in enumerate(matrix.rows) if r.name == "Dactyloscopy")
        column = matrix.columns.index("Expert E") + 1
        table = app.screen.query_one("#matrix")
        table.move_cursor(row=row, column=column)  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert "Dactyloscopy" in screen_text(app) and "1 excerpt(s)" in screen_text(app)
        await press(pilot, "enter")  # open it in the reader
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        assert reader.document.participant == "Expert E"
        a, b = reader.selection
        assert [m.code for m in reader.document.codings if (m.start, m.end) == (a, b)] == ["Dactyloscopy"]


@run_async
async def test_help_lists_every_binding_and_the_palette_reaches_actions(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        ids = [b.id for _, source in binding_sources() for b in source.BINDINGS]
        table = app.screen.query_one("#help")
        shown = {table.get_row_at(i)[3] for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert all(ids) and set(ids) <= shown
        await press(pilot, "escape", "ctrl+p")
        await type_text(pilot, "codebook")
        await press(pilot, "enter")
        assert isinstance(app.screen, CodebookScreen)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "export the codebook")
        await press(pilot, "enter")
        assert "Export codebook to which file?" in screen_text(app)
        await press(pilot, "escape")


@run_async
async def test_keys_can_be_remapped_and_refusals_are_notifications(example_study: str) -> None:
    app = workbench(example_study, keymap={"reader.next_sentence": "x", "reader.uncode": "U"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        first = reader.selection
        await press(pilot, "x")
        assert reader.selection == reader.units.sentences[1] and reader.selection != first
        await press(pilot, "2")
        await press(pilot, "r")  # rename to a name another code already has: refused
        await press(pilot, *["backspace"] * 60)
        await type_text(pilot, "Dactyloscopy")
        await press(pilot, "enter")
        assert any(severity == "error" for severity, _ in notifications(app))
        assert app.is_running
    assert "Removing barriers" in _codes(example_study)


@run_async
async def test_ctrl_q_quits_cleanly(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await pilot.press("ctrl+q")
    assert app.return_code == 0


@run_async
async def test_exports_from_the_palette(example_study: str, tmp_path: Path) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for kind, name in [
            ("participants", "appendix-a.md"),
            ("codebook", "appendix-b.csv"),
            ("matrix", "m.txt"),
        ]:
            await press(pilot, "ctrl+p")
            await type_text(pilot, f"export the {kind}")
            await press(pilot, "enter")
            app.screen.query_one(Input).value = str(tmp_path / name)
            await press(pilot, "enter")
    appendix_a = (tmp_path / "appendix-a.md").read_text(encoding="utf-8")
    assert all(f"Expert ({c})" in appendix_a for c in "ABCDEFGHI")
    appendix_b = (tmp_path / "appendix-b.csv").read_text(encoding="utf-8")
    assert "Dactyloscopy" in appendix_b and "Human trafficking" in appendix_b
    assert not (tmp_path / "m.txt").exists()  # a matrix is .xlsx, .docx, .md, .csv or .json
    assert any(sev == "error" and "the matrix can be written as" in msg for sev, msg in notifications(app))
    # one export flow: the command line writes the very same files
    for kind, name in [("participants", "appendix-a.md"), ("codebook", "appendix-b.csv")]:
        out = tmp_path / f"cli-{name}"
        assert run_cli("export", kind, str(out), db=example_study).exit_code == 0
        assert out.read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8"), kind


@run_async
async def test_codebook_exclude_include_theme_and_similar_clusters(example_study: str) -> None:
    # a near-duplicate for the suggestions: "Digitalization" beside the thesis's "Digitalisation"
    quote = _segments(example_study, "Dactyloscopy")[0]
    coded = run_cli(
        "code", quote["document"], "--start", str(quote["start"]), "--end", str(quote["end"]),
        "--new", "Digitalization", db=example_study,
    )  # fmt: skip
    assert coded.exit_code == 0, coded.stderr
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        first = book.codes_tree.cursor_node
        assert first is not None and first.data is not None
        name = first.data[1].name
        await press(pilot, "x")
        assert f"exclude {name!r}" in screen_text(app)  # the dialog names the code
        await type_text(pilot, "outside the research questions")
        await press(pilot, "enter")
        codes = _codes(example_study)
        assert codes[name]["status"] == "excluded"
        book.reveal_code(first.data[1].id)
        await settle(pilot)
        await press(pilot, "x")  # on an excluded code: include it again
        assert _codes(example_study)[name]["status"] == "active"
        await press(pilot, "t")
        await press(pilot, "end", "enter")  # the last theme
        assert _codes(example_study)[name]["theme"] == "Impact of immigration of foreigners"
        await press(pilot, "s")
        clusters = app.screen.clusters  # type: ignore[attr-defined]
        pair = next(c for c in clusters if "Digitalization" in c.codes)
        assert set(pair.codes) == {"Digitalisation", "Digitalization"}
        app.screen.query_one("#clusters", OptionList).highlighted = clusters.index(pair)
        await press(pilot, "a")
        assert isinstance(app.screen, ReasonScreen)
        await press(pilot, "enter")  # the suggested reason
    codes = _codes(example_study)
    merged = [n for n in ("Digitalisation", "Digitalization") if codes[n]["status"] == "merged"]
    assert len(merged) == 1
    survivor = pair.suggested
    assert codes[survivor]["count"] == 2 and codes[survivor]["status"] == "active"
