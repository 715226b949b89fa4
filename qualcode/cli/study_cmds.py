"""Study commands: init, example, demo, db upgrade|check|backup, log, undo, redo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.domain.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.services.example import ExampleSummary

pass_app = click.make_pass_decorator(AppContext)


@click.command()
@click.argument("study", metavar="STUDY")
@click.option("--title", default="Untitled study", show_default=True, help="The study's title.")
@pass_app
def init(app: AppContext, study: str, title: str) -> None:
    """Create an empty study: a file (readable by you only) or a PostgreSQL database.

    \b
    Examples:
      qualcode init migration.qualcode --title "Migration management"
      qualcode init postgresql+psycopg://coder@127.0.0.1/migration
    """
    from qualcode.db.engine import locate
    from qualcode.db.schema import create_study

    opened = create_study(locate(study), title)
    opened.engine.dispose()
    click.echo(f"created study {title!r} at {opened.location.display}")


@click.command()
@click.argument("study", metavar="STUDY")
@pass_app
def example(app: AppContext, study: str) -> None:
    """Build the bundled thesis study (9 experts, 8 themes, 194 codes) at STUDY.

    \b
    Example:
      qualcode example thesis.qualcode && qualcode --db thesis.qualcode codes list
    """
    summary = build_example_at(study)
    click.echo(
        f"built the thesis study at {study}: {summary.participants} participants, "
        f"{summary.documents} documents, {summary.themes} themes, {summary.codes} codes, "
        f"{summary.codings} codings"
    )


def build_example_at(study: str) -> ExampleSummary:
    """Create STUDY and fill it with the bundled example (removed again if that fails).

    The published codings are credited to the thesis team, whoever builds the study.
    """
    from qualcode.db.engine import locate
    from qualcode.db.schema import create_study
    from qualcode.io.example import read_example_bundle
    from qualcode.services.example import EXAMPLE_CODER, EXAMPLE_TITLE, build_example_study
    from qualcode.services.uow import unit_of_work

    bundle = read_example_bundle()
    location = locate(study)
    opened = create_study(location, EXAMPLE_TITLE)
    try:
        with unit_of_work(opened, coder=EXAMPLE_CODER) as uow:
            return build_example_study(uow, bundle)
    except BaseException:
        opened.engine.dispose()
        if location.path is not None:
            for suffix in ("", "-wal", "-shm"):
                location.path.with_name(location.path.name + suffix).unlink(missing_ok=True)
        raise
    finally:
        opened.engine.dispose()


def demo_study_path() -> str:
    """Where ``qualcode demo`` keeps its copy of the thesis study (the user's data directory)."""
    import os
    from pathlib import Path

    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "qualcode" / "demo.qualcode")


@click.command()
@click.option("--fresh", is_flag=True, help="Rebuild the demo study from the bundled files first.")
@click.option("--no-open", is_flag=True, help="Only build the demo study and say where it is.")
@pass_app
def demo(app: AppContext, fresh: bool, no_open: bool) -> None:
    """Build the thesis study in your data directory (once) and open it in the workbench.

    \b
    Examples:
      qualcode demo
      qualcode demo --fresh --no-open
    """
    import sys
    from pathlib import Path

    path = Path(demo_study_path())
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    if not path.exists():
        build_example_at(str(path))
    if no_open or not (sys.stdin.isatty() and sys.stdout.isatty()):
        click.echo(f"the demo study is at {path}")
        return
    from qualcode.cli.tui_cmds import open_workbench

    open_workbench(str(path), app.writing_coder(), blind=app.blind)


@click.group()
def db() -> None:
    """Look after the study database: upgrade, check, backup."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Bring the study's schema up to this qualcode (SQLite: after a backup).

    \b
    Example:
      qualcode --db postgresql+psycopg://coder@127.0.0.1/migration db upgrade
    """
    from qualcode.db.engine import locate
    from qualcode.db.schema import upgrade_study_at

    if not app.db:
        raise QualcodeError("no study given: use --db PATH_OR_URL or set QUALCODE_DB")
    before, after = upgrade_study_at(locate(app.db))
    if before == after:
        click.echo(f"the study is up to date (schema {after})")
    else:
        click.echo(f"upgraded the study from schema {before} to {after}")


