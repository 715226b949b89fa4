"""Analysis between coding and writing: coding queries, autocoding, words, saturation."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.cli.coding_cmds import codes, excerpt_json
from qualcode.cli.report_cmds import report
from qualcode.domain.errors import QualcodeError

pass_app = click.make_pass_decorator(AppContext)
T = TypeVar("T")

_TABLE_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".json": "json"}


@contextmanager
def query_errors() -> Iterator[None]:
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


def check_output(app: AppContext | None, out: Path, force: bool) -> None:
    """Refuse an output file that is the open study, another study, or a file qualcode did not
    write (unless ``force``), before any work."""
    from qualcode.db.engine import locate
    from qualcode.io.output import check_target

    check_target(out, study=locate(app.db).path if app is not None and app.db else None, force=force)


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
    fn = click.option(
        "--force", is_flag=True, help="Replace -o's file even if qualcode did not write it (never the study)."
    )(fn)
    fn = click.option(
        "--raw", is_flag=True, help="In .csv, no ' before cells that begin like a formula (=+-@)."
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
    app: AppContext | None = None,
    force: bool = False,
    raw: bool = False,
) -> None:
    """Print or write one table in the chosen format (JSON gets ``json_value``); a file target is
    checked first (never the open study, nor a file qualcode did not write, unless ``force``)."""
    fmt = "json" if as_json and fmt is None else table_format(fmt, out)
    if out is not None:
        check_output(app, out, force)
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

        click.echo(
            table_csv(headers, rows, raw=raw) if fmt == "csv" else table_markdown(headers, rows), nl=False
        )
        return
    else:
        from qualcode.io.table_out import write_table

        write_table(out, fmt, headers, rows, title=title, raw=raw)
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
    force: bool,
    raw: bool,
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
            app=app,
            force=force,
            raw=raw,
        )
        return
    if (expression is None) == (run_name is None):
        raise QualcodeError("give a query EXPR, or --run NAME for a saved one (see qualcode query --help)")
    with query_errors():
        if run_name is not None:
            with app.uow(write=False) as uow:
                expression = saved_query(uow, run_name)
        assert expression is not None
        if save_as is not None:
            info = app.write(save_query, save_as, expression, replace=replace)
            click.echo(f"saved query {info.name!r}", err=True)
        with app.uow(write=False) as uow:
            result = run_query(uow, expression, only_coder=app.only_coder(blind))
    rows = [[excerpt_json(r)[h] for h in _SEGMENT_HEADERS] for r in result.rows]
    emit_rows(
        _SEGMENT_HEADERS,
        rows,
        fmt=fmt,
        out=out,
        as_json=as_json,
        json_value=[excerpt_json(r) for r in result.rows],
        title="Query",
        screen=(
            ["segment", "participant", "code", "coder", "text"],
            [[r.segment_id, r.participant or r.document, r.code, r.coder, r.text] for r in result.rows],
        ),
        app=app,
        force=force,
        raw=raw,
    )
    if not as_json and fmt is None and out is None:
        click.echo(
            f"{result.segments} excerpt(s), {len(result.rows)} coding(s) in {result.documents} document(s); "
            f"participants: {', '.join(result.participants) or 'none'}"
        )


# ------------------------------------------------------------------ autocode


@click.command("autocode")
@click.argument("code", metavar="CODE")
@click.option("--text", help="Code every place this text occurs.")
@click.option("--regex", help="Code every match of this regular expression (Python syntax).")
@click.option(
    "--speaker", metavar="NAME", help="Code every turn of this speaker (transcripts, or 'NAME:' paragraphs)."
)
@click.option(
    "--unit",
    type=click.Choice(["match", "sentence", "paragraph", "turn"]),
    default="match",
    show_default=True,
    help="Code the match itself, or the sentence, paragraph or speaker turn around it.",
)
@click.option("--whole-word", is_flag=True, help="Only matches that are whole words.")
@click.option(
    "--document", "documents", multiple=True, metavar="DOC", help="Only this document (repeatable)."
)
@click.option("--dry-run", is_flag=True, help="List the hits; change nothing.")
@click.option("--new", "allow_new", is_flag=True, help="Create CODE if it is not in the codebook.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def autocode_cmd(
    app: AppContext,
    code: str,
    text: str | None,
    regex: str | None,
    speaker: str | None,
    unit: str,
    whole_word: bool,
    documents: tuple[str, ...],
    dry_run: bool,
    allow_new: bool,
    as_json: bool,
) -> None:
    """Code every place a text, a pattern or a speaker occurs with CODE, in one undoable step.

    Matching ignores case and treats е and ё as one letter, as search does. Try it first with
    --dry-run (nothing changes); a real run is one event: `qualcode undo` takes it all back.
    Excerpts this coder already gave CODE are left as they are.

    \b
    Examples:
      qualcode autocode "Labour shortage" --text "shortage of workers" --unit sentence --dry-run
      qualcode autocode Квоты --regex "квот[аы]" --whole-word --document "Expert D" --new
      qualcode autocode "Expert answers" --speaker "Expert A" --new
    """
    from qualcode.services.autocode import autocode

    kwargs = dict(
        text=text,
        regex=regex,
        speaker=speaker,
        unit=unit,
        whole_word=whole_word,
        documents=list(documents),
        dry_run=dry_run,
        allow_new=allow_new,
    )
    if dry_run:
        with app.uow(write=False) as uow:
            result = autocode(uow, code, **kwargs)  # type: ignore[arg-type]
    else:
        result = app.write(autocode, code, **kwargs)
    if as_json:
        emit_json(result)
        return
    emit_table(
        ["document", "start", "end", "text", "already"],
        [[h.document, h.start, h.end, h.text, "yes" if h.already else ""] for h in result.hits],
    )
    fresh = sum(1 for h in result.hits if not h.already)
    if dry_run:
        click.echo(
            f"dry run: {fresh} new excerpt(s) in {result.documents} document(s) would be coded "
            f"{result.code!r}; nothing changed"
        )
    else:
        click.echo(
            f"coded {result.coded} excerpt(s) in {result.documents} document(s) with {result.code!r}"
            + (f" (event {result.event_id}; qualcode undo takes it back)" if result.event_id else "")
        )


# ------------------------------------------------------------------ codebook edits


@codes.command("describe")
@click.argument("code", metavar="CODE")
@click.argument("description", metavar="TEXT")
@pass_app
def codes_describe(app: AppContext, code: str, description: str) -> None:
    """Set what CODE covers (its description in the codebook exports); undo with qualcode undo.

    \b
    Example:
      qualcode codes describe "Visa-free regime" "Entry without a visa for up to 30 days"
    """
    from qualcode.services.codebook_edit import describe_code

    result = app.write(describe_code, code, description)
    click.echo(f"described {result.code!r}")


@codes.command("colour")
@click.argument("code", metavar="CODE")
@click.argument("colour", metavar="#RRGGBB")
@pass_app
def codes_colour(app: AppContext, code: str, colour: str) -> None:
    """Set CODE's colour (#RRGGBB; "" clears it); undo with qualcode undo.

    \b
    Example:
      qualcode codes colour "Visa-free regime" "#1F77B4"
    """
    from qualcode.services.codebook_edit import colour_code

    result = app.write(colour_code, code, colour)
    click.echo(f"{result.code!r} is now {result.after or 'without a colour'}")


@click.command("uncode")
@click.argument("document", metavar="DOC")
@click.argument("code", metavar="CODE")
@click.option("--start", type=int, help="First character of the excerpt (0-based).")
@click.option("--end", type=int, help="Character after the excerpt.")
@click.option("--quote", help="The excerpt's exact text, instead of offsets.")
@click.option("--occurrence", type=int, help="Which occurrence of --quote, when it appears more than once.")
@pass_app
def uncode_cmd(
    app: AppContext,
    document: str,
    code: str,
    start: int | None,
    end: int | None,
    quote: str | None,
    occurrence: int | None,
) -> None:
    """Remove your coding of CODE from an excerpt of DOC (what `u` does in the workbench).

    The excerpt must be given exactly (offsets or quote); another coder's coding is never
    removed. Undo with qualcode undo.

    \b
    Example:
      qualcode uncode "Expert D" "Digitalisation" --quote "we're in the top 10 for e-Government"
    """
    from qualcode.services.codebook_edit import uncode_span

    result = app.write(uncode_span, document, code, start=start, end=end, quote=quote, occurrence=occurrence)
    click.echo(f"removed {result.code!r} from {result.document!r} [{result.start}, {result.end})")


# ------------------------------------------------------------------ words, saturation


def _read_stopword_file(path: str) -> str:
    from qualcode.io.text import decode_text

    file = Path(path)
    if not file.is_file():
        raise QualcodeError("no such stop-word file (or list: give en, ru, kk)", source=path)
    return decode_text(file.read_bytes(), source=path)[0]


@report.command("words")
@click.option("--by", type=click.Choice(["participant", "document", "code"]), help="A column per group.")
@click.option("--top", "top_n", type=int, default=50, show_default=True, help="How many words.")
@click.option(
    "--stopwords", metavar="en,ru,kk|FILE", help="Leave out these function words (lists or a file)."
)
@click.option("--stem", is_flag=True, help="Count forms of a word together (Snowball; Kazakh suffix rules).")
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the counts (.png/.svg)."
)
@click.option("--blind", is_flag=True, help="--by code: only your own codings.")
@output_options
@pass_app
def report_words(
    app: AppContext,
    by: str | None,
    top_n: int,
    stopwords: str | None,
    stem: bool,
    chart: Path | None,
    blind: bool,
    as_json: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
    raw: bool,
) -> None:
    """The most frequent words of the interviews, overall or per participant, document or code.

    Words are counted case-insensitively with е and ё as one letter; numbers are left out.
    --by code counts the words of each code's coded excerpts.

    \b
    Examples:
      qualcode report words --top 30 --stopwords en,ru,kk --stem
      qualcode report words --by participant --stopwords ru -o words.xlsx
      qualcode report words --by code --top 20 --json
      qualcode report words --stopwords en --chart words.png
    """
    from qualcode.domain.words import read_stopwords
    from qualcode.services.words import word_frequencies

    stop = read_stopwords(stopwords, read_file=_read_stopword_file) if stopwords else frozenset()
    if chart is not None:
        check_output(app, chart, force)
    with app.uow(write=False) as uow:
        table = word_frequencies(
            uow, by=by, top_n=top_n, stopwords=stop, stemmed=stem, only_coder=app.only_coder(blind)
        )
    groups = list(table.groups) if by else []
    headers = ["word", *(["stem"] if stem else []), "total", *groups]
    rows = [
        [r.word, *([r.stem] if stem else []), r.total, *(list(r.counts) if by else [])] for r in table.rows
    ]
    emit_rows(
        headers,
        rows,
        fmt=fmt,
        out=out,
        as_json=as_json,
        json_value={
            "by": by,
            "groups": groups,
            "words_counted": table.words_counted,
            "words": [
                {
                    "word": r.word,
                    "stem": r.stem,
                    "total": r.total,
                    "counts": dict(zip(groups, r.counts, strict=True)) if by else {},
                }
                for r in table.rows
            ],
        },
        title="Words",
        app=app,
        force=force,
        raw=raw,
    )
    if chart is not None:
        from qualcode.io.charts import write_word_chart

        write_word_chart(
            chart, [r.word for r in table.rows], [r.total for r in table.rows], title="Word frequencies"
        )
        click.echo(f"wrote {chart}", err=True)


@report.command("kwic")
@click.argument("term")
@click.option("--width", type=int, default=40, show_default=True, help="Characters of context either side.")
@click.option("--whole-word", is_flag=True, help="Only the whole word (default: words beginning with TERM).")
@output_options
@pass_app
def report_kwic(
    app: AppContext,
    term: str,
    width: int,
    whole_word: bool,
    as_json: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
    raw: bool,
) -> None:
    """Keyword in context: every place a word beginning with TERM occurs, with the text around it.

    Matching ignores case and treats е and ё as one letter, as search does.

    \b
    Examples:
      qualcode report kwic квот --width 50
      qualcode report kwic migrant --whole-word -o migrant.xlsx
    """
    from qualcode.services.words import keywords_in_context

    with app.uow(write=False) as uow:
        found = keywords_in_context(uow, term, width=width, whole_word=whole_word)
    headers = ["document", "participant", "start", "end", "left", "keyword", "right"]
    rows = [[k.document, k.participant, k.start, k.end, k.left, k.keyword, k.right] for k in found]
    emit_rows(
        headers,
        rows,
        fmt=fmt,
        out=out,
        as_json=as_json,
        json_value=found,
        title="Keyword in context",
        screen=(
            ["document", "left", "keyword", "right"],
            [
                [k.document, k.left[-width:].rjust(min(width, 40))[-40:], k.keyword, k.right[:40]]
                for k in found
            ],
        ),
        app=app,
        force=force,
        raw=raw,
    )


@report.command("saturation")
@click.option(
    "--order", default="date", show_default=True, metavar="date|title|attribute:KEY", help="Interview order."
)
@click.option("--include-excluded", is_flag=True, help="Also count excluded codes.")
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the curve (.png/.svg)."
)
@click.option("--blind", is_flag=True, help="Only your own codings.")
@output_options
@pass_app
def report_saturation(
    app: AppContext,
    order: str,
    include_excluded: bool,
    chart: Path | None,
    blind: bool,
    as_json: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
    raw: bool,
) -> None:
    """Code saturation: new codes per interview, in order, and the cumulative curve.

    The evidence a methods chapter gives for having interviewed enough (Guest, Bunce & Johnson
    2006, Field Methods 18(1):59-82): once interviews add few or no new codes, the curve is flat.
    --order date reads each participant's interview date attribute.

    \b
    Examples:
      qualcode report saturation
      qualcode report saturation --order title --chart saturation.png
      qualcode report saturation --order attribute:wave --json
    """
    from qualcode.services.saturation import code_saturation

    if chart is not None:
        check_output(app, chart, force)
    with app.uow(write=False) as uow:
        steps = code_saturation(
            uow, order=order, include_excluded=include_excluded, only_coder=app.only_coder(blind)
        )
    headers = ["#", "interview", "participant", "codes", "new", "cumulative", "share", "new codes"]
    rows = [
        [
            s.position,
            s.interview,
            s.participant,
            s.codes,
            s.new,
            s.cumulative,
            f"{s.share:.0%}",
            "; ".join(s.new_codes),
        ]
        for s in steps
    ]
    emit_rows(
        headers,
        rows,
        fmt=fmt,
        out=out,
        as_json=as_json,
        json_value={"order": order, "interviews": steps},
        title="Saturation",
        app=app,
        force=force,
        raw=raw,
    )
    if chart is not None:
        from qualcode.io.charts import write_saturation_chart

        write_saturation_chart(
            chart,
            [s.interview for s in steps],
            [s.new for s in steps],
            [s.cumulative for s in steps],
            title="Code saturation",
        )
        click.echo(f"wrote {chart}", err=True)


# ------------------------------------------------------------------ surveys (qualcode import --survey)


def import_survey_file(
    app: AppContext,
    files: tuple[str, ...],
    id_column: str | None,
    text_columns: str | None,
    by: str,
    sheet: str | None,
    key_file: Path | None,
    again: bool,
) -> None:
    """``qualcode import FILE --survey``: read the sheet, then store it as one event."""
    from qualcode.io.survey import read_survey
    from qualcode.services.survey import import_survey

    if len(files) != 1:
        raise QualcodeError("--survey reads one sheet; give one .xlsx or .csv file")
    if not id_column or not text_columns:
        raise QualcodeError("--survey needs --id-column COLUMN and --text-columns Q1,Q2")
    path = Path(files[0])
    survey = read_survey(
        path,
        id_column=id_column,
        text_columns=[c.strip() for c in text_columns.split(",") if c.strip()],
        by=by,
        sheet=sheet,
    )
    from qualcode.io.limits import check_text_length
    from qualcode.io.readers import without_forbidden_characters

    for doc, _ in survey.documents:
        check_text_length(len(doc.text), f"{path} ({doc.title})")
    # As every importer: characters XML cannot hold are replaced one for one (offsets stay).
    docs = [(without_forbidden_characters(doc), label) for doc, label in survey.documents]
    if key_file is not None:
        from qualcode.io.pseudonyms import PseudonymKey, pseudonymise

        key = PseudonymKey.from_csv(key_file)
        docs = [(pseudonymise(doc, key), label) for doc, label in docs]
    result = app.write(
        import_survey,
        [(r.label, r.attributes, r.row) for r in survey.respondents],
        docs,
        source=str(path),
        allow_duplicate=again,
    )
    for doc, _ in docs:
        for warning in doc.warnings:
            click.echo(f"{path} ({doc.title}): warning: {warning}", err=True)
    click.echo(
        f"{path}: {len(result.participants)} respondents as participants, {len(result.documents)} documents "
        f"(one per {by}; qualcode undo takes the import back)"
    )


COMMANDS: list[click.Command] = [query_cmd, autocode_cmd, uncode_cmd]
