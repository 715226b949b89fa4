"""Export a report in a format: one flow for ``qualcode export``/``report -o`` and the workbench.

The format follows the file's suffix; an unknown suffix is refused before anything is read.
The report is read through ``qualcode.services.reports`` (the read models) in the caller's unit
of work, then written by the ``qualcode.io`` writer for that suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.domain.errors import QualcodeError

if TYPE_CHECKING:  # the CLI imports this module for its constants: keep --help light
    from qualcode.domain.reports import Matrix, ParticipantRow
    from qualcode.services.uow import UnitOfWork

SUFFIXES: dict[str, tuple[str, ...]] = {
    "codebook": (".xlsx", ".docx", ".md", ".csv", ".qdc"),
    "participants": (".xlsx", ".docx", ".md", ".csv"),
    "matrix": (".xlsx", ".docx", ".csv", ".md", ".json"),
    "project": (".qdpx",),
}
DEFAULT_FILES = {
    "codebook": "appendix-b-codebook.xlsx",
    "participants": "appendix-a-participants.docx",
    "matrix": "code-participant-matrix.xlsx",
    "project": "study.qdpx",
}
WHAT = {
    "codebook": "a codebook",
    "participants": "the participants table",
    "matrix": "the matrix",
    "project": "a project",
}
# Appendix A of the thesis; a study whose participants lack one of these attributes gets the
# label, every attribute and the codings instead (see ``default_participant_columns``).
DEFAULT_PARTICIPANT_COLUMNS = "date=Date,label=Name,organisation=Organisation,location=Location"
MATRIX_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json", ".md": "md", ".docx": "docx"}


@dataclass(frozen=True)
class ExportOptions:
    """Every export's choices, with the one set of defaults the CLI and the workbench share."""

    include_excluded: bool = False  # codebook, matrix
    min_count: int = 0  # codebook
    label_style: str | None = None  # codebook: "plain"; participants: "brackets"
    font: str | None = None  # codebook .xlsx/.docx
    columns: str | None = None  # participants: KEY=Header,...; None: default_participant_columns
    by: str = "participant"  # matrix: participant, document or attribute:KEY
    themes: bool = False  # matrix: a subtotal row per theme
    force: bool = False  # replace a file qualcode did not write (never the open study)
    raw: bool = False  # .csv: no ' before cells that begin like a formula (=+-@)


@dataclass(frozen=True)
class Exported:
    kind: str
    path: Path
    summary: str  # "wrote PATH: 194 codes, …" — what the CLI prints and the workbench notifies
    note: str = ""  # a line for the reader, such as which example quotes qualcode picked


def export_suffix(kind: str, path: Path) -> str:
    """``path``'s suffix when ``kind`` can be written in it; else QualcodeError naming the file."""
    if kind not in SUFFIXES:
        raise QualcodeError(f"no export called {kind!r}; there are {', '.join(SUFFIXES)}")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES[kind]:
        raise QualcodeError(
            f"{WHAT[kind]} can be written as {', '.join(SUFFIXES[kind])}; not {suffix or '(no suffix)'}",
            source=str(path),
        )
    return suffix


def participant_columns(spec: str) -> list[tuple[str, str]]:
    """``"date=Date,label=Name"`` -> ``[("date", "Date"), ("label", "Name")]``."""
    columns = []
    for part in spec.split(","):
        key, _, header = part.partition("=")
        key = key.strip()
        if not key:
            raise QualcodeError(f"--columns takes KEY[=Header],...; got {spec!r}")
        columns.append((key, header.strip() or key.capitalize()))
    return columns


def default_participant_columns(people: list[ParticipantRow]) -> list[tuple[str, str]]:
    """Appendix A's columns (``DEFAULT_PARTICIPANT_COLUMNS``) when every one of them is an
    attribute the participants have; else the label, every attribute (in the order first met)
    and the codings."""
    keys: list[str] = []
    for person in people:
        keys.extend(k for k in person.attributes if k not in keys)
    thesis = participant_columns(DEFAULT_PARTICIPANT_COLUMNS)
    if all(k in keys or k == "label" for k, _ in thesis):
        return thesis
    return [("label", "Participant"), *[(k, k.capitalize()) for k in keys], ("codings", "Codings")]


