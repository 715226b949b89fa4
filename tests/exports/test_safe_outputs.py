"""Exports that are safe to open and safe to write: text stays text, odd characters and
over-long cells export, and an export never replaces the study or a file it did not write."""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.conftest import run_cli, table_counts

LINK = '=HYPERLINK("http://example.invalid","x")'
CASES = Path(__file__).resolve().parents[3] / "shared" / "cases" / "control-chars-long-cells"


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_a_formula_in_a_name_stays_text(example_study: str, tmp_path: Path) -> None:
    db = example_study
    assert run_cli("codes", "rename", "Digitalisation", LINK, db=db).exit_code == 0
    assert (
        run_cli(
            "participants", "add", "@Expert J", "--attr", "organisation=+7 701 000 00 00", db=db
        ).exit_code
        == 0
    )
    xlsx, matrix = tmp_path / "codebook.xlsx", tmp_path / "matrix.xlsx"
    assert run_cli("export", "codebook", str(xlsx), db=db).exit_code == 0
    assert run_cli("export", "matrix", str(matrix), db=db).exit_code == 0
    for path, sheet in ((xlsx, "Codebook"), (matrix, "Matrix")):
        cells = [c for row in load_workbook(path)[sheet].iter_rows() for c in row if c.value == LINK]
        assert cells and all(c.data_type == "s" for c in cells), path.name
        with zipfile.ZipFile(path) as z:  # no formula anywhere in the file
            assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    people = tmp_path / "people.csv"
    columns = ["--columns", "label=Name,organisation=Organisation"]
    assert (
        run_cli("export", "participants", str(people), *columns, "--label-style", "plain", db=db).exit_code
        == 0
    )
    assert ["'@Expert J", "'+7 701 000 00 00"] in _csv_rows(people)
    book = tmp_path / "codebook.csv"
    assert run_cli("export", "codebook", str(book), db=db).exit_code == 0
    assert "'" + LINK in [r[2] for r in _csv_rows(book)]
    # --raw is for scripts that want the names exactly.
    assert run_cli("export", "codebook", str(book), "--raw", db=db).exit_code == 0
    assert LINK in [r[2] for r in _csv_rows(book)]
    report = tmp_path / "matrix.csv"
    assert run_cli("report", "matrix", "-o", str(report), db=db).exit_code == 0
    assert "'" + LINK in [r[2] for r in _csv_rows(report)]


def _put_control_characters(db: str) -> None:
    """A study written before import cleaned text: a form feed and a vertical tab in a quote
    (document and segment alike, offsets unchanged) and in a code name."""
    con = sqlite3.connect(db)
    with con:
        doc_id, seg_text, start = con.execute(
            "SELECT s.document_id, s.text, s.start FROM segment s JOIN coding c ON c.segment_id = s.id "
            "JOIN code k ON k.id = c.code_id WHERE k.name = 'Digitalisation'"
        ).fetchone()
        spaces = [i for i, ch in enumerate(seg_text) if ch == " "][:2]
        new = list(seg_text)
        new[spaces[0]], new[spaces[1]] = "\x0c", "\x0b"
        new_text = "".join(new)
        (text,) = con.execute("SELECT text FROM document WHERE id = ?", (doc_id,)).fetchone()
        text = text[:start] + new_text + text[start + len(new_text) :]
        con.execute("UPDATE document SET text = ? WHERE id = ?", (text, doc_id))
        con.execute("UPDATE segment SET text = ? WHERE text = ?", (new_text, seg_text))
        con.execute("UPDATE code SET name = 'Digital\x0bisation\x0cpolicy' WHERE name = 'Digitalisation'")
    con.close()


