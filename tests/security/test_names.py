"""Issue 16, cases 1-3: one name matcher for pseudonyms and the audit, applied to every text that
enters a study, and an audit that sees every text the study and a file hold."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.imports.factory import Comment, Docx, build_docx
from tests.security import hostile

KEY = (
    "real,pseudonym\n"
    "Айгерим Сапарова | Айгерим Сапаровой | Сапаровой | Сапарова,Expert A\n"
    "Saparova,Expert A\n"
    "Иванов | Ivanov,Expert Q\n"
)

# The same listed names as researchers' files really hold them.
VARIANTS = {
    "decomposed": "Встреча с Аи\u0306герим Сапаровой прошла.",  # й as и + combining breve
    "soft hyphen": "Сапа\u00adрова сказала, что квоты растут.",
    "zero width": "Ива\u200bнов не согласен.",
    "underscore": "Файл Saparova_interview2.docx приложен.",
    "e-mail": "Пишите на saparova1985@mail.kz или ivanov.petr@gov.kz.",
    "joined by _": "Подпись: Айгерим_Сапарова.",
}


def _key(tmp_path: Path) -> Path:
    key = tmp_path / "key.csv"
    key.write_text(KEY, encoding="utf-8")
    return key


def _audit(db: str, key: Path, *files: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("audit", "--names", str(key), *files, "--json", db=db)
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def _all_text(db: str) -> str:
    """Every text and JSON cell of every table, as a researcher's grep of the study would see."""
    from sqlalchemy import text

    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Base

    engine = make_engine(locate(db))
    out: list[str] = []
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                    out += [json.dumps(v, ensure_ascii=False, default=str) for v in row]
    finally:
        engine.dispose()
    return "\n".join(out)


def _note(tmp_path: Path) -> Path:
    note = tmp_path / "interview.txt"
    note.write_text("\n".join(VARIANTS.values()) + "\n", encoding="utf-8")
    return note


