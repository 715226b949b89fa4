"""Exports from the command palette: each asks for a file, then runs the same export action as
``qualcode export`` (``qualcode.actions.exports.export_report``) in a worker."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.actions.exports import DEFAULT_FILES, SUFFIXES, Exported, export_report

if TYPE_CHECKING:
    from qualcode.tui.commands import PaletteCommand


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
        note = f"\n{result.note}" if result.note else ""
        app.notify(result.summary + note, title="export", markup=False)

    def chosen(path: str | None) -> None:
        if path and path.strip():
            app.db(export_report, kind, Path(path.strip()).expanduser(), done=written)

    app.push_screen(
        PromptScreen(f"Export {kind} to which file?", str(Path.cwd() / DEFAULT_FILES[kind])), chosen
    )
