"""Participants, documents and importing files."""

from __future__ import annotations

import glob
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qualcode.cli import AppContext, emit_json, emit_table, pseudonyms_option
from qualcode.cli.options import encoding_option
from qualcode.domain.errors import QualcodeError

if TYPE_CHECKING:
    pass

pass_app = click.make_pass_decorator(AppContext)


def _parse_attrs(pairs: tuple[str, ...]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"--attr takes KEY=VALUE, got {pair!r}")
        attrs[key.strip()] = value.strip()
    return attrs


@click.group()
def participants() -> None:
    """The anonymised interviewees ("Expert A") and their attributes."""


@participants.command("add")
@click.argument("label")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE", help="An attribute; repeatable.")
@pass_app
def participants_add(app: AppContext, label: str, attrs: tuple[str, ...]) -> None:
    """Add a participant by its anonymised label.

    \b
    Example:
      qualcode participants add "Expert J" --attr date="May 20, 2024" --attr mode=Zoom
    """
    from qualcode.services.participants import add_participant

    with app.uow() as uow:
        info = add_participant(uow, label, _parse_attrs(attrs))
    click.echo(f"added participant {info.label}")


@participants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def participants_list(app: AppContext, as_json: bool) -> None:
    """Participants with their attributes, documents and codings.

    \b
    Example:
      qualcode --db thesis.qualcode participants list --json
    """
    from qualcode.services.read_models import participants_table

    with app.uow(write=False) as uow:
        people = participants_table(uow, **app.view())
    if as_json:
        emit_json(people)
        return
    keys: list[str] = []
    for p in people:
        keys += [k for k in p.attributes if k not in keys]
    emit_table(
        ["label", *keys, "documents", "codings"],
        [[p.label, *[p.attributes.get(k, "") for k in keys], p.documents, p.codings] for p in people],
    )


@click.group()
def documents() -> None:
    """The study's documents: interview notes, transcripts, policy texts."""


@documents.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def documents_list(app: AppContext, as_json: bool) -> None:
    """Documents with their participant, length and number of codings.

    \b
    Example:
      qualcode --db thesis.qualcode documents list
    """
    from qualcode.services.read_models import documents_table

    with app.uow(write=False) as uow:
        docs = documents_table(uow, **app.view())
    if as_json:
        emit_json(docs)
        return
    emit_table(
        ["id", "title", "participant", "characters", "codings"],
        [[d.id, d.title, d.participant or "", d.characters, d.codings] for d in docs],
    )


@documents.command("assign")
@click.argument("document", metavar="DOC")
@click.argument("participant", metavar="PARTICIPANT", required=False)
@click.option("--none", "clear", is_flag=True, help="The document belongs to no participant.")
@pass_app
def documents_assign(app: AppContext, document: str, participant: str | None, clear: bool) -> None:
    """Say whose document DOC is (its title or id); matrix, cite and segments follow.

    Undo with `qualcode undo`.

    \b
    Examples:
      qualcode documents assign "Expert K" "Expert K"
      qualcode documents assign 12 "Expert (B)"
      qualcode documents assign "Policy brief" --none
    """
    from qualcode.services.documents import assign_document

    if clear == (participant is not None):
        raise QualcodeError("give a PARTICIPANT, or --none")
    result = app.write(assign_document, document, participant)
    before = f" (was {result.before!r})" if result.before else ""
    who = repr(result.participant) if result.participant else "no participant"
    click.echo(f"document {result.document!r} now belongs to {who}{before}")


def expand_paths(patterns: tuple[str, ...], suffixes: tuple[str, ...]) -> list[Path]:
    """Files named, globbed or found in folders (folders: files with a known suffix)."""
    found: list[Path] = []
    for pattern in patterns:
        matches = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))] or [Path(pattern)]
        for path in matches:
            if path.is_dir():
                found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            else:
                found.append(path)
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