@db.command("check")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def db_check(app: AppContext, as_json: bool) -> None:
    """Check the study: database integrity, every row readable, schema, every excerpt's text.

    Lists every problem (by table, row, segment or page; never the study's text) and exits 2
    when there is one. A study marked damaged loses the mark once it checks clean.

    \b
    Example:
      qualcode --db thesis.qualcode db check
    """
    from qualcode.db.damage import DamagedStudyError
    from qualcode.services.admin import check_sqlite_file, check_study

    try:
        with app.uow(write=False) as uow:
            report = check_study(uow)
    except DamagedStudyError:
        from qualcode.db.engine import locate

        path = locate(app.db or "").path
        if path is None:
            raise
        report = check_sqlite_file(path)  # too damaged to open as a study: check the file itself
    if as_json:
        emit_json(report)
    else:
        for line in report.checked:
            click.echo(f"ok: {line}")
        for line in report.problems:
            click.echo(f"PROBLEM: {line}")
    if any(p.startswith(("integrity", "table ", "SQLite")) for p in report.problems):
        from qualcode.db.damage import mark_damaged
        from qualcode.db.engine import locate

        mark_damaged(locate(app.db or "").path, "db check found damage")  # writes wait for repair
    if report.problems:
        click.echo(
            f"{len(report.problems)} problem(s). Keep a copy: qualcode db backup COPY; "
            "save what can be saved: qualcode db recover OUT",
            err=True,
        )
        sys.exit(2)


@db.command("backup")
@click.argument("target", type=click.Path(dir_okay=False), required=False)
@pass_app
def db_backup(app: AppContext, target: str | None) -> None:
    """Copy a SQLite study consistently (safe while others work), readable by you only.

    \b
    Example:
      qualcode --db thesis.qualcode db backup thesis-2024-05-20.qualcode
    """
    from pathlib import Path

    from qualcode.services.admin import backup_study

    path = backup_study(app.study(), Path(target) if target else None)
    click.echo(f"backup written to {path}")


@db.command("recover")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def db_recover(app: AppContext, out: Path) -> None:
    """Save what can be read from a damaged SQLite study into a new study file OUT.

    Uses SQLite's own recovery (the sqlite3 program's .recover) when it is installed, otherwise
    copies table by table, row by row, skipping what cannot be read; says which it used. OUT is
    written readable by you only; the damaged study is not changed. Check OUT with db check.

    \b
    Example:
      qualcode --db thesis.qualcode db recover thesis-recovered.qualcode
    """
    from qualcode.db.engine import locate
    from qualcode.services.recovery import recover_sqlite

    if not app.db:
        raise QualcodeError("no study given: use --db PATH_OR_URL or set QUALCODE_DB")
    location = locate(app.db)
    if location.path is None:
        raise QualcodeError("db recover reads a SQLite study file; a PostgreSQL server has its own tools")
    result = recover_sqlite(location.path, out)
    click.echo(f"recovered into {out} with {result.method}: {result.why}")
    for table, rows in result.rows.items():
        click.echo(f"  {table}: {rows} row(s)")
    for problem in result.lost:
        click.echo(f"warning: {problem}", err=True)


@click.command("log")
@click.option("--limit", type=int, default=50, show_default=True, help="Newest events to show (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def log_cmd(app: AppContext, limit: int, as_json: bool) -> None:
    """The event log: every change, who made it and when.

    \b
    Example:
      qualcode --db thesis.qualcode log --limit 10
    """
    from qualcode.services.admin import list_events

    with app.uow(write=False) as uow:
        events = list_events(uow, limit=limit)
    if as_json:
        emit_json(events)
        return
    emit_table(
        ["event", "at", "coder", "action", "summary", "undone"],
        [
            [
                e.id,
                e.at.strftime("%Y-%m-%d %H:%M"),
                e.coder,
                e.action,
                e.summary,
                f"by {e.undone_by}" if e.undone_by else "",
            ]
            for e in events
        ],
    )


@click.command()
@click.argument("event", type=int, required=False)
@click.option(
    "--theirs",
    metavar="CODER",
    help="Confirm undoing another coder's EVENT by naming that coder.",
)
@pass_app
def undo(app: AppContext, event: int | None, theirs: str | None) -> None:
    """Undo your newest change, or EVENT (a number from `qualcode log`).

    Without EVENT it is the newest change made by you (--coder), never another coder's. Another
    coder's EVENT is undone only with --theirs naming that coder. An older event is undone only
    if no later change altered the same values.

    \b
    Examples:
      qualcode --db thesis.qualcode --coder dana undo
      qualcode --db thesis.qualcode undo 42
      qualcode --db team.qualcode --coder dana undo 57 --theirs aigerim
    """
    from qualcode.services.admin import undo_event

    with app.uow() as uow:
        result = undo_event(uow, event, theirs=theirs, blind=app.blind)
    click.echo(f"undid event {result.id} ({result.action}: {result.summary})")


@click.command()
@pass_app
def redo(app: AppContext) -> None:
    """Put back the change your newest undo took back (before you make any other change).

    Like undo it is per coder: another coder's undo is theirs to redo.

    \b
    Examples:
      qualcode --db thesis.qualcode undo
      qualcode --db thesis.qualcode redo
    """
    from qualcode.services.admin import redo_event

    result = app.write(redo_event)
    click.echo(f"redid event {result.id} ({result.action}: {result.summary})")


COMMANDS = [init, example, demo, db, log_cmd, undo, redo]
