"""The excerpts report: every coded excerpt, per theme and code, in five formats a reader opens."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.conftest import run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _segments(db: str, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_cli("segments", "--json", *args, db=db).json()
    return rows


def _export(db: str, out: Path, *args: str) -> str:
    result = run_cli("export", "excerpts", str(out), *args, db=db)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_html_opened_in_a_browser_shows_every_excerpt(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "findings.html"
    assert "195 excerpts of 194 codes" in _export(example_study, out)
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", out.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout.decode("utf-8")
    articles = re.findall(r'<article class="excerpt" id="coding-(\d+)">(.*?)</article>', dom, re.S)
    segments = _segments(example_study)
    assert sorted(int(i) for i, _ in articles) == sorted(s["coding_id"] for s in segments)
    texts = {unescape(re.sub(r"<[^>]+>", "", body.split("</blockquote>")[0])) for _, body in articles}
    assert {s["text"] for s in segments} <= texts
    # One file: no script, no stylesheet or image from elsewhere; a table of contents links each code.
    source = out.read_text(encoding="utf-8")
    assert "<script" not in source and "<link" not in source and "src=" not in source
    toc = re.search(r"<nav>(.*?)</nav>", dom, re.S)
    assert toc is not None
    anchors = re.findall(r'href="#(code-[\d-]+)"', toc.group(1))
    assert len(anchors) == 194 and all(f'id="{a}"' in dom for a in anchors)
    trafficking = [s for s in segments if s["code"] == "Human trafficking problem"]
    assert all(
        f"{s['participant']} · characters {s['start'] + 1}–{s['end']}" in unescape(dom) for s in trafficking
    )


def test_docx_and_xlsx_read_back(example_study: str, tmp_path: Path) -> None:
    segments = _segments(example_study)
    docx, xlsx = tmp_path / "findings.docx", tmp_path / "findings.xlsx"
    _export(example_study, docx)
    _export(example_study, xlsx)
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    for s in segments:
        assert s["text"] in paragraphs
        assert any(
            p.startswith(f"— {s['participant']} · characters {s['start'] + 1}–{s['end']}") for p in paragraphs
        )
    headings = [
        p.text for p in Document(str(docx)).paragraphs if p.style and str(p.style.name).startswith("Heading")
    ]
    assert "Human trafficking" in headings and "Human trafficking problem (2)" in headings
    ws = load_workbook(xlsx)["Excerpts"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == [
        "Theme",
        "Code",
        "Participant",
        "Document",
        "Position",
        "Time",
        "Coder",
        "Excerpt",
        "Memos",
    ]
    assert len(rows) == 1 + len(segments)
    got = {(r[1], r[2], r[7]) for r in rows[1:]}
    assert got == {(s["code"], s["participant"], s["text"]) for s in segments}
    assert ws.freeze_panes == "C2" and ws.print_title_rows == "$1:$1"


def test_filters_context_memos_and_transcript_times(example_study: str, tmp_path: Path) -> None:
    db = example_study
    out = tmp_path / "b.csv"
    _export(db, out, "--participant", "Expert B")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and {r["participant"] for r in rows} == {"Expert B"}
    assert len(rows) == len(_segments(db, "--participant", "Expert B"))
    _export(db, out, "--theme", "Human trafficking", "--context", "60")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["theme"] for r in rows} == {"Human trafficking"}
    assert any(r["before"] or r["after"] for r in rows)
    assert all(len(r["before"]) <= 60 and len(r["after"]) <= 60 for r in rows)
    _export(
        db, out, "--code", "Digitalisation", "--code", "Human trafficking problem", "--coder", "Thesis team"
    )
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted({r["code"] for r in rows}) == ["Digitalisation", "Human trafficking problem"]
    bad = run_cli("export", "excerpts", str(out), "--code", "No such code", db=db)
    assert bad.exit_code == 2 and "No such code" in bad.stderr
    # A transcript: the excerpt carries the time of its speaker turn.
    vtt = tmp_path / "Expert J.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:01:02.000 --> 00:01:05.500\nThey took our passports at the border.\n\n"
        "00:01:06.000 --> 00:01:09.000\nWe waited all night.\n",
        encoding="utf-8",
    )
    assert run_cli("participants", "add", "Expert J", db=db).exit_code == 0
    assert run_cli("import", str(vtt), "--participant", "Expert J", db=db).exit_code == 0
    coded = run_cli(
        "code", "Expert J", "--quote", "We waited all night.", "Waiting at the border", "--new", db=db
    )
    assert coded.exit_code == 0, coded.stderr
    md = tmp_path / "j.md"
    _export(db, md, "--participant", "Expert J")
    text = md.read_text(encoding="utf-8")
    assert "> We waited all night." in text
    assert "— Expert J · characters " in text and " · 00:01:02–00:01:09 · coded by tester" in text


def _memo_on_coding(db: str, coding_id: int, text: str) -> None:
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work
    from qualcode.services.workbench import add_coding_memo

    study = open_study(locate(db))
    try:
        with unit_of_work(study, coder="aigerim") as uow:
            add_coding_memo(uow, coding_id, text)
            uow.commit()
    finally:
        study.engine.dispose()


def test_a_memo_on_a_coding_is_shown_with_its_excerpt(example_study: str, tmp_path: Path) -> None:
    segment = _segments(example_study, "--code", "Digitalisation")[0]
    _memo_on_coding(example_study, segment["coding_id"], "Ранжирование ООН — проверить источник")
    html, docx = tmp_path / "d.html", tmp_path / "d.docx"
    _export(example_study, html, "--code", "Digitalisation")
    _export(example_study, docx, "--code", "Digitalisation")
    page = html.read_text(encoding="utf-8")
    assert page.count('<article class="excerpt"') == 1
    assert "<li>Memo: Ранжирование ООН — проверить источник</li>" in page
    assert "Memo: Ранжирование ООН — проверить источник" in [p.text for p in Document(str(docx)).paragraphs]
