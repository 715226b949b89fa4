"""Team coding from the command line: agreement, reconciling, blinded views, merge-study, init."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from qualcode.db.engine import locate
from qualcode.db.schema import open_study
from qualcode.domain.imported import ImportedCoding, ImportedDocument
from qualcode.services.documents import DocumentToStore, store_documents
from qualcode.services.uow import unit_of_work
from tests.conftest import PG_URL, run_cli, table_counts


def _document(title: str, lines: list[str], codings: list[ImportedCoding]) -> DocumentToStore:
    body = "\n".join(lines) + "\n"
    sha = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    return DocumentToStore(ImportedDocument(title, body, sha, f"{title}.txt", "txt", codings=tuple(codings)))


def _store(db: str, docs: list[DocumentToStore]) -> None:
    study = open_study(locate(db))
    try:
        with unit_of_work(study, coder="lead") as uow:
            store_documents(uow, docs)
            uow.commit()
    finally:
        study.engine.dispose()


def _line_spans(lines: list[str]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in lines:
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _cohen_study(db: str) -> None:
    # The grant-proposal table of Wikipedia's "Cohen's kappa" (simple example) as coding: 50
    # one-sentence paragraphs; "Yes" where a reader said yes, "No" otherwise.
    lines = [f"Ответ номер {i}: көші-қон." for i in range(50)]
    spans = _line_spans(lines)
    a = ["Yes"] * 25 + ["No"] * 25
    b = ["Yes"] * 20 + ["No"] * 5 + ["Yes"] * 10 + ["No"] * 15
    codings = [ImportedCoding(s, e, (a[i],), coder="reader A") for i, (s, e) in enumerate(spans)]
    codings += [ImportedCoding(s, e, (b[i],), coder="reader B") for i, (s, e) in enumerate(spans)]
    _store(db, [_document("Proposals", lines, codings)])


@pytest.mark.parametrize("unit", ["segment", "sentence", "paragraph"])
def test_agreement_equals_the_published_cohen_example(empty_study: str, unit: str) -> None:
    _cohen_study(empty_study)
    result = run_cli("agreement", "--unit", unit, "--json", db=empty_study)
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["coders"] == ["reader A", "reader B"]
    assert report["unit"] == unit
    assert unit in report["rule"] and "missing" in report["rule"]
    # po = 0.70, pe = 0.50, kappa = 0.40 (Wikipedia, "Cohen's kappa", simple example).
    assert report["overall"]["percent"] == pytest.approx(0.70)
    assert report["overall"]["kappa"] == pytest.approx(0.40)
    # By hand from Krippendorff (2011): n = 100 values, 30 disagreeing ordered pairs, value
    # totals 55 and 45: alpha = 1 - 99 * 30 / (100^2 - 55^2 - 45^2) = 0.40.
    assert report["overall"]["alpha"] == pytest.approx(0.40)
    per_code = {c["code"]: c for c in report["per_code"]}
    assert set(per_code) == {"Yes", "No"}
    assert per_code["Yes"]["kappa"] == pytest.approx(0.40)
    assert per_code["Yes"]["applied"] == {"reader A": 25, "reader B": 30}
    people = run_cli("agreement", "--unit", unit, db=empty_study)
    assert "Cohen's kappa 0.400" in people.stdout and "agreement 70.0%" in people.stdout


def test_agreement_names_coders_as_every_command_does(empty_study: str) -> None:
    # "READER a" and "reader A" are one coder (case and Unicode form aside), as for --coder.
    _cohen_study(empty_study)
    given = run_cli("agreement", "--coders", " READER a ,Reader B", "--json", db=empty_study)
    assert given.exit_code == 0, given.stderr
    assert given.json()["coders"] == ["reader A", "reader B"]
    assert given.json()["overall"]["kappa"] == pytest.approx(0.40)
    unknown = run_cli("agreement", "--coders", "reader A,reader Z", db=empty_study)
    assert unknown.exit_code == 2 and "reader Z" in unknown.stderr


def _one_unit_per_document(db: str, by_coder: dict[str, list[int | None]]) -> None:
    # A coder who did not code a document is missing there: one document per unit carries the
    # published matrix's blanks as missing values.
    docs = []
    n_units = len(next(iter(by_coder.values())))
    for u in range(n_units):
        line = f"Unit {u + 1} of the reliability data."
        codings = [
            ImportedCoding(0, len(line), (f"value {values[u]}",), coder=coder)
            for coder, values in by_coder.items()
            if values[u] is not None
        ]
        docs.append(_document(f"unit-{u + 1:02d}", [line], codings))
    _store(db, docs)


def test_agreement_three_coders_with_missing_values(empty_study: str) -> None:
    from tests.team.test_agreement_examples import WIKIPEDIA_3_CODERS

    _one_unit_per_document(empty_study, {f"coder {k}": v for k, v in WIKIPEDIA_3_CODERS.items()})
    report = run_cli("agreement", "--json", db=empty_study).json()
    assert report["coders"] == ["coder A", "coder B", "coder C"]
    # Wikipedia, "Krippendorff's alpha", a computational example: alpha (nominal) = 0.691.
    assert round(report["overall"]["alpha"], 3) == 0.691
    assert report["overall"]["kappa"] is None  # kappa only for exactly two coders
    two = run_cli("agreement", "--coders", "coder A,coder C", "--json", db=empty_study).json()
    assert two["coders"] == ["coder A", "coder C"] and two["overall"]["kappa"] is not None


def test_agreement_four_observers_krippendorff_2011(empty_study: str) -> None:
    from tests.team.test_agreement_examples import KRIPPENDORFF_2011

    _one_unit_per_document(empty_study, {f"observer {k}": v for k, v in KRIPPENDORFF_2011.items()})
    report = run_cli("agreement", "--json", db=empty_study).json()
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 0.743.
    assert round(report["overall"]["alpha"], 3) == 0.743


def test_agreement_refuses_one_coder_and_unknown_coders(example_study: str) -> None:
    alone = run_cli("agreement", db=example_study)
    assert alone.exit_code == 2 and "at least two coders" in alone.stderr
    unknown = run_cli("agreement", "--coders", "Thesis team,nobody", db=example_study)
    assert unknown.exit_code == 2 and "'nobody'" in unknown.stderr


def _two_coder_study(db: str) -> list[tuple[int, int]]:
    lines = ["Мы работаем с мигрантами.", "Квоты мешают бизнесу.", "Нужна цифровизация.", "Всё хорошо."]
    spans = _line_spans(lines)
    codings = [
        ImportedCoding(*spans[0], ("Migrants", "Work"), coder="aigerim"),
        ImportedCoding(*spans[0], ("Migrants", "Business"), coder="daniyar"),
        ImportedCoding(*spans[1], ("Quotas",), coder="aigerim"),
        ImportedCoding(*spans[1], ("Business",), coder="daniyar"),
        ImportedCoding(*spans[2], ("Digitalisation",), coder="aigerim"),
        ImportedCoding(*spans[2], ("Digitalisation",), coder="daniyar"),
        ImportedCoding(*spans[3], ("Calm",), coder="aigerim"),
        ImportedCoding(*spans[3], ("Calm", "Optimism"), coder="daniyar"),
    ]
    _store(db, [_document("Interview 1", lines, codings)])
    return spans


def _codings(db: str) -> set[tuple[int, str, str]]:
    rows = run_cli("segments", "--json", db=db).json()
    return {(r["start"], r["code"], r["coder"]) for r in rows}


def test_reconcile_keep_both_neither_and_undo(empty_study: str) -> None:
    spans = _two_coder_study(empty_study)
    listed = run_cli("reconcile", "list", "--json", db=empty_study).json()
    assert [(d["start"], d["disputed"]) for d in listed] == [
        (spans[0][0], ["Business", "Work"]),
        (spans[1][0], ["Business", "Quotas"]),
        (spans[3][0], ["Optimism"]),
    ]
    first, second, third = (d["segment_id"] for d in listed)
    before = _codings(empty_study)

    kept = run_cli("reconcile", "resolve", str(first), "--keep", "aigerim", db=empty_study, coder="lead")
    assert kept.exit_code == 0, kept.stderr
    after_keep = _codings(empty_study)
    assert before - after_keep == {(spans[0][0], "Business", "daniyar")}
    assert (spans[0][0], "Work", "aigerim") in after_keep

    assert run_cli("reconcile", "resolve", str(second), "--neither", db=empty_study).exit_code == 0
    after_neither = _codings(empty_study)
    assert after_keep - after_neither == {
        (spans[1][0], "Quotas", "aigerim"),
        (spans[1][0], "Business", "daniyar"),
    }

    assert run_cli("reconcile", "resolve", str(third), "--both", db=empty_study).exit_code == 0
    assert _codings(empty_study) == after_neither
    assert run_cli("reconcile", "list", "--json", db=empty_study).json() == []

    log = run_cli("log", "--json", db=empty_study).json()
    resolutions = [e for e in log if e["action"] == "reconcile.resolve"]
    assert len(resolutions) == 3
    # Undo the last two: the codings come back and the disagreements are open again.
    assert run_cli("undo", db=empty_study).exit_code == 0
    assert run_cli("undo", db=empty_study).exit_code == 0
    assert _codings(empty_study) == after_keep
    reopened = run_cli("reconcile", "list", "--json", db=empty_study).json()
    assert [d["segment_id"] for d in reopened] == [second, third]


def test_reconcile_refusals_leave_the_study_unchanged(empty_study: str) -> None:
    _two_coder_study(empty_study)
    listed = run_cli("reconcile", "list", "--json", db=empty_study).json()
    agreed = run_cli("segments", "--code", "Digitalisation", "--json", db=empty_study).json()[0]["segment_id"]
    counts = table_counts(empty_study)
    for args in (
        [str(listed[0]["segment_id"]), "--keep", "nobody"],
        [str(listed[0]["segment_id"])],
        [str(listed[0]["segment_id"]), "--both", "--neither"],
        [str(agreed), "--both"],
        ["999999", "--both"],
    ):
        result = run_cli("reconcile", "resolve", *args, db=empty_study)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("qualcode: error:")
    assert table_counts(empty_study) == counts


def test_blind_shows_only_your_own_codings(empty_study: str) -> None:
    _two_coder_study(empty_study)
    mine = run_cli("segments", "--blind", "--json", db=empty_study, coder="daniyar").json()
    assert {r["coder"] for r in mine} == {"daniyar"} and len(mine) == 6
    globally = run_cli("--blind", "segments", "--json", db=empty_study, coder="aigerim").json()
    assert {r["coder"] for r in globally} == {"aigerim"} and len(globally) == 5
    # Even asking for the other coder's codings shows only your own while blind.
    peek = run_cli(
        "segments", "--blind", "--coder", "aigerim", "--json", db=empty_study, coder="daniyar"
    ).json()
    assert {r["coder"] for r in peek} == {"daniyar"}
    counts = {
        c["name"]: c["count"]
        for c in run_cli("codes", "list", "--blind", "--json", db=empty_study, coder="daniyar").json()
    }
    assert (
        counts["Business"] == 2 and counts["Quotas"] == 0 and counts["Work"] == 0 and counts["Migrants"] == 1
    )
    # Comparing coders would unblind: refused while --blind is on.
    refused = run_cli("--blind", "agreement", db=empty_study, coder="daniyar")
    assert refused.exit_code == 2 and "without --blind" in refused.stderr and refused.stdout == ""
    assert run_cli("--blind", "reconcile", "list", db=empty_study, coder="daniyar").exit_code == 2
    everyone = {c["name"]: c["count"] for c in run_cli("codes", "list", "--json", db=empty_study).json()}
    assert everyone["Migrants"] == 2 and everyone["Quotas"] == 1
    # The document and participant listings count only your own codings too.
    docs = run_cli("--blind", "documents", "list", "--json", db=empty_study, coder="daniyar").json()
    all_docs = run_cli("documents", "list", "--json", db=empty_study).json()
    assert sum(d["codings"] for d in docs) == 6 and sum(d["codings"] for d in all_docs) == 11


def test_blind_participant_counts_are_your_own(example_study: str) -> None:
    quote = "we're in the top 10 for e-Government"
    assert (
        run_cli("code", "Expert D", "--quote", quote, "Agreements", db=example_study, coder="dana").exit_code
        == 0
    )
    people = {
        p["label"]: p["codings"]
        for p in run_cli("--blind", "participants", "list", "--json", db=example_study, coder="dana").json()
    }
    assert people["Expert D"] == 1 and sum(people.values()) == 1
    everyone = {
        p["label"]: p["codings"] for p in run_cli("participants", "list", "--json", db=example_study).json()
    }
    assert everyone["Expert D"] == 27


def test_merge_study_twice_is_merging_once(example_study: str, tmp_path: Path) -> None:
    other = str(tmp_path / "daniyar.qualcode")
    assert run_cli("example", other).exit_code == 0
    # In the coder's own study: new codings by daniyar, a new code, a new document.
    assert (
        run_cli(
            "code",
            "Expert B",
            "--start",
            "0",
            "--end",
            "40",
            "Свежий код",
            "--new",
            db=other,
            coder="daniyar",
        ).exit_code
        == 0
    )
    assert (
        run_cli(
            "code", "Expert A", "--start", "0", "--end", "177", "Removing barriers", db=other, coder="daniyar"
        ).exit_code
        == 0
    )
    note = tmp_path / "Expert J notes.txt"
    note.write_text("Интервью J. Көші-қон туралы.\n", encoding="utf-8")
    assert run_cli("import", str(note), db=other, coder="daniyar").exit_code == 0
    assert (
        run_cli(
            "code", "Expert J notes", "--start", "0", "--end", "12", "Свежий код", db=other, coder="daniyar"
        ).exit_code
        == 0
    )
    # In the team study, "Removing barriers" was merged into "Visa-free regime" meanwhile.
    merged = run_cli("codes", "merge", "Removing barriers", "--into", "Visa-free regime", db=example_study)
    assert merged.exit_code == 0, merged.stderr

    before = table_counts(example_study)
    first = run_cli("merge-study", other, "--json", db=example_study, coder="lead")
    assert first.exit_code == 0, first.stderr
    once = table_counts(example_study)
    report = first.json()
    assert report["documents_matched"] == 9 and report["documents_added"] == 1
    assert report["codings_added"] == 3 and report["codes_added"] == 1
    assert once["coding"] == before["coding"] + 3 and once["document"] == before["document"] + 1
    second = run_cli("merge-study", other, db=example_study, coder="lead")
    assert second.exit_code == 0 and "nothing new" in second.stdout
    assert table_counts(example_study) == once

    rows = run_cli("segments", "--json", db=example_study).json()
    by_daniyar = {(r["document"], r["code"]) for r in rows if r["coder"] == "daniyar"}
    assert by_daniyar == {
        ("Expert B", "Свежий код"),
        ("Expert A", "Visa-free regime"),  # the coding followed the merge
        ("Expert J notes", "Свежий код"),
    }
    assert {r["coder"] for r in rows} == {"Thesis team", "daniyar"}  # the example is the thesis team's
    # The merge is one event, and its coder's undo takes back exactly what it added.
    assert run_cli("undo", db=example_study, coder="lead").exit_code == 0
    after_undo = table_counts(example_study)
    # Coder names stay (daniyar, and lead who ran the merge: events name them); everything else
    # is as before the merge.
    assert after_undo == {**before, "coder": before["coder"] + 2, "event": before["event"] + 2}


def test_merge_study_refuses_a_missing_study(example_study: str, tmp_path: Path) -> None:
    counts = table_counts(example_study)
    result = run_cli("merge-study", str(tmp_path / "nowhere.qualcode"), db=example_study)
    assert result.exit_code == 2 and "no study here" in result.stderr
    assert table_counts(example_study) == counts


@pytest.mark.postgresql
def test_init_creates_a_missing_postgresql_database() -> None:
    name = f"qc_init_{uuid.uuid4().hex[:10]}"
    base = PG_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        created = run_cli("init", url, "--title", "Team study")
        assert created.exit_code == 0, created.stderr
        assert run_cli("documents", "list", "--json", db=url).json() == []
        again = run_cli("init", url)
        assert again.exit_code == 2 and "already exists" in again.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
