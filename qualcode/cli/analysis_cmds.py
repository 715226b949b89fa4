"""Analysis between coding and writing: coding queries, autocoding, words, saturation."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.domain.errors import QualcodeError

pass_app = click.make_pass_decorator(AppContext)
T = TypeVar("T")

_TABLE_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".json": "json"}


@contextmanager
def _query_errors() -> Iterator[None]:
    """A malformed query: the message, then the query with a caret under the fault; exit 2."""
    from qualcode.domain.query import QuerySyntaxError

    try:
        yield
    except QuerySyntaxError as exc:
        click.echo(f"qualcode: error: {exc}", err=True)
        click.echo(exc.pointer(), err=True)
        sys.exit(2)


def table_format(fmt: str | None, out: Path | None) -> str | None:
    """The output format: --format, else -o's suffix; None prints a table on the terminal."""
    if fmt is None and out is not None:
        fmt = _TABLE_SUFFIXES.get(out.suffix.lower())
        if fmt is None:
            raise QualcodeError(
                "give --format (csv, xlsx, md, json) or an -o file with one of those suffixes",
                source=str(out),
            )
    if fmt in ("csv", "xlsx", "md") and out is None and fmt == "xlsx":
        raise QualcodeError("--format xlsx needs -o FILE.xlsx")
    return fmt


def output_options(fn: Callable[..., T]) -> Callable[..., T]:
    """--json, --format and -o, shared by the analysis commands."""
    fn = click.option(
        "-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file."
    )(fn)
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "xlsx", "md", "json"]),
        default=None,
        help="Output format (default: from -o's suffix, else a table).",
    )(fn)
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)


def emit_rows(
    headers: list[str],
    rows: list[list[Any]],
    *,
    fmt: str | None,
    out: Path | None,
    as_json: bool,
    json_value: Any,
    title: str,
    screen: tuple[list[str], list[list[Any]]] | None = None,
) -> None:
    """Print or write one table in the chosen format (JSON gets ``json_value``)."""
    fmt = "json" if as_json and fmt is None else table_format(fmt, out)
    if fmt == "json":
        if out is None:
            emit_json(json_value)
            return
        import json

        from qualcode.cli import _plain
        from qualcode.io.output import write_text

        write_text(out, json.dumps(_plain(json_value), ensure_ascii=False, indent=2) + "\n")
    elif fmt is None:
        emit_table(*(screen or (headers, rows)))
        return
    elif out is None:
        from qualcode.io.table_out import table_csv, table_markdown

        click.echo((table_csv if fmt == "csv" else table_markdown)(headers, rows), nl=False)
        return
    else:
        from qualcode.io.table_out import write_table

        write_table(out, fmt, headers, rows, title=title)
    click.echo(f"wrote {out}", err=True)


# ------------------------------------------------------------------ query

_SEGMENT_HEADERS = [
    "segment_id",
    "document",
    "participant",
    "start",
    "end",
    "text",
    "code",
    "coder",
    "created_at",
]


def _segment_json(r: Any) -> dict[str, Any]:
    return {
        "segment_id": r.segment_id,
        "document": r.document,
        "participant": r.participant,
        "start": r.start,
        "end": r.end,
        "text": r.text,
        "code": r.code,
        "coder": r.coder,
        "created_at": r.created_at,
        "coding_id": r.coding_id,
    }


@click.command("query")
@click.argument("expression", required=False, metavar="EXPR")
@click.option(
    "--save", "save_as", metavar="NAME", help="Keep the query under NAME (run it later with --run NAME)."
)
@click.option("--replace", is_flag=True, help="With --save: overwrite a saved query of that name.")
@click.option("--run", "run_name", metavar="NAME", help="Run the query saved as NAME.")
@click.option("--list", "list_saved", is_flag=True, help="List the saved queries.")
@click.option("--blind", is_flag=True, help="Only your own codings (blinded double coding).")
@output_options
@pass_app
def query_cmd(
    app: AppContext,
    expression: str | None,
    save_as: str | None,
    replace: bool,
    run_name: str | None,
    list_saved: bool,
    blind: bool,
    as_json: bool,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Coded excerpts that match a coding query, one row per coding (as `segments` prints them).

    EXPR combines codes and themes (a theme stands for all its codes and sub-codes) with
    and, or, not, parentheses, `A overlaps B` (A's excerpts sharing text with B's) and
    `A within N sentences|paragraphs of B`; names with spaces go in quotes ("…", '…', «…»),
    `code "X"` / `theme "X"` settle a name that is both. `where` filters codings by participant
    attributes (organisation, mode, date, …), document, participant, coder and coded (the date of
    the coding) with = != < <= > >= contains, joined by and/or/not. A malformed query exits 2 and
    points at the fault.

    \b
    Examples:
      qualcode query '"Forced labour" or theme "Human trafficking"'
      qualcode query 'Digitalisation and not "Visa-free regime" where mode = Zoom' --json
      qualcode query '"Labour shortage" within 2 sentences of "Labour migration"' -o hits.xlsx
      qualcode query 'theme "Human trafficking" where organisation contains NGO' --save trafficking
      qualcode query --run trafficking --format md
      qualcode query --list
    """
    from qualcode.services.query import run_query, save_query, saved_queries, saved_query

    if list_saved:
        with app.uow(write=False) as uow:
            found = saved_queries(uow)
        rows = [[q.name, q.expression, q.created_by or ""] for q in found]
        emit_rows(
            ["name", "query", "saved by"],
            rows,
            fmt=fmt,
            out=out,
            as_json=as_json,
            json_value=[{"name": q.name, "query": q.expression, "saved_by": q.created_by} for q in found],
            title="Saved queries",
        )
        return
    if (expression is None) == (run_name is None):
        raise QualcodeError("give a query EXPR, or --run NAME for a saved one (see qualcode query --help)")
    with _query_errors():
        if run_name is not None:
            with app.uow(write=False) as uow:
                expression = saved_query(uow, run_name)
        assert expression is not None
        if save_as is not None:
            info = app.write(save_query, save_as, expression, replace=replace)
            click.echo(f"saved query {info.name!r}", err=True)
        with app.uow(write=False) as uow:
            result = run_query(uow, expression, only_coder=app.only_coder(blind))
    rows = [[_segment_json(r)[h] for h in _SEGMENT_HEADERS] for r in result.rows]
    emit_rows(
        _SEGMENT_HEADERS,
        rows,
        fmt=fmt,
        out=out,
        as_json=as_json,
        json_value=[_segment_json(r) for r in result.rows],
        title="Query",
        screen=(
            ["segment", "participant", "code", "coder", "text"],
            [[r.segment_id, r.participant or r.document, r.code, r.coder, r.text] for r in result.rows],
        ),
    )
    if not as_json and fmt is None and out is None:
        click.echo(
            f"{result.segments} excerpt(s), {len(result.rows)} coding(s) in {result.documents} document(s); "
            f"participants: {', '.join(result.participants) or 'none'}"
        )


COMMANDS: list[click.Command] = [query_cmd]
