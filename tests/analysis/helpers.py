"""A small study in Russian, Kazakh and English that the analysis tests query, autocode and count."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

# Interview 1 (Эксперт А, NGO, Zoom): three paragraphs.
DOC1 = (
    "Трудовая миграция растёт. Работодатели ищут рабочих. Зарплаты низкие.\n"
    "\n"
    "Торговля людьми скрыта. Жертвы боятся полиции.\n"
    "\n"
    "Ёлка и ёмкость рынка: нехватка кадров."
)
# Interview 2 (Эксперт Б, government, face to face).
DOC2 = (
    "Көші-қон саясаты өзгереді. Labour shortage is real.\n"
    "\n"
    "Forced labour happens on farms. Nobody reports it."
)


def cli_ok(*args: str, db: str) -> str:
    result = run_cli(*args, db=db)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def build_study(db: str, tmp_path: Path) -> None:
    """Two participants, two documents, five codes in two themes, one sub-code, two coders."""
    cli_ok(
        "participants",
        "add",
        "Эксперт А",
        "--attr",
        "organisation=NGO",
        "--attr",
        "mode=Zoom",
        "--attr",
        "date=April 11, 2024",
        db=db,
    )
    cli_ok(
        "participants",
        "add",
        "Эксперт Б",
        "--attr",
        "organisation=Government",
        "--attr",
        "mode=face to face",
        "--attr",
        "date=2024-05-02",
        db=db,
    )
    one, two = tmp_path / "Интервью 1.txt", tmp_path / "Interview 2.txt"
    one.write_text(DOC1, encoding="utf-8")
    two.write_text(DOC2, encoding="utf-8")
    cli_ok("import", str(one), "--participant", "Эксперт А", db=db)
    cli_ok("import", str(two), "--participant", "Эксперт Б", db=db)
    code = [
        ("Интервью 1", "Трудовая миграция растёт.", "Трудовая миграция"),
        ("Интервью 1", "Работодатели ищут рабочих.", "Нехватка кадров"),
        ("Интервью 1", "Торговля людьми скрыта.", "Торговля людьми"),
        ("Интервью 1", "Торговля людьми скрыта. Жертвы боятся полиции.", "Страх"),
        ("Интервью 1", "Ёлка и ёмкость рынка: нехватка кадров.", "Нехватка кадров"),
        ("Interview 2", "Labour shortage is real.", "Нехватка кадров"),
        ("Interview 2", "Labour shortage is real.", "Трудовая миграция"),
        ("Interview 2", "Forced labour happens on farms.", "Forced labour"),
    ]
    for doc, quote, name in code:
        cli_ok("code", doc, "--quote", quote, name, "--new", db=db)
    # A second coder codes one excerpt of interview 2.
    result = run_cli("code", "Interview 2", "--quote", "Nobody reports it.", "Страх", coder="second", db=db)
    assert result.exit_code == 0, result.stderr
    cli_ok("themes", "add", "Труд", db=db)
    cli_ok("themes", "add", "Эксплуатация", db=db)
    cli_ok("themes", "assign", "Труд", "Трудовая миграция", "Нехватка кадров", db=db)
    cli_ok("themes", "assign", "Эксплуатация", "Торговля людьми", db=db)
    cli_ok("codes", "move", "Forced labour", "--parent", "Торговля людьми", db=db)