def write_matrix(table: Matrix, fmt: str, path: Path, *, raw: bool = False) -> None:
    """Write a matrix as ``fmt`` (xlsx, docx, csv, md or json) to ``path`` (``raw``: as in
    ``ExportOptions``)."""
    from qualcode.io.md_csv_export import matrix_csv, matrix_markdown
    from qualcode.io.output import write_text

    if fmt == "xlsx":
        from qualcode.io.xlsx_export import write_matrix_xlsx

        write_matrix_xlsx(table, path)
    elif fmt == "docx":
        from qualcode.io.docx_export import write_matrix_docx

        write_matrix_docx(table, path)
    elif fmt == "json":
        import json

        write_text(path, json.dumps(table.as_dict(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        write_text(path, matrix_csv(table, raw=raw))
    elif fmt == "md":
        write_text(path, matrix_markdown(table))
    else:
        raise QualcodeError(
            f"a matrix can be written as csv, xlsx, json or md; not {fmt!r}", source=str(path)
        )


def _font(font: str | None) -> dict[str, Any]:
    return {"font": font} if font else {}


def _participants(
    people: list[ParticipantRow],
    columns: list[tuple[str, str]],
    path: Path,
    suffix: str,
    label_style: str,
    raw: bool,
) -> None:
    keys = {k for p in people for k in p.attributes} | {"label", "documents", "codings"}
    unknown = [k for k, _ in columns if k not in keys]
    if unknown:
        raise QualcodeError(
            f"no participant has the attribute(s) {', '.join(map(repr, unknown))}; known: "
            + ", ".join(sorted(keys))
        )
    if suffix == ".xlsx":
        from qualcode.io.xlsx_export import write_participants_xlsx

        write_participants_xlsx(people, columns, path, label_style=label_style)
    elif suffix == ".docx":
        from qualcode.io.docx_export import write_participants_docx

        write_participants_docx(people, columns, path, label_style=label_style)
    else:
        from qualcode.io.md_csv_export import participants_text
        from qualcode.io.output import write_text

        write_text(
            path, participants_text(people, columns, label_style=label_style, csv_form=suffix == ".csv")
        )


def export_report(
    uow: UnitOfWork,
    kind: str,
    path: Path,
    options: ExportOptions | None = None,
    *,
    viewer: str | None = None,
    blind: bool = False,
) -> Exported:
    """Write one report (``codebook``, ``participants``, ``matrix`` or ``project``) to ``path``
    in the format its suffix names, read in ``uow`` through the read models (the viewer's
    codings alone under ``blind``). Refuses an unknown kind or suffix, or a target that would
    destroy something (``qualcode.io.output.check_target``), before reading anything.
    """
    from qualcode.io.output import check_target

    options = options or ExportOptions()
    suffix = export_suffix(kind, path)
    check_target(path, study=uow.study.location.path, force=options.force)
    if kind == "project" or (kind == "codebook" and suffix == ".qdc"):
        from qualcode.io.refi import write_qdc, write_qdpx
        from qualcode.services.project import project_snapshot

        project = project_snapshot(uow, codebook_only=kind == "codebook")
        if kind == "codebook":
            write_qdc(project, path)
            return Exported(
                kind,
                path,
                f"wrote {path}: {len(project.codes)} codes in {len(project.themes)} themes "
                "(REFI-QDA codebook)",
            )
        write_qdpx(project, path)
        return Exported(
            kind,
            path,
            f"wrote {path}: {len(project.sources)} documents, {len(project.codes)} codes, "
            f"{len(project.themes)} themes, {len(project.cases)} cases, {project.codings} codings",
        )
    if kind == "codebook":
        from qualcode.domain.reports import MARK_HINT
        from qualcode.services.reports import codebook

        book = codebook(
            uow,
            include_excluded=options.include_excluded,
            min_count=options.min_count,
            viewer=viewer,
            blind=blind,
        )
        style = options.label_style or "plain"
        if suffix == ".xlsx":
            from qualcode.io.xlsx_export import write_codebook_xlsx

            write_codebook_xlsx(book, path, label_style=style, **_font(options.font))
        elif suffix == ".docx":
            from qualcode.io.docx_export import write_codebook_docx

            write_codebook_docx(book, path, label_style=style, **_font(options.font))
        else:
            from qualcode.io.md_csv_export import write_codebook_text

            write_codebook_text(book, path, label_style=style, raw=options.raw)
        return Exported(
            kind,
            path,
            f"wrote {path}: {len(book.entries)} codes, {sum(e.count for e in book.entries)} codings, "
            f"{sum(1 for s in book.sections if s.theme)} themes",
            f"{book.note()} {MARK_HINT}" if book.note() else "",
        )
    if kind == "participants":
        from qualcode.services.reports import participants_table

        people = participants_table(uow, viewer=viewer, blind=blind)
        columns = (
            participant_columns(options.columns) if options.columns else default_participant_columns(people)
        )
        _participants(people, columns, path, suffix, options.label_style or "brackets", options.raw)
        return Exported(kind, path, f"wrote {path}: {len(people)} participants")
    from qualcode.services.reports import matrix

    table = matrix(
        uow,
        by=options.by,
        themes=options.themes,
        include_excluded=options.include_excluded,
        viewer=viewer,
        blind=blind,
    )
    write_matrix(table, MATRIX_FORMATS[suffix], path, raw=options.raw)
    codes_n = sum(1 for r in table.rows if r.kind == "code")
    return Exported(kind, path, f"wrote {path}: {codes_n} codes × {len(table.columns)} {table.by} columns")


TABLE_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".md": "md"}


def export_table(
    path: Path,
    headers: list[str],
    rows: list[list[Any]],
    *,
    title: str,
    study: Path | None = None,
    force: bool = False,
    raw: bool = False,
) -> None:
    """Write a plain table (an analysis result) as .xlsx, .csv or .md by ``path``'s suffix,
    after the same target check as every export (never ``study``'s own files)."""
    from qualcode.io.output import check_target
    from qualcode.io.table_out import write_table

    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QualcodeError("write .xlsx, .csv or .md", source=str(path))
    check_target(path, study=study, force=force)
    write_table(path, fmt, headers, rows, title=title, raw=raw)
