"""LibreOffice .odt, Zoom/Teams transcripts and legacy encodings, read back as a researcher would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, table_counts
from tests.imports.factory import annotation, build_odt

RUSSIAN = (
    "Эксперт отметил, что миграционная политика Казахстана за последние годы стала строже.\n"
    "Ещё он сказал, что квоты распределяются по видам деятельности, а разрешения выдаются по квалификации.\n"
)


def _segments(db: str, *args: str) -> list[dict[str, Any]]:
    result = run_cli("segments", "--json", *args, db=db)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, Any]] = result.json()
    return rows


def _document_text(db: str, title: str) -> str:
    from sqlalchemy import select

    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Document

    engine = make_engine(locate(db))
    try:
        with engine.connect() as conn:
            return str(conn.execute(select(Document.text).where(Document.title == title)).scalar_one())
    finally:
        engine.dispose()


def test_odt_annotations_code_their_ranges(empty_study: str, tmp_path: Path) -> None:
    body = (
        "<text:h>Эксперт M</text:h>"
        "<text:p>Он сказал: "
        + annotation(
            "a1", "Simplified system; Ongoing enhancements", author="Dana", date="2024-05-14T09:30:00"
        )
        + 'всё упрощалось<office:annotation-end office:name="a1"/>, с 2008 года.</text:p>'
        '<text:p>Два<text:s text:c="3"/>пробела<text:tab/>и   таб.</text:p>'
        "<text:list><text:list-item><text:p>"
        + annotation("a2", "Visa-free regime", author="Aigerim")
        + 'безвизовый режим<office:annotation-end office:name="a2"/></text:p></text:list-item></text:list>'
        + annotation("a3", "I would merge it with Agreements", author="Бекзат", parent="a2")
        + "<table:table><table:table-row><table:table-cell><text:p>"
        + annotation("a4", "Quota limits", author="Dana")
        + 'квоты<office:annotation-end office:name="a4"/></text:p></table:table-cell></table:table-row>'
        "</table:table>"
        "<text:p>"
        + annotation("a5", "", author="Dana")
        + 'пустая<office:annotation-end office:name="a5"/></text:p>'
    )
    path = build_odt(tmp_path / "Expert M.odt", body)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "annotation a5 by Dana is empty; skipped" in result.stderr
    text = _document_text(empty_study, "Expert M")
    assert text == (
        "Эксперт M\nОн сказал: всё упрощалось, с 2008 года.\nДва   пробела\tи таб.\n"
        "безвизовый режим\nквоты\nпустая"
    )
    rows = _segments(empty_study)
    assert {(r["code"], r["text"], r["coder"]) for r in rows} == {
        ("Simplified system", "всё упрощалось", "Dana"),
        ("Ongoing enhancements", "всё упрощалось", "Dana"),
        ("Visa-free regime", "безвизовый режим", "Aigerim"),
        ("Quota limits", "квоты", "Dana"),
    }
    assert next(r for r in rows if r["code"] == "Simplified system")["created_at"].startswith(
        "2024-05-14T09:30"
    )
    memos = run_cli("memos", "list", "--json", db=empty_study).json()
    assert [(m["text"], m["author"], m["code"]) for m in memos] == [
        ("I would merge it with Agreements", "Бекзат", "Visa-free regime")
    ]


ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.500
Aigerim Bekova: Расскажите, пожалуйста, о квотах.

2
00:00:05.000 --> 00:00:09.000
Иван Петров: Квоты распределяются по видам деятельности,

3
00:00:09.000 --> 00:00:12.250
Иван Петров: а разрешения выдаются по квалификации.

4
00:00:13.000 --> 00:00:15.000
Aigerim Bekova: Спасибо &amp; ещё вопрос.
"""

TEAMS_VTT = """WEBVTT
Kind: captions

NOTE produced by Teams

00:00:01.000 --> 00:00:03.000
<v Dana Ospanova>Қазақстанда жағдай өзгерді.</v>

00:00:03.500 --> 00:00:06.000
<v Expert N>Иә, <i>көп</i> нәрсе өзгерді.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
Interviewer: How did flows change?

2
00:00:04,500 --> 00:00:08,000
Expert O: Many people
came from Russia.
"""


