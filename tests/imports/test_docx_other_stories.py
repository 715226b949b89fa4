"""Comments anchored outside the body (footnotes, headers) are skipped with a warning, not refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qualcode.io.docx import read_docx
from tests.conftest import run_cli
from tests.imports.factory import NS_DECL, Comment, Docx, build_docx


def _with_footnote_comment(path: Path) -> Path:
    build_docx(
        path,
        Docx(
            body=["Мигранты из {s:1}Узбекистана{e:1} работают на стройках."],
            comments=[
                Comment("1", "Происхождение мигрантов"),
                Comment("2", "Источник статистики"),
                Comment("3", "Согласна", parent="2", author="Dana"),
            ],
        ),
    )
    footnotes = (
        f'<w:footnotes {NS_DECL}><w:footnote w:id="1"><w:p><w:r><w:t>Данные МВД, </w:t></w:r>'
        '<w:commentRangeStart w:id="2"/><w:r><w:t>2023</w:t></w:r><w:commentRangeEnd w:id="2"/>'
        '<w:r><w:commentReference w:id="2"/></w:r></w:p></w:footnote></w:footnotes>'
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("word/footnotes.xml", footnotes)
    return path


def test_a_comment_in_a_footnote_is_skipped_with_a_warning(tmp_path: Path) -> None:
    doc = read_docx(_with_footnote_comment(tmp_path / "Expert K.docx"))
    assert [(doc.text[c.start : c.end], c.codes) for c in doc.codings] == [
        ("Узбекистана", ("Происхождение мигрантов",))
    ]
    assert any("comment 2 is anchored in word/footnotes.xml" in w for w in doc.warnings)
    assert all(m.text != "Согласна" for c in doc.codings for m in c.memos)  # its reply went with it


def test_import_reports_the_skipped_footnote_comment(empty_study: str, tmp_path: Path) -> None:
    path = _with_footnote_comment(tmp_path / "Expert K.docx")
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "word/footnotes.xml" in result.stderr
    rows = run_cli("segments", "--json", db=empty_study).json()
    assert [(r["text"], r["code"]) for r in rows] == [("Узбекистана", "Происхождение мигрантов")]
