"""Exports from the command palette: the same services and writers as ``qualcode export``.

Each export runs in one worker: read the report through its service (one read-only unit of
work), then write the file with the io writer. The format follows the file's suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.domain.errors import QualcodeError
from qualcode.services.uow import UnitOfWork

if TYPE_CHECKING:
    from qualcode.tui.commands import PaletteCommand

SUFFIXES = {
    "codebook": (".xlsx", ".docx", ".md", ".csv", ".qdc"),
    "participants": (".xlsx", ".docx", ".md", ".csv"),
    "matrix": (".xlsx", ".md", ".csv"),
    "project": (".qdpx",),
}
DEFAULT_FILES = {
    "codebook": "appendix-b-codebook.xlsx",
    "participants": "appendix-a-participants.docx",
    "matrix": "code-participant-matrix.xlsx",
    "project": "study.qdpx",
}


@dataclass(frozen=True)
class Exported:
    kind: str
    path: Path
    summary: str


def _suffix(kind: str, path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES[kind]:
        raise QualcodeError(f"the {kind} export writes {', '.join(SUFFIXES[kind])}", source=str(path))
    return suffix


def export_file(uow: UnitOfWork, kind: str, path: Path) -> Exported:
    """Write one export; refuses an unknown suffix, the open study's own file, another study
    and a file qualcode did not write there, before reading anything."""
    from qualcode.io.output import check_target

    suffix = _suffix(kind, path)
    check_target(path, study=uow.study.location.path)
    if kind == "project" or (kind == "codebook" and suffix == ".qdc"):
        from qualcode.io.refi import write_qdc, write_qdpx
        from qualcode.services.project import project_snapshot

        project = project_snapshot(uow, codebook_only=kind == "codebook")
        (write_qdc if suffix == ".qdc" else write_qdpx)(project, path)
        return Exported(kind, path, f"{len(project.codes)} codes, {project.codings} codings")
    if kind == "codebook":
        from qualcode.services.reports import codebook

        book = codebook(uow)
        if suffix == ".xlsx":
            from qualcode.io.xlsx_export import write_codebook_xlsx

            write_codebook_xlsx(book, path)
        elif suffix == ".docx":
            from qualcode.io.docx_export import write_codebook_docx

            write_codebook_docx(book, path)
        else:
            from qualcode.io.md_csv_export import write_codebook_text

            write_codebook_text(book, path)
        return Exported(kind, path, f"{len(book.entries)} codes")
    if kind == "participants":
        from qualcode.services.reports import participants_table

        people = participants_table(uow)
        keys: list[str] = []
        for person in people:
            keys.extend(k for k in person.attributes if k not in keys)
        columns = [("label", "Participant"), *[(k, k.capitalize()) for k in keys], ("codings", "Codings")]
        if suffix == ".xlsx":
            from qualcode.io.xlsx_export import write_participants_xlsx

            write_participants_xlsx(people, columns, path, label_style="brackets")
        elif suffix == ".docx":
            from qualcode.io.docx_export import write_participants_docx

            write_participants_docx(people, columns, path, label_style="brackets")
        else:
            from qualcode.io.md_csv_export import participants_text
            from qualcode.io.output import write_text

            write_text(
                path, participants_text(people, columns, label_style="brackets", csv_form=suffix == ".csv")
            )
        return Exported(kind, path, f"{len(people)} participants")
    if kind == "matrix":
        from qualcode.services.reports import matrix

        table = matrix(uow, themes=True)
        if suffix == ".xlsx":
            from qualcode.io.xlsx_export import write_matrix_xlsx

            write_matrix_xlsx(table, path)
        else:
            from qualcode.io.md_csv_export import matrix_csv, matrix_markdown
            from qualcode.io.output import write_text

            write_text(path, matrix_csv(table) if suffix == ".csv" else matrix_markdown(table))
        return Exported(kind, path, f"{sum(1 for r in table.rows if r.kind == 'code')} codes")
    raise QualcodeError(f"no export called {kind!r}")


def export_commands(app: Any) -> list[PaletteCommand]:
    """Palette entries for the exports: each asks for a file and runs the export in a worker."""
    from qualcode.tui.commands import PaletteCommand

    titles = {
        "codebook": "Export the codebook (Appendix B)",
        "participants": "Export the participants table (Appendix A)",
        "matrix": "Export the code × participant matrix",
        "project": "Export a REFI-QDA project (.qdpx)",
    }
    return [
        PaletteCommand(
            title, f"writes {', '.join(SUFFIXES[kind])} (asks where)", partial(ask_export, app, kind)
        )
        for kind, title in titles.items()
        if kind in DEFAULT_FILES
    ]


def ask_export(app: Any, kind: str) -> None:
    """Ask for a file, then write the ``kind`` export there in a worker."""
    from qualcode.tui.screens.dialogs import PromptScreen

    def written(result: Exported) -> None:
        app.notify(f"wrote {result.path}: {result.summary}", title="export", markup=False)

    def chosen(path: str | None) -> None:
        if path and path.strip():
            app.db(export_file, kind, Path(path.strip()).expanduser(), done=written)

    app.push_screen(
        PromptScreen(f"Export {kind} to which file?", str(Path.cwd() / DEFAULT_FILES[kind])), chosen
    )
