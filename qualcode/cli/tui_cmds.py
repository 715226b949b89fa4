"""The workbench command: ``qualcode tui`` opens the Textual workbench on ``--db``."""

from __future__ import annotations

import click

from qualcode.cli import AppContext
from qualcode.domain.errors import QualcodeError

pass_app = click.make_pass_decorator(AppContext)


def open_workbench(db: str, coder: str | None, *, blind: bool = False) -> None:
    """Open the workbench (Textual is imported here, never at module top)."""
    from qualcode.tui.app import run

    run(db, coder, blind=blind)


@click.command("tui")
@pass_app
def tui(app: AppContext) -> None:
    """Open the workbench on the study: read, code, build the codebook, search, export.

    F1 lists every key; ctrl+p finds every action by name; ctrl+q quits. Other coders' new
    codings appear within seconds; with --blind you see only your own.

    \b
    Examples:
      qualcode --db thesis.qualcode tui
      QUALCODE_CODER=aigerim qualcode --db postgresql+psycopg://coder@host/study tui
      qualcode --db team.qualcode --coder dana --blind tui
    """
    if not app.db:
        raise QualcodeError("no study given: use --db PATH_OR_URL or set QUALCODE_DB (or try qualcode demo)")
    app.study()  # open (and upgrade) it here, so that problems are reported before the screen opens
    open_workbench(app.db, app.writing_coder(), blind=app.blind)


COMMANDS = [tui]
