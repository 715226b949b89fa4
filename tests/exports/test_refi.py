"""REFI-QDA: every file validates against the published schemas, and a project comes back whole."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import create_engine, insert, select, text

from qualcode.db.engine import locate, make_engine
from qualcode.io.refi import read_qdc
from tests.conftest import ROOT, run_cli, table_counts

SCHEMAS = Path("/work/shared/refi-qda")
if not SCHEMAS.is_dir():  # outside the team machine: the copies shipped in the package
    SCHEMAS = ROOT / "qualcode" / "io" / "schemas"


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _assert_valid(xml: bytes, schema_name: str) -> etree._Element:
    schema = _schema(schema_name)
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    return root


def _other_db(study_url: str, tmp_path: Path) -> str:
    """A second study next to the first: a new file, or a new PostgreSQL schema."""
    if "postgresql" not in study_url:
        return str(tmp_path / "second.qualcode")
    schema = "qc2_" + tmp_path.name[-20:].replace("-", "_").lower()
    base = study_url.split("?")[0]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{base}?options=-csearch_path%3D{schema}"


def _drop(db: str) -> None:
    if "postgresql" in db:
        schema = db.rsplit("%3D", 1)[1]
        admin = create_engine(db.split("?")[0], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _enrich(db: str, tmp_path: Path) -> None:
    """Beyond the thesis: a sub-theme, an excluded code, a second coder, Kazakh text, memos."""
    assert run_cli("themes", "add", "Statistics", "--parent", "Human trafficking", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Statistics", "Human trafficking problem", db=db).exit_code == 0
    assert run_cli("codes", "exclude", "Dactyloscopy", "--reason", "off topic", db=db).exit_code == 0
    seg = run_cli("segments", "--code", "Digitalisation", "--json", db=db).json()[0]
    second = run_cli(
        "code",
        seg["document"],
        "--start",
        str(seg["start"]),
        "--end",
        str(seg["end"]),
        "Digitalisation",
        db=db,
        coder="aigerim",
    )
    assert second.exit_code == 0, second.stderr
    notes = tmp_path / "Expert J.txt"
    kazakh, russian = "Көші-қон саясаты өзгерді.", "Миграционная политика — «цифровизация» 🙂."
    notes.write_text(f"{kazakh}\n{russian}\n", encoding="utf-8")
    assert run_cli("participants", "add", "Expert J", "--attr", "mode=Zoom", db=db).exit_code == 0
    assert run_cli("import", str(notes), "--participant", "Expert J", db=db).exit_code == 0
    coded = run_cli("code", "Expert J", "--quote", "«цифровизация» 🙂", "Цифровизация", "--new", db=db)
    assert coded.exit_code == 0, coded.stderr
    _add_memos(db)


def _add_memos(db: str) -> None:
    """One memo on each kind of target (no command writes them yet; the workbench will)."""
    from qualcode.db.models import Code, Coder, Coding, Document, Memo, Participant, Theme

    engine = make_engine(locate(db))
    try:
        with engine.begin() as conn:
            author = conn.execute(select(Coder.id).where(Coder.name == "aigerim")).scalar_one()
            first = {
                "document_id": conn.execute(
                    select(Document.id).where(Document.title == "Expert J")
                ).scalar_one(),
                "code_id": conn.execute(select(Code.id).where(Code.name == "Digitalisation")).scalar_one(),
                "theme_id": conn.execute(select(Theme.id).where(Theme.name == "Statistics")).scalar_one(),
                "participant_id": conn.execute(
                    select(Participant.id).where(Participant.label == "Expert D")
                ).scalar_one(),
                "coding_id": conn.execute(select(Coding.id).where(Coding.coder_id == author)).scalar_one(),
            }
            rows = [{key: value, "text": f"Memo on the {key[:-3]}: «{key}»"} for key, value in first.items()]
            rows.append({"text": "A memo on the whole study"})
            for row in rows:
                conn.execute(insert(Memo).values(**row, author_id=author, provenance="test"))
    finally:
        engine.dispose()


def _snapshot(db: str) -> dict[str, Any]:
    docs = run_cli("documents", "list", "--json", db=db).json()
    codes = run_cli("codes", "list", "--all", "--json", db=db).json()
    themes = run_cli("themes", "list", "--json", db=db).json()
    people = run_cli("participants", "list", "--json", db=db).json()
    segments = run_cli("segments", "--json", db=db).json()
    memos = run_cli("memos", "list", "--json", db=db).json()
    return {
        "memos": sorted(
            (m["target"], m["document"], m["code"], m["about"], m["text"], m["author"]) for m in memos
        ),
        "documents": sorted((d["title"], d["participant"], d["characters"], d["codings"]) for d in docs),
        "codes": [
            (c["name"], c["status"], c["theme"], c["count"], c["participants"], c["description"])
            for c in codes
        ],
        "themes": [(t["name"], t["parent"], t["depth"], t["codes"], t["codings"]) for t in themes],
        "participants": [(p["label"], p["attributes"], p["documents"], p["codings"]) for p in people],
        "codings": sorted(
            (s["document"], s["start"], s["end"], s["text"], s["code"], s["coder"], s["created_at"][:19])
            for s in segments
        ),
    }


def test_project_validates_and_round_trips(example_study: str, tmp_path: Path) -> None:
    db = example_study
    _enrich(db, tmp_path)
    out = tmp_path / "thesis.qdpx"
    result = run_cli("export", "project", str(out), db=db)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as zf:
        root = _assert_valid(zf.read("project.qde"), "Project-mrt2019.xsd")
        sources = [n for n in zf.namelist() if n.startswith("sources/")]
        assert len(sources) == 10
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert {u.get("name") for u in root.findall("q:Users/q:User", ns)} >= {"tester", "aigerim"}
    sets = {s.get("name") for s in root.findall("q:Sets/q:Set", ns)}
    assert {"Human trafficking", "Statistics", "qualcode: excluded codes"} <= sets
    parents = root.findall("q:CodeBook/q:Codes/q:Code[@isCodable='false']", ns)
    assert len(parents) == 8
    case = next(c for c in root.findall("q:Cases/q:Case", ns) if c.get("name") == "Expert A")
    assert len(case.findall("q:VariableValue", ns)) == 4 and len(case.findall("q:SourceRef", ns)) == 1
    second = _other_db(db, tmp_path)
    try:
        assert run_cli("init", second, db=None).exit_code == 0
        imported = run_cli("import", str(out), db=second)
        assert imported.exit_code == 0, imported.stderr
        assert _snapshot(second) == _snapshot(db)
        before = table_counts(second)
        # Into a study with data a project is merged: the same project again adds nothing.
        again = run_cli("import", str(out), db=second)
        assert again.exit_code == 0 and "nothing new (10 document(s) already here)" in again.stdout
        assert table_counts(second) == before
        undone = run_cli("undo", db=second)
        assert undone.exit_code == 0, undone.stderr
        after = table_counts(second)
        assert after["document"] == after["code"] == after["coding"] == after["theme"] == 0
    finally:
        _drop(second)


def test_guids_are_stable_across_exports(example_study: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one.qdpx", tmp_path / "two.qdpx"
    assert run_cli("export", "project", str(one), db=example_study).exit_code == 0
    assert (
        run_cli(
            "code",
            "Expert A",
            "--quote",
            "Now everything is already normalised",
            "Recovery",
            "--new",
            db=example_study,
        ).exit_code
        == 0
    )
    assert run_cli("export", "project", str(two), db=example_study).exit_code == 0

    def guids(path: Path) -> dict[str, str]:
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("project.qde"))
        return {el.get("name"): el.get("guid") for el in root.iter() if el.get("guid") and el.get("name")}

    first, later = guids(one), guids(two)
    assert all(later[name] == guid for name, guid in first.items())
    assert "Recovery" in later and "Recovery" not in first


def test_codebook_qdc_validates_and_reads_back(example_study: str, tmp_path: Path) -> None:
    db = example_study
    assert run_cli("themes", "add", "Statistics", "--parent", "Human trafficking", db=db).exit_code == 0
    assert run_cli("themes", "assign", "Statistics", "Human trafficking problem", db=db).exit_code == 0
    out = tmp_path / "codebook.qdc"
    result = run_cli("export", "codebook", str(out), db=db)
    assert result.exit_code == 0, result.stderr
    _assert_valid(out.read_bytes(), "Codebook-mrt2019.xsd")
    project = read_qdc(out)
    themes = {t.guid: t for t in project.themes}
    codes = run_cli("codes", "list", "--json", db=db).json()
    assert [c.name for c in project.codes] == [c["name"] for c in codes]
    placed = {c.name: themes[c.theme].name for c in project.codes if c.theme}
    assert placed == {c["name"]: c["theme"] for c in codes}
    stats = next(t for t in project.themes if t.name == "Statistics")
    assert stats.parent is not None and themes[stats.parent].name == "Human trafficking"


def test_import_codebook_reads_the_qdc_into_a_new_study(example_study: str, tmp_path: Path) -> None:
    """Through the import engineer's `import-codebook` (qualcode/io/codebook.py)."""
    out = tmp_path / "codebook.qdc"
    assert run_cli("export", "codebook", str(out), db=example_study).exit_code == 0
    second = _other_db(example_study, tmp_path)
    try:
        assert run_cli("init", second).exit_code == 0
        result = run_cli("import-codebook", str(out), db=second)
        assert result.exit_code == 0, result.stderr
        fresh = {c["name"]: c["theme"] for c in run_cli("codes", "list", "--json", db=second).json()}
        listed = run_cli("codes", "list", "--json", db=example_study).json()
        original = {c["name"]: c["theme"] for c in listed}
        assert fresh == original
    finally:
        _drop(second)


