"""Coding, reading excerpts back, the codebook, themes and the funnel."""

from __future__ import annotations

from typing import Any

import click

from qualcode.cli import AppContext, emit_json, emit_table

pass_app = click.make_pass_decorator(AppContext)


def excerpt_json(r: Any) -> dict[str, Any]:
    """One coded excerpt as `segments --json` and `query --json` give it (keys in docs/cli.md;
    ``from``/``to`` are a transcript excerpt's times in the recording, else null)."""
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
        "from": getattr(r, "time_from", None),
        "to": getattr(r, "time_to", None),
    }


@click.command("code")
@click.argument("document", metavar="DOC")
@click.argument("codes", nargs=-1, metavar="CODE...")
@click.option("--start", type=int, help="First character of the excerpt (0-based).")
@click.option("--end", type=int, help="Character after the excerpt.")
@click.option("--quote", help="The excerpt's exact text, instead of offsets.")
@click.option("--occurrence", type=int, help="Which occurrence of --quote, when it appears more than once.")
@click.option("--new", "allow_new", is_flag=True, help="Create codes that are not in the codebook yet.")
@click.option(
    "--in-vivo", "in_vivo", is_flag=True, help="Name the code with the excerpt's own words (no CODE)."
)
@click.option(
    "--force", is_flag=True, help="With --in-vivo: create the code even if its name is near another's."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def code_cmd(
    app: AppContext,
    document: str,
    codes: tuple[str, ...],
    start: int | None,
    end: int | None,
    quote: str | None,
    occurrence: int | None,
    allow_new: bool,
    in_vivo: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Code an excerpt of DOC (its id or title) with one or more codes.

    With --in-vivo the excerpt's own words name the code (at most 100 characters; a name close
    to an existing code's is refused unless --force, as the workbench picker warns).

    \b
    Examples:
      qualcode code "Expert D" --quote "we're in the top 10 for e-Government" Digitalisation
      qualcode code 4 --start 120 --end 180 "Visa-free regime" --new
      qualcode code "Expert H" --quote "a latent problem" --in-vivo
    """
    from qualcode.domain.errors import QualcodeError
    from qualcode.services.codebook_edit import code_in_vivo
    from qualcode.services.coding import code_span

    if in_vivo:
        if codes:
            raise QualcodeError("--in-vivo names the code from the excerpt; give no CODE")
        result = app.write(
            code_in_vivo, document, start=start, end=end, quote=quote, occurrence=occurrence, force=force
        )
    elif not codes:
        raise QualcodeError("name at least one CODE, or use --in-vivo")
    else:
        result = app.write(
            code_span,
            document,
            list(codes),
            start=start,
            end=end,
            quote=quote,
            occurrence=occurrence,
            allow_new=allow_new,
        )
    if as_json:
        emit_json(result)
        return
    if result.added:
        click.echo(f"coded {result.document!r} [{result.start}, {result.end}) with {', '.join(result.added)}")
    else:
        click.echo(f"{result.document!r} [{result.start}, {result.end}) already carries those codes")
    if result.new_codes:
        click.echo(f"new code(s): {', '.join(result.new_codes)}")


@click.command("segments")
@click.option("--code", help="Only this code's excerpts.")
@click.option("--participant", metavar="LABEL", help="Only this participant's excerpts.")
@click.option("--document", metavar="DOC", help="Only this document's excerpts.")
@click.option("--coder", help="Only this coder's codings.")
@click.option("--blind", is_flag=True, help="Only your own codings (blinded double coding).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def segments_cmd(
    app: AppContext,
    code: str | None,
    participant: str | None,
    document: str | None,
    coder: str | None,
    blind: bool,
    as_json: bool,
) -> None:
    """Coded excerpts, one row per coding; a transcript's excerpts with their time in the
    recording (the first and last cue they cover).

    \b
    Examples:
      qualcode --db thesis.qualcode segments --code Digitalisation
      qualcode --db thesis.qualcode segments --participant "Expert B" --json
    """
    from qualcode.services.coding import list_segments

    coder = app.only_coder(blind) or coder
    with app.uow(write=False) as uow:
        rows = list_segments(uow, code=code, participant=participant, document=document, coder=coder)
    if as_json:
        emit_json([excerpt_json(r) for r in rows])
        return
    timed = any(r.time_from for r in rows)
    emit_table(
        ["segment", "participant", "code", "coder", *(["time"] if timed else []), "text"],
        [
            [
                r.segment_id,
                r.participant or r.document,
                r.code,
                r.coder,
                *([f"{r.time_from}–{r.time_to}" if r.time_from else ""] if timed else []),
                r.text,
            ]
            for r in rows
        ],
    )


@click.group()
def codes() -> None:
    """The codebook: codes with counts and the participants who gave them."""


@codes.command("list")
@click.option("--all", "include_all", is_flag=True, help="Also merged and excluded codes.")
@click.option("--blind", is_flag=True, help="Count only your own codings (blinded double coding).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def codes_list(app: AppContext, include_all: bool, blind: bool, as_json: bool) -> None:
    """Codes in codebook order with their number of codings and participants.

    \b
    Example:
      qualcode --db thesis.qualcode codes list --json
    """
    from qualcode.domain.labels import split_label
    from qualcode.services.codes import list_codes

    with app.uow(write=False) as uow:
        found = list_codes(uow, include_all=include_all, coder=app.only_coder(blind))
    if as_json:
        emit_json(
            [
                {
                    "name": c.name,
                    "status": c.status,
                    "theme": c.theme,
                    "count": c.count,
                    "participants": list(c.participants),
                    "description": c.description,
                    "merged_into": c.merged_into,
                    "exclusion_reason": c.exclusion_reason,
                    "parent": c.parent,
                }
                for c in found
            ]
        )
        return
    rows = []
    for c in found:
        who = ",".join(split_label(p)[1] for p in c.participants)
        status = c.status if c.status != "merged" else f"merged into {c.merged_into}"
        rows.append([c.name, c.theme or "", c.parent or "", c.count, who, status if include_all else ""])
    headers = ["code", "theme", "parent", "count", "participants"] + (["status"] if include_all else [])
    emit_table(headers, [r[: len(headers)] for r in rows])


@codes.command("move")
@click.argument("name", metavar="CODE")
@click.option("--parent", metavar="CODE", help="Make CODE a sub-code of this code (it joins its theme).")
@click.option("--theme", metavar="THEME", help="Put CODE at the top level of THEME (it leaves its parent).")
@click.option("--top", is_flag=True, help="CODE leaves its parent and keeps its theme.")
@pass_app
def codes_move(app: AppContext, name: str, parent: str | None, theme: str | None, top: bool) -> None:
    """Move a code under another code, or to the top of a theme; its sub-codes come along.

    A code cannot go under itself or one of its own sub-codes. Undo with `qualcode undo`.

    \b
    Examples:
      qualcode codes move "Forced labour" --parent "Human trafficking problem"
      qualcode codes move "Forced labour" --theme "Labour migration"
      qualcode codes move "Forced labour" --top
    """
    from qualcode.services.codes import move_code

    result = app.write(move_code, name, parent=parent, theme=theme, top=top)
    where = f"under {result.parent!r}" if result.parent else f"to the top of {result.theme or 'no theme'!r}"
    click.echo(f"moved {result.code!r} {where} ({result.moved} code(s) with its sub-codes)")


@click.group()
def themes() -> None:
    """Themes and sub-themes that group codes (the second cycle of coding)."""


@themes.command("add")
@click.argument("name")
@click.option("--parent", metavar="THEME", help="Make it a sub-theme of THEME.")
@click.option("--description", default="", help="What the theme covers.")
@pass_app
def themes_add(app: AppContext, name: str, parent: str | None, description: str) -> None:
    """Add a theme (after the existing ones), or a sub-theme with --parent.

    \b
    Example:
      qualcode themes add "Human trafficking"
      qualcode themes add "Labour exploitation" --parent "Human trafficking"
    """
    from qualcode.services.codes import add_theme

    with app.uow() as uow:
        info = add_theme(uow, name, parent=parent, description=description)
    click.echo(f"added theme {info.name!r}" + (f" under {info.parent!r}" if info.parent else ""))


@themes.command("assign")
@click.argument("theme")
@click.argument("codes", nargs=-1, required=True)
@pass_app
def themes_assign(app: AppContext, theme: str, codes: tuple[str, ...]) -> None:
    """Place codes in THEME (a code sits in one theme; this moves it).

    \b
    Example:
      qualcode themes assign "Human trafficking" "Human trafficking problem" "Forced labour"
    """
    from qualcode.services.codes import assign_codes

    with app.uow() as uow:
        info = assign_codes(uow, theme, list(codes))
    click.echo(f"theme {info.name!r} now holds {len(info.codes)} code(s)")


@themes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def themes_list(app: AppContext, as_json: bool) -> None:
    """Themes in order, with their codes and number of codings.

    \b
    Example:
      qualcode --db thesis.qualcode themes list
    """
    from qualcode.services.codes import theme_order

    with app.uow(write=False) as uow:
        found = theme_order(uow, coder=app.only_coder())
    if as_json:
        emit_json(
            [
                {
                    "name": t.name,
                    "parent": t.parent,
                    "position": t.position,
                    "depth": t.depth,
                    "codes": list(t.codes),
                    "codings": t.codings,
                }
                for t in found
            ]
        )
        return
    emit_table(
        ["theme", "codes", "codings"],
        [["  " * t.depth + t.name, len(t.codes), t.codings] for t in found],
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def funnel(app: AppContext, as_json: bool) -> None:
    """The consolidation funnel for a methods chapter: applications -> unique codes -> kept.

    \b
    Example:
      qualcode --db thesis.qualcode funnel
    """
    from qualcode.services.funnel import study_funnel

    with app.uow(write=False) as uow:
        report = study_funnel(uow)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo("\n".join([report.paragraph, *report.stage_lines()]))


COMMANDS = [code_cmd, segments_cmd, codes, themes, funnel]
