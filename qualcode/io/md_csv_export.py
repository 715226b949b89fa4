"""Markdown and CSV forms of the codebook, Appendix A, the matrix and co-occurrence.

Markdown keeps the thesis's typography (code names in italics, bold theme header rows); CSV
keeps plain columns for scripts and gets a BOM so that Excel opens Cyrillic text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qualcode.domain.characters import xml_safe
from qualcode.domain.reports import Codebook, CooccurrenceRow, Matrix, ParticipantRow
from qualcode.io.cells import csv_cell
from qualcode.io.output import write_text
from qualcode.io.xlsx_export import participant_cells

# What would make HTML, a link, code or emphasis (an underscore inside a word does not).
_MD_ACTIVE = str.maketrans({ch: "\\" + ch for ch in "\\`*[]<>|"} | {"&": "&amp;"})


def md_text(value: Any) -> str:
    """Text as Markdown shows it literally: every character Markdown or HTML would act on
    (``\\ ` * [ ] < > |`` and ``&``) escaped, so a name like ``<img onerror=…>`` or
    ``[x](javascript:…)`` from a collaborator's comment stays text; XML-forbidden characters
    replaced as in every export."""
    return ("" if value is None else xml_safe(str(value))).translate(_MD_ACTIVE)


def _md(value: Any) -> str:
    """A Markdown table cell: text escaped (``md_text``), line breaks as <br>."""
    return md_text(value).replace("\r\n", "\n").replace("\n", "<br>")


def _md_emph(text: str, mark: str) -> str:
    return f"{mark}{_md(text)}{mark}" if text.strip() else _md(text)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def rows_csv(rows: Sequence[Sequence[Any]], *, raw: bool = False) -> str:
    """CSV text; a cell that would open as a formula gets a leading ``'`` unless ``raw``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[csv_cell(v, raw=raw) for v in row] for row in rows])
    return out.getvalue()


def codebook_markdown(book: Codebook, *, label_style: str = "plain") -> str:
    """Appendix B as Markdown: one table per theme, headed ``Theme | Example of a code | Number of codes``."""
    parts: list[str] = []
    for section in book.sections:
        if not section.entries and section.theme is None:
            continue
        name = section.theme if section.theme is not None else "Codes without a theme"
        lead = "&nbsp;&nbsp;" * section.depth
        parts.append(_md_row([lead + _md_emph(name, "**"), "**Example of a code**", "**Number of codes**"]))
        parts.append("|---|---|---:|")
        for entry in section.entries:
            quote = entry.example.cited(label_style) if entry.example else ""
            parts.append(_md_row([_md_emph(entry.code, "*"), _md(quote), str(entry.count)]))
        parts.append("")
    return "\n".join(parts)


def codebook_csv(book: Codebook, *, raw: bool = False) -> str:
    rows: list[list[Any]] = [
        [
            "theme",
            "parent_theme",
            "code",
            "description",
            "count",
            "participants",
            "example_participant",
            "example_document",
            "example_quote",
            "example_segment",
            "example_chosen_by",
        ]
    ]
    for section in book.sections:
        for e in section.entries:
            q = e.example
            rows.append(
                [
                    section.theme or "",
                    section.parent or "",
                    e.code,
                    e.description,
                    e.count,
                    "; ".join(e.participants),
                    (q.participant or "") if q else "",
                    q.document if q else "",
                    q.text if q else "",
                    q.segment_id if q else "",
                    ("researcher" if q.marked else "qualcode") if q else "",
                ]
            )
    return rows_csv(rows, raw=raw)


def write_codebook_text(book: Codebook, path: Path, *, label_style: str = "plain", raw: bool = False) -> None:
    """``.md`` or ``.csv`` by the path's suffix (``raw``: no ``'`` before formula-like cells)."""
    if path.suffix.lower() == ".csv":
        write_text(path, codebook_csv(book, raw=raw))
    else:
        write_text(path, codebook_markdown(book, label_style=label_style))


def participants_text(
    people: Sequence[ParticipantRow],
    columns: Sequence[tuple[str, str]],
    *,
    label_style: str,
    csv_form: bool,
    raw: bool = False,
) -> str:
    """Appendix A as Markdown, or as CSV (``raw``: no ``'`` before formula-like cells)."""
    table = participant_cells(people, columns, label_style)
    headers = [h for _, h in columns]
    if csv_form:
        return rows_csv([headers, *table], raw=raw)
    lines = [_md_row([_md(h) for h in headers]), "|" + "---|" * len(headers)]
    lines += [_md_row([_md(v) for v in row]) for row in table]
    return "\n".join(lines) + "\n"


def matrix_rows(table: Matrix) -> list[list[Any]]:
    """The matrix as plain rows (header first): kind, theme, code/label, counts, total, participants."""
    out: list[list[Any]] = [["kind", "theme", "code", *table.columns, "total", "participants"]]
    for r in table.rows:
        out.append([r.kind, r.theme or "", r.label, *r.counts, r.total, r.participants])
    return out


def matrix_csv(table: Matrix, *, raw: bool = False) -> str:
    """The matrix as CSV (``raw``: no ``'`` before formula-like cells)."""
    return rows_csv(matrix_rows(table), raw=raw)


def matrix_markdown(table: Matrix) -> str:
    lines = [
        _md_row(["Code", *[_md(c) for c in table.columns], "Total", "Participants"]),
        "|---|" + "---:|" * (len(table.columns) + 2),
    ]
    for r in table.rows:
        label = _md(r.label)
        cells = [str(v) if v else "" for v in r.counts]
        if r.kind != "code":
            label = f"**{label}**"
            cells = [f"**{c}**" if c else "" for c in cells]
        lines.append(
            _md_row(["&nbsp;&nbsp;" * r.depth + label, *cells, f"**{r.total}**", str(r.participants)])
        )
    return "\n".join(lines) + "\n"


def cooccurrence_rows(rows: Sequence[CooccurrenceRow]) -> list[list[Any]]:
    out: list[list[Any]] = [["code_a", "code_b", "count", "documents", "participants"]]
    out += [[r.code_a, r.code_b, r.count, r.documents, "; ".join(r.participants)] for r in rows]
    return out


def cooccurrence_csv(rows: Sequence[CooccurrenceRow], *, raw: bool = False) -> str:
    """Co-occurring pairs as CSV (``raw``: no ``'`` before formula-like cells)."""
    return rows_csv(cooccurrence_rows(rows), raw=raw)


def cooccurrence_markdown(rows: Sequence[CooccurrenceRow]) -> str:
    table = cooccurrence_rows(rows)
    lines = [_md_row(["Code", "Code", "Together", "Documents", "Participants"]), "|---|---|---:|---:|---|"]
    lines += [_md_row([_md(c) for c in row]) for row in table[1:]]
    return "\n".join(lines) + "\n"
