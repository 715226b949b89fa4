"""The read services the workbench shows, and the changes only it makes, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.db.engine import locate
from qualcode.db.schema import HEAD_REVISION, open_study, schema_differences
from qualcode.services import workbench as wb
from qualcode.services.admin import undo_event
from qualcode.services.coding import code_span, list_segments
from qualcode.services.uow import unit_of_work
from tests.conftest import run_cli, table_counts

RUSSIAN = (
    "Миграция и ёмкость рынка труда растут. Қазақстан еңбек нарығы өсіп жатыр.\n"
    "\n"
    "Визы для студентов нужны. Трудовые мигранты едут в Алматы.\n"
)


def _read(db: str, service: object, *args: object, **kwargs: object) -> object:
    study = open_study(locate(db))
    try:
        with unit_of_work(study, coder="tester", write=False) as uow:
            return service(uow, *args, **kwargs)  # type: ignore[operator]
    finally:
        study.engine.dispose()


def _write(db: str, service: object, *args: object, **kwargs: object) -> object:
    study = open_study(locate(db))
    try:
        with unit_of_work(study, coder="tester") as uow:
            return service(uow, *args, **kwargs)  # type: ignore[operator]
    finally:
        study.engine.dispose()


@pytest.fixture
def russian_study(empty_study: str, tmp_path: Path) -> str:
    notes = tmp_path / "expert-a.txt"
    notes.write_text(RUSSIAN, encoding="utf-8")
    assert run_cli("participants", "add", "Expert A", db=empty_study).exit_code == 0
    result = run_cli("import", str(notes), "--participant", "Expert A", db=empty_study)
    assert result.exit_code == 0, result.stderr
    return empty_study


def test_documents_grouped_by_participant_with_progress(example_study: str) -> None:
    groups = _read(example_study, wb.document_overview)
    assert isinstance(groups, list)
    assert [g.label for g in groups] == [f"Expert {c}" for c in "ABCDEFGHI"]
    listed = run_cli("documents", "list", "--json", db=example_study).json()
    by_title = {d["title"]: d for d in listed}
    progress = _read(example_study, wb.document_progress)
    assert isinstance(progress, dict)
    for group in groups:
        for doc in group.documents:
            assert doc.codings == by_title[doc.title]["codings"]
            assert doc.participant == group.label
            assert progress[doc.id].characters == by_title[doc.title]["characters"]
    assert sum(g.codings for g in groups) == 195


def test_progress_counts_overlapping_codings_once(empty_study: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("0123456789" * 10, encoding="utf-8")  # 100 characters
    assert run_cli("import", str(notes), db=empty_study).exit_code == 0
    for start, end in [(10, 30), (20, 40), (25, 35), (60, 70), (69, 71), (90, 100)]:
        result = run_cli(
            "code", "notes", "--start", str(start), "--end", str(end), "--new", "X", db=empty_study
        )
        assert result.exit_code == 0, result.stderr
    # a second code on an existing span adds codings, not coverage
    assert (
        run_cli("code", "notes", "--start", "10", "--end", "30", "--new", "Y", db=empty_study).exit_code == 0
    )
    (doc,) = _read(empty_study, wb.document_overview)[0].documents  # type: ignore[index]
    progress = _read(empty_study, wb.document_progress)[doc.id]  # type: ignore[index]
    # [10,40) + [60,71) + [90,100) = 30 + 11 + 10
    assert (progress.characters, progress.coded_characters) == (100, 51)
    assert doc.codings == 7


def test_document_text_carries_each_coding_at_its_offsets(example_study: str) -> None:
    segments = run_cli("segments", "--participant", "Expert C", "--json", db=example_study).json()
    groups = _read(example_study, wb.document_overview)
    doc_id = next(d.id for g in groups for d in g.documents if g.label == "Expert C")  # type: ignore[attr-defined]
    doc = _read(example_study, wb.document_text, doc_id)
    assert isinstance(doc, wb.DocumentText)
    assert len(doc.codings) == len(segments)
    for mark in doc.codings:
        assert doc.text[mark.start : mark.end]
    assert {(m.start, m.end, m.code) for m in doc.codings} == {
        (s["start"], s["end"], s["code"]) for s in segments
    }


def test_uncode_removes_the_coding_and_undo_restores_it_exactly(example_study: str) -> None:
    before = table_counts(example_study)
    segment = run_cli("segments", "--code", "Dactyloscopy", "--json", db=example_study).json()[0]
    marks = _read(example_study, list_segments, participant=segment["participant"])
    mark = next(m for m in marks if m.code == "Dactyloscopy")  # type: ignore[attr-defined]
    _write(example_study, wb.add_coding_memo, mark.coding_id, "fingerprinting of migrants")
    removed = _write(example_study, wb.uncode, mark.coding_id)
    assert isinstance(removed, wb.Uncoded) and removed.code == "Dactyloscopy"
    assert run_cli("segments", "--code", "Dactyloscopy", "--json", db=example_study).json() == []
    after = table_counts(example_study)
    assert after["coding"] == before["coding"] - 1
    assert after["segment"] == before["segment"] - 1  # it was the segment's only coding
    assert after["memo"] == before["memo"]  # the memo went with its coding
    _write(example_study, undo_event, None)  # undo the uncode
    restored = run_cli("segments", "--code", "Dactyloscopy", "--json", db=example_study).json()
    assert [(r["start"], r["end"], r["text"], r["coder"]) for r in restored] == [
        (segment["start"], segment["end"], segment["text"], segment["coder"])
    ]
    assert table_counts(example_study)["memo"] == before["memo"] + 1


def test_memo_needs_text(example_study: str) -> None:
    marks = _read(example_study, list_segments, participant="Expert A")
    from qualcode.domain.errors import QualcodeError

    with pytest.raises(QualcodeError, match="needs some text"):
        _write(example_study, wb.add_coding_memo, marks[0].coding_id, "   ")  # type: ignore[index]


def test_codebook_tree_counts_and_letters_match_codes_list(example_study: str) -> None:
    book = _read(example_study, wb.codebook)
    assert isinstance(book, wb.Codebook)
    listed = {c["name"]: c for c in run_cli("codes", "list", "--json", db=example_study).json()}
    seen = 0
    for theme in book.themes:
        for code in theme.codes:
            seen += 1
            assert code.count == listed[code.name]["count"]
            assert code.participants == tuple(listed[code.name]["participants"])
            assert code.letters == tuple(p.split()[-1] for p in code.participants)
    assert seen + len(book.unthemed) == len(listed) == 194
    assert [t.name for t in book.themes][:2] == [
        "Current Policy and Regulation Enhancements",
        "Migration Trends and Patterns",
    ]


def test_matrix_rows_add_up_to_theme_subtotals(example_study: str) -> None:
    matrix = _read(example_study, wb.code_matrix)
    assert isinstance(matrix, wb.Matrix)
    assert matrix.columns == tuple(f"Expert {c}" for c in "ABCDEFGHI") and matrix.participants == 9
    subtotal: wb.MatrixRow | None = None
    parts: list[wb.MatrixRow] = []
    for row in [*matrix.rows, None]:
        if row is None or row.kind != "code":  # a theme's subtotal, or the total row
            if subtotal is not None and subtotal.kind == "theme":
                assert subtotal.counts == tuple(sum(r.counts[i] for r in parts) for i in range(9))
                assert subtotal.total == sum(r.total for r in parts)
            subtotal, parts = row, []
        else:
            parts.append(row)
    assert sum(r.total for r in matrix.rows if r.kind == "code") == 195
    assert matrix.rows[-1].kind == "total" and matrix.rows[-1].total == 195
    cell = next(r for r in matrix.rows if r.name == "Dactyloscopy")
    assert cell.counts[matrix.columns.index("Expert E")] == 1
    # a window of participants: the same cells, fewer columns, totals over everyone
    window = _read(example_study, wb.code_matrix, first_column=4, max_columns=2)
    assert window.columns == ("Expert E", "Expert F")  # type: ignore[attr-defined]
    same = next(r for r in window.rows if r.name == "Dactyloscopy")  # type: ignore[attr-defined]
    assert same.counts == (1, 0) and same.total == cell.total


def test_search_finds_cyrillic_and_kazakh_words_with_their_codes(russian_study: str) -> None:
    doc_id = _read(russian_study, wb.document_overview)[0].documents[0].id  # type: ignore[index]
    start = RUSSIAN.index("Визы для студентов нужны.")
    _write(
        russian_study,
        code_span,
        str(doc_id),
        ["Студенческие визы"],
        start=start,
        end=start + 25,
        allow_new=True,
    )
    hits = _read(russian_study, wb.search, "виз")
    assert isinstance(hits, list) and len(hits) == 1
    assert RUSSIAN[hits[0].start : hits[0].end] == "Визы"
    assert hits[0].codes == ("Студенческие визы",)
    kazakh = _read(russian_study, wb.search, "нарығы")
    assert [RUSSIAN[h.start : h.end] for h in kazakh] == ["нарығы"]  # type: ignore[attr-defined]
    assert kazakh[0].codes == ()  # type: ignore[index]
    both = _read(russian_study, wb.search, "мигранты Алматы")
    assert [RUSSIAN[h.start : h.end] for h in both] == ["мигранты", "Алматы"]  # type: ignore[attr-defined]
    assert _read(russian_study, wb.search, "квота") == []
    assert _read(russian_study, wb.search, '"*)(') == []  # operators only: no query, no error


def test_search_treats_yo_and_ye_as_one_letter(russian_study: str) -> None:
    # The text writes "ёмкость"; most typists write "емкость". Either spelling finds it.
    for typed in ("емкость", "ёмкость", "ЕМКОСТЬ", "емк"):
        hits = _read(russian_study, wb.search, typed)
        assert [RUSSIAN[h.start : h.end] for h in hits] == ["ёмкость"], typed  # type: ignore[attr-defined]
    assert wb.yo_variants("ее") == ["ее", "её", "ёе", "ёё"]


def test_search_index_follows_deleted_documents(russian_study: str) -> None:
    assert len(_read(russian_study, wb.search, "студентов")) == 1  # type: ignore[arg-type]
    study = open_study(locate(russian_study))
    try:
        with study.engine.begin() as conn:
            conn.execute(text("DELETE FROM document"))
    finally:
        study.engine.dispose()
    assert _read(russian_study, wb.search, "студентов") == []


def test_new_study_has_the_search_index_and_matches_the_models(empty_study: str) -> None:
    study = open_study(locate(empty_study))
    try:
        assert schema_differences(study.engine) == []
        with study.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD_REVISION
    finally:
        study.engine.dispose()


def test_an_0001_study_is_upgraded_and_its_documents_indexed(tmp_path: Path) -> None:
    from alembic import command

    from qualcode.db.engine import make_engine
    from qualcode.db.schema import _alembic_config

    path = tmp_path / "old.qualcode"
    engine = make_engine(locate(str(path)))
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(
            text("INSERT INTO study (title, research_questions, created_at) VALUES ('old', '', '2024-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO document (title, text, sha256, source_name, source_format, meta, imported_at) "
                "VALUES ('notes', :t, 'x', '', 'txt', '{}', '2024-01-01')"
            ),
            {"t": RUSSIAN},
        )
    engine.dispose()
    study = open_study(locate(str(path)))
    try:
        assert study.upgraded_from == "0001"
        assert schema_differences(study.engine) == []
        with unit_of_work(study, write=False) as uow:
            hits = wb.search(uow, "ёмкость")
        assert [RUSSIAN[h.start : h.end] for h in hits] == ["ёмкость"]
    finally:
        study.engine.dispose()
