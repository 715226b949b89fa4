"""Reports and thesis-ready exports; theme moves and renames; a code's example quote."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qualcode.actions.exports import DEFAULT_PARTICIPANT_COLUMNS, MATRIX_FORMATS
from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.cli.coding_cmds import codes, themes
from qualcode.domain.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.actions.exports import ExportOptions
    from qualcode.domain.reports import Matrix

pass_app = click.make_pass_decorator(AppContext)

LABEL_STYLE = click.Choice(["plain", "brackets"])
FORCE = click.option(
    "--force", is_flag=True, help="Replace OUT even if qualcode did not write it (never the open study)."
)
RAW = click.option("--raw", is_flag=True, help="In .csv, no ' before cells that begin like a formula (=+-@).")


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise QualcodeError(
            f"{what} can be written as {', '.join(allowed)}; not {suffix or '(no suffix)'}", source=str(path)
        )
    return suffix


def _target(app: AppContext, out: Path, force: bool) -> None:
    """Refuse OUT when it is the open study, another study, or a file qualcode did not write."""
    from qualcode.db.engine import locate
    from qualcode.io.output import check_target

    check_target(out, study=locate(app.db).path if app.db else None, force=force)


# ------------------------------------------------------------------ themes and examples


@themes.command("rename")
@click.argument("old")
@click.argument("new")
@pass_app
def themes_rename(app: AppContext, old: str, new: str) -> None:
    """Rename a theme (undo with qualcode undo).

    \b
    Example:
      qualcode themes rename "Reasons for movement" "Reasons for migration"
    """
    from qualcode.services.themes import rename_theme

    with app.uow() as uow:
        info = rename_theme(uow, old, new)
    click.echo(f"renamed theme {old!r} to {info.name!r}")


@themes.command("move")
@click.argument("theme")
@click.option("--under", "parent", metavar="PARENT", help="Make THEME a sub-theme of PARENT.")
@click.option("--top", is_flag=True, help="Make THEME a top-level theme.")
@click.option("--before", metavar="SIBLING", help="Place it just before this theme.")
@click.option("--after", metavar="SIBLING", help="Place it just after this theme.")
@pass_app
def themes_move(
    app: AppContext, theme: str, parent: str | None, top: bool, before: str | None, after: str | None
) -> None:
    """Nest, un-nest or reorder a theme; with only --before/--after it keeps its parent.

    \b
    Examples:
      qualcode themes move "Labour exploitation" --under "Human trafficking"
      qualcode themes move "Human trafficking" --before "Migration Trends and Patterns"
      qualcode themes move "Labour exploitation" --top --after "Human trafficking"
    """
    from qualcode.services.themes import move_theme

    with app.uow() as uow:
        info = move_theme(uow, theme, parent=parent, top=top, before=before, after=after)
    where = f"under {info.parent!r}" if info.parent else "at the top level"
    click.echo(f"theme {info.name!r} is now {where}, position {info.position}")


@codes.command("example")
@click.argument("code")
@click.option("--segment", type=int, metavar="ID", help="The segment to show as CODE's example quote.")
@click.option("--clear", is_flag=True, help="Forget the marked example (qualcode picks one again).")
@pass_app
def codes_example(app: AppContext, code: str, segment: int | None, clear: bool) -> None:
    """Mark the excerpt the codebook shows as CODE's example quote.

    Segment ids are in `qualcode segments --code CODE`.

    \b
    Examples:
      qualcode segments --code "Human trafficking problem"
      qualcode codes example "Human trafficking problem" --segment 183
    """
    from qualcode.services.themes import set_code_example

    if (segment is None) == (not clear):
        raise QualcodeError("give --segment ID or --clear")
    with app.uow() as uow:
        result = set_code_example(uow, code, None if clear else segment)
    if result.segment_id is None:
        click.echo(f"{result.code!r} has no marked example now; exports pick the first coded excerpt")
    else:
        who = result.participant or result.document
        click.echo(f"{result.code!r}: example quote is segment {result.segment_id} ({who}): {result.text!r}")


# ------------------------------------------------------------------ export


@click.group()
def export() -> None:
    """Thesis-ready files: the codebook (Appendix B), participants (Appendix A), the matrix, excerpts,
    REFI-QDA."""


@export.command("codebook")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-excluded", is_flag=True, help="Also list excluded codes.")
@click.option(
    "--min-count", type=int, default=0, show_default=True, help="Leave out codes with fewer codings."
)
@click.option(
    "--label-style",
    type=LABEL_STYLE,
    default="plain",
    show_default=True,
    help='How quotes name participants: plain "Expert A" or brackets "Expert (A)".',
)
@click.option("--font", help="The font (default Calibri in .xlsx, Times New Roman in .docx).")
@FORCE
@RAW
@pass_app
def export_codebook(
    app: AppContext,
    out: Path,
    include_excluded: bool,
    min_count: int,
    label_style: str,
    font: str | None,
    force: bool,
    raw: bool,
) -> None:
    """The Appendix-B codebook as .xlsx, .docx, .md, .csv, or a REFI-QDA .qdc.

    Per theme in order a bold header row "Theme | Example of a code | Number of codes", then its
    codes: name in italics, the example quote "Expert A: '...'", the number of codings.

    \b
    Examples:
      qualcode export codebook appendix-b.xlsx
      qualcode export codebook appendix-b.docx --label-style brackets --min-count 2
      qualcode export codebook codebook.qdc
    """
    from qualcode.actions.exports import ExportOptions

    options = ExportOptions(
        include_excluded=include_excluded,
        min_count=min_count,
        label_style=label_style,
        font=font,
        force=force,
        raw=raw,
    )
    _export(app, "codebook", out, options)


def _export(app: AppContext, kind: str, out: Path, options: ExportOptions) -> None:
    """Run the export action and say what it wrote (and any note for the reader)."""
    from qualcode.actions.exports import export_report, export_suffix

    export_suffix(kind, out)  # an unknown suffix is refused before the study is opened
    with app.uow(write=False) as uow:
        done = export_report(uow, kind, out, options, **app.view())
    click.echo(done.summary)
    if done.note:
        click.echo(done.note, err=True)


@export.command("participants")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--columns",
    metavar="KEY=Header,...",
    help="Attributes to show; 'label' is the participant, 'documents'/'codings' are counts. Default: "
    f"{DEFAULT_PARTICIPANT_COLUMNS} when participants have those attributes, else the label, "
    "every attribute and the codings.",
)
@click.option(
    "--label-style",
    type=LABEL_STYLE,
    default="brackets",
    show_default=True,
    help='plain "Expert A" or brackets "Expert (A)" (as Appendix A prints it).',
)
@FORCE
@RAW
@pass_app
def export_participants(
    app: AppContext, out: Path, columns: str | None, label_style: str, force: bool, raw: bool
) -> None:
    """Appendix A, the list of interviewees, as .xlsx, .docx, .md or .csv.

    \b
    Examples:
      qualcode export participants appendix-a.docx
      qualcode export participants people.xlsx --columns label=Name,mode=Interview,codings=Codings
    """
    from qualcode.actions.exports import ExportOptions

    options = ExportOptions(columns=columns, label_style=label_style, force=force, raw=raw)
    _export(app, "participants", out, options)


def _matrix(
    app: AppContext, by: str, with_themes: bool, include_excluded: bool, where: str | None = None
) -> Matrix:
    from qualcode.services.reports import matrix

    with app.uow(write=False) as uow:
        codings = None
        if where is not None:  # the coding-query filters (the analysis helper's)
            from qualcode.cli.analysis_cmds import query_errors
            from qualcode.services.query import filtered_coding_ids

            with query_errors():
                codings = filtered_coding_ids(uow, where, only_coder=app.only_coder())
        return matrix(
            uow, by=by, themes=with_themes, include_excluded=include_excluded, codings=codings, **app.view()
        )


def _write_matrix(table: Matrix, fmt: str, out: Path | None, *, raw: bool = False) -> None:
    """Print the matrix (csv, md, json), or write it to ``out`` through the export action's writer."""
    from qualcode.actions.exports import write_matrix

    if out is None:
        if fmt in ("xlsx", "docx"):
            raise QualcodeError(f"a .{fmt} matrix needs a file: add -o OUT.{fmt}")
        if fmt == "json":
            emit_json(table.as_dict())
            return
        from qualcode.io.md_csv_export import matrix_csv, matrix_markdown

        click.echo(matrix_csv(table, raw=raw) if fmt == "csv" else matrix_markdown(table), nl=False)
        return
    write_matrix(table, fmt, out, raw=raw)
    codes_n = sum(1 for r in table.rows if r.kind == "code")
    binary = fmt in ("xlsx", "docx")
    click.echo(f"wrote {out}: {codes_n} codes × {len(table.columns)} {table.by} columns", err=not binary)


