"""REFI-QDA projects as other tools write them: sources outside the zip, nested codes, a study
that already has data; and merge-study of the same interview saved with other line endings."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from tests.conftest import run_cli, table_counts
from tests.exports.test_refi import _assert_valid

TEXT_A = "Мы переехали в город ради работы. Аренда была слишком высокой."
TEXT_B = "Двоюродный брат помог с визой. Документы заняли месяцы."
CODES = """<CodeBook><Codes>
    <Code guid="c0000000-0000-4000-8000-000000000001" name="Жильё" isCodable="false">
      <Code guid="c0000000-0000-4000-8000-000000000002" name="Housing cost" isCodable="true">
        <Code guid="c0000000-0000-4000-8000-000000000003" name="Rent" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="c0000000-0000-4000-8000-000000000004" name="Family help" isCodable="true"/>
  </Codes></CodeBook>"""


def _project(path: Path, ref_b: str, *, inside: dict[str, str], base: str = "") -> Path:
    """A .qdpx with source A stored as qc writes it (a plain name under sources/) and source B
    at ``ref_b``; ``inside`` are the zip's other files."""
    base_attr = f' basePath="{base}"' if base else ""
    rent = TEXT_A.index("Аренда")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="relpaths" origin="qc"{base_attr}>
  <Users><User guid="u0000000-0000-4000-8000-000000000001" name="ana"/></Users>
  {CODES}
  <Sources>
    <TextSource guid="s0000000-0000-4000-8000-000000000001" name="Interview A" plainTextPath="a.txt">
      <PlainTextSelection guid="p0000000-0000-4000-8000-000000000001" startPosition="{rent}"
          endPosition="{len(TEXT_A)}">
        <Coding guid="k0000000-0000-4000-8000-000000000001"
            creatingUser="u0000000-0000-4000-8000-000000000001">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="s0000000-0000-4000-8000-000000000002" name="Interview B" plainTextPath="{ref_b}">
      <PlainTextSelection guid="p0000000-0000-4000-8000-000000000002" startPosition="0" endPosition="30">
        <Coding guid="k0000000-0000-4000-8000-000000000002"
            creatingUser="u0000000-0000-4000-8000-000000000001">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/a.txt", TEXT_A)
        for name, text in inside.items():
            zf.writestr(name, text)
    return path


def _codings(db: str) -> list[tuple[str, str, str, str]]:
    rows: list[dict[str, Any]] = run_cli("segments", "--json", db=db).json()
    return sorted((r["document"], r["code"], r["coder"], r["text"]) for r in rows)


EXPECTED = [
    ("Interview A", "Rent", "ana", "Аренда была слишком высокой."),
    ("Interview B", "Family help", "ana", "Двоюродный брат помог с визой."),
]


def test_plain_source_names_are_read_from_sources(empty_study: str, tmp_path: Path) -> None:
    path = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": TEXT_B})
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codings(empty_study) == EXPECTED


