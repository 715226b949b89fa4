"""participants withdraw: the report is what changes, the words are gone, undo is refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, table_counts
from tests.integrity.study import CODINGS, NOTES, build_water_study

REASON = "consent withdrawn by email, 3 June"


@pytest.fixture
def water(empty_study: str, tmp_path: Path) -> str:
    db = build_water_study(empty_study, tmp_path / "notes")
    assert run_cli("codes", "merge", "Smart metering", "--into", "Digital meters", db=db).exit_code == 0
    assert (
        run_cli("codes", "exclude", "Upstream abstraction", "--reason", "out of scope", db=db).exit_code == 0
    )
    return db


def ok(*args: str, db: str) -> Any:
    result = run_cli(*args, db=db)
    assert result.exit_code == 0, result.stderr
    return result


def reports(db: str, out: Path) -> dict[str, Any]:
    """Everything a researcher reads off the study: codes, citations, Appendix B, the funnel."""
    codes = {c["name"]: c for c in ok("codes", "list", "--all", "--json", db=db).json()}
    active = [n for n, c in codes.items() if c["status"] != "merged"]
    cites = {c["subject"]: c["citation"] for c in ok("report", "cite", *active, "--json", db=db).json()}
    out.parent.mkdir(parents=True, exist_ok=True)
    ok("export", "codebook", str(out), "--include-excluded", db=db)
    return {
        "codes": codes,
        "cite": cites,
        "codebook": out.read_text(encoding="utf-8"),
        "funnel": ok("funnel", "--json", db=db).json(),
        "participants": [p["label"] for p in ok("participants", "list", "--json", db=db).json()],
    }


def test_dry_run_report_is_exactly_what_the_withdrawal_changes(water: str, tmp_path: Path) -> None:
    before = reports(water, tmp_path / "before" / "codebook.md")
    counts = table_counts(water)
    dry = ok(
        "participants", "withdraw", "Expert C", "--reason", REASON, "--dry-run", "--json", db=water
    ).json()
    assert table_counts(water) == counts  # a dry run changes nothing
    assert reports(water, tmp_path / "dry" / "codebook.md") == before
    real = ok("participants", "withdraw", "Expert C", "--reason", REASON, "--json", db=water).json()
    after = reports(water, tmp_path / "after" / "codebook.md")
    assert dry["dry_run"] and not real["dry_run"] and real["event_id"]
    assert {**dry, "dry_run": False, "event_id": real["event_id"]} == real

    # What the report says, checked against every report before and after.
    assert real["documents"] == ["Expert C"] and real["codings"] == 2
    assert "Expert C" in before["participants"] and "Expert C" not in after["participants"]
    falling = {c["code"]: (c["before"], c["after"]) for c in real["codes_falling"]}
    for name, code in before["codes"].items():
        if code["status"] == "merged":
            continue
        if name in real["codes_vanishing"]:
            assert name not in after["codes"]
        elif name in falling:
            assert falling[name] == (code["count"], after["codes"][name]["count"])
        else:
            assert after["codes"][name]["count"] == code["count"], name
    assert falling == {"Digital meters": (3, 2)}
    assert real["codes_vanishing"] == ["Upstream abstraction"]
    changed = {c["code"]: (c["before"], c["after"]) for c in real["citations"]}
    assert changed == {
        "Digital meters": ("three Experts (C,D,F)", "two Experts (D,F)"),
        "Upstream abstraction": ("Expert (C)", ""),
    }
    for name, (was, now) in changed.items():
        assert before["cite"][name] == was
        assert after["cite"].get(name, "") == now
    for name, text in before["cite"].items():
        if name not in changed:
            assert after["cite"][name] == text
    (example,) = [e for e in real["examples"] if e["code"] == "Digital meters"]
    assert example["replacement_participant"] == "Expert D"
    assert example["replacement_text"] == "We installed digital meters in two districts"
    assert "Expert C: 'Digital meters would show who takes what'" in before["codebook"]
    assert "Expert D: 'We installed digital meters in two districts'" in after["codebook"]
    assert "Expert C" not in after["codebook"]
    for key in ("applications", "unique_codes", "kept_codes", "excluded_codes"):
        assert real["funnel_before"][key] == before["funnel"][key]
        assert real["funnel_after"][key] == after["funnel"][key]
    assert (real["funnel_before"]["applications"], real["funnel_after"]["applications"]) == (8, 6)
    assert (real["funnel_before"]["excluded_codes"], real["funnel_after"]["excluded_codes"]) == (1, 0)


def test_the_event_keeps_no_text_and_cannot_be_undone(water: str) -> None:
    event_id = ok("participants", "withdraw", "Expert C", "--reason", REASON, "--json", db=water).json()[
        "event_id"
    ]
    log = ok("log", "--json", db=water).json()
    assert log[0]["id"] == event_id and log[0]["details"]["reason"] == REASON
    dumped = json.dumps(log, ensure_ascii=False)
    for sentence in NOTES["Expert C"].split(". "):
        assert sentence.rstrip(".") not in dumped
    for args in (("undo",), ("undo", str(event_id))):
        refused = run_cli(*args, db=water)
        assert refused.exit_code == 2
        assert "cannot be undone" in refused.stderr and "withdrawal" in refused.stderr
    # Undoing the coding of a withdrawn excerpt cannot bring it back either.
    assert ok("segments", "--participant", "Expert D", "--json", db=water).json()
    assert run_cli("participants", "withdraw", "Expert C", "--reason", REASON, db=water).exit_code == 2


def _study_bytes(db: str) -> bytes:
    path = Path(db)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.mark.parametrize("label, phrase", [("Expert C", "evaporation"), ("Expert E", "водохранилища")])
def test_withdrawn_words_are_nowhere_in_the_file_or_wal(
    water: str, tmp_path: Path, label: str, phrase: str
) -> None:
    if "://" in water:
        pytest.skip("a byte search reads the SQLite file")
    sentences = [s.strip(" .") for s in NOTES[label].replace("?", ".").split(". ")]
    # The coded excerpts also live in the log's before-images of the codings that made them.
    sentences += [quote for who, quote, _ in CODINGS if who == label]
    assert phrase.encode() in _study_bytes(water)  # the test can fail: the words are there now
    key = tmp_path / "key.csv"
    key.write_text(f"real,pseudonym\n{phrase},{label}\n", encoding="utf-8")
    assert run_cli("audit", "--names", str(key), db=water).exit_code == 1
    ok("participants", "withdraw", label, "--reason", REASON, db=water)
    data = _study_bytes(water)
    assert phrase.encode() not in data
    for sentence in sentences:
        assert sentence.encode() not in data, sentence
        # JSON columns (the log) may hold non-ASCII text as \\u escapes.
        assert json.dumps(sentence)[1:-1].encode() not in data, sentence
    assert run_cli("audit", "--names", str(key), db=water).exit_code == 0
    # Exports made now carry nothing of theirs.
    out = tmp_path / "exports"
    out.mkdir()
    ok("export", "codebook", str(out / "codebook.md"), "--include-excluded", db=water)
    ok("export", "project", str(out / "project.qdpx"), db=water)
    ok(
        "export",
        "participants",
        str(out / "participants.csv"),
        "--columns",
        "label=Name,codings=Codings",
        db=water,
    )
    texts = [(out / "codebook.md").read_text(encoding="utf-8"), (out / "participants.csv").read_text("utf-8")]
    with zipfile.ZipFile(out / "project.qdpx") as zf:
        texts += [zf.read(n).decode("utf-8", "replace") for n in zf.namelist()]
    for text in texts:
        assert phrase not in text and label not in text
    assert run_cli("audit", "--names", str(key), *map(str, out.iterdir()), db=water).exit_code == 0


def test_unknown_participant_and_missing_reason_are_refused(water: str) -> None:
    counts = table_counts(water)
    missing = run_cli("participants", "withdraw", "Expert Z", "--reason", REASON, db=water)
    assert missing.exit_code == 2 and "Expert Z" in missing.stderr
    blank = run_cli("participants", "withdraw", "Expert C", "--reason", " ", db=water)
    assert blank.exit_code == 2 and "--reason" in blank.stderr
    assert table_counts(water) == counts


def test_a_sub_code_of_a_vanishing_code_moves_up_and_keeps_its_codings(water: str) -> None:
    ok("codes", "include", "Upstream abstraction", db=water)
    ok("codes", "move", "Climate change", "--parent", "Upstream abstraction", db=water)
    real = ok("participants", "withdraw", "Expert C", "--reason", REASON, "--json", db=water).json()
    assert "Upstream abstraction" in real["codes_vanishing"]
    codes = {c["name"]: c for c in ok("codes", "list", "--json", db=water).json()}
    assert "Upstream abstraction" not in codes
    assert codes["Climate change"]["parent"] is None and codes["Climate change"]["count"] == 1


def test_turns_in_a_shared_transcript_are_reported_not_silently_kept(water: str, tmp_path: Path) -> None:
    vtt = tmp_path / "Focus group.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Aigerim>The canals lose water in summer.\n\n"
        "00:00:05.000 --> 00:00:08.000\n<v Dana>Meters would help with that.\n",
        encoding="utf-8",
    )
    speakers = tmp_path / "speakers.csv"
    speakers.write_text("speaker,participant\nAigerim,Expert C\nDana,Expert D\n", encoding="utf-8")
    ok("import", str(vtt), "--speakers", str(speakers), db=water)
    dry = ok(
        "participants", "withdraw", "Expert C", "--reason", REASON, "--dry-run", "--json", db=water
    ).json()
    assert dry["shared_documents"] == ["Focus group"]
    text = ok("participants", "withdraw", "Expert C", "--reason", REASON, db=water).stdout
    assert "NOT removed: Expert C's turns in the shared transcript 'Focus group'" in text


def test_vacuum_only_rewrites_the_file_and_a_busy_study_is_reported_not_crashed(water: str) -> None:
    if "://" in water:
        pytest.skip("SQLite file locking")
    import sqlite3

    ok("participants", "withdraw", "Expert C", "--reason", REASON, "--dry-run", db=water)
    reader = sqlite3.connect(water)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM document").fetchone()  # holds a read snapshot
        busy = run_cli("participants", "withdraw", "--vacuum-only", db=water)
    finally:
        reader.close()
    assert busy.exit_code == 2 and "close other programs" in busy.stderr
    assert ok("participants", "withdraw", "--vacuum-only", db=water).exit_code == 0
    missing = run_cli("participants", "withdraw", "Expert C", db=water)
    assert missing.exit_code == 2 and "--reason" in missing.stderr


def test_a_name_in_a_withdrawn_document_title_leaves_the_log_too(water: str, tmp_path: Path) -> None:
    notes = tmp_path / "Interview Aigerim Bekova.txt"
    notes.write_text("The reservoir was built in 1982 and never repaired.\n", encoding="utf-8")
    ok("import", str(notes), "--participant", "Expert C", db=water)
    ok("code", "Interview Aigerim Bekova", "--quote", "never repaired", "Ageing pipes", db=water)
    key = tmp_path / "key.csv"
    key.write_text("real,pseudonym\nAigerim Bekova,Expert C\n", encoding="utf-8")
    assert run_cli("audit", "--names", str(key), db=water).exit_code == 1
    ok("participants", "withdraw", "Expert C", "--reason", REASON, db=water)
    found = run_cli("audit", "--names", str(key), db=water)
    assert found.exit_code == 0, found.stdout
    log = json.dumps(ok("log", "--json", "--limit", "0", db=water).json(), ensure_ascii=False)
    assert "Bekova" not in log and "(a withdrawn document)" in log


def test_the_participant_leaves_earlier_codebook_snapshots(water: str) -> None:
    ok("codebook", "snapshot", "before", db=water)
    dry = ok(
        "participants", "withdraw", "Expert C", "--reason", REASON, "--dry-run", "--json", db=water
    ).json()
    assert dry["snapshots"] == ["before"]
    ok("participants", "withdraw", "Expert C", "--reason", REASON, db=water)
    (snap,) = ok("codebook", "snapshots", "--json", db=water).json()
    assert snap["codings"] == 6  # 8 codings, 2 of them Expert C's, made before the snapshot
    diff = ok("codebook", "diff", "before", "current", "--json", db=water).json()
    assert diff["removed"] == [] and diff["counts"] == []  # the snapshot agrees with the study now
    assert "Upstream abstraction" not in json.dumps(diff, ensure_ascii=False)
