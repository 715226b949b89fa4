"""Participants, documents and importing files."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.domain.errors import QualcodeError

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
    from qualcode.services.participants import list_participants

    with app.uow(write=False) as uow:
        people = list_participants(uow)
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
    from qualcode.services.documents import list_documents

    with app.uow(write=False) as uow:
        docs = list_documents(uow)
    if as_json:
        emit_json(docs)
        return
    emit_table(
        ["id", "title", "participant", "characters", "codings"],
        [[d.id, d.title, d.participant or "", d.characters, d.codings] for d in docs],
    )


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
@click.option("--encoding", metavar="NAME", help="The text encoding, when it is not UTF-8 (cp1251, koi8-r).")
@click.option("--again", is_flag=True, help="Import a file even if the same content is in the study.")
@click.option("--title", help="The document's title (one file only; default: the file name).")
@pass_app
def import_cmd(
    app: AppContext,
    files: tuple[str, ...],
    participant: str | None,
    encoding: str | None,
    again: bool,
    title: str | None,
) -> None:
    """Import notes and transcripts; each file is one transaction.

    Files, globs and folders are accepted. A file whose content is already in the study is
    refused unless --again. A bad file stops the import with a message naming it; files
    imported before it stay imported.

    \b
    Examples:
      qualcode import notes/*.md
      qualcode import "Expert J.txt" --participant "Expert J" --encoding cp1251
    """
    from qualcode.io.text import TEXT_SUFFIXES, read_text_document
    from qualcode.services.documents import import_document

    paths = expand_paths(files, TEXT_SUFFIXES)
    if title and len(paths) != 1:
        raise QualcodeError("--title names one document; give one file")
    for path in paths:
        if not path.is_file():
            raise QualcodeError("no such file", source=str(path))
        if path.suffix.lower() not in TEXT_SUFFIXES:
            raise QualcodeError(
                f"unsupported file type {path.suffix or '(none)'}; qualcode reads "
                + ", ".join(TEXT_SUFFIXES),
                source=str(path),
            )
    show_bar = len(paths) > 20 and sys.stderr.isatty()
    done = 0
    with (
        click.progressbar(length=len(paths), label="importing", file=sys.stderr)
        if show_bar
        else _null_bar() as bar
    ):
        for path in paths:
            doc = read_text_document(path, encoding=encoding)
            with app.uow() as uow:
                result = import_document(
                    uow, doc, participant=participant, allow_duplicate=again, title=title
                )
            done += 1
            line = f"{path}: {result.title!r}, {result.characters} characters"
            if result.participant:
                line += f", {result.participant}"
            if result.codings:
                line += f", {result.codings} codings"
            click.echo(line)
            for warning in result.warnings:
                click.echo(f"{path}: warning: {warning}", err=True)
            bar.update(1)
    click.echo(f"imported {done} file(s)")


class _null_bar:
    def __enter__(self) -> _null_bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


COMMANDS = [participants, documents, import_cmd]
