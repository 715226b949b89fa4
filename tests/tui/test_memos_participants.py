"""Memos on every kind of thing, the memo browser, the participants screen and ctrl+y."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, TextArea

from qualcode.tui.screens import (
    ChooseScreen,
    CodebookScreen,
    MemoEditor,
    MemosScreen,
    ParticipantsScreen,
    ReaderScreen,
)
from tests.conftest import run_cli
from tests.tui.helpers import SIZE, press, run_async, screen_text, settle, type_text, workbench

MEMO = "Первая строка памятки.\nSecond line: quotas, not visas."


def _memos(db: str, *args: str) -> list[dict[str, Any]]:
    result = run_cli("memos", "list", "--json", *args, db=db)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, Any]] = result.json()
    return rows


async def _write_in_editor(pilot: Any, text: str) -> None:
    editor = pilot.app.screen
    assert isinstance(editor, MemoEditor)
    editor.query_one(TextArea).insert(text)
    await press(pilot, "ctrl+s")


@run_async
async def test_multi_line_memos_on_every_kind_and_the_browser(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # Expert A's notes
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.document is not None
        first = reader.document.codings[0]
        reader.view.select(first.start, first.end)
        await settle(pilot)
        targets = {}
        for choice in ("coding", "document", "participant"):
            await press(pilot, "m")
            chooser = app.screen
            assert isinstance(chooser, ChooseScreen)
            index = next(i for i, label in enumerate(chooser.labels) if choice in label)
            await press(pilot, *["down"] * index, "enter")
            await _write_in_editor(pilot, f"{MEMO} ({choice})")
            targets[choice] = f"{MEMO} ({choice})"
        await press(pilot, "2")
        book = app.screen
        assert isinstance(book, CodebookScreen)
        await press(pilot, "m")  # the cursor starts on a code
        await _write_in_editor(pilot, f"{MEMO} (code)")
        code = book.current()[1].name  # type: ignore[index]
        theme_node = book.codes_tree.root.children[0]
        book.codes_tree.move_cursor(theme_node)
        await settle(pilot)
        await press(pilot, "m")
        await _write_in_editor(pilot, f"{MEMO} (theme)")
        await press(pilot, "6")
        browser = app.screen
        assert isinstance(browser, MemosScreen)
        await press(pilot, "a")
        await _write_in_editor(pilot, f"{MEMO} (study)")
        assert len(browser.memos) == 6
        assert "6 memo(s)" in screen_text(app)
        # edit the study memo from the browser: the editor opens on its whole text
        table = browser.query_one("#memos", DataTable)
        table.move_cursor(row=len(browser.memos) - 1)
        await press(pilot, "enter")
        editor = app.screen
        assert isinstance(editor, MemoEditor) and editor.query_one(TextArea).text == f"{MEMO} (study)"
        await _write_in_editor(pilot, "\nEdited.")
    rows = _memos(example_study)
    by_target = {r["target"]: r for r in rows}
    assert set(by_target) == {"coding", "document", "participant", "code", "theme", "study"}
    for kind in ("coding", "document", "participant", "code", "theme"):
        assert by_target[kind]["text"] == f"{MEMO} ({kind})"
    assert by_target["study"]["text"] == f"{MEMO} (study)\nEdited."
    assert by_target["coding"]["coding_id"] == first.coding_id
    assert by_target["participant"]["about"] == "Expert A"
    assert by_target["code"]["code"] == code
    assert [r["text"] for r in _memos(example_study, "--participant", "Expert A")] == [
        f"{MEMO} (participant)"
    ]


def test_memos_add_edit_list_on_the_command_line(example_study: str) -> None:
    added = run_cli(
        "memos", "add", "--theme", "Reasons for movement", "-", "--json", db=example_study, stdin=MEMO
    )
    assert added.exit_code == 0, added.stderr
    memo_id = added.json()["memo_id"]
    assert run_cli("memos", "add", "on the study", db=example_study).exit_code == 0
    both = run_cli("memos", "add", "--code", "Dactyloscopy", "--document", "Expert A", "x", db=example_study)
    assert both.exit_code == 2 and "one thing" in both.stderr
    assert run_cli("memos", "edit", str(memo_id), "Replaced\ntext", db=example_study).exit_code == 0
    assert [(r["target"], r["about"], r["text"]) for r in _memos(example_study, "--on", "theme")] == [
        ("theme", "Reasons for movement", "Replaced\ntext")
    ]
    assert [r["text"] for r in _memos(example_study, "--on", "study")] == ["on the study"]
    missing = run_cli("memos", "edit", "9999", "text", db=example_study)
    assert missing.exit_code == 2 and "no memo 9999" in missing.stderr
    assert run_cli("undo", db=example_study).exit_code == 0  # the edit
    assert _memos(example_study, "--on", "theme")[0]["text"] == MEMO


@run_async
async def test_participants_screen_edits_attributes_and_links_documents(example_study: str) -> None:
    assert run_cli("documents", "list", "--json", db=example_study).exit_code == 0
    app = workbench(example_study)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        screen = app.screen
        assert isinstance(screen, ParticipantsScreen) and screen.table is not None
        names = screen.table.attribute_names
        assert "Expert A" in screen_text(app)
        grid = screen.query_one("#participants", DataTable)
        column = 3 + list(names).index(names[0])
        grid.move_cursor(row=1, column=column)  # Expert B's first attribute
        await settle(pilot)
        await press(pilot, "enter", "ctrl+a", "ctrl+k")
        await type_text(pilot, "Алматы, офис")
        await press(pilot, "enter")
        await press(pilot, "a")
        await type_text(pilot, "language")
        await press(pilot, "enter")
        await type_text(pilot, "Russian")
        await press(pilot, "enter")
        # link Expert C's notes to Expert B, then unlink them
        await press(pilot, "l")
        chooser = app.screen
        assert isinstance(chooser, ChooseScreen)
        index = next(i for i, label in enumerate(chooser.labels) if label.startswith("Expert C"))
        await press(pilot, *["down"] * index, "enter")
        documents = {
            d["title"]: d["participant"]
            for d in run_cli("documents", "list", "--json", db=example_study).json()
        }
        assert documents["Expert C"] == "Expert B"
        assert "Expert C" in screen_text(app)  # their documents, below the table
        await press(pilot, "L")
        chooser = app.screen
        assert isinstance(chooser, ChooseScreen) and "Expert C" in chooser.labels
        await press(pilot, *["down"] * chooser.labels.index("Expert C"), "enter")
        await press(pilot, "ctrl+z")  # undo the unlink ...
        await press(pilot, "ctrl+y")  # ... and redo it
    people = {p["label"]: p for p in run_cli("participants", "list", "--json", db=example_study).json()}
    assert people["Expert B"]["attributes"][names[0]] == "Алматы, офис"
    assert people["Expert B"]["attributes"]["language"] == "Russian"
    assert list(people["Expert B"]["attributes"])[-1] == "language"
    documents = {
        d["title"]: d["participant"] for d in run_cli("documents", "list", "--json", db=example_study).json()
    }
    assert documents["Expert C"] is None
