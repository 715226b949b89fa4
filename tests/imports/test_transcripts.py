"""Transcripts as players read them: irregular SubRip, Zoom captions with asides, cue times."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import run_cli


def _text(db: str, title: str) -> str:
    from sqlalchemy import select

    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Document

    engine = make_engine(locate(db))
    try:
        with engine.connect() as conn:
            return str(conn.execute(select(Document.text).where(Document.title == title)).scalar_one())
    finally:
        engine.dispose()


def _import(db: str, path: Path, *extra: str) -> tuple[str, str]:
    result = run_cli("import", str(path), *extra, db=db)
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def test_srt_with_a_blank_line_inside_a_cue_keeps_every_word(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "b.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Где вы работали сначала?\n\n"
        "2\n00:00:03,500 --> 00:00:08,000\nRespondent: На стройке.\n\nПотом в пекарне.\n\n"
        "3\n00:00:08,500 --> 00:00:10,000\nInterviewer: Как долго?\n",
        encoding="utf-8",
    )
    _, warnings = _import(empty_study, path)
    assert _text(empty_study, "b") == (
        "Interviewer: Где вы работали сначала?\n"
        "Respondent: На стройке. Потом в пекарне.\n"
        "Interviewer: Как долго?"
    )
    assert warnings.count("warning:") == 1 and "line 6: a blank line inside its text" in warnings


def test_srt_times_without_milliseconds_and_a_blank_cue(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "c.srt"
    path.write_text(
        "1\n00:00:01 --> 00:00:03\nInterviewer: Where did you work first?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n\n\n"
        "3\n00:00:04 --> 00:00:07\nRespondent: At a construction site.\n",
        encoding="utf-8",
    )
    _, warnings = _import(empty_study, path)
    assert (
        _text(empty_study, "c")
        == "Interviewer: Where did you work first?\nRespondent: At a construction site."
    )
    assert "line 2: times without milliseconds" in warnings
    assert "line 6: no words; skipped" in warnings
    assert "line 10: times without milliseconds" in warnings
    coded = run_cli("code", "c", "--quote", "construction site", "Work", "--new", db=empty_study)
    assert coded.exit_code == 0, coded.stderr
    row = run_cli("segments", "--json", db=empty_study).json()[0]
    assert (row["from"], row["to"]) == ("00:00:04.000", "00:00:07.000")


ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
Dana Smith: Good morning, can you hear me?

2
00:00:03.500 --> 00:00:08.000
Erlan K.: Yes. Well: the first problem was paperwork.

3
00:00:08.000 --> 00:00:10.000
Translation: he means the residence permit.

4
00:00:10.500 --> 00:00:12.000
Dana Smith: I see.
"""


def test_zoom_translation_aside_is_not_a_speaker(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "zoom.vtt"
    path.write_text(ZOOM, encoding="utf-8")
    speakers = tmp_path / "speakers.csv"
    speakers.write_text("speaker;participant\nDana Smith;Interviewer\nErlan K.;Expert J\n", encoding="utf-8")
    assert run_cli("participants", "add", "Expert J", db=empty_study).exit_code == 0
    _, warnings = _import(empty_study, path, "--speakers", str(speakers))
    assert _text(empty_study, "zoom") == (
        "Interviewer: Good morning, can you hear me?\n"
        "Expert J: Yes. Well: the first problem was paperwork. Translation: he means the residence permit.\n"
        "Interviewer: I see."
    )
    assert "line 12: 'Translation' is not in the speaker map" in warnings
    # An excerpt across two cues has the first cue's start and the last one's end.
    quote = "paperwork. Translation: he means"
    assert (
        run_cli("code", "zoom", "--quote", quote, "Residence permit", "--new", db=empty_study).exit_code == 0
    )
    rows: list[dict[str, Any]] = run_cli(
        "segments", "--participant", "Expert J", "--json", db=empty_study
    ).json()
    assert [(r["text"], r["from"], r["to"]) for r in rows] == [(quote, "00:00:03.500", "00:00:10.000")]
    table = run_cli("segments", db=empty_study)
    assert "00:00:03.500–00:00:10.000" in table.stdout


def test_notes_have_no_times(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("Квоты распределяются по отраслям.\n", encoding="utf-8")
    _import(empty_study, path)
    assert run_cli("code", "notes", "--quote", "Квоты", "Quota", "--new", db=empty_study).exit_code == 0
    row = run_cli("segments", "--json", db=empty_study).json()[0]
    assert row["from"] is None and row["to"] is None
