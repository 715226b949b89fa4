"""Sub-codes and sub-themes sit under their parent on screen, in the codebook and the matrix."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tests.tui.helpers import press, run_async, screen_text, settle, workbench


def _ok(*args: str, db: str) -> None:
    result = run_cli(*args, db=db)
    assert result.exit_code == 0, result.stderr


def _indent(line: str, name: str) -> int:
    return line.index(name)


@run_async
async def test_sub_codes_and_sub_themes_are_indented_under_their_parent(
    empty_study: str, tmp_path: Path
) -> None:
    db = empty_study
    notes = tmp_path / "Сарапшы А.txt"
    notes.write_text("Үй мәселесі маңызды. Білім беру жақсарды. Ёлка и ежевика.\n", encoding="utf-8")
    _ok("participants", "add", "Сарапшы А", db=db)
    _ok("import", str(notes), "--participant", "Сарапшы А", db=db)
    _ok("themes", "add", "Әлеумет", db=db)
    _ok("themes", "add", "Ёжик", "--parent", "Әлеумет", db=db)
    for quote, code in [
        ("Үй мәселесі маңызды.", "Үй"),
        ("Білім беру жақсарды.", "Білім"),
        ("Ёлка и ежевика.", "Ёлка"),
    ]:
        _ok("code", "Сарапшы А", "--quote", quote, code, "--new", db=db)
    _ok("themes", "assign", "Әлеумет", "Үй", db=db)
    _ok("themes", "assign", "Ёжик", "Ёлка", db=db)
    _ok("codes", "move", "Білім", "--parent", "Үй", db=db)
    app = workbench(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        lines = screen_text(app).splitlines()
        parent = next(line for line in lines if "Үй  " in line)
        child = next(line for line in lines if "Білім  " in line)
        assert _indent(child, "Білім") > _indent(parent, "Үй"), "a sub-code sits under its parent"
        await press(pilot, "3")
        lines = screen_text(app).splitlines()
        rows = {
            name: next(line for line in lines if line.lstrip().startswith(name))
            for name in ("Әлеумет", "Ёжик", "Ёлка", "Үй", "Білім")
        }
        assert _indent(rows["Ёжик"], "Ёжик") > _indent(rows["Әлеумет"], "Әлеумет")
        assert _indent(rows["Ёлка"], "Ёлка") > _indent(rows["Ёжик"], "Ёжик")
        assert _indent(rows["Білім"], "Білім") > _indent(rows["Үй"], "Үй")