_FORMAT_OF = MATRIX_FORMATS


@export.command("matrix")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", default="participant", show_default=True, metavar="participant|document|attribute:KEY")
@click.option("--themes", "with_themes", is_flag=True, help="Add a subtotal row per theme.")
@click.option("--include-excluded", is_flag=True, help="Also count excluded codes.")
@FORCE
@RAW
@pass_app
def export_matrix(
    app: AppContext, out: Path, by: str, with_themes: bool, include_excluded: bool, force: bool, raw: bool
) -> None:
    """The code × participant (document, attribute) matrix as .xlsx, .docx, .csv, .md or .json.

    \b
    Examples:
      qualcode export matrix matrix.xlsx --themes
      qualcode export matrix matrix.docx --themes
    """
    from qualcode.actions.exports import ExportOptions

    options = ExportOptions(
        by=by, themes=with_themes, include_excluded=include_excluded, force=force, raw=raw
    )
    _export(app, "matrix", out, options)


@export.command("project")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@FORCE
@pass_app
def export_project(app: AppContext, out: Path, force: bool) -> None:
    """The whole study as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

    Themes go out as Sets and as non-codable parent codes, participants as Cases with
    Variables, coders as Users, codings with their offsets and coder. The file is checked
    against the REFI-QDA schema before it is written.

    \b
    Example:
      qualcode export project thesis.qdpx
    """
    from qualcode.actions.exports import ExportOptions

    _export(app, "project", out, ExportOptions(force=force))


