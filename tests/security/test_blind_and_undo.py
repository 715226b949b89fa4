"""Issue 16, case 4: under --blind every read path shows only the coder's own codings, and
``undo`` takes back the coder's own newest change, never another coder's (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import run_cli
from tests.team.test_concurrency import _add_lines_document, _finish, _start

NOTE = "Квоты растут каждый год.\nРегион открыт для мигрантов.\n"
DANA_QUOTE, AIGERIM_QUOTE = "Квоты растут", "Регион открыт"


def _two_coders(db: str, tmp_path: Path) -> None:
    note = tmp_path / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    assert run_cli("import", str(note), db=db, coder="dana").exit_code == 0
    assert run_cli("code", "n", "--quote", DANA_QUOTE, "Quotas", "--new", db=db, coder="dana").exit_code == 0
    done = run_cli("code", "n", "--quote", AIGERIM_QUOTE, "Open region", "--new", db=db, coder="aigerim")
    assert done.exit_code == 0, done.stderr
    memo = run_cli("memos", "list", db=db)
    assert memo.exit_code == 0


def _blind(db: str, *args: str) -> str:
    result = run_cli("--blind", *args, db=db, coder="dana")
    assert result.exit_code == 0, result.stderr
    return result.stdout + result.stderr


def test_blind_log_and_listings_show_only_your_own(empty_study: str, tmp_path: Path) -> None:
    _two_coders(empty_study, tmp_path)
    log = json.loads(_blind(empty_study, "log", "--json"))
    assert log and {e["coder"] for e in log} == {"dana"}
    assert AIGERIM_QUOTE not in json.dumps(log, ensure_ascii=False)
    segments = json.loads(_blind(empty_study, "segments", "--json"))
    assert [s["text"] for s in segments] == [DANA_QUOTE]
    for args in (("report", "matrix"), ("report", "cite", "Open region"), ("documents", "list")):
        assert AIGERIM_QUOTE not in _blind(empty_study, *args), args
    key = tmp_path / "key.csv"
    key.write_text("real,pseudonym\nРегион,Place A\n", encoding="utf-8")
    audit = run_cli("--blind", "audit", "--names", str(key), "--json", db=empty_study, coder="dana")
    assert audit.exit_code == 1  # the name is in the document every coder reads
    assert not [h for h in audit.json()["hits"] if h["where"].startswith(("segment", "event"))]
    # without --blind the other coder's work is there (the test can fail)
    assert AIGERIM_QUOTE in run_cli("segments", db=empty_study, coder="dana").stdout


def test_blind_exports_hold_only_your_own_codings(empty_study: str, tmp_path: Path) -> None:
    _two_coders(empty_study, tmp_path)
    qdpx = tmp_path / "p.qdpx"
    _blind(empty_study, "export", "project", str(qdpx))
    with zipfile.ZipFile(qdpx) as zf:
        qde = zf.read("project.qde").decode("utf-8")
    assert "aigerim" not in qde and qde.count("<Coding ") == 1
    md = tmp_path / "codebook.md"
    _blind(empty_study, "export", "codebook", str(md))
    assert DANA_QUOTE in md.read_text(encoding="utf-8")
    assert AIGERIM_QUOTE not in md.read_text(encoding="utf-8")
    xlsx = tmp_path / "codebook.xlsx"
    _blind(empty_study, "export", "codebook", str(xlsx))
    cells = [str(c) for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row if c]
    assert not any(AIGERIM_QUOTE in c for c in cells)


def test_undo_takes_back_your_own_change_not_the_newest(empty_study: str, tmp_path: Path) -> None:
    _two_coders(empty_study, tmp_path)  # aigerim coded last
    result = run_cli("undo", db=empty_study, coder="dana")
    assert result.exit_code == 0, result.stderr
    texts = [s["text"] for s in run_cli("segments", "--json", db=empty_study).json()]
    assert texts == [AIGERIM_QUOTE]  # dana's coding is gone, aigerim's stays


def test_undo_of_another_coders_event_needs_their_name(empty_study: str, tmp_path: Path) -> None:
    _two_coders(empty_study, tmp_path)
    log = run_cli("log", "--json", db=empty_study).json()
    theirs = next(e["id"] for e in log if e["coder"] == "aigerim")
    blind = run_cli("--blind", "undo", str(theirs), "--theirs", "aigerim", db=empty_study, coder="dana")
    assert blind.exit_code == 2 and "aigerim" not in blind.stderr and "no event" in blind.stderr
    refused = run_cli("undo", str(theirs), db=empty_study, coder="dana")
    assert refused.exit_code == 2 and "aigerim" in refused.stderr and "--theirs" in refused.stderr
    assert len(run_cli("segments", "--json", db=empty_study).json()) == 2
    wrong = run_cli("undo", str(theirs), "--theirs", "someone", db=empty_study, coder="dana")
    assert wrong.exit_code == 2
    done = run_cli("undo", str(theirs), "--theirs", "aigerim", db=empty_study, coder="dana")
    assert done.exit_code == 0, done.stderr
    assert [s["text"] for s in run_cli("segments", "--json", db=empty_study).json()] == [DANA_QUOTE]


def test_undo_while_another_coder_writes(empty_study: str) -> None:
    """Aigerim codes line after line in her own process while Dana codes and undoes again and
    again: each undo takes back Dana's coding, and every one of Aigerim's codings stays."""
    _add_lines_document(empty_study, 1000)
    worker = _start("code", empty_study, "aigerim", "0", "600", "Growth", "--new")
    rounds = 0
    try:
        while rounds < 3 or (worker.poll() is None and rounds < 40):
            done = run_cli(
                "code",
                "Lines",
                "--start",
                "0",
                "--end",
                "5",
                "Dana's code",
                "--new",
                db=empty_study,
                coder="dana",
            )
            assert done.exit_code == 0, done.stderr
            undone = run_cli("undo", db=empty_study, coder="dana")
            assert undone.exit_code == 0, undone.stderr
            assert "Dana's code" in undone.stdout, undone.stdout
            rounds += 1
    finally:
        outputs = _finish([worker])
    assert outputs[0]["added"] == 600
    coders = [s["coder"] for s in run_cli("segments", "--json", db=empty_study).json()]
    assert coders.count("aigerim") == 600 and "dana" not in coders


def test_blind_memos_are_their_authors_only(empty_study: str, tmp_path: Path) -> None:
    """Ben's reply on Ana's comment is Ben's memo: Ana, blind, does not see it; Ben does."""
    from tests.imports.factory import Comment, Docx, build_docx

    path = tmp_path / "housing.docx"
    build_docx(
        path,
        Docx(
            body=["Жильё: {s:1}очереди растут{e:1}."],
            comments=[
                Comment("1", "Housing", author="Ana"),
                Comment("2", "Overcrowding", author="Ben", parent="1"),
            ],
        ),
    )
    assert run_cli("import", str(path), db=empty_study).exit_code == 0
    assert "Overcrowding" not in run_cli("--blind", "memos", "list", db=empty_study, coder="Ana").stdout
    assert "Overcrowding" in run_cli("--blind", "memos", "list", db=empty_study, coder="Ben").stdout
