"""The ``qualcode`` command line: thin commands over the services.

Command modules import the services they use inside each command, so that ``qualcode --help``
and ``--version`` stay fast; Textual, openpyxl, python-docx and lxml load only in the commands
that need them.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from qualcode import __version__
from qualcode.domain.errors import QualcodeError
from qualcode.domain.terminal import visible

if TYPE_CHECKING:
    from qualcode.db.schema import OpenedStudy
    from qualcode.services.uow import UnitOfWork

T = TypeVar("T")

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def coder_file() -> Path:
    """Where the name asked for once is kept: $XDG_CONFIG_HOME/qualcode/coder."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qualcode" / "coder"


def saved_coder_name() -> str | None:
    try:
        return coder_file().read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def save_coder_name(name: str) -> None:
    path = coder_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name + "\n", encoding="utf-8")


class AppContext:
    """What every command shares: the study location, the coder, and the opened study."""

    def __init__(self, db: str | None, coder: str | None, debug: bool):
        self.db = db
        self.coder = coder
        self.debug = debug
        self._study: OpenedStudy | None = None

    # --blind (blinded double coding): commands show only this coder's own codings.
    blind: bool = False

    def only_coder(self, blind: bool = False) -> str | None:
        """Whose codings alone a command shows under --blind (global or its own), else None."""
        if not (blind or self.blind):
            return None
        return self.writing_coder()

    def view(self, blind: bool = False) -> dict[str, Any]:
        """The read models' ``viewer`` and ``blind`` arguments for this command."""
        only = self.only_coder(blind)
        return {"viewer": only, "blind": only is not None}

    def study(self) -> OpenedStudy:
        if self._study is None:
            from qualcode.db.engine import locate
            from qualcode.db.schema import open_study

            if not self.db:
                raise QualcodeError("no study given: use --db PATH_OR_URL or set QUALCODE_DB")
            self._study = open_study(locate(self.db))
            if self._study.upgraded_from:
                click.echo(
                    f"qualcode: upgraded the study from schema {self._study.upgraded_from}; "
                    f"backup at {self._study.backup}",
                    err=True,
                )
        return self._study

    def writing_coder(self) -> str:
        """Who a change is recorded under: --coder or QUALCODE_CODER; else, in a terminal, the
        name asked once and kept in ~/.config/qualcode/coder; else (a script, CI) a refusal.
        The login name is never recorded silently."""
        if self.coder and self.coder.strip():
            return self.coder.strip()
        saved = saved_coder_name()
        if saved:
            self.coder = saved
            return saved
        if sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI"):
            name = click.prompt(
                f"Your coder name, recorded on every coding and change (asked once; kept in {coder_file()})",
                err=True,
            ).strip()
            if name:
                save_coder_name(name)
                self.coder = name
                return name
        raise QualcodeError(
            "who is making this change? give --coder NAME or set QUALCODE_CODER "
            "(qualcode does not record the login name)"
        )

    @contextmanager
    def uow(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        from qualcode.services.uow import unit_of_work

        coder = self.writing_coder() if write else self.coder
        # Under --blind every read shows this coder's codings alone (qualcode.services.blind).
        with unit_of_work(self.study(), coder=coder, write=write, blind=self.blind) as uow:
            yield uow

    def write(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one write service as this command's transaction (retried if PostgreSQL chose it
        as a deadlock victim)."""
        from qualcode.services.uow import run_write

        return run_write(self.study(), service, *args, coder=self.writing_coder(), **kwargs)

    def close(self) -> None:
        if self._study is not None:
            self._study.engine.dispose()


def pseudonyms_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--pseudonyms KEY.csv`` (passed as ``key_file``): the one option every import that takes
    text into the study offers, so a key applies wherever names can enter."""
    from pathlib import Path

    return click.option(
        "--pseudonyms", "key_file", type=click.Path(path_type=Path), metavar="KEY.csv", help=help_text
    )


def _plain(value: Any) -> Any:
    import dataclasses
    import enum
    from datetime import date, datetime

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit_json(value: Any) -> None:
    """Print machine-readable output: UTF-8, non-ASCII kept as it is."""
    import json

    click.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


def emit_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned table for people; scripts use --json."""
    cells = [[("" if c is None else visible(str(c).replace("\n", " "))) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = min(max(widths[i], len(c)), 60)

    def fmt(row: list[str]) -> str:
        out = []
        for i, c in enumerate(row):
            c = c.replace("\n", " ")
            if len(c) > widths[i]:
                c = c[: widths[i] - 1] + "…"
            out.append(c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    click.echo(fmt(headers))
    click.echo(fmt(["-" * w for w in widths]))
    for row in cells:
        click.echo(fmt(row))


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--db",
    envvar="QUALCODE_DB",
    metavar="PATH_OR_URL",
    help="The study: a file path (SQLite) or postgresql+psycopg://user@host/db. Env: QUALCODE_DB.",
)
@click.option(
    "--coder",
    envvar="QUALCODE_CODER",
    metavar="NAME",
    help="Who is making the changes (recorded on every coding and event). Env: QUALCODE_CODER. "
    "Without it a terminal asks once; a script is refused.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected faults.")
@click.option(
    "--blind",
    is_flag=True,
    envvar="QUALCODE_BLIND",
    help="Blinded coding: show only your own codings, never other coders'. Env: QUALCODE_BLIND=1.",
)
@click.version_option(__version__, prog_name="qualcode")
@click.pass_context
def cli(ctx: click.Context, db: str | None, coder: str | None, debug: bool, blind: bool) -> None:
    """qualcode: code interviews, consolidate codes, build themes, export thesis tables.

    \b
    Start with the bundled thesis study:
      qualcode example thesis.qualcode
      qualcode --db thesis.qualcode codes list
    """
    app = AppContext(db, coder, debug)
    app.blind = blind
    ctx.obj = app
    ctx.call_on_close(app.close)
    if ctx.invoked_subcommand not in _FULL_SCREEN:
        ctx.call_on_close(_show_controls_escaped())


# Commands that draw the screen themselves (Textual writes escape sequences on purpose).
_FULL_SCREEN = {"tui", "demo"}


class _VisibleStream(io.TextIOBase):
    """A terminal stream that shows control and escape characters escaped, never obeys them."""

    def __init__(self, inner: TextIO):
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    @property
    def buffer(self) -> Any:
        """The raw byte stream, for bytes written on purpose (they are not text to escape)."""
        return self.inner.buffer


def _show_controls_escaped() -> Callable[[], None]:
    """Wrap stdout and stderr when they are terminals; returns what puts them back."""
    saved = sys.stdout, sys.stderr
    if sys.stdout.isatty():
        sys.stdout = _VisibleStream(sys.stdout)  # type: ignore[assignment]
    if sys.stderr.isatty():
        sys.stderr = _VisibleStream(sys.stderr)  # type: ignore[assignment]

    def restore() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved

    return restore


def _register() -> None:
    # Order matters only for modules that add subcommands to another module's group
    # (consolidate_cmds and report_cmds to `codes`/`themes`, import_cmds to `participants`).
    from qualcode.cli import (
        analysis_cmds,
        coders_cmds,
        coding_cmds,
        consolidate_cmds,
        import_cmds,
        integrity_cmds,
        records,
        report_cmds,
        study_cmds,
        team_cmds,
        tui_cmds,
    )

    for module in (
        study_cmds,
        records,
        coding_cmds,
        consolidate_cmds,
        import_cmds,
        report_cmds,
        team_cmds,
        coders_cmds,
        tui_cmds,
        integrity_cmds,
        analysis_cmds,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def _is_damage(exc: BaseException) -> bool:
    from qualcode.db.damage import is_damage

    return is_damage(exc)


def fault_line(exc: BaseException) -> str:
    """One line for an unexpected fault, without SQL, parameters or any of the study's text.

    A database error's message carries the statement, its parameters and (SQLite's decoding
    errors) the text of the row, and any other exception's message may quote interview text: only
    the kind of fault and where in qualcode it happened are shown; ``--debug`` shows the rest.
    """
    if _is_damage(exc):
        from qualcode.db.damage import describe

        return (
            f"error: the study is damaged ({describe(exc)}); see what is wrong with `qualcode db check` "
            "and keep a copy with `qualcode db backup COPY`"
        )
    orig = getattr(exc, "orig", None)
    kind = type(exc).__name__
    if orig is not None:
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
        kind = f"database fault {type(orig).__name__}" + (f" ({code})" if code else "")
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if "qualcode" in name and "site-packages" not in name:
            where = f" in {Path(name).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return (
        f"unexpected fault: {kind}{where}; nothing of the failed step was saved (--debug shows the details)"
    )


class _Warnings(logging.Handler):
    """The core's warnings (the "qualcode" logger) as "qualcode: warning: …" lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"qualcode: warning: {record.getMessage()}", err=True)


def _show_warnings() -> None:
    logger = logging.getLogger("qualcode")
    if not any(isinstance(h, _Warnings) for h in logger.handlers):
        logger.addHandler(_Warnings(logging.WARNING))
        logger.propagate = False


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit 0 done, 2 bad input or refused (study unchanged), 1 unexpected fault."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    _show_warnings()
    try:
        cli.main(args=argv, prog_name="qualcode", standalone_mode=False)
    except QualcodeError as exc:
        click.echo(f"qualcode: error: {visible(str(exc), keep_newlines=False)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("qualcode: stopped", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("qualcode: interrupted; the last finished step is saved", err=True)
        sys.exit(130)
    except Exception as exc:  # an unexpected fault: say what, not where, unless --debug
        if debug or os.environ.get("QUALCODE_DEBUG"):
            traceback.print_exc()
        click.echo(f"qualcode: {fault_line(exc)}", err=True)
        sys.exit(2 if _is_damage(exc) else 1)
    sys.exit(0)