@export.command("excerpts")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--code", "codes_", multiple=True, metavar="CODE", help="Only this code (repeatable).")
@click.option(
    "--theme", "themes_", multiple=True, metavar="THEME", help="Only this theme and its sub-themes."
)
@click.option("--participant", "participants", multiple=True, metavar="LABEL", help="Only this participant.")
@click.option("--coder", "coder_", metavar="NAME", help="Only this coder's codings.")
@click.option(
    "--context", type=int, default=0, show_default=True, help="Characters of text around each excerpt."
)
@FORCE
@RAW
@pass_app
def export_excerpts(
    app: AppContext,
    out: Path,
    codes_: tuple[str, ...],
    themes_: tuple[str, ...],
    participants: tuple[str, ...],
    coder_: str | None,
    context: int,
    force: bool,
    raw: bool,
) -> None:
    """Every coded excerpt, per theme and code, as .docx, .xlsx, .md, .csv or .html.

    Each excerpt with its participant, document, position (and transcript time where there is
    one), coder and memos: what a findings chapter is written from. The .html is one file with
    a table of contents that opens in any browser.

    \b
    Examples:
      qualcode export excerpts findings.html
      qualcode export excerpts trafficking.docx --theme "Human trafficking" --context 200
      qualcode export excerpts expert-b.xlsx --participant "Expert B" --coder aigerim
    """
    suffix = _suffix(out, (".docx", ".xlsx", ".md", ".csv", ".html"), "the excerpts")
    _target(app, out, force)
    from qualcode.io import excerpts_export as ex
    from qualcode.services.excerpts import excerpts_report

    with app.uow(write=False) as uow:
        report = excerpts_report(
            uow,
            codes=codes_,
            themes=themes_,
            participants=participants,
            coder=coder_,
            context=context,
            **app.view(),
        )
    if suffix == ".docx":
        ex.write_excerpts_docx(report, out)
    elif suffix == ".xlsx":
        ex.write_excerpts_xlsx(report, out)
    elif suffix == ".html":
        ex.write_excerpts_html(report, out)
    else:
        ex.write_excerpts_text(report, out, raw=raw)
    n_codes = sum(len(s.codes) for s in report.sections)
    click.echo(f"wrote {out}: {len(report.excerpts)} excerpts of {n_codes} codes")


# ------------------------------------------------------------------ report


def _output_options(fn: Any) -> Any:
    """``--format`` and ``-o/--output``, shared by the report commands."""
    fn = FORCE(RAW(fn))
    fn = click.option(
        "-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file."
    )(fn)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "xlsx", "docx", "json", "md"]),
        default=None,
        help="Output format (default: from -o's suffix, else a table).",
    )(fn)


