"""Exports: the Appendix-B codebook, the code × participant matrix and the excerpts as .xlsx.

Floors, measured in the same run on the same cells:
- codebook: bare openpyxl write-only mode appending the same values (theme header rows, then
  code, quote, count), no fonts, no row heights, no page setup;
- matrix: bare openpyxl write-only mode appending the same rows (label, the non-zero counts,
  total, participants), no styles, no heat map, no chart;
- excerpts: bare openpyxl write-only mode appending the same nine cells per excerpt.

qualcode's writers also measure every cell's text with the font's metrics for the row height.

qualcode's figure is the whole export: the report queries (counts, participants, example
quotes, the matrix GROUP BY) plus writing the styled workbook. The query share is in the note.
The corpus gets themes of 250 codes each (the lead's corpus has none): 80 themes at "large".
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select, update

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import build_corpus, build_study

CODES_PER_THEME = 250


def _add_themes(db: str) -> int:
    from sqlalchemy import insert

    from qualcode.db.engine import locate
    from qualcode.db.models import Code, Theme
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work

    opened = open_study(locate(db))
    try:
        with unit_of_work(opened, coder="bench") as uow:
            s = uow.session
            ids = list(s.scalars(select(Code.id).order_by(Code.id)))
            n = max(1, -(-len(ids) // CODES_PER_THEME))
            theme_ids = [
                s.execute(
                    insert(Theme).returning(Theme.id),
                    [{"name": f"Theme {i + 1}", "description": "", "position": i}],
                ).scalar_one()
                for i in range(n)
            ]
            for i, code_id in enumerate(ids):
                s.execute(
                    update(Code)
                    .where(Code.id == code_id)
                    .values(theme_id=theme_ids[i // CODES_PER_THEME], position=i % CODES_PER_THEME + 1)
                )
            uow.commit()
        return n
    finally:
        opened.engine.dispose()


def _floor_codebook(book: object, path: Path) -> None:
    from qualcode.domain.reports import Codebook

    assert isinstance(book, Codebook)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Codebook")
    for section in book.sections:
        ws.append([section.theme or "Codes without a theme", "Example of a code", "Number of codes"])
        for e in section.entries:
            ws.append([e.code, e.example.cited() if e.example else "", e.count])
    wb.save(path)


def _floor_matrix(table: object, path: Path) -> None:
    from qualcode.domain.reports import Matrix

    assert isinstance(table, Matrix)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Matrix")
    ws.append(["Code", *table.columns, "Total", "Participants"])
    n = len(table.columns)
    for r in table.rows:
        values: list[object] = [None] * n
        for i, v in r.cells:
            values[i] = v
        ws.append([r.label, *values, r.total, r.participants])
    wb.save(path)


def _floor_excerpts(report: object, path: Path) -> None:
    from qualcode.domain.excerpts import ExcerptsReport
    from qualcode.io.excerpts_export import XLSX_HEADS, excerpts_rows

    assert isinstance(report, ExcerptsReport)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Excerpts")
    ws.append(list(XLSX_HEADS))
    for r in excerpts_rows(report)[1:]:
        ws.append([r[0], r[1], r[2], r[3], f"{r[4] + 1}–{r[5]}", r[6], r[7], r[8], r[9]])
    wb.save(path)


def run(scale: str) -> list[Row]:
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.io.xlsx_export import write_codebook_xlsx, write_matrix_xlsx
    from qualcode.services.reports import codebook, matrix
    from qualcode.services.uow import unit_of_work

    corpus = build_corpus(scale)
    rows: list[Row] = []
    with scratch_dir() as folder:
        db = str(folder / "bench.qualcode")
        build_study(db, corpus)
        themes = _add_themes(db)
        opened = open_study(locate(db))
        try:

            def report_codebook() -> object:
                with unit_of_work(opened, write=False) as uow:
                    return codebook(uow)

            def report_matrix() -> object:
                with unit_of_work(opened, write=False) as uow:
                    return matrix(uow, themes=True)

            book, q_book = timed(report_codebook)
            _, w_book = timed(lambda: write_codebook_xlsx(book, folder / "codebook.xlsx"))  # type: ignore[arg-type]
            _, f_book = timed(lambda: _floor_codebook(book, folder / "floor-codebook.xlsx"))
            rows.append(
                Row(
                    "export",
                    scale,
                    f"codebook .xlsx: {len(corpus.codes):,} codes in {themes} themes",
                    q_book + w_book,
                    f_book,
                    "bare openpyxl write-only, same cells",
                    f"query {q_book:.2f} s + styled write {w_book:.2f} s",
                )
            )
            table, q_mx = timed(report_matrix)
            _, w_mx = timed(lambda: write_matrix_xlsx(table, folder / "matrix.xlsx"))  # type: ignore[arg-type]
            _, f_mx = timed(lambda: _floor_matrix(table, folder / "floor-matrix.xlsx"))
            rows.append(
                Row(
                    "export",
                    scale,
                    f"matrix .xlsx: {len(corpus.codes):,} codes × {len(corpus.participants):,} participants, "
                    f"{corpus.codings:,} codings",
                    q_mx + w_mx,
                    f_mx,
                    "bare openpyxl write-only, same cells",
                    f"query {q_mx:.2f} s + styled write, heat map, chart {w_mx:.2f} s",
                )
            )
            from qualcode.io.excerpts_export import write_excerpts_html, write_excerpts_xlsx
            from qualcode.services.excerpts import excerpts_report

            def report_excerpts() -> object:
                with unit_of_work(opened, write=False) as uow:
                    return excerpts_report(uow)

            excerpts, q_ex = timed(report_excerpts)
            _, w_ex = timed(lambda: write_excerpts_xlsx(excerpts, folder / "excerpts.xlsx"))  # type: ignore[arg-type]
            _, f_ex = timed(lambda: _floor_excerpts(excerpts, folder / "floor-excerpts.xlsx"))
            _, w_html = timed(lambda: write_excerpts_html(excerpts, folder / "excerpts.html"))  # type: ignore[arg-type]
            rows.append(
                Row(
                    "export",
                    scale,
                    f"excerpts .xlsx: {corpus.codings:,} codings of {len(corpus.codes):,} codes",
                    q_ex + w_ex,
                    f_ex,
                    "bare openpyxl write-only, same cells",
                    f"query {q_ex:.2f} s + measured write {w_ex:.2f} s; the .html {w_html:.2f} s",
                )
            )
        finally:
            opened.engine.dispose()
    return rows