def test_every_variant_of_a_listed_name_is_replaced(empty_study: str, tmp_path: Path) -> None:
    key = _key(tmp_path)
    result = run_cli("import", str(_note(tmp_path)), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 0, result.stderr
    stored = _all_text(empty_study)
    for needle in ("Сапар", "Saparova", "saparova", "Ива", "ivanov", "Айгерим", "Аи\u0306герим"):
        assert needle not in stored, needle
    assert "Пишите на Expert A1985@mail.kz или Expert Q.petr@gov.kz." in stored
    assert "Файл Expert A_interview2.docx приложен." in stored
    code, report = _audit(empty_study, key)
    assert code == 0 and report["found"] == 0, report


def test_the_audit_finds_every_variant(empty_study: str, tmp_path: Path) -> None:
    key = _key(tmp_path)
    assert run_cli("import", str(_note(tmp_path)), db=empty_study).exit_code == 0
    code, report = _audit(empty_study, key)
    assert code == 1
    found = {h["found"] for h in report["hits"]}
    for expected in (
        "Аи\u0306герим Сапаровой",
        "Сапа\u00adрова",
        "Ива\u200bнов",
        "Saparova",
        "saparova",
        "ivanov",
        "Айгерим_Сапарова",
    ):
        assert expected in found, expected
    places = {h["where"] for h in report["hits"]}
    assert "document 'interview', line 5" in places  # the e-mail line


def test_pseudonyms_apply_to_a_qdpx_import(empty_study: str, tmp_path: Path, study_url: str) -> None:
    """A .qdpx with real names in its text, code names, memos and participants: all replaced."""
    source = str(tmp_path / "source.qualcode")
    assert run_cli("init", source, "--title", "Names").exit_code == 0
    assert (
        run_cli("participants", "add", "Expert A", "--attr", "contact=Айгерим Сапарова", db=source).exit_code
        == 0
    )
    assert run_cli("import", str(_note(tmp_path)), "--participant", "Expert A", db=source).exit_code == 0
    coded = run_cli(
        "code", "interview", "--quote", "Сапа\u00adрова сказала", "Сапарова's view", "--new", db=source
    )
    assert coded.exit_code == 0, coded.stderr
    qdpx = tmp_path / "names.qdpx"
    assert run_cli("export", "project", str(qdpx), db=source).exit_code == 0
    key = _key(tmp_path)
    code, report = _audit(source, key, str(qdpx))
    assert code == 1 and any("names.qdpx" in h["where"] for h in report["hits"])

    result = run_cli("import", str(qdpx), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 0, result.stderr
    stored = _all_text(empty_study)
    assert "Сапар" not in stored and "Saparova" not in stored and "Айгерим" not in stored
    assert "Expert A's view" in run_cli("codes", "list", db=empty_study).stdout
    segments = run_cli("segments", "--json", db=empty_study).json()
    assert [s["text"] for s in segments] == ["Expert A сказала"]
    code, report = _audit(empty_study, key)
    assert code == 0, report


def test_a_listed_name_as_comment_author_is_replaced(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "commented.docx"
    build_docx(
        path,
        Docx(
            body=["Квоты {s:1}растут каждый год{e:1}."],
            comments=[Comment("1", "Quota limits", author="Айгерим Сапарова")],
        ),
    )
    key = _key(tmp_path)
    result = run_cli("import", str(path), "--pseudonyms", str(key), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "Айгерим" not in _all_text(empty_study)
    qdpx = tmp_path / "out.qdpx"
    assert run_cli("export", "project", str(qdpx), db=empty_study).exit_code == 0
    code, report = _audit(empty_study, key, str(qdpx))
    assert code == 0, report


def test_pseudonyms_apply_to_participants_and_codebook_imports(empty_study: str, tmp_path: Path) -> None:
    key = _key(tmp_path)
    people = tmp_path / "people.csv"
    people.write_text("label,contact\nExpert A,Сапарова (ministry)\n", encoding="utf-8")
    codebook = tmp_path / "codebook.csv"
    codebook.write_text(
        "theme,code,description\nQuotas,Иванов's view,as Ива\u00adнов put it\n", encoding="utf-8"
    )
    assert (
        run_cli("participants", "import", str(people), "--pseudonyms", str(key), db=empty_study).exit_code
        == 0
    )
    done = run_cli("import-codebook", str(codebook), "--pseudonyms", str(key), db=empty_study)
    assert done.exit_code == 0, done.stderr
    stored = _all_text(empty_study)
    assert "Сапар" not in stored and "Ива" not in stored
    assert "Expert Q's view" in run_cli("codes", "list", db=empty_study).stdout


def test_the_audit_sees_the_log_coders_memos_and_attributes(empty_study: str, tmp_path: Path) -> None:
    """Names only in the event log's before image, a coder's name, a memo, an attribute."""
    key = _key(tmp_path)
    note = tmp_path / "n.txt"
    note.write_text("Квоты растут.\n", encoding="utf-8")
    assert run_cli("import", str(note), db=empty_study).exit_code == 0
    assert run_cli("code", "n", "--quote", "Квоты", "Иванов's view", "--new", db=empty_study).exit_code == 0
    assert run_cli("codes", "rename", "Иванов's view", "Expert Q's view", db=empty_study).exit_code == 0
    assert (
        run_cli(
            "code", "n", "--quote", "растут", "Growth", "--new", db=empty_study, coder="Saparova"
        ).exit_code
        == 0
    )
    assert (
        run_cli("participants", "add", "Expert B", "--attr", "referred by=Сапарова", db=empty_study).exit_code
        == 0
    )
    replied = tmp_path / "replied.docx"
    build_docx(
        replied,
        Docx(
            body=["Рынок {s:1}труда растёт{e:1}."],
            comments=[Comment("1", "Labour market"), Comment("2", "Ask Ivanov about it", parent="1")],
        ),
    )
    assert run_cli("import", str(replied), db=empty_study).exit_code == 0
    code, report = _audit(empty_study, key)
    assert code == 1
    places = " | ".join(h["where"] for h in report["hits"])
    assert "event " in places  # the rename's before image (and the coding's log entry)
    assert "coder " in places  # the coder's name
    assert "participant 'Expert B' (attributes)" in places
    assert "memo 1" in places  # the reply, kept as a memo


def test_the_audit_reads_every_entry_of_an_archive(tmp_path: Path, empty_study: str) -> None:
    """A duplicated entry's hidden first copy, and a name in an entry's file name."""
    key = _key(tmp_path)
    twice = hostile.duplicated_docx(tmp_path / "twice.docx", "Айгерим Сапарова said", "Expert A said")
    named = tmp_path / "bundle.zip"
    with zipfile.ZipFile(named, "w") as zf:
        zf.writestr("notes/Saparova.txt", "nothing here\n")
    code, report = _audit(empty_study, key, str(twice), str(named))
    assert code == 1
    places = {h["where"] for h in report["hits"]}
    assert f"{twice}, word/document.xml (copy 1 of 2), line 1" in places
    assert f"{named}, entry name notes/Saparova.txt" in places


def test_a_name_wrapped_across_lines_or_typed_with_a_curly_apostrophe_is_found() -> None:
    """Tester's cases: "Dana\nSmith" in a hard-wrapped note beside a soft hyphen elsewhere, and
    O’Brien (Word's apostrophe) for a key that says O'Brien."""
    from qualcode.io.pseudonyms import PseudonymKey

    key = PseudonymKey([("Dana Smith", "Expert D", "Dana Smith"), ("O'Brien", "Expert O", "O'Brien")])
    text = "Сапа\u00adрова met Dana\nSmith and O’Brien."
    assert [h.found for h in key.hits(text)] == ["Dana\nSmith", "O’Brien"]
    assert key.scrub(text) == "Сапа\u00adрова met Expert D and Expert O."
