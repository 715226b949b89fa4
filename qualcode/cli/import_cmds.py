"""Importing participant lists and codebooks, reading memos back, and the pseudonym audit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from qualcode.cli import AppContext, emit_json, emit_table, pseudonyms_option
from qualcode.cli.options import encoding_option
from qualcode.cli.records import participants

pass_app = click.make_pass_decorator(AppContext)


@participants.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="The Excel sheet to read (default: the first).")
@click.option("--update", is_flag=True, help="Update the attributes of participants already in the study.")
@pseudonyms_option("Replace real names (columns real,pseudonym) in every cell before anything is stored.")
@encoding_option("a .csv list (and the key)")
@pass_app
def participants_import(
    app: AppContext,
    file: Path,
    sheet: str | None,
    update: bool,
    key_file: Path | None,
    encoding: str | None,
) -> None:
    """Add participants from a .csv or .xlsx list shaped like Appendix A.

    A .csv may be separated by commas, semicolons (Excel in most of Europe) or tabs, in UTF-8 or
    a legacy code page (detected, or given with --encoding). The label column is "label" (or
    "name", "participant", "interviewee", "expert"); every other
    column becomes an attribute. A participant already in the study is refused unless --update.

    \b
    Examples:
      qualcode participants import interviewees.xlsx
      qualcode participants import appendix-a.csv --update
    """
    from qualcode.io.participants import read_participants
    from qualcode.services.imports import import_participants

    label, rows = read_participants(file, sheet=sheet, encoding=encoding)
    if key_file is not None:
        from qualcode.io.pseudonyms import PseudonymKey, pseudonymise_rows

        rows = pseudonymise_rows(rows, PseudonymKey.from_csv(key_file, encoding=encoding))
    with app.uow() as uow:
        result = import_participants(uow, label, rows, source=str(file), update=update)
    click.echo(
        f"{file}: {len(result.added)} participant(s) added, {len(result.updated)} updated"
        + (f"; attributes: {', '.join(result.columns)}" if result.columns else "")
    )


@click.command("import-codebook")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", help="The Excel sheet to read (default: the first).")
@pseudonyms_option("Replace real names (columns real,pseudonym) in codes, themes and descriptions first.")
@encoding_option("a .csv codebook (and the key)")
@pass_app
def import_codebook_cmd(
    app: AppContext, file: Path, sheet: str | None, key_file: Path | None, encoding: str | None
) -> None:
    """Add a codebook's themes and codes from .qdc (REFI-QDA), .xlsx or .csv.

    A sheet has the columns theme, code (sub-theme, parent, description, colour if wanted),
    Taguette's export (tag, parent, description), or the Appendix B layout: per theme a row
    "Theme | Example of a code | Number of codes", then its codes. In a .qdc a category that is
    not codable is a theme and a codable code holding codes is a code with sub-codes. Codes
    already in the study move to the sheet's theme (and under its parent).

    \b
    Examples:
      qualcode import-codebook codebook.qdc
      qualcode import-codebook "Appendix B.xlsx" --sheet Codebook
    """
    from qualcode.io.codebook import read_codebook
    from qualcode.services.imports import import_codebook

    entries = read_codebook(file, sheet=sheet, encoding=encoding)
    if key_file is not None:
        from qualcode.io.pseudonyms import PseudonymKey, pseudonymise_codes

        entries = pseudonymise_codes(entries, PseudonymKey.from_csv(key_file, encoding=encoding))
    with app.uow() as uow:
        result = import_codebook(uow, entries, source=str(file))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{file}: {result.codes_added} code(s) added, {result.codes_updated} updated, "
        f"{result.codes_unchanged} unchanged; {len(result.themes_added)} theme(s) added"
    )


@click.command("audit")
@click.option(
    "--names",
    "key_file",
    required=True,
    type=click.Path(path_type=Path),
    metavar="KEY.csv",
    help="The pseudonym key (columns real,pseudonym): the names to look for.",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@encoding_option("the key")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def audit_cmd(
    app: AppContext, key_file: Path, files: tuple[Path, ...], encoding: str | None, as_json: bool
) -> None:
    """Look for real names in the study and in export files; exit 1 if any is found.

    Searches every text the study holds (documents, segments, memos, codes, themes, participants
    and their attributes, coder names, the log with its before/after images) and every FILE given
    (.docx, .odt, .xlsx, .csv, .md, .qdpx, ...; every entry of an archive, entry names included).
    Names match as pseudonyms do: whole words in any case and Unicode form, soft hyphens and
    zero-width characters ignored, _ digits @ . as word boundaries.

    \b
    Examples:
      qualcode audit --names key.csv
      qualcode audit --names key.csv exports/codebook.xlsx exports/project.qdpx
    """
    from qualcode.io.pseudonyms import PseudonymKey, audit_files
    from qualcode.services.audit import audit_study

    key = PseudonymKey.from_csv(key_file, encoding=encoding)
    file_hits = audit_files(list(files), key)
    with app.uow(write=False) as uow:
        study_hits = audit_study(uow, key.hits)
    rows = [
        {"where": h.place, "found": h.found, "name": h.real, "context": h.context} for h in study_hits
    ] + [
        {"where": f"{h.file}, {h.where}", "found": h.found, "name": h.real, "context": ""} for h in file_hits
    ]
    if as_json:
        emit_json({"found": len(rows), "hits": rows})
    elif rows:
        emit_table(["where", "found", "context"], [[r["where"], r["found"], r["context"]] for r in rows])
        click.echo(f"{len(rows)} listed name(s) found", err=True)
    else:
        click.echo(f"no listed names found ({len(key)} name forms; the study and {len(files)} file(s))")
    if rows:
        sys.exit(1)


@click.group("memos")
def memos() -> None:
    """Memos: notes on the study, a document, a participant, a code, a theme or a coding."""


def _memo_text(text: str) -> str:
    """The memo's text: the argument, or standard input when it is "-" (for several lines)."""
    if text != "-":
        return text
    return sys.stdin.read()