def _qdpx(tmp_path: Path, selection: str, text_body: str = "Short text.") -> Path:
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Broken">
  <CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="22222222-2222-2222-2222-222222222222" name="Doc" plainTextPath="internal://doc.txt">
      {selection}
    </TextSource>
  </Sources>
</Project>
"""
    path = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml)
        zf.writestr("sources/doc.txt", text_body)
    return path


_SEL = '<PlainTextSelection guid="{g3}" startPosition="{a}" endPosition="{b}">'
_CODING = '<Coding guid="{g4}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
_GUIDS = {n: "-".join(str(n) * k for k in (8, 4, 4, 4, 12)) for n in (1, 3, 4, 5)}


def _selection(a: int, b: int, code: str) -> str:
    return (_SEL + _CODING).format(g3=_GUIDS[3], g4=_GUIDS[4], a=a, b=b, code=code)


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (_selection(5, 99, _GUIDS[1]), "line 7: selection [5, 99) is outside the text"),
        (_selection(0, 4, _GUIDS[5]), "line 7: a <Coding> refers to code 5555"),
        ("<PlainTextSelection", "line 8: not well-formed XML"),
    ],
)
def test_a_broken_project_is_refused_with_its_line(
    empty_study: str, tmp_path: Path, selection: str, message: str
) -> None:
    path = _qdpx(tmp_path, selection)
    before = table_counts(empty_study)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 2
    assert f"{path}:project.qde, {message}" in result.stderr
    assert table_counts(empty_study) == before