def test_relative_source_found_with_sources_dir_else_named(empty_study: str, tmp_path: Path) -> None:
    elsewhere = tmp_path / "transcripts"
    elsewhere.mkdir()
    (elsewhere / "interview-b.txt").write_text(TEXT_B, encoding="utf-8")
    (tmp_path / "projects").mkdir()
    path = _project(tmp_path / "projects" / "rel.qdpx", "relative:///interview-b.txt", inside={})
    before = table_counts(empty_study)
    refused = run_cli("import", str(path), db=empty_study)
    assert refused.exit_code == 2
    assert "relative:///interview-b.txt" in refused.stderr and "--sources" in refused.stderr
    assert str(path) in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before
    result = run_cli("import", str(path), "--sources", str(elsewhere), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codings(empty_study) == EXPECTED


def test_relative_source_beside_the_project_under_its_base_path(empty_study: str, tmp_path: Path) -> None:
    (tmp_path / "external").mkdir()
    (tmp_path / "external" / "interview-b.txt").write_bytes(TEXT_B.encode("cp1251"))
    path = _project(tmp_path / "rel.qdpx", "relative:///interview-b.txt", inside={}, base="external")
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _codings(empty_study) == EXPECTED


def test_skip_missing_sources_leaves_out_the_source_with_a_warning(empty_study: str, tmp_path: Path) -> None:
    path = _project(tmp_path / "rel.qdpx", "relative:///gone.txt", inside={})
    result = run_cli("import", str(path), "--skip-missing-sources", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "relative:///gone.txt" in result.stderr and "left out" in result.stderr
    assert _codings(empty_study) == EXPECTED[:1]


def test_nested_codes_are_kept(empty_study: str, tmp_path: Path) -> None:
    path = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": TEXT_B})
    assert run_cli("import", str(path), db=empty_study).exit_code == 0
    codes = {
        c["name"]: (c["theme"], c["parent"])
        for c in run_cli("codes", "list", "--json", db=empty_study).json()
    }
    assert codes == {
        "Housing cost": ("Жильё", None),
        "Rent": ("Жильё", "Housing cost"),
        "Family help": (None, None),
    }
    assert run_cli("undo", db=empty_study).exit_code == 0
    assert table_counts(empty_study)["code"] == 0


def test_a_project_into_a_study_with_data_is_merged_and_idempotent(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    notes = tmp_path / "Interview A.txt"
    notes.write_text(TEXT_A + "\r\n", encoding="utf-8")  # the same interview, saved on Windows
    assert run_cli("import", str(notes), db=db).exit_code == 0
    assert (
        run_cli(
            "code", "Interview A", "--quote", "ради работы", "Work", "--new", db=db, coder="dana"
        ).exit_code
        == 0
    )
    path = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": TEXT_B})
    result = run_cli("import", str(path), db=db)
    assert result.exit_code == 0, result.stderr
    assert "1 new document(s) (1 matched)" in result.stdout
    assert _codings(db) == sorted([*EXPECTED, ("Interview A", "Work", "dana", "ради работы")])
    assert len(run_cli("documents", "list", "--json", db=db).json()) == 2
    before = table_counts(db)
    again = run_cli("import", str(path), db=db)
    assert again.exit_code == 0 and "nothing new" in again.stdout
    assert table_counts(db) == before


def test_nested_codes_and_categories_round_trip_and_validate(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    path = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": TEXT_B})
    assert run_cli("import", str(path), db=db).exit_code == 0
    out, book = tmp_path / "out.qdpx", tmp_path / "out.qdc"
    assert run_cli("export", "project", str(out), db=db).exit_code == 0
    assert run_cli("export", "codebook", str(book), db=db).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        project_root = _assert_valid(zf.read("project.qde"), "Project-mrt2019.xsd")
    book_root = _assert_valid(book.read_bytes(), "Codebook-mrt2019.xsd")
    for root, ns in ((project_root, "urn:QDA-XML:project:1.0"), (book_root, "urn:QDA-XML:codebook:1.0")):
        q = {"q": ns}
        theme = root.find(".//q:Code[@name='Жильё']", q)
        assert theme is not None and theme.get("isCodable") == "false"
        parent = theme.find("q:Code[@name='Housing cost']", q)
        assert parent is not None and parent.get("isCodable") == "true"
        child = parent.find("q:Code[@name='Rent']", q)
        assert child is not None and child.get("isCodable") == "true"
    second = tmp_path / "second.qualcode"
    assert run_cli("init", str(second)).exit_code == 0
    assert run_cli("import", str(out), db=str(second)).exit_code == 0
    again = {
        c["name"]: (c["theme"], c["parent"])
        for c in run_cli("codes", "list", "--json", db=str(second)).json()
    }
    assert again["Rent"] == ("Жильё", "Housing cost")
    assert _codings(str(second)) == EXPECTED
    etree.fromstring(book.read_bytes())  # well-formed, for tools that skip validation


def test_merge_study_matches_the_same_interview_saved_with_crlf(empty_study: str, tmp_path: Path) -> None:
    db = empty_study
    text = "Вопрос: как вы нашли работу?\nОтвет: через друга.  \nПотом переехали.\n"
    lf, crlf = tmp_path / "lf" / "Interview.txt", tmp_path / "crlf" / "Interview.txt"
    lf.parent.mkdir()
    crlf.parent.mkdir()
    lf.write_bytes(text.encode("utf-8"))
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("  \n", "\n").replace("\n", "\r\n").encode("utf-8"))
    assert run_cli("import", str(lf), db=db).exit_code == 0
    other = str(tmp_path / "dana.qualcode")
    assert run_cli("init", other).exit_code == 0
    assert run_cli("import", str(crlf), db=other).exit_code == 0
    coded = run_cli(
        "code", "Interview", "--quote", "Потом переехали.", "Moving on", "--new", db=other, coder="dana"
    )
    assert coded.exit_code == 0, coded.stderr
    result = run_cli("merge-study", other, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    merged = result.json()
    assert merged["documents_added"] == 0 and merged["documents_matched"] == 1
    rows = run_cli("segments", "--json", db=db).json()
    assert [(r["document"], r["text"], r["coder"]) for r in rows] == [
        ("Interview", "Потом переехали.", "dana")
    ]
    start = text.index("Потом")
    assert (rows[0]["start"], rows[0]["end"]) == (start, start + len("Потом переехали."))
    check = run_cli("db", "check", db=db)
    assert check.exit_code == 0, check.stdout


def test_pseudonyms_apply_to_a_qdpx(empty_study: str, tmp_path: Path) -> None:
    """The key replaces names in the project's sources; selections follow the shorter text."""
    text_b = "Марат Сапаров помог с визой. Документы заняли месяцы."
    path = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": text_b})
    key = tmp_path / "key.csv"
    key.write_text("real;pseudonym\nМарат Сапаров;Cousin M\n", encoding="utf-8")
    result = run_cli("import", str(path), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 0, result.stderr
    coded = {d: t for d, _c, _u, t in _codings(empty_study)}
    assert text_b[0:30] == "Марат Сапаров помог с визой. Д"
    assert coded["Interview B"] == "Cousin M помог с визой. Д"  # the same words, 5 characters fewer
    assert "Марат" not in str(_codings(empty_study))
    audit = run_cli("audit", "--names", str(key), db=empty_study)
    assert audit.exit_code == 0, audit.stdout


def _corrupt_member(path: Path, member: str) -> None:
    """Flip bytes in the middle of one deflated member, as a broken download leaves it."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        size = info.compress_size
    data = bytearray(path.read_bytes())
    for i in range(offset + size // 3, offset + size // 3 + 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_corrupt_member_is_refused_naming_the_file(empty_study: str, tmp_path: Path) -> None:
    import docx

    word = tmp_path / "notes.docx"
    document = docx.Document()
    for i in range(200):
        document.add_paragraph(f"Абзац {i}: эксперт говорил о квотах и визах, о работодателях и регионах.")
    document.save(str(word))
    _corrupt_member(word, "word/document.xml")
    project = _project(tmp_path / "qc.qdpx", "b.txt", inside={"sources/b.txt": TEXT_B * 200})
    with zipfile.ZipFile(project) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(project, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    _corrupt_member(project, "sources/b.txt")
    before = table_counts(empty_study)
    for path in (word, project):
        result = run_cli("import", str(path), db=empty_study)
        assert result.exit_code == 2, (path, result.stderr)
        assert str(path) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before
