"""Bad input: a clear message naming the file/line or the missing thing, exit 2, study unchanged."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, table_counts


def _refused(db: str, *args: str) -> str:
    before = table_counts(db)
    result = run_cli(*args, db=db)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("qualcode: error: ")
    assert len(result.stderr.strip().splitlines()) == 1  # one clear line, no traceback
    assert table_counts(db) == before
    return result.stderr


def test_a_binary_file_is_refused_naming_it(example_study: str, tmp_path: Path) -> None:
    binary = tmp_path / "recording.txt"
    binary.write_bytes(b"RIFF\x00\x01\x02WAVEfmt " + bytes(range(256)))
    message = _refused(example_study, "import", str(binary))
    assert str(binary) in message
    assert "binary" in message


def test_a_missing_participant_is_refused(example_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "Expert J.md"
    notes.write_text("Миграция в Казахстане — көші-қон.\n", encoding="utf-8")
    message = _refused(example_study, "import", str(notes), "--participant", "Expert J")
    assert "Expert J" in message
    assert "participants add" in message


def test_a_missing_file_is_refused(example_study: str, tmp_path: Path) -> None:
    message = _refused(example_study, "import", str(tmp_path / "nowhere.md"))
    assert "nowhere.md" in message


def test_an_unknown_document_is_refused(example_study: str) -> None:
    message = _refused(example_study, "code", "Expert Z", "--start", "0", "--end", "5", "Digitalisation")
    assert "no document 'Expert Z'" in message


def test_a_quote_not_in_the_document_is_refused(example_study: str) -> None:
    message = _refused(
        example_study, "code", "Expert D", "--quote", "words the expert never said", "Digitalisation"
    )
    assert "not in document 'Expert D'" in message


def test_offsets_outside_the_document_are_refused(example_study: str) -> None:
    message = _refused(
        example_study, "code", "Expert D", "--start", "10", "--end", "999999", "Digitalisation"
    )
    assert "outside document 'Expert D'" in message


def test_an_unknown_code_is_refused_with_a_suggestion(example_study: str) -> None:
    message = _refused(
        example_study, "code", "Expert D", "--quote", "we're in the top 10 for e-Government", "Digitalization"
    )
    assert "Digitalization" in message
    assert "--new" in message


def test_a_text_in_a_legacy_encoding_is_refused_naming_the_line(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    # One short name: too few letters to tell cp1251 from the other code pages.
    notes.write_bytes("Интервью\nМарат\n".encode("cp1251"))
    message = _refused(empty_study, "import", str(notes))
    assert f"{notes}, line 1" in message
    assert "--encoding" in message and "cp1251" in message


def test_importing_the_same_file_twice_is_refused(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Текст интервью.\n", encoding="utf-8")
    assert run_cli("import", str(notes), db=empty_study).exit_code == 0
    copy = tmp_path / "copy.md"
    copy.write_bytes(notes.read_bytes())
    message = _refused(empty_study, "import", str(copy))
    assert "already in the study as 'notes'" in message
    again = run_cli("import", str(copy), "--again", db=empty_study)
    assert again.exit_code == 0, again.stderr


def test_no_study_given(monkeypatch: object) -> None:
    result = run_cli("codes", "list")
    assert result.exit_code == 2
    assert "--db" in result.stderr


def test_a_study_that_does_not_exist(tmp_path: Path) -> None:
    result = run_cli("codes", "list", db=str(tmp_path / "missing.qualcode"))
    assert result.exit_code == 2
    assert "qualcode init" in result.stderr
    assert not (tmp_path / "missing.qualcode").exists()
