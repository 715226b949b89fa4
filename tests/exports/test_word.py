"""Word exports as a reader sees them: rendered by LibreOffice to PDF and read page by page."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.conftest import run_cli

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler are not installed",
)


def to_pdf(docx: Path) -> Path:
    """``docx`` rendered by LibreOffice, as a reader's PDF beside it."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return docx.with_suffix(".pdf")


def pdf_pages(docx: Path) -> list[str]:
    """The text of each page of ``docx`` rendered to PDF, whitespace flattened."""
    text = subprocess.run(["pdftotext", str(to_pdf(docx)), "-"], check=True, capture_output=True).stdout
    return [" ".join(page.split()) for page in text.decode("utf-8").split("\f") if page.strip()]


def page_words(docx: Path) -> list[list[tuple[float, float, str]]]:
    """Per page of ``docx`` rendered to PDF, its words as (x, y, word) in points."""
    done = subprocess.run(["pdftotext", "-bbox", str(to_pdf(docx)), "-"], check=True, capture_output=True)
    html = done.stdout.decode("utf-8")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">(.*?)</word>')
    return [
        [(float(x), float(y), unescape(w)) for x, y, w in word.findall(page)]
        for page in html.split("<page ")[1:]
    ]


def first_column_pages(docx: Path, marker: str) -> list[str]:
    """Per page, the text of the tables' first column in reading order (whitespace flattened):
    the words left of where ``marker`` (a word heading the second column) starts."""
    pages = page_words(docx)
    second = min(x for words in pages for x, _, w in words if w == marker)
    out = []
    for words in pages:
        left = sorted((round(y), x, w) for x, y, w in words if x < second - 3)
        out.append(" ".join(w for _, _, w in left))
    return out


def names_in_order(page: str, names: list[str]) -> list[str]:
    """The names found on a page, in reading order (a longer name is found before its parts)."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(page)
    for name in sorted(set(names), key=len, reverse=True):
        at = page.find(name)
        while at >= 0 and any(taken[at : at + len(name)]):
            at = page.find(name, at + 1)
        if at >= 0:
            found.append((at, name))
            taken[at : at + len(name)] = [True] * len(name)
    return [name for _, name in sorted(found)]


@needs_office
def test_each_page_shows_the_theme_of_its_codes_and_no_tool_note(
    example_study: str, appendix: dict[str, Any], tmp_path: Path
) -> None:
    # Without marked examples qualcode picks quotes: that note goes to the output and the
    # document's properties, never onto the page.
    assert run_cli("codes", "example", "Digitalisation", "--clear", db=example_study).exit_code == 0
    out = tmp_path / "appendix-b.docx"
    result = run_cli("export", "codebook", str(out), db=example_study)
    assert result.exit_code == 0, result.stderr
    assert "was not marked" in result.stderr and "qualcode codes example" in result.stderr
    document = Document(str(out))
    assert "was not marked" in document.core_properties.comments
    assert "Digitalisation" in document.core_properties.comments
    theme_of = {row["code"]: theme["name"] for theme in appendix["themes"] for row in theme["codes"]}
    themes = [t["name"] for t in appendix["themes"]]
    for number, page in enumerate(pdf_pages(out), start=1):
        assert "qualcode" not in page.lower(), number
        assert "Mark one with" not in page
    pages = first_column_pages(out, "Example")
    assert len(pages) > 5
    seen_codes = set()
    for number, page in enumerate(pages, start=1):
        current = None
        for name in names_in_order(page, themes + list(theme_of)):
            if name in themes:
                current = name
                continue
            # Every code on the page sits under its own theme's name, on that same page.
            assert current == theme_of[name], (number, name, current)
            seen_codes.add(name)
    assert len(seen_codes) >= 190
    # Only theme rows head the tables, and they are the tables' own (repeated) header rows;
    # no row splits across pages; no generic "Theme" row above the first theme.
    tables = document.tables
    assert [t.rows[0].cells[0].text for t in tables] == themes
    for table in tables:
        flags = [
            row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None
            for row in table.rows
        ]
        assert flags == [True] + [False] * (len(table.rows) - 1)
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


@needs_office
def test_matrix_as_a_word_table(example_study: str, tmp_path: Path) -> None:
    out = tmp_path / "matrix.docx"
    result = run_cli("export", "matrix", str(out), "--themes", db=example_study)
    assert result.exit_code == 0, result.stderr
    expected = run_cli("report", "matrix", "--themes", "--format", "json", db=example_study).json()
    table = Document(str(out)).tables[0]
    head = [c.text for c in table.rows[0].cells]
    assert head == ["Code", *expected["columns"], "Total", "Participants"]
    rows = {r.cells[0].text: r for r in table.rows[1:]}
    for code in expected["rows"]:
        cells = [c.text for c in rows[code["code"]].cells]
        assert cells[1:-2] == [str(code["counts"][c] or "") for c in expected["columns"]]
        assert cells[-2] == str(code["total"])
    for subtotal in expected["subtotals"]:
        runs = [r for c in rows[subtotal["theme"]].cells for p in c.paragraphs for r in p.runs if r.text]
        assert all(r.bold for r in runs)
    # Each page repeats the column header; every participant column header is whole on it.
    pages = page_words(out)
    assert len(pages) > 1
    for words in pages:
        top = min(y for _, y, _ in words)
        header = " ".join(w for _, _, w in sorted((x, y, w) for x, y, w in words if y < top + 20))
        letters = " ".join(f"Expert {c}" for c in "ABCDEFGHI")
        assert header == f"Code {letters} Total Participants", header
