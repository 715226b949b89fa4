"""Pseudonyms on import, and the audit that finds real names wherever they leaked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.conftest import run_cli
from tests.imports.factory import Comment, Docx, build_docx

KEY = """real,pseudonym
Иванов | Иванова | Иванову | Ивановым,Expert Q
Семён Петрович,Expert R
Aigerim Nurlanovna,Expert S
Nurlanovna,Expert S
Алматинский завод,Company X
"""

PLANTED = ["Иванова", "ИВАНОВУ", "Семен Петрович", "Aigerim  Nurlanovna", "Алматинский завод"]


def interview_with_names(tmp_path: Path) -> Path:
    return build_docx(
        tmp_path / "Иванов interview.docx",
        Docx(
            body=[
                "Интервью. Мы говорили с Ива|новым о работе.",  # a name split across runs
                "{s:1}По словам ИВАНОВУ, Семен Петрович курирует квоты{e:1} на Алматинский завод.",
                "{s:2}Aigerim  Nurlanovna said the flows grew{e:2}; Ивановская улица is not a name.",
            ],
            comments=[
                Comment("1", "Quota limits; Иванова's view", author="Dana"),
                Comment("2", "Increase in the number of migrants", author="Dana"),
                Comment("3", "Ask Семён Петрович again", author="Dana", parent="1"),
            ],
        ),
    )


def _audit(db: str, key: Path, *files: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("audit", "--names", str(key), *files, "--json", db=db)
    return result.exit_code, json.loads(result.stdout)


def test_names_are_replaced_before_storing_and_the_audit_finds_none(empty_study: str, tmp_path: Path) -> None:
    key = tmp_path / "key.csv"
    key.write_text(KEY, encoding="utf-8")
    path = interview_with_names(tmp_path)
    result = run_cli("import", str(path), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 0, result.stderr

    rows = run_cli("segments", "--json", db=empty_study).json()
    texts = {r["code"]: r["text"] for r in rows}
    # offsets follow the replacements: the segments are the pseudonymised passages, whole
    assert texts["Quota limits"] == "По словам Expert Q, Expert R курирует квоты"
    assert texts["Expert Q's view"] == texts["Quota limits"]
    assert texts["Increase in the number of migrants"] == "Expert S said the flows grew"
    docs = run_cli("documents", "list", "--json", db=empty_study).json()
    assert docs[0]["title"] == "Expert Q interview"
    memos = run_cli("memos", "list", "--json", db=empty_study).json()
    assert [m["text"] for m in memos] == ["Ask Expert R again"]

    code, report = _audit(empty_study, key)
    assert code == 0 and report["found"] == 0, report
    # "Ивановская" is a different word: whole words only
    from sqlalchemy import select

    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Document

    engine = make_engine(locate(empty_study))
    with engine.connect() as conn:
        text = conn.execute(select(Document.text)).scalar_one()
    engine.dispose()
    assert "Ивановская улица" in text and "Мы говорили с Expert Q о работе." in text


def test_without_the_key_the_audit_finds_every_planted_name(empty_study: str, tmp_path: Path) -> None:
    key = tmp_path / "key.csv"
    key.write_text(KEY, encoding="utf-8")
    path = interview_with_names(tmp_path)
    assert run_cli("import", str(path), db=empty_study).exit_code == 0
    code, report = _audit(empty_study, key)
    assert code == 1
    found = {h["found"] for h in report["hits"]}
    for name in [*PLANTED, "Ивановым", "Семён Петрович"]:
        assert name in found, name
    places = {h["where"] for h in report["hits"]}
    assert "document 'Иванов interview', line 2" in places
    assert "document 'Иванов interview' (title)" in places
    assert any(p.startswith("memo ") for p in places)
    assert 'code "Иванова\'s view" (name)' in places


def test_the_audit_reads_export_files(empty_study: str, tmp_path: Path) -> None:
    key = tmp_path / "key.csv"
    key.write_text(KEY, encoding="utf-8")
    clean = tmp_path / "clean.md"
    clean.write_text("Expert Q said: quotas.\n", encoding="utf-8")
    leaked_md = tmp_path / "findings.md"
    leaked_md.write_text("Intro\nAs Иванову told us, quotas.\n", encoding="utf-8")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Codebook"
    sheet["A1"], sheet["B3"] = "Theme", "Expert Q: 'from Aigerim Nurlanovna'"
    leaked_xlsx = tmp_path / "codebook.xlsx"
    book.save(leaked_xlsx)
    leaked_docx = build_docx(tmp_path / "report.docx", Docx(body=["Cited: Сем|ён Петрович."]))

    code, report = _audit(empty_study, key, str(clean))
    assert code == 0 and report["found"] == 0
    code, report = _audit(empty_study, key, str(clean), str(leaked_md), str(leaked_xlsx), str(leaked_docx))
    assert code == 1
    wheres = {(h["where"], h["found"]) for h in report["hits"]}
    assert (f"{leaked_md}, line 2", "Иванову") in wheres
    assert (f"{leaked_xlsx}, Codebook!B3", "Aigerim Nurlanovna") in wheres
    assert (f"{leaked_docx}, text, line 1", "Семён Петрович") in wheres


def test_a_key_that_gives_one_name_two_pseudonyms_is_refused(empty_study: str, tmp_path: Path) -> None:
    key = tmp_path / "key.csv"
    key.write_text("real,pseudonym\nИванов,Expert Q\nиванов,Expert Z\n", encoding="utf-8")
    notes = tmp_path / "n.txt"
    notes.write_text("Иванов сказал.", encoding="utf-8")
    result = run_cli("import", str(notes), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 2 and "key.csv, line 3: 'иванов' is given two pseudonyms" in result.stderr