def _format(fmt: str | None, out: Path | None) -> str | None:
    """The chosen format, else the one -o's suffix names; None prints a table."""
    if fmt is None and out is not None:
        fmt = _FORMAT_OF.get(out.suffix.lower())
        if fmt is None:
            raise QualcodeError(
                "give --format (csv, xlsx, docx, json, md) or an -o file with one of those suffixes",
                source=str(out),
            )
    return fmt


@click.group()
def report() -> None:
    """Numbers for the findings chapter: the matrix, citations, co-occurrence."""


@report.command("matrix")
@click.option("--by", default="participant", show_default=True, metavar="participant|document|attribute:KEY")
@click.option("--themes", "with_themes", is_flag=True, help="Add a subtotal row per theme.")
@_output_options
@click.option("--include-excluded", is_flag=True, help="Also count excluded codes.")
@click.option(
    "--where", metavar="FILTER", help="Count only codings this query filter keeps (see qualcode query)."
)
@pass_app
def report_matrix(
    app: AppContext,
    by: str,
    with_themes: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
    raw: bool,
    include_excluded: bool,
    where: str | None,
) -> None:
    """Codings per code × participant (or document, or attribute value), with totals.

    --where takes a coding query's filters (participant attributes, document, participant,
    coder, coded date): only the codings it keeps are counted.

    \b
    Examples:
      qualcode report matrix --themes
      qualcode report matrix --by attribute:mode --format json
      qualcode report matrix --themes -o matrix.xlsx
      qualcode report matrix --where 'organisation contains NGO and date < 2024-05-01'
    """
    if out is not None:
        _target(app, out, force)
    table = _matrix(app, by, with_themes, include_excluded, where)
    fmt = _format(fmt, out)
    if fmt is None:
        emit_table(
            ["code", *table.columns, "total", "participants"],
            [
                ["  " * r.depth + r.label, *[v or "" for v in r.counts], r.total, r.participants]
                for r in table.rows
            ],
        )
        return
    _write_matrix(table, fmt, out, raw=raw)


@report.command("cite")
@click.argument("code_names", nargs=-1, metavar="CODE...")
@click.option("--theme", help="Cite the participants who gave any code of this theme (sub-themes too).")
@click.option("--together", is_flag=True, help="One fragment for everyone who gave any of the codes.")
@click.option(
    "--min", "min_participants", type=int, default=0, help="Only codes given by at least N participants."
)
@click.option(
    "--listed", is_flag=True, help='"Experts (C), (D), and (E)" instead of "three Experts (C,D,E)".'
)
@click.option("--no-count", is_flag=True, help='"Experts (A,B)" without the number.')
@click.option(
    "--words-below",
    type=int,
    default=10,
    show_default=True,
    help="Numbers below this in words (APA 7: 10; Chicago: 101).",
)
@click.option("--plural", default="", help='The group noun\'s plural when "+s" is wrong.')
@click.option("--capitalise", is_flag=True, help='"Six Experts", for the start of a sentence.')
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def report_cite(
    app: AppContext,
    code_names: tuple[str, ...],
    theme: str | None,
    together: bool,
    min_participants: int,
    listed: bool,
    no_count: bool,
    words_below: int,
    plural: str,
    capitalise: bool,
    as_json: bool,
) -> None:
    """The fragment findings cite: "six Experts (A,B,C,D,E,F)", "Expert (C)".

    \b
    Examples:
      qualcode report cite "No significant changes were observed"
      qualcode report cite --theme "Human trafficking"
      qualcode report cite Digitalisation Agreements --together --listed
    """
    from qualcode.domain.citations import CitationStyle
    from qualcode.services.reports import citations

    style = CitationStyle(
        listed=listed, count=not no_count, words_below=words_below, plural=plural, capitalise=capitalise
    )
    with app.uow(write=False) as uow:
        found = citations(
            uow,
            list(code_names),
            theme=theme,
            together=together,
            min_participants=min_participants,
            style=style,
            **app.view(),
        )
    if as_json:
        emit_json(
            [{"subject": c.subject, "participants": list(c.participants), "citation": c.text} for c in found]
        )
        return
    for c in found:
        click.echo(f"{c.subject}: {c.text}" if c.text else f"{c.subject}: (no participant)")


