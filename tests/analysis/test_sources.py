"""PDF, HTML and RTF sources: the text a researcher codes, exactly as written, with page numbers."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import run_cli, table_counts

RU = "Миграционная политика Казахстана меняется."
KK = "Көші-қон саясаты әділ болуы керек."


def _font() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")


def _pdf(path: Path, pages: list[list[str]]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=_font())
    pdf.set_font("DejaVu", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _documents(db: str) -> list[dict[str, object]]:
    return list(run_cli("documents", "list", "--json", db=db).json())


def test_a_pdf_keeps_cyrillic_text_and_page_numbers(empty_study: str, tmp_path: Path) -> None:
    pdf = tmp_path / "Policy brief.pdf"
    _pdf(
        pdf,
        [
            [RU, "Квоты на иностранную рабочую силу", "сокращаются."],
            [KK, "Third page follows."],
            ["Last page."],
        ],
    )
    result = run_cli("import", str(pdf), db=empty_study)
    assert result.exit_code == 0, result.stderr
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work
    from qualcode.services.workbench import document_text

    study = open_study(locate(empty_study))
    with unit_of_work(study) as uow:
        doc = document_text(uow, "Policy brief")
        from sqlalchemy import select

        from qualcode.db.models import Document

        meta = uow.session.scalars(select(Document.meta).where(Document.title == "Policy brief")).one()
    study.engine.dispose()
    # A line that does not end a sentence runs on into the next one.
    assert doc.text.split("\n") == [
        RU,
        "Квоты на иностранную рабочую силу сокращаются.",
        "",
        KK,
        "Third page follows.",
        "",
        "Last page.",
    ]
    from qualcode.io.pdf import page_of

    assert [p["page"] for p in meta["pages"]] == [1, 2, 3]
    assert page_of(meta, doc.text.index(KK)) == 2
    assert page_of(meta, doc.text.index("Last page")) == 3
    coded = run_cli("code", "Policy brief", "--quote", KK, "Саясат", "--new", db=empty_study)
    assert coded.exit_code == 0, coded.stderr
    assert run_cli("segments", "--json", db=empty_study).json()[0]["text"] == KK


def test_a_scanned_pdf_without_text_is_refused_as_needing_ocr(empty_study: str, tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a page that is all picture, as a scan is
    scan = tmp_path / "Scan.pdf"
    pdf.output(str(scan))
    damaged = tmp_path / "Damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n this is not a pdf")
    before = table_counts(empty_study)
    refused = run_cli("import", str(scan), db=empty_study)
    assert refused.exit_code == 2
    assert "Scan.pdf" in refused.stderr and "needs OCR" in refused.stderr
    broken = run_cli("import", str(damaged), db=empty_study)
    assert broken.exit_code == 2 and "Damaged.pdf" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before


def test_html_keeps_headings_and_paragraphs_and_drops_scripts(empty_study: str, tmp_path: Path) -> None:
    page = tmp_path / "Notes.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Интервью</title>"
        "<style>p { color: red }</style><script>var secret = 'не текст';</script></head>"
        f"<body><h1>Эксперт А</h1><p>{RU}</p><p>Second   <b>bold</b>\n words<br>after a break</p>"
        f"<ul><li>{KK}</li><li>Пункт&nbsp;два</li></ul><!-- a comment -->"
        "<noscript>turn on JS</noscript></body></html>",
        encoding="utf-8",
    )
    result = run_cli("import", str(page), db=empty_study)
    assert result.exit_code == 0, result.stderr
    [doc] = _documents(empty_study)
    assert doc["title"] == "Notes"
    rows = run_cli("code", "Notes", "--quote", "Second bold words", "X", "--new", "--json", db=empty_study)
    assert rows.exit_code == 0, rows.stderr
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work
    from qualcode.services.workbench import document_text

    study = open_study(locate(empty_study))
    with unit_of_work(study) as uow:
        text = document_text(uow, "Notes").text
    study.engine.dispose()
    assert text.split("\n") == [
        "Эксперт А",
        RU,
        "Second bold words",
        "after a break",
        KK,
        "Пункт два",
    ]  # as shown
    assert "secret" not in text and "color" not in text and "comment" not in text and "JS" not in text


def test_rtf_from_word_with_code_page_and_unicode_escapes(empty_study: str, tmp_path: Path) -> None:
    ru_bytes = "Миграция".encode("cp1251")
    hexed = "".join(f"\\'{b:02x}" for b in ru_bytes)
    kk = "".join(f"\\u{ord(c)}?" if ord(c) > 127 else c for c in "Көші-қон")
    rtf = tmp_path / "Word notes.rtf"
    rtf.write_bytes(
        (
            "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\froman\\fcharset204 Times New Roman;}}"
            "{\\*\\generator Microsoft Word 16;}\\viewkind4\\uc1\\pard\\f0\\fs24 "
            f"{hexed} \\b {kk}\\b0  \\'e8 \\'e1\\'ee\\'eb\\'e5\\'e5.\\par\nSecond paragraph.\\par\n}}"
        ).encode("ascii")
    )
    result = run_cli("import", str(rtf), db=empty_study)
    assert result.exit_code == 0, result.stderr
    coded = run_cli(
        "code", "Word notes", "--quote", "Миграция Көші-қон и более.", "Миграция", "--new", db=empty_study
    )
    assert coded.exit_code == 0, coded.stderr
    second = run_cli(
        "code", "Word notes", "--quote", "Second paragraph.", "Y", "--new", "--json", db=empty_study
    )
    assert second.json()["start"] == len("Миграция Көші-қон и более.") + 1
    not_rtf = tmp_path / "Fake.rtf"
    not_rtf.write_text("plain text", encoding="utf-8")
    refused = run_cli("import", str(not_rtf), db=empty_study)
    assert refused.exit_code == 2 and "Fake.rtf" in refused.stderr and "not an RTF" in refused.stderr


def _pdf_with_stream(stream: bytes) -> bytes:
    """A one-page PDF whose content stream is ``stream`` (FlateDecode), with a correct xref."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources"
        b" << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_a_pdf_that_inflates_past_the_limit_is_refused(empty_study: str, tmp_path: Path) -> None:
    import zlib

    bomb = tmp_path / "bomb.pdf"
    packer = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    head = packer.compress(b"BT /F1 12 Tf 72 700 Td (Text) Tj ET\n")
    squeezed = head + b"".join(packer.compress(chunk) for _ in range(400)) + packer.flush()
    bomb.write_bytes(_pdf_with_stream(squeezed))  # 400 MB of spaces in ~400 KB
    before = table_counts(empty_study)
    result = run_cli("import", str(bomb), db=empty_study)
    assert result.exit_code == 2, result.stderr
    assert "bomb.pdf" in result.stderr and "hostile" in result.stderr
    assert table_counts(empty_study) == before


def test_html_without_a_charset_is_read_as_utf8_and_table_cells_stay_apart(
    empty_study: str, tmp_path: Path
) -> None:
    page = tmp_path / "Saved.html"
    page.write_bytes(
        f"<html><body><h2>Заголовок</h2><table><tr><td>Ячейка</td><td>{KK}</td></tr></table></body></html>".encode()
    )
    legacy = tmp_path / "Old.htm"
    legacy.write_bytes(
        f"<html><body><p>{RU} Трудовые мигранты приезжают из Узбекистана.</p></body></html>".encode("cp1251")
    )
    result = run_cli("import", str(page), str(legacy), db=empty_study)
    assert result.exit_code == 0, result.stderr
    for title, quote in [("Saved", "Заголовок"), ("Saved", f"Ячейка {KK}"), ("Old", RU)]:
        coded = run_cli("code", title, "--quote", quote, "X", "--new", db=empty_study)
        assert coded.exit_code == 0, (title, coded.stderr)