def test_control_characters_export_to_every_format(example_study: str, tmp_path: Path) -> None:
    if "://" in example_study:
        pytest.skip("the damaged study is made with sqlite3")
    db = example_study
    _put_control_characters(db)
    outputs = {
        "codebook": ["codebook.xlsx", "codebook.docx", "codebook.md", "codebook.csv", "codebook.qdc"],
        "participants": ["people.xlsx", "people.docx", "people.md", "people.csv"],
        "matrix": ["matrix.xlsx", "matrix.docx", "matrix.csv", "matrix.md", "matrix.json"],
        "project": ["study.qdpx"],
    }
    for kind, names in outputs.items():
        for name in names:
            result = run_cli("export", kind, str(tmp_path / name), db=db)
            assert result.exit_code == 0, (name, result.stderr)
            assert "Traceback" not in result.stderr
    ws = load_workbook(tmp_path / "codebook.xlsx")["Codebook"]
    names = [r[0].value for r in ws.iter_rows()]
    assert "Digital\nisation\npolicy" in names  # a break stays a break, nothing refused
    matrix = load_workbook(tmp_path / "matrix.xlsx")["Matrix"]
    row = next(r[0].row for r in matrix.iter_rows() if r[0].value == "Digital\nisation\npolicy")
    assert matrix.row_dimensions[row].height >= 3 * 15  # three lines shown, not one
    for name in ("codebook.md", "codebook.csv", "matrix.md", "matrix.csv", "people.md"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert not any(ch in text for ch in "\x0b\x0c\x1b\x07"), name
    docx_text = "\n".join(
        c.text for t in Document(str(tmp_path / "codebook.docx")).tables for r in t.rows for c in r.cells
    )
    assert "Digital\nisation\npolicy" in docx_text
    # The project keeps the document text one character for one, so offsets still point right.
    with zipfile.ZipFile(tmp_path / "study.qdpx") as z:
        assert b"Digital\nisation\npolicy" in z.read("project.qde") or b"Digital&#10;isation" in z.read(
            "project.qde"
        )


def test_import_replaces_what_xml_cannot_hold_and_says_so(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes-vt.txt"
    notes.write_text("A: They took our passports.\x0bWe waited all night.\x0cNext day they let us go.\n")
    result = run_cli("import", str(notes), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "replaced 2 character(s) that XML cannot hold" in result.stderr
    assert "U+000B vertical tab" in result.stderr and "U+000C form feed" in result.stderr
    coded = run_cli("code", "notes-vt", "--quote", "We waited all night.", "Waiting", "--new", db=empty_study)
    assert coded.exit_code == 0, coded.stderr
    out = tmp_path / "codebook.xlsx"
    assert run_cli("export", "codebook", str(out), db=empty_study).exit_code == 0


def test_a_40000_character_quote_ends_on_a_word_with_what_is_left(empty_study: str, tmp_path: Path) -> None:
    sentence = "We worked twelve hours a day and nobody paid overtime, not once, not ever. "
    answer = (sentence * (40000 // len(sentence) + 1))[:40000]
    notes = tmp_path / "long-answer.txt"
    notes.write_text(answer + "\n", encoding="utf-8")
    db = empty_study
    assert run_cli("import", str(notes), db=db).exit_code == 0
    assert (
        run_cli("code", "long-answer", "--start", "0", "--end", "40000", "Overtime", "--new", db=db).exit_code
        == 0
    )
    xlsx, book = tmp_path / "codebook.xlsx", tmp_path / "codebook.csv"
    assert run_cli("export", "codebook", str(xlsx), db=db).exit_code == 0
    ws = load_workbook(xlsx)["Codebook"]
    quote = ws["B2"].value
    # The cell holds what a row of Excel's greatest height (409 pt) shows, so the note that
    # says how much is left out is on screen and in print, not hidden past the row's end.
    assert len(quote) < 6_000 and ws.row_dimensions[2].height <= 409
    kept, _, note = quote.rpartition(" [… ")
    left = int(note.removesuffix(" more characters]"))
    cited = f"long-answer: '{answer}'"
    assert cited.startswith(kept) and cited[len(kept)] == " "  # cut between words
    assert left == len(cited) - len(kept)
    # The .csv is for scripts: the whole quote.
    assert run_cli("export", "codebook", str(book), db=db).exit_code == 0
    rows = list(csv.DictReader(book.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["example_quote"] == answer


def test_export_never_replaces_the_study_or_a_file_it_did_not_write(
    example_study: str, tmp_path: Path
) -> None:
    if "://" in example_study:
        pytest.skip("a SQLite study is a file")
    db = example_study
    before = table_counts(db)
    # A study file whose name ends like an export ("thesis.md"), even with --force, even by a link.
    thesis = tmp_path / "thesis.md"
    shutil.copy(db, thesis)
    study_bytes = thesis.read_bytes()
    alias = tmp_path / "link.md"
    os.symlink(thesis, alias)
    for out, extra in ((thesis, ()), (thesis, ("--force",)), (alias, ("--force",))):
        result = run_cli("export", "codebook", str(out), *extra, db=str(thesis))
        assert result.exit_code == 2 and "open study" in result.stderr, result.stderr
    assert thesis.read_bytes() == study_bytes and table_counts(str(thesis)) == before
    # Another study, and a file the researcher wrote, are kept unless --force.
    other = tmp_path / "other.csv"
    shutil.copy(db, other)
    refused = run_cli("export", "codebook", str(other), db=db)
    assert refused.exit_code == 2 and "SQLite database" in refused.stderr and str(other) in refused.stderr
    chapter = tmp_path / "chapter.md"
    chapter.write_text("My findings chapter\n", encoding="utf-8")
    refused = run_cli("export", "codebook", str(chapter), db=db)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert chapter.read_text(encoding="utf-8") == "My findings chapter\n"
    assert run_cli("export", "codebook", str(chapter), "--force", db=db).exit_code == 0
    # Its own export it replaces freely; one the researcher edited since, not.
    assert run_cli("export", "codebook", str(chapter), db=db).exit_code == 0
    chapter.write_text(chapter.read_text(encoding="utf-8") + "my edit\n", encoding="utf-8")
    assert run_cli("export", "codebook", str(chapter), db=db).exit_code == 2
    # Written whole, readable by the owner only, no temporary file left behind.
    out = tmp_path / "fresh.xlsx"
    assert run_cli("export", "codebook", str(out), db=db).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_unwritable_target_is_one_line_exit_2_naming_it(example_study: str, tmp_path: Path) -> None:
    targets = []
    if Path("/proc/self").is_dir():
        targets.append(Path("/proc") / "codebook.xlsx")  # no one may create a file there, not even root
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
        targets.append(folder / "codebook.xlsx")
    assert targets
    try:
        for target in targets:
            for name in (target, target.with_suffix(".docx"), target.with_suffix(".csv")):
                # As a user runs it, in its own process: what Python prints when it tidies up
                # (an unfinished workbook's "Exception ignored …") reaches stderr too.
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "qualcode",
                        "--db",
                        example_study,
                        "export",
                        "codebook",
                        str(name),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                assert done.returncode == 2
                # One line naming the file: no "Exception ignored", no traceback.
                assert done.stderr.count("\n") == 1 and str(name) in done.stderr, done.stderr
            result = run_cli("export", "excerpts", str(target), db=example_study)
            assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    finally:
        for target in targets:
            if target.parent != Path("/proc"):
                target.parent.chmod(0o700)


def test_a_device_or_pipe_is_never_replaced(example_study: str, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    for extra in ((), ("--force",)):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "qualcode",
                "--db",
                example_study,
                "report",
                "matrix",
                "-o",
                str(pipe),
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=60,  # reading the pipe to check it would hang for ever
        )
        assert done.returncode == 2 and "not a regular file" in done.stderr and str(pipe) in done.stderr
        assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_the_workbench_export_refuses_the_open_study(example_study: str, tmp_path: Path) -> None:
    if "://" in example_study:
        pytest.skip("a SQLite study is a file")
    from qualcode.actions.exports import export_report
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.domain.errors import QualcodeError
    from qualcode.services.uow import unit_of_work

    thesis = tmp_path / "thesis.md"
    shutil.copy(example_study, thesis)
    before = thesis.read_bytes()
    study = open_study(locate(str(thesis)))
    try:
        with unit_of_work(study, coder="aigerim", write=False) as uow:
            with pytest.raises(QualcodeError, match="open study"):
                export_report(uow, "codebook", thesis)
    finally:
        study.engine.dispose()
    assert thesis.read_bytes() == before


def test_markdown_shows_html_and_links_from_names_as_text(example_study: str, tmp_path: Path) -> None:
    db = example_study
    assert run_cli("codes", "rename", "Digitalisation", "<img src=x onerror=alert(1)>", db=db).exit_code == 0
    assert run_cli("codes", "rename", "Agreements", "[link](javascript:alert(5))", db=db).exit_code == 0
    for args in (("export", "excerpts"), ("export", "codebook"), ("export", "matrix")):
        out = tmp_path / f"{args[1]}.md"
        assert run_cli(*args, str(out), db=db).exit_code == 0
        text = out.read_text(encoding="utf-8")
        # Nothing unescaped that a Markdown renderer would turn into HTML or a link.
        assert not re.search(r"(?<!\\)<img", text) and not re.search(r"(?<!\\)\]\(javascript", text), args
        assert "\\<img src=x onerror=alert(1)\\>" in text and "\\[link\\](javascript:alert(5))" in text
