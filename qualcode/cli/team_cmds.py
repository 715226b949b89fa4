"""Team coding: agreement between coders, reconciling, merging another coder's study in."""

from __future__ import annotations

import click

from qualcode.cli import AppContext, emit_json, emit_table

pass_app = click.make_pass_decorator(AppContext)


def _coder_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [c.strip() for c in value.split(",") if c.strip()]


def _refuse_blind(app: AppContext, what: str) -> None:
    if app.blind:
        from qualcode.domain.errors import QualcodeError

        raise QualcodeError(f"{what} shows every coder's codings; run it without --blind")


def _num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


@click.command("agreement")
@click.option("--coders", metavar="A,B,...", help="Coders to compare (default: every coder with codings).")
@click.option(
    "--unit",
    type=click.Choice(["segment", "sentence", "paragraph"]),
    default="segment",
    show_default=True,
    help="What counts as one unit of comparison.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def agreement_cmd(app: AppContext, coders: str | None, unit: str, as_json: bool) -> None:
    """Agreement between coders: percent agreement, Cohen's kappa (two coders), Krippendorff's alpha.

    Overall figures compare the set of codes each coder gave a unit; per-code figures compare
    whether each coder gave that code. The unitising rule is printed with the figures.

    \b
    Examples:
      qualcode --db team.qualcode agreement --coders aigerim,daniyar
      qualcode --db team.qualcode agreement --unit sentence --json
    """
    from qualcode.services.team import study_agreement

    _refuse_blind(app, "agreement")
    with app.uow(write=False) as uow:
        report = study_agreement(uow, coders=_coder_list(coders), unit=unit)
    if as_json:
        emit_json(report.as_dict())
        return
    two = len(report.coders) == 2
    click.echo(f"coders: {', '.join(report.coders)}")
    click.echo(f"unit: {report.unit} ({report.units} units, {report.overall.units} coded by two or more)")
    click.echo(f"rule: {report.rule}")
    o = report.overall
    click.echo(
        f"overall: agreement {_num(None if o.percent is None else o.percent * 100, 1)}%"
        + (f", Cohen's kappa {_num(o.kappa)}" if two else "")
        + f", Krippendorff's alpha {_num(o.alpha)}"
    )
    headers = ["code", "units", "agree %"] + (["kappa"] if two else []) + ["alpha"] + list(report.coders)
    rows = []
    for c in report.per_code:
        row: list[object] = [c.code, c.units, _num(None if c.percent is None else c.percent * 100, 1)]
        if two:
            row.append(_num(c.kappa))
        row.append(_num(c.alpha))
        row += [c.applied[name] for name in report.coders]
        rows.append(row)
    emit_table(headers, rows)


@click.group("reconcile")
def reconcile() -> None:
    """Coded spans on which coders disagree, and settling them one by one (each logged, undoable)."""


@reconcile.command("list")
@click.option("--coders", metavar="A,B,...", help="Coders to compare (default: every coder with codings).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def reconcile_list(app: AppContext, coders: str | None, as_json: bool) -> None:
    """Spans the coders coded differently and nobody has resolved yet, by span id.

    \b
    Example:
      qualcode --db team.qualcode reconcile list --coders aigerim,daniyar
    """
    from qualcode.services.team import list_disagreements

    _refuse_blind(app, "reconcile")
    with app.uow(write=False) as uow:
        found = list_disagreements(uow, coders=_coder_list(coders))
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo("no open disagreements")
        return
    emit_table(
        ["span", "document", "disputed", "who gave what", "text"],
        [
            [
                d.segment_id,
                d.document,
                ", ".join(d.disputed),
                "; ".join(f"{c}: {', '.join(v) or '-'}" for c, v in d.codes.items()),
                d.text,
            ]
            for d in found
        ],
    )


@reconcile.command("resolve")
@click.argument("span", type=int)
@click.option("--keep", metavar="CODER", help="Keep this coder's decision on each disputed code.")
@click.option("--both", is_flag=True, help="Keep every coder's codings.")
@click.option("--neither", is_flag=True, help="Remove every disputed coding from the span.")
@click.option("--coders", metavar="A,B,...", help="Coders compared (default: every coder with codings).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def reconcile_resolve(
    app: AppContext,
    span: int,
    keep: str | None,
    both: bool,
    neither: bool,
    coders: str | None,
    as_json: bool,
) -> None:
    """Resolve the disagreement on SPAN (an id from `reconcile list`); `qualcode undo` reverses it.

    \b
    Examples:
      qualcode --db team.qualcode reconcile resolve 42 --keep aigerim
      qualcode --db team.qualcode reconcile resolve 43 --both
      qualcode --db team.qualcode reconcile resolve 44 --neither
    """
    from qualcode.domain.errors import QualcodeError
    from qualcode.services.team import resolve_disagreement

    _refuse_blind(app, "reconcile")
    chosen = [x for x in (keep, "both" if both else None, "neither" if neither else None) if x]
    if len(chosen) != 1:
        raise QualcodeError("choose one of --keep CODER, --both or --neither")
    with app.uow() as uow:
        result = resolve_disagreement(uow, span, keep=chosen[0], coders=_coder_list(coders))
    if as_json:
        emit_json(result)
        return
    click.echo(f"span {result.segment_id}: {result.resolution} (event {result.event_id})")
    for coder, code in result.removed:
        click.echo(f"  removed {coder}'s coding {code!r}")


@click.command("merge-study")
@click.argument("other", metavar="OTHER")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def merge_study_cmd(app: AppContext, other: str, as_json: bool) -> None:
    """Fold another study (a coder's own SQLite file) into this one; running it again adds nothing.

    Documents match by content (the same text up to line endings, a BOM and trailing spaces,
    so a copy saved on Windows is the same interview), codes by name (following merges; sub-codes
    keep their parent), participants by
    label, themes by name; each coder's codings stay theirs. `qualcode undo` removes what it added.

    \b
    Example:
      qualcode --db team.qualcode merge-study daniyar.qualcode
    """
    from qualcode.db.engine import locate
    from qualcode.domain.errors import QualcodeError
    from qualcode.services.team import merge_study, other_label_for

    where = locate(other)
    if where.url == app.study().location.url:
        raise QualcodeError("a study cannot be merged into itself", source=where.display)
    with app.uow() as uow:
        result = merge_study(uow, where, other_label=other_label_for(other))
    if as_json:
        emit_json(result)
        return
    if result.event_id is None:
        click.echo(f"nothing new in {result.other} ({result.documents_matched} document(s) already here)")
        return
    click.echo(
        f"merged {result.other}: {result.codings_added} coding(s), {result.segments_added} span(s), "
        f"{result.documents_added} new document(s) ({result.documents_matched} matched), "
        f"{result.codes_added} new code(s), {result.themes_added} theme(s), "
        f"{result.participants_added} participant(s), {result.memos_added} memo(s); "
        f"coders: {', '.join(result.coders)} (event {result.event_id})"
    )
    for there, here in result.renamed:
        click.echo(f"  document {there!r} is called {here!r} here (the title was taken)")


COMMANDS = [agreement_cmd, reconcile, merge_study_cmd]