@click.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option("--participant", metavar="LABEL", help="The participant these documents belong to.")
@encoding_option("text files, the pseudonym key and the speaker map")
@pseudonyms_option(
    "Replace real names (columns real,pseudonym) before anything is stored; the key is not kept."
)
@click.option(
    "--speakers",
    "speakers_file",
    type=click.Path(path_type=Path),
    metavar="MAP.csv",
    help="Transcripts: map speaker names (columns speaker,participant) to labels or Interviewer.",
)
@click.option(
    "--same-range-comments",
    "same_range",
    type=click.Choice(["codings", "replies"]),
    default="codings",
    show_default=True,
    help="In a .docx/.odt without thread information, what a comment on the same words as an "
    "earlier one becomes: a coding of its own, or a reply (memo) on the earlier one.",
)
@click.option(
    "--sources",
    "sources_dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help=".qdpx: where source files outside the project (relative:// or plain paths) are.",
)
@click.option(
    "--skip-missing-sources",
    is_flag=True,
    help=".qdpx: leave out a source file found nowhere (with its codings) instead of refusing.",
)
@click.option("--again", is_flag=True, help="Import a file even if the same content is in the study.")
@click.option("--title", help="The document's title (one file only; default: the file name).")
@click.option(
    "--survey", is_flag=True, help="A survey sheet (.xlsx/.csv): a participant per row, answers as documents."
)
@click.option("--id-column", metavar="COLUMN", help="--survey: the column naming each respondent.")
@click.option("--text-columns", metavar="Q1,Q2", help="--survey: the open-question columns.")
@click.option(
    "--by",
    "survey_by",
    type=click.Choice(["answer", "question"]),
    default="answer",
    help="--survey: a document per.",
)
@click.option("--sheet", help="--survey: the Excel sheet (default: the first).")
@click.option(
    "--max-document-mb",
    type=float,
    metavar="MB",
    help="The most text one document may hold (default 100 MB); larger or hostile files are refused.",
)
@pass_app
def import_cmd(
    app: AppContext,
    files: tuple[str, ...],
    participant: str | None,
    encoding: str | None,
    key_file: Path | None,
    speakers_file: Path | None,
    same_range: str,
    sources_dir: Path | None,
    skip_missing_sources: bool,
    again: bool,
    title: str | None,
    survey: bool,
    id_column: str | None,
    text_columns: str | None,
    survey_by: str,
    sheet: str | None,
    max_document_mb: float | None,
) -> None:
    """Import notes, Word/Google Docs/LibreOffice files and transcripts; one transaction per file.

    Reads .txt/.md, .docx and .odt (each comment codes its anchored text: the comment names the
    code(s), separated by ; or new lines; replies in Word or LibreOffice threads become memos;
    new codes are created; in a file without threads, such as a Google Docs download, comments
    on the same words are each a coding and are counted, see --same-range-comments), and
    .vtt/.srt transcripts (speaker turns as paragraphs). Files, globs and folders are accepted.
    A REFI-QDA .qdpx project goes into an empty study whole; into a study with data it is
    merged as merge-study merges (documents by text, codes by name, coders apart), so
    importing it again adds nothing.
    A file named after a participant already in the study ("Expert K.docx") is that
    participant's, unless --participant says otherwise; `documents assign` changes it later.
    Every file is read before any is stored, so a bad file stops the run with nothing imported;
    a file whose content is already in the study is refused unless --again.

    \b
    Examples:
      qualcode import notes/*.md
      qualcode import "Expert J.docx" --participant "Expert J" --pseudonyms key.csv
      qualcode import zoom/ --speakers speakers.csv
      qualcode import "Expert K.txt" --encoding cp1251
      qualcode --db new.qualcode import thesis.qdpx   # a REFI-QDA project
      qualcode import nvivo.qdpx --sources ~/interviews/   # its relative:// sources are there
      qualcode import survey.xlsx --survey --id-column ID --text-columns Q1,Q2 [--by question]
    """
    from qualcode.actions.imports import ImportedFile, import_batch
    from qualcode.io.readers import DOCUMENT_SUFFIXES

    if max_document_mb is not None:  # for this command only
        from qualcode.io.limits import document_limit

        click.get_current_context().with_resource(document_limit(max_document_mb))
    if survey or id_column or text_columns:
        from qualcode.cli.analysis_cmds import import_survey_file

        import_survey_file(app, files, id_column, text_columns, survey_by, sheet, key_file, again)
        return
    if any(f.lower().endswith(".qdpx") for f in files):  # a whole REFI-QDA project
        from qualcode.cli.report_cmds import import_project_files

        import_project_files(
            app,
            files,
            key_file=key_file,
            encoding=encoding,
            sources=sources_dir,
            skip_missing=skip_missing_sources,
        )
        return
    paths = expand_paths(files, DOCUMENT_SUFFIXES)
    show_bar = len(paths) > 20 and sys.stderr.isatty()

    def stored(done: ImportedFile) -> None:
        result, path = done.result, done.path
        line = f"{path}: {result.title!r}, {result.characters} characters"
        if result.participant:
            line += f", {result.participant}"
        if result.codings:
            line += f", {result.segments} segments, {result.codings} codings"
        if result.new_codes:
            line += f", {len(result.new_codes)} new codes"
        if done.linked:
            line += " (the file is named after the participant)"
        replies = done.document.meta.get("replies")
        if replies:
            line += f", {replies} replies as memos"
        same = done.document.meta.get("same_range")
        if same:
            kind = (
                "kept as codings"
                if done.document.meta.get("same_range_as") == "codings"
                else "stored as memos"
            )
            line += f", {same} comment(s) on the same words as an earlier one {kind}"
        click.echo(line)
        for warning in result.warnings:
            click.echo(f"{path}: warning: {warning}", err=True)
        bar.update(1)

    # one bar over both passes: every file is read first, then each is stored
    with _progress(show_bar, 2 * len(paths), "importing") as bar:
        done = import_batch(
            app.study(),
            paths,
            coder=app.writing_coder(),
            participant=participant,
            encoding=encoding,
            pseudonyms=key_file,
            speakers=speakers_file,
            same_range=same_range,
            again=again,
            title=title,
            on_read=lambda _path: bar.update(1),
            on_stored=stored,
        )
    click.echo(f"imported {len(done)} file(s)")


def _progress(show: bool, length: int, label: str) -> Any:
    """A progress bar on stderr for long runs in a terminal; otherwise nothing is drawn."""
    return click.progressbar(length=length, label=label, file=sys.stderr) if show else _null_bar()


class _null_bar:
    def __enter__(self) -> _null_bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


COMMANDS = [participants, documents, import_cmd]
