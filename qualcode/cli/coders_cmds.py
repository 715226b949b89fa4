"""Coders (``coders list|rename|merge``) and the study's sorting language (``language``)."""

from __future__ import annotations

import click

from qualcode.cli import AppContext, emit_json, emit_table

pass_app = click.make_pass_decorator(AppContext)


@click.group()
def coders() -> None:
    """The study's coders: one person, one coder, matched whatever the case or Unicode form."""


@coders.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def coders_list(app: AppContext, as_json: bool) -> None:
    """Every coder with their codings and logged changes.

    \b
    Example:
      qualcode --db team.qualcode coders list
    """
    from qualcode.services.coders import list_coders

    with app.uow(write=False) as uow:
        found = list_coders(uow)
    if as_json:
        emit_json(found)
        return
    emit_table(
        ["coder", "codings", "changes", "since"],
        [[c.name, c.codings, c.events, c.first_seen.date().isoformat()] for c in found],
    )


@coders.command("rename")
@click.argument("old")
@click.argument("new")
@pass_app
def coders_rename(app: AppContext, old: str, new: str) -> None:
    """Rename a coder; their codings and changes follow (undo with qualcode undo).

    \b
    Example:
      qualcode coders rename "aigerim" "Aigerim"
    """
    from qualcode.services.coders import rename_coder

    info = app.write(rename_coder, old, new)
    click.echo(f"renamed coder {old!r} to {info.name!r}")


@coders.command("merge")
@click.argument("sources", nargs=-1, required=True, metavar="CODER...")
@click.option("--into", required=True, metavar="CODER", help="The coder that stays.")
@pass_app
def coders_merge(app: AppContext, sources: tuple[str, ...], into: str) -> None:
    """Make several coder names one person: their codings and changes become INTO's.

    Where both coded one excerpt with one code, INTO's coding stays. Undo with qualcode undo.

    \b
    Example:
      qualcode coders merge "Айгерим" "aigerim " --into Aigerim
    """
    from qualcode.services.coders import merge_coders

    info = app.write(merge_coders, list(sources), into)
    click.echo(f"merged into {info.name!r}: {info.codings} codings")


@click.command("language")
@click.argument("language", required=False)
@pass_app
def language(app: AppContext, language: str | None) -> None:
    """Show or set the language the study's text is sorted in (an ICU locale: kk, ru, en …).

    Without a setting ("auto"), a study that holds Cyrillic sorts in Kazakh order, which orders
    Russian correctly too (Е, Ё, Ж …; А, Ә, Б … Ғ … Қ … Ң … Ө … Ұ, Ү … Һ, І); others in the
    Unicode root order. Every listing, report, export and the workbench follow it.

    \b
    Examples:
      qualcode language
      qualcode language ru
      qualcode language auto
    """
    from qualcode.services.admin import set_study_language
    from qualcode.services.read_models import study_language

    if language is None:
        with app.uow(write=False) as uow:
            click.echo(study_language(uow))
        return
    chosen = app.write(set_study_language, None if language.strip() == "auto" else language)
    click.echo(f"the study's text is sorted in {chosen!r} order")


COMMANDS = [coders, language]