def _print_memo(row: Any, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(row)
    else:
        click.echo(f"{verb} memo {row.memo_id} on {row.document or row.about or row.code or row.target}")


@memos.command("add")
@click.argument("text")
@click.option("--document", metavar="DOC", help="A memo on this document.")
@click.option("--participant", metavar="LABEL", help="A memo on this participant.")
@click.option("--code", metavar="CODE", help="A memo on this code.")
@click.option("--theme", metavar="THEME", help="A memo on this theme.")
@click.option("--coding", "coding_id", type=int, metavar="ID", help="A memo on this coding (see `segments`).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def memos_add(
    app: AppContext,
    text: str,
    document: str | None,
    participant: str | None,
    code: str | None,
    theme: str | None,
    coding_id: int | None,
    as_json: bool,
) -> None:
    """Write a memo; with no --document/--participant/--code/--theme/--coding it is on the study.

    TEXT "-" reads the memo from standard input, line breaks and all. Undoable.

    \b
    Examples:
      qualcode memos add "Saturation reached after Expert G"
      qualcode memos add --participant "Expert B" "Spoke off the record about quotas"
      qualcode memos add --theme "Reasons for movement" - < memo.txt
    """
    from qualcode.services.memos import add_memo

    row = app.write(
        add_memo,
        _memo_text(text),
        document=document,
        participant=participant,
        code=code,
        theme=theme,
        coding_id=coding_id,
    )
    _print_memo(row, as_json, "wrote")


@memos.command("edit")
@click.argument("memo_id", type=int)
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def memos_edit(app: AppContext, memo_id: int, text: str, as_json: bool) -> None:
    """Replace the text of memo ID (from `memos list`); "-" reads it from standard input. Undoable.

    \b
    Example:
      qualcode memos edit 12 "Saturation reached after Expert H, not G"
    """
    from qualcode.services.memos import edit_memo

    _print_memo(app.write(edit_memo, memo_id, _memo_text(text)), as_json, "edited")


@memos.command("list")
@click.option("--code", help="Only memos about this code or its codings.")
@click.option("--document", metavar="DOC", help="Only memos about this document or its codings.")
@click.option("--participant", metavar="LABEL", help="Only memos about this participant.")
@click.option("--theme", metavar="THEME", help="Only memos about this theme.")
@click.option(
    "--on",
    "target",
    type=click.Choice(["study", "document", "participant", "code", "theme", "coding"]),
    help="Only memos on this kind of thing.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def memos_list(
    app: AppContext,
    code: str | None,
    document: str | None,
    participant: str | None,
    theme: str | None,
    target: str | None,
    as_json: bool,
) -> None:
    """Memos in the order they were written, with what they are about and who wrote them.

    \b
    Examples:
      qualcode memos list --document "Expert A"
      qualcode memos list --code "Visa-free regime" --json
      qualcode memos list --on study
    """
    from qualcode.services.memos import list_memos

    with app.uow(write=False) as uow:
        rows = list_memos(
            uow, code=code, document=document, participant=participant, theme=theme, target=target
        )
    if as_json:
        emit_json(rows)
        return
    emit_table(
        ["memo", "about", "code", "author", "text"],
        [[r.memo_id, r.document or r.about or r.target, r.code or "", r.author or "", r.text] for r in rows],
    )


COMMANDS = [import_codebook_cmd, audit_cmd, memos]
