"""Comments on the same words: without thread information each is a coding, counted and said."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx

from tests.conftest import run_cli, table_counts
from tests.imports.factory import Comment, Docx, annotation, build_docx, build_odt

SENTENCE = "Восемь человек жили в двух комнатах целый год."


def _codings(db: str) -> list[tuple[str, str, str, int, int]]:
    """(code, coder, text, start, end) of every coding, as `segments --json` shows them."""
    result = run_cli("segments", "--json", db=db)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, Any]] = result.json()
    return sorted((r["code"], r["coder"], r["text"], r["start"], r["end"]) for r in rows)


def _python_docx_two_coders(path: Path, authors: tuple[str, str]) -> Path:
    """python-docx writes no commentsExtended.xml, as Google Docs does not."""
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("Сначала мы жили у родственников. ")
    run = p.add_run(SENTENCE)
    p.add_run(" Потом сняли квартиру.")
    d.add_comment(run, text="Housing", author=authors[0], initials="A")
    d.add_comment(run, text="Overcrowding", author=authors[1], initials="B")
    d.save(str(path))
    return path


def test_two_coders_on_the_same_sentence_give_two_codings(empty_study: str, tmp_path: Path) -> None:
    path = _python_docx_two_coders(tmp_path / "Expert A.docx", ("Ana", "Ben"))
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "2 codings" in result.stdout
    assert "1 comment(s) on the same words as an earlier one kept as codings" in result.stdout
    assert "memo" not in result.stdout
    start = len("Сначала мы жили у родственников. ")
    assert _codings(empty_study) == [
        ("Housing", "Ana", SENTENCE, start, start + len(SENTENCE)),
        ("Overcrowding", "Ben", SENTENCE, start, start + len(SENTENCE)),
    ]
    assert table_counts(empty_study)["memo"] == 0


def test_one_coder_twice_on_the_same_sentence_gives_two_codings(empty_study: str, tmp_path: Path) -> None:
    path = _python_docx_two_coders(tmp_path / "Expert A.docx", ("Ana", "Ana"))
    assert run_cli("import", str(path), db=empty_study).exit_code == 0
    assert [(c[0], c[1]) for c in _codings(empty_study)] == [("Housing", "Ana"), ("Overcrowding", "Ana")]


def test_as_replies_they_are_memos_on_the_first_coding(empty_study: str, tmp_path: Path) -> None:
    path = _python_docx_two_coders(tmp_path / "Expert A.docx", ("Ana", "Ben"))
    result = run_cli("import", str(path), "--same-range-comments", "replies", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert [(c[0], c[1]) for c in _codings(empty_study)] == [("Housing", "Ana")]
    memos = run_cli("memos", "list", "--json", db=empty_study).json()
    assert [(m["text"], m["author"], m["code"]) for m in memos] == [("Overcrowding", "Ben", "Housing")]
    assert "stored as a memo" in result.stderr


def test_an_unknown_choice_is_refused_and_nothing_is_stored(empty_study: str, tmp_path: Path) -> None:
    path = _python_docx_two_coders(tmp_path / "Expert A.docx", ("Ana", "Ben"))
    before = table_counts(empty_study)
    result = run_cli("import", str(path), "--same-range-comments", "memos", db=empty_study)
    assert result.exit_code == 2
    assert table_counts(empty_study) == before


def test_word_threads_make_only_real_replies_memos(empty_study: str, tmp_path: Path) -> None:
    """With commentsExtended.xml, a reply is a memo and a separate comment on the same words is
    a coding (no counting needed: the file says which is which)."""
    path = build_docx(
        tmp_path / "Expert B.docx",
        Docx(
            body=["{s:1}{s:2}{s:3}Квоты распределяются по отраслям{e:1}{e:2}{e:3}."],
            comments=[
                Comment("1", "Quota limits", author="Ana"),
                Comment("2", "Sector quotas", author="Ben"),
                Comment("3", "Agreed", author="Ben", parent="1"),
            ],
            threads=True,
        ),
    )
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "1 replies as memos" in result.stdout and "same words" not in result.stdout
    assert [(c[0], c[1]) for c in _codings(empty_study)] == [
        ("Quota limits", "Ana"),
        ("Sector quotas", "Ben"),
    ]
    memos = run_cli("memos", "list", "--json", db=empty_study).json()
    assert [(m["text"], m["code"]) for m in memos] == [("Agreed", "Quota limits")]


def test_odt_same_range_annotations_and_libreoffice_replies(empty_study: str, tmp_path: Path) -> None:
    """LibreOffice links a reply to its comment (loext:parent-name): a memo. Two annotations on
    the same words without that link are two codings."""
    body = (
        "<text:p>"
        + annotation("a1", "Housing", author="Ana")
        + annotation("a2", "Overcrowding", author="Ben")
        + "Жили вдесятером"
        + '<office:annotation-end office:name="a1"/><office:annotation-end office:name="a2"/>'
        + ", было тесно.</text:p>"
    )
    path = build_odt(tmp_path / "Expert C.odt", body)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert [(c[0], c[1], c[2]) for c in _codings(empty_study)] == [
        ("Housing", "Ana", "Жили вдесятером"),
        ("Overcrowding", "Ben", "Жили вдесятером"),
    ]
    assert "1 comment(s) on the same words as an earlier one kept as codings" in result.stdout


def test_odt_reply_with_parent_stays_a_memo(empty_study: str, tmp_path: Path) -> None:
    body = (
        "<text:p>"
        + annotation("a1", "Housing", author="Ana")
        + "Жили вдесятером"
        + '<office:annotation-end office:name="a1"/>'
        + annotation("a2", "Is this the same as Expert B?", author="Ben", parent="a1")
        + ".</text:p>"
    )
    path = build_odt(tmp_path / "Expert D.odt", body)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert [(c[0], c[1]) for c in _codings(empty_study)] == [("Housing", "Ana")]
    memos = run_cli("memos", "list", "--json", db=empty_study).json()
    assert [(m["text"], m["author"]) for m in memos] == [("Is this the same as Expert B?", "Ben")]
