"""Consolidating the codebook: ``codes similar|merge|unmerge|exclude|include|rename``.

The subcommands join the ``codes`` group of ``coding_cmds``; this module adds no top-level
command.
"""

from __future__ import annotations

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.cli.coding_cmds import codes

pass_app = click.make_pass_decorator(AppContext)


@codes.command("similar")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=None,
    help="Lowest pair score (0-100) for two codes to count as likely duplicates [default: 88].",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def codes_similar(app: AppContext, threshold: float | None, as_json: bool) -> None:
    """Likely duplicate codes, in clusters, each with a suggested survivor.

    Names are compared after folding case, punctuation, hyphens, plurals and common endings
    (English, Russian, Kazakh), word order, ё/е and Latin letters typed in Cyrillic words; a
    typo costs little, a different word a lot. Every pair in a cluster scores at least the
    threshold; the survivor is the code with most codings. Only names that share their words
    up to a typo or a word form are compared, so a lower threshold loosens the score, not the
    search.

    Also lists pairs of a weaker kind ("maybe"): a name that is another with up to three words
    added ("Benefits for Kazakhstan" / "Economic benefits for Kazakhstan"; never when the added
    word is a place or a number), and names that translate into each other through the team
    glossary (qualcode codes glossary add "Digitalisation" "Цифровизация").

    \b
    Examples:
      qualcode --db thesis.qualcode codes similar
      qualcode --db thesis.qualcode codes similar --threshold 80 --json
    """
    from qualcode.domain.similarity import DEFAULT_THRESHOLD
    from qualcode.services.consolidate import similar_codes
    from qualcode.services.glossary import weaker_suggestions

    with app.uow(write=False) as uow:
        clusters = similar_codes(uow, threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
        spelled = {frozenset((a, b)) for c in clusters for a in c.codes for b in c.codes if a != b}
        weaker = weaker_suggestions(uow, exclude=spelled)
    if as_json:
        emit_json(
            {
                "clusters": [
                    {
                        "codes": list(c.codes),
                        "suggested": c.suggested,
                        "min_score": c.min_score,
                        "counts": dict(zip(c.codes, c.counts, strict=True)),
                        "kind": "spelling",
                    }
                    for c in clusters
                ]
                + [
                    {
                        "codes": list(w.codes),
                        "suggested": w.suggested,
                        "min_score": None,
                        "counts": dict(zip(w.codes, w.counts, strict=True)),
                        "kind": w.kind,
                        "added": list(w.added),
                        "via": list(w.via),
                    }
                    for w in weaker
                ]
            }
        )
        return
    for w in weaker:
        why = f"adds {' '.join(w.added)}" if w.kind == "subset" else f"glossary: {'; '.join(w.via)}"
        click.echo(f"maybe ({w.kind}): {' / '.join(w.codes)}  [{why}]")
    if not clusters:
        click.echo("no likely duplicates")
        return
    rows = []
    for number, c in enumerate(clusters, 1):
        for i, (name, count) in enumerate(zip(c.codes, c.counts, strict=True)):
            first = i == 0
            rows.append(
                [number if first else "", name, count, "keep" if first else "", c.min_score if first else ""]
            )
    emit_table(["cluster", "code", "count", "suggested", "min score"], rows)
    click.echo(f"{len(clusters)} cluster(s); merge one with: qualcode codes merge CODE... --into SURVIVOR")


@codes.command("merge")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--into", "target", required=True, metavar="TARGET", help="The code that stays.")
@click.option("--reason", default="", help="Why they are one code (the funnel reports it).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def codes_merge(app: AppContext, sources: tuple[str, ...], target: str, reason: str, as_json: bool) -> None:
    """Merge SOURCE codes into TARGET: their codings move, the sources become 'merged'.

    A segment that would carry TARGET twice from one coder keeps one coding (the other stays in
    the history). Memos and descriptions move with their provenance. Undo with
    `qualcode codes unmerge TARGET` or `qualcode undo`.

    \b
    Examples:
      qualcode codes merge "Visa free regime" "visa-free regimes" --into "Visa-free regime"
      qualcode codes merge "Labor migration" --into "Labour migration" --reason "spelling"
    """
    from qualcode.services.consolidate import merge_codes

    result = app.write(merge_codes, list(sources), target, reason=reason)
    if as_json:
        emit_json(result)
        return
    click.echo(
        f"merged {', '.join(repr(n) for n in result.sources)} into {result.into!r}: "
        f"{result.moved} coding(s) moved, {result.dropped} doubled coding(s) folded, "
        f"{result.memos} memo(s) carried over (event {result.event_id})"
    )


@codes.command("unmerge")
@click.argument("ref", metavar="TARGET|EVENT")
@pass_app
def codes_unmerge(app: AppContext, ref: str) -> None:
    """Undo a merge exactly: the newest merge into (or of) a code, or merge EVENT from the log.

    Codings, coders, times, memos, descriptions and theme places come back as they were, even
    after later unrelated changes; a later change to the same rows is named and must be undone
    first.

    \b
    Examples:
      qualcode codes unmerge "Visa-free regime"
      qualcode codes unmerge 42
    """
    from qualcode.services.consolidate import unmerge

    with app.uow() as uow:
        result = unmerge(uow, ref)
    click.echo(
        f"unmerged {', '.join(repr(n) for n in result.sources)} from {result.into!r} "
        f"(undid event {result.merge_event_id})"
    )


@codes.command("exclude")
@click.argument("names", nargs=-1, required=True, metavar="CODE...")
@click.option("--reason", required=True, help="Why the codes leave the analysis (the funnel reports it).")
@pass_app
def codes_exclude(app: AppContext, names: tuple[str, ...], reason: str) -> None:
    """Exclude codes from the analysis: codings stay, the codes leave reports and exports.

    \b
    Example:
      qualcode codes exclude "Weather" "Small talk" --reason "not about the research questions"
    """
    from qualcode.services.consolidate import exclude_codes

    result = app.write(exclude_codes, list(names), reason=reason)
    click.echo(f"excluded {len(result.codes)} code(s): {', '.join(result.codes)}")


@codes.command("include")
@click.argument("names", nargs=-1, required=True, metavar="CODE...")
@pass_app
def codes_include(app: AppContext, names: tuple[str, ...]) -> None:
    """Bring excluded codes back into the analysis.

    \b
    Example:
      qualcode codes include "Weather"
    """
    from qualcode.services.consolidate import include_codes

    with app.uow() as uow:
        result = include_codes(uow, list(names))
    click.echo(f"included {len(result.codes)} code(s) again: {', '.join(result.codes)}")


@codes.command("rename")
@click.argument("old")
@click.argument("new")
@pass_app
def codes_rename(app: AppContext, old: str, new: str) -> None:
    """Rename a code. A name already in use is refused: combining two codes is a merge.

    \b
    Example:
      qualcode codes rename "Labor migration" "Labour migration"
    """
    from qualcode.services.consolidate import rename_code

    with app.uow() as uow:
        result = rename_code(uow, old, new)
    click.echo(f"renamed {result.old!r} to {result.new!r}")


COMMANDS: list[click.Command] = []  # the subcommands live in the `codes` group