@report.command("cooccurrence")
@_output_options
@click.option("--min", "min_count", type=int, default=1, show_default=True, help="Only pairs met this often.")
@click.option("--include-excluded", is_flag=True, help="Also excluded codes.")
@pass_app
def report_cooccurrence(
    app: AppContext,
    fmt: str | None,
    out: Path | None,
    force: bool,
    raw: bool,
    min_count: int,
    include_excluded: bool,
) -> None:
    """Codes applied to the same excerpt or to overlapping excerpts, most frequent pairs first.

    \b
    Examples:
      qualcode report cooccurrence
      qualcode report cooccurrence --min 2 -o cooccurrence.xlsx
    """
    from qualcode.services.reports import cooccurrence

    if out is not None:
        _target(app, out, force)
    with app.uow(write=False) as uow:
        rows = cooccurrence(uow, min_count=min_count, include_excluded=include_excluded)
    fmt = _format(fmt, out)
    if fmt == "docx":
        raise QualcodeError(
            "co-occurrence is written as csv, xlsx, json or md", source=str(out or "--format")
        )
    if fmt is None:
        emit_table(
            ["code", "code", "together", "documents", "participants"],
            [[r.code_a, r.code_b, r.count, r.documents, ", ".join(r.participants)] for r in rows],
        )
        return
    payload: Any = [r.__dict__ | {"participants": list(r.participants)} for r in rows]
    if fmt == "json" and out is None:
        emit_json(payload)
        return
    if fmt == "xlsx":
        if out is None:
            raise QualcodeError("an .xlsx report needs a file: add -o OUT.xlsx")
        from qualcode.io.xlsx_export import write_cooccurrence_xlsx

        write_cooccurrence_xlsx(rows, out)
        click.echo(f"wrote {out}: {len(rows)} pairs")
        return
    from qualcode.io.md_csv_export import cooccurrence_csv, cooccurrence_markdown

    if fmt == "json":
        import json

        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        text = cooccurrence_csv(rows, raw=raw) if fmt == "csv" else cooccurrence_markdown(rows)
    if out is None:
        click.echo(text, nl=False)
        return
    from qualcode.io.output import write_text

    write_text(out, text)
    click.echo(f"wrote {out}: {len(rows)} pairs", err=True)


# ------------------------------------------------------------------ import of a REFI project


def import_project_files(
    app: AppContext,
    files: tuple[str, ...],
    *,
    key_file: Path | None = None,
    encoding: str | None = None,
    sources: Path | None = None,
    skip_missing: bool = False,
) -> None:
    """``qualcode import STUDY.qdpx``: a whole REFI-QDA project, its names replaced first when
    ``--pseudonyms`` gives a key; into a study with data it is merged as ``merge-study`` merges
    (idempotent)."""
    from qualcode.io.pseudonyms import PseudonymKey, pseudonymise_project
    from qualcode.io.refi import read_qdpx
    from qualcode.services.project import import_project, merge_project, study_is_empty

    if len(files) != 1:
        raise QualcodeError("a .qdpx is a whole project: import it alone")
    key = PseudonymKey.from_csv(key_file, encoding=encoding) if key_file else None
    path = Path(files[0])
    project = read_qdpx(path, sources_dir=sources, skip_missing=skip_missing)
    if key is not None:
        project = pseudonymise_project(project, key)
    with app.uow() as uow:
        if study_is_empty(uow):
            result = import_project(uow, project, source=str(path))
            click.echo(
                f"{path}: {result.documents} documents, {result.participants} participants, "
                f"{result.themes} themes, {result.codes} codes, {result.codings} codings, "
                f"{result.memos} memos"
            )
        else:
            merged = merge_project(uow, project, source=str(path), label=path.name)
            if merged.event_id is None:
                click.echo(f"{path}: nothing new ({merged.documents_matched} document(s) already here)")
            else:
                click.echo(
                    f"{path}: merged into the study: {merged.codings_added} coding(s), "
                    f"{merged.documents_added} new document(s) ({merged.documents_matched} matched), "
                    f"{merged.codes_added} new code(s), {merged.themes_added} theme(s), "
                    f"{merged.participants_added} participant(s), {merged.memos_added} memo(s)"
                )
    for warning in project.warnings:
        click.echo(f"{path}: warning: {warning}", err=True)
    sys.stdout.flush()


COMMANDS = [export, report]