def test_zoom_transcript_turns_with_a_speaker_map(empty_study: str, tmp_path: Path) -> None:
    assert run_cli("participants", "add", "Expert P", db=empty_study).exit_code == 0
    vtt = tmp_path / "zoom-2024-05-14.vtt"
    vtt.write_text(ZOOM_VTT, encoding="utf-8")
    speakers = tmp_path / "speakers.csv"
    speakers.write_text(
        "speaker,participant\nAigerim Bekova,Interviewer\nИван Петров,Expert P\n", encoding="utf-8"
    )
    result = run_cli("import", str(vtt), "--speakers", str(speakers), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "Expert P" in result.stdout  # the document went to the one mapped participant
    text = _document_text(empty_study, "zoom-2024-05-14")
    assert text == (
        "Interviewer: Расскажите, пожалуйста, о квотах.\n"
        "Expert P: Квоты распределяются по видам деятельности, а разрешения выдаются по квалификации.\n"
        "Interviewer: Спасибо & ещё вопрос."
    )
    assert "Иван" not in text and "Aigerim" not in text
    docs = run_cli("participants", "list", "--json", db=empty_study).json()
    assert docs[0]["label"] == "Expert P" and docs[0]["documents"] == 1
    # cue times stay with each paragraph
    from sqlalchemy import select

    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Document

    engine = make_engine(locate(empty_study))
    with engine.connect() as conn:
        meta = conn.execute(select(Document.meta)).scalar_one()
    engine.dispose()
    turns = meta["turns"]
    assert [(t["speaker"], t["from"], t["to"]) for t in turns] == [
        ("Interviewer", "00:00:01.000", "00:00:04.500"),
        ("Expert P", "00:00:05.000", "00:00:12.250"),
        ("Interviewer", "00:00:13.000", "00:00:15.000"),
    ]
    assert text[turns[1]["start"] : turns[1]["end"]].startswith("Expert P: Квоты")
    # the paragraph can be coded like any other
    quote = "Квоты распределяются по видам деятельности"
    assert (
        run_cli(
            "code", "zoom-2024-05-14", "--quote", quote, "Quota limits", "--new", db=empty_study
        ).exit_code
        == 0
    )
    assert _segments(empty_study)[0]["participant"] == "Expert P"


def test_an_unmapped_name_prefix_stays_words_with_a_warning(empty_study: str, tmp_path: Path) -> None:
    """With a speaker map only mapped names start turns: an unknown "Name:" is part of the words."""
    vtt = tmp_path / "zoom.vtt"
    vtt.write_text(ZOOM_VTT, encoding="utf-8")
    speakers = tmp_path / "speakers.csv"
    speakers.write_text("speaker,participant\nAigerim Bekova,Interviewer\n", encoding="utf-8")
    result = run_cli("import", str(vtt), "--speakers", str(speakers), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "line 8: 'Иван Петров' is not in the speaker map; kept as words" in result.stderr
    text = _document_text(empty_study, "zoom")
    # One turn: the interviewer's, with the unmapped name kept in the words.
    assert text == (
        "Interviewer: Расскажите, пожалуйста, о квотах. Иван Петров: Квоты распределяются по видам "
        "деятельности, Иван Петров: а разрешения выдаются по квалификации. Спасибо & ещё вопрос."
    )


def test_an_unmapped_voice_tag_is_refused_with_its_line(empty_study: str, tmp_path: Path) -> None:
    vtt = tmp_path / "teams.vtt"
    vtt.write_text(TEAMS_VTT, encoding="utf-8")
    speakers = tmp_path / "speakers.csv"
    speakers.write_text("speaker,participant\nDana Ospanova,Interviewer\n", encoding="utf-8")
    before = table_counts(empty_study)
    result = run_cli("import", str(vtt), "--speakers", str(speakers), db=empty_study)
    assert result.exit_code == 2
    assert "teams.vtt, line 9: speaker 'Expert N' is not in the speaker map" in result.stderr
    assert table_counts(empty_study) == before


def test_teams_voice_tags_and_srt(empty_study: str, tmp_path: Path) -> None:
    teams = tmp_path / "teams.vtt"
    teams.write_text(TEAMS_VTT, encoding="utf-8")
    srt = tmp_path / "call.srt"
    srt.write_text(SRT, encoding="utf-8")
    result = run_cli("import", str(teams), str(srt), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _document_text(empty_study, "teams") == (
        "Dana Ospanova: Қазақстанда жағдай өзгерді.\nExpert N: Иә, көп нәрсе өзгерді."
    )
    assert _document_text(empty_study, "call") == (
        "Interviewer: How did flows change?\nExpert O: Many people came from Russia."
    )


def test_a_broken_cue_timing_names_its_line(empty_study: str, tmp_path: Path) -> None:
    srt = tmp_path / "bad.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:04,000\nOne.\n\n2\n00:00:xx --> 00:00:08,000\nTwo.\n", encoding="utf-8"
    )
    result = run_cli("import", str(srt), db=empty_study)
    assert result.exit_code == 2 and "bad.srt, line 6: cannot read the cue timing" in result.stderr


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_legacy_cyrillic_is_detected_when_it_is_clear(
    empty_study: str, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / f"notes-{encoding}.txt"
    path.write_bytes(RUSSIAN.replace("\n", "\r\n").encode(encoding))
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _document_text(empty_study, f"notes-{encoding}") == RUSSIAN  # CRLF became LF


def test_an_unclear_encoding_is_refused_naming_the_option(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes("Да, ок".encode("cp1251"))
    before = table_counts(empty_study)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 2
    assert "short.txt, line 1:" in result.stderr and "--encoding" in result.stderr
    assert table_counts(empty_study) == before
    result = run_cli("import", str(path), "--encoding", "cp1251", db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _document_text(empty_study, "short") == "Да, ок"


@pytest.mark.parametrize(
    "name,data",
    [
        ("utf8.md", ("Қазақ тілі: ә ғ қ ң ө ұ ү һ і; ёлка\n").encode()),
        ("bom.txt", b"\xef\xbb\xbf" + ("Қазақ тілі: ә ғ қ ң ө ұ ү һ і; ёлка\n").encode()),
        ("utf16.txt", ("Қазақ тілі: ә ғ қ ң ө ұ ү һ і; ёлка\r\n").encode("utf-16")),
    ],
)
def test_kazakh_survives_exactly(empty_study: str, tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _document_text(empty_study, path.stem) == "Қазақ тілі: ә ғ қ ң ө ұ ү һ і; ёлка\n"


def test_odt_point_annotation_codes_its_paragraph(empty_study: str, tmp_path: Path) -> None:
    point = (
        "<office:annotation><dc:creator>Dana</dc:creator><dc:date>2024-05-14T09:30:00</dc:date>"
        "<text:p>Large outflow</text:p></office:annotation>"
    )
    body = f"<text:p>Первый абзац.</text:p><text:p>Многие уехали {point}в 2022 году.</text:p>"
    path = build_odt(tmp_path / "point.odt", body)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert "marks a point, not a passage; coded its whole paragraph" in result.stderr
    rows = _segments(empty_study)
    assert [(r["code"], r["text"]) for r in rows] == [("Large outflow", "Многие уехали в 2022 году.")]


def test_a_truncated_odt_is_refused(empty_study: str, tmp_path: Path) -> None:
    path = build_odt(tmp_path / "cut.odt", "<text:p>Текст.</text:p>")
    path.write_bytes(path.read_bytes()[:-40])
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 2 and "cut.odt" in result.stderr


def test_a_cp1251_transcript_is_detected(empty_study: str, tmp_path: Path) -> None:
    srt = tmp_path / "legacy.srt"
    srt.write_bytes(
        (
            "1\r\n00:00:01,000 --> 00:00:04,000\r\nЭксперт: Квоты распределяются по видам деятельности, "
            "а разрешения выдаются по квалификации работников.\r\n"
        ).encode("cp1251")
    )
    result = run_cli("import", str(srt), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _document_text(empty_study, "legacy").startswith("Эксперт: Квоты распределяются")
