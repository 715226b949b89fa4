"""Documents and participants: a file named after a participant is theirs; assign later, undo."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, table_counts


def _owner(db: str, title: str) -> str | None:
    docs = {d["title"]: d["participant"] for d in run_cli("documents", "list", "--json", db=db).json()}
    return docs[title]


def test_a_file_named_after_a_participant_is_linked_and_said(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    assert run_cli("participants", "add", "Expert K", db=db).exit_code == 0
    path = tmp_path / "expert k.md"
    path.write_text("Квоты распределяются по отраслям.\n", encoding="utf-8")
    result = run_cli("import", str(path), db=db)
    assert result.exit_code == 0, result.stderr
    assert "Expert K (the file is named after the participant)" in result.stdout
    assert _owner(db, "expert k") == "Expert K"
    assert run_cli("code", "expert k", "--quote", "Квоты", "Quota", "--new", db=db).exit_code == 0
    rows = run_cli("segments", "--participant", "Expert K", "--json", db=db).json()
    assert [r["text"] for r in rows] == ["Квоты"]


def test_assign_links_a_document_and_undo_takes_it_back(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    path = tmp_path / "interview-07.md"
    path.write_text("Визы выдаются только тем, кто прошёл все процедуры.\n", encoding="utf-8")
    assert run_cli("import", str(path), db=db).exit_code == 0
    assert run_cli("code", "interview-07", "--quote", "Визы", "Visas", "--new", db=db).exit_code == 0
    assert run_cli("participants", "add", "Expert L", db=db).exit_code == 0
    assert _owner(db, "interview-07") is None
    result = run_cli("documents", "assign", "interview-07", "Expert L", db=db)
    assert result.exit_code == 0, result.stderr
    assert _owner(db, "interview-07") == "Expert L"
    cite = run_cli("report", "cite", "Visas", "--json", db=db)
    assert cite.exit_code == 0 and cite.json()[0]["participants"] == ["Expert L"]
    assert run_cli("undo", db=db).exit_code == 0
    assert _owner(db, "interview-07") is None


def test_assign_refuses_unknown_participant_or_document(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    path = tmp_path / "notes.md"
    path.write_text("Текст.\n", encoding="utf-8")
    assert run_cli("import", str(path), db=db).exit_code == 0
    assert run_cli("participants", "add", "Expert L", db=db).exit_code == 0
    before = table_counts(db)
    for args in (("notes", "Expert Z"), ("nothing", "Expert L"), ("notes",)):
        result = run_cli("documents", "assign", *args, db=db)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1
    assert table_counts(db) == before
