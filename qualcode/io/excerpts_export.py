"""The excerpts report as .docx, .xlsx, .md, .csv or one self-contained .html.

Per theme and code (codebook order), every coded excerpt with the participant, the document,
its position (characters, and transcript time where there is one), the coder and the memos
on it; optionally some context around it. Pure functions of an ``ExcerptsReport`` and a path.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.domain.characters import xml_safe
from qualcode.domain.excerpts import Excerpt, ExcerptsReport
from qualcode.io.output import ensure_folder, replacing, write_text


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _meta(e: Excerpt) -> str:
    """``Expert A · Expert A notes · characters 12–80 · 00:01:02–00:01:10 · coded by aigerim``."""
    parts = [e.who] + ([e.document] if e.participant and e.document != e.participant else []) + [e.position]
    if e.time:
        parts.append(e.time)
    parts.append(f"coded by {e.coder}")
    return " · ".join(parts)


def _summary(report: ExcerptsReport) -> str:
    n_codes = sum(len(s.codes) for s in report.sections)
    text = f"{len(report.excerpts)} excerpts of {n_codes} codes"
    if report.filters:
        text += "; only " + ", ".join(report.filters)
    return text


# ------------------------------------------------------------------ CSV and Markdown

CSV_COLUMNS = (
    "theme",
    "code",
    "participant",
    "document",
    "start",
    "end",
    "time",
    "coder",
    "text",
    "memos",
    "before",
    "after",
    "coding_id",
    "segment_id",
)


def excerpts_rows(report: ExcerptsReport) -> list[list[Any]]:
    """One row per excerpt (header first); ``start``/``end`` are 0-based offsets, end exclusive."""
    rows: list[list[Any]] = [list(CSV_COLUMNS)]
    for section in report.sections:
        for code in section.codes:
            for e in code.excerpts:
                rows.append(
                    [
                        section.theme or "",
                        code.code,
                        e.participant or "",
                        e.document,
                        e.start,
                        e.end,
                        e.time or "",
                        e.coder,
                        e.text,
                        "\n\n".join(e.memos),
                        e.before,
                        e.after,
                        e.coding_id,
                        e.segment_id,
                    ]
                )
    return rows


def excerpts_markdown(report: ExcerptsReport) -> str:
    """Headings per theme and code, each excerpt a block quote followed by where it is from.
    Every text is escaped (``md_text``): names and quotes show as written, nothing is active."""
    from qualcode.io.md_csv_export import md_text

    def quote(text: str) -> str:
        return "\n".join("> " + line if line else ">" for line in text.replace("\r\n", "\n").split("\n"))

    out = [f"# Excerpts: {md_text(report.title)}", "", f"*{md_text(_summary(report))}.*", ""]
    for section in report.sections:
        out += [f"{'#' * min(6, 2 + section.depth)} {md_text(report.heading(section))}", ""]
        for code in section.codes:
            out += [f"{'#' * min(6, 3 + section.depth)} *{md_text(code.code)}* ({len(code.excerpts)})", ""]
            if code.description:
                out += [md_text(code.description), ""]
            out += [f"Memo: {md_text(m)}" + "\n" for m in code.memos]
            for e in code.excerpts:
                body = md_text(e.text)
                if e.before or e.after:  # the excerpt in bold, paragraph by paragraph
                    bold = "\n".join(f"**{p.strip()}**" if p.strip() else p for p in body.split("\n"))
                    before = f"…{md_text(e.before)}" if e.before else ""
                    body = before + bold + (f"{md_text(e.after)}…" if e.after else "")
                out += [quote(body), "", f"— {md_text(_meta(e))}", ""]
                out += [f"- Memo: {md_text(m)}" for m in e.memos]
                if e.memos:
                    out.append("")
    return "\n".join(out)


def write_excerpts_text(report: ExcerptsReport, path: Path, *, raw: bool = False) -> None:
    """``.md`` or ``.csv`` by the path's suffix (``raw``: no ``'`` before formula-like cells)."""
    from qualcode.io.md_csv_export import rows_csv

    if path.suffix.lower() == ".csv":
        write_text(path, rows_csv(excerpts_rows(report), raw=raw))
    else:
        write_text(path, excerpts_markdown(report))


# ------------------------------------------------------------------ HTML

_CSS = """
body{font-family:Calibri,Carlito,"Segoe UI",Arial,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;
line-height:1.45;color:#222}
nav{border:1px solid #ccc;background:#fafafa;padding:.5em 1.5em;margin-bottom:2em}
nav ol{padding-left:1.2em}h2{border-bottom:2px solid #999;margin-top:2em}h3{margin-bottom:.3em}
h3 em{font-weight:normal}.count{color:#666;font-size:.85em}
article.excerpt{margin:0 0 1.2em 0}blockquote{margin:0;padding:.4em .9em;border-left:4px solid #7a9cc6;
background:#f4f7fb;white-space:pre-wrap}.context{color:#777}
p.meta{margin:.2em 0 0 .9em;color:#555;font-size:.9em}ul.memos{margin:.2em 0 0 .9em;font-size:.9em}
p.description{font-style:italic}p.about{color:#555}
"""


def excerpts_html(report: ExcerptsReport) -> str:
    """One self-contained page (no scripts, no outside files) with a table of contents."""

    def esc(text: str) -> str:
        return html.escape(xml_safe(text))

    toc: list[str] = []
    body: list[str] = []
    for i, section in enumerate(report.sections, start=1):
        name = esc(report.heading(section))
        level = min(6, 2 + section.depth)
        body.append(f'<section class="theme"><h{level} id="theme-{i}">{name}</h{level}>')
        items = []
        for j, code in enumerate(section.codes, start=1):
            anchor = f"code-{i}-{j}"
            count = f'<span class="count">({len(code.excerpts)})</span>'
            items.append(f'<li><a href="#{anchor}">{esc(code.code)}</a> {count}</li>')
            sub = min(6, level + 1)
            body.append(f'<h{sub} id="{anchor}"><em>{esc(code.code)}</em> {count}</h{sub}>')
            if code.description:
                body.append(f'<p class="description">{esc(code.description)}</p>')
            body += [f'<p class="memo">Memo: {esc(m)}</p>' for m in code.memos]
            for e in code.excerpts:
                before = f'<span class="context">…{esc(e.before)}</span>' if e.before else ""
                after = f'<span class="context">{esc(e.after)}…</span>' if e.after else ""
                memos = "".join(f"<li>Memo: {esc(m)}</li>" for m in e.memos)
                body.append(
                    f'<article class="excerpt" id="coding-{e.coding_id}">'
                    f'<blockquote>{before}<span class="text">{esc(e.text)}</span>{after}</blockquote>'
                    f'<p class="meta">{esc(_meta(e))}</p>'
                    + (f'<ul class="memos">{memos}</ul>' if memos else "")
                    + "</article>"
                )
        body.append("</section>")
        indent = ' style="margin-left:1em"' if section.depth else ""
        toc.append(f'<li{indent}><a href="#theme-{i}">{name}</a><ol>{"".join(items)}</ol></li>')
    title = esc(f"Excerpts: {report.title}")
    return (
        "<!DOCTYPE html>\n"
        f'<html><head><meta charset="utf-8"><meta name="generator" content="qualcode">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f'<h1>{title}</h1><p class="about">{esc(_summary(report))}. Exported {esc(_stamp())}.</p>'
        f'<nav><h2 id="contents">Contents</h2><ol>{"".join(toc)}</ol></nav>'
        + "".join(body)
        + "</body></html>\n"
    )


def write_excerpts_html(report: ExcerptsReport, path: Path) -> None:
    write_text(path, excerpts_html(report))


# ------------------------------------------------------------------ Word


def write_excerpts_docx(
    report: ExcerptsReport, path: Path, *, font: str = "Times New Roman", size: float = 11
) -> None:
    """Headings per theme and code (Word's navigation pane lists them), each excerpt an
    indented quotation (context in grey) followed by where it is from and its memos."""
    from docx.shared import Cm, Pt, RGBColor

    from qualcode.io.docx_export import describe, new_document

    ensure_folder(path)
    doc = new_document(font, size, landscape=False)
    doc.add_heading(xml_safe(f"Excerpts: {report.title}"), level=1)
    grey = RGBColor(0x66, 0x66, 0x66)
    for section in report.sections:
        doc.add_heading(xml_safe(report.heading(section)), level=min(9, 2 + section.depth))
        for code in section.codes:
            heading = doc.add_heading(level=min(9, 3 + section.depth))
            heading.add_run(xml_safe(code.code)).italic = True
            heading.add_run(f" ({len(code.excerpts)})")
            if code.description:
                doc.add_paragraph().add_run(xml_safe(code.description)).italic = True
            for memo in code.memos:
                doc.add_paragraph(xml_safe(f"Memo: {memo}"))
            for e in code.excerpts:
                quote = doc.add_paragraph()
                quote.paragraph_format.left_indent = Cm(1.0)
                quote.paragraph_format.space_after = Pt(2)
                quote.paragraph_format.keep_with_next = True
                if e.before:
                    quote.add_run(xml_safe(f"…{e.before}")).font.color.rgb = grey
                quote.add_run(xml_safe(e.text))
                if e.after:
                    quote.add_run(xml_safe(f"{e.after}…")).font.color.rgb = grey
                meta = doc.add_paragraph()
                meta.paragraph_format.left_indent = Cm(1.0)
                run = meta.add_run(xml_safe(f"— {_meta(e)}"))
                run.font.size = Pt(size - 2)
                run.font.color.rgb = grey
                for memo in e.memos:
                    p = doc.add_paragraph()
                    p.paragraph_format.left_indent = Cm(1.5)
                    p.add_run(xml_safe(f"Memo: {memo}")).font.size = Pt(size - 1)
    describe(doc, f"Excerpts: {report.title}", f"{_summary(report)}. Exported by qualcode on {_stamp()}.")
    with replacing(path) as tmp:
        doc.save(str(tmp))


# ------------------------------------------------------------------ Excel

EXCERPT_WIDTH = 100.0  # characters: a 2,000-character answer stays within Excel's 409-pt row
XLSX_HEADS = ("Theme", "Code", "Participant", "Document", "Position", "Time", "Coder", "Excerpt", "Memos")


def write_excerpts_xlsx(report: ExcerptsReport, path: Path) -> None:
    """One row per excerpt under a frozen, repeated header; widths and heights measured."""
    from openpyxl import Workbook

    from qualcode.io.layout import Cell
    from qualcode.io.xlsx_export import HEADER_FILL, Styles, about_sheet, describe, page_setup

    ensure_folder(path)
    st = Styles("Calibri", 11)
    rows = excerpts_rows(report)[1:]
    table = [[r[0], r[1], r[2], r[3], f"{r[4] + 1}–{r[5]}", r[6], r[7], r[8], r[9]] for r in rows]
    widths = [
        st.fit([r[0] for r in table] + [XLSX_HEADS[0]], least=16, most=30),
        st.fit([r[1] for r in table] + [XLSX_HEADS[1]], least=16, most=30),
        *[
            max(st.fit([r[i] for r in table], least=8, most=24), st.fit([XLSX_HEADS[i]], bold=True))
            for i in range(2, 7)
        ],
        EXCERPT_WIDTH,
        st.fit([r[8] for r in table] + [XLSX_HEADS[8]], least=10, most=40),
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Excerpts")
    page_setup(ws, widths, freeze="C2")
    ws.row_dimensions[1].height = st.height(
        [Cell(h, w, "bold") for h, w in zip(XLSX_HEADS, widths, strict=True)]
    )
    ws.append([st.cell(ws, h, st.bold, st.wrap, fill=HEADER_FILL) for h in XLSX_HEADS])
    for i, values in enumerate(table, start=2):
        values = [
            st.shown(v, w, "italic" if c == 1 else "regular")
            for c, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        ws.row_dimensions[i].height = st.height([Cell(v, w) for v, w in zip(values, widths, strict=True)])
        ws.append([st.cell(ws, v, st.italic if c == 1 else st.plain, st.wrap) for c, v in enumerate(values)])
    about_sheet(
        wb, st, [f"Excerpts of {report.title!r}, exported by qualcode on {_stamp()}.", _summary(report) + "."]
    )
    describe(wb, f"Excerpts: {report.title}", _summary(report))
    with replacing(path) as tmp:
        wb.save(tmp)
