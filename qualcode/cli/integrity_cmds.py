"""Research integrity: check a manuscript against the data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli import AppContext, emit_json, emit_table
from qualcode.cli.coding_cmds import codes
from qualcode.cli.records import participants
from qualcode.cli.report_cmds import FORCE, _target
from qualcode.cli.team_cmds import _refuse_blind
from qualcode.domain.errors import QualcodeError

pass_app = click.make_pass_decorator(AppContext)


@click.command("check-manuscript")
@click.argument("manuscript", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "docx"]),
    default="text",
    show_default=True,
    help="docx: also write a copy of the .docx manuscript with a Word comment on each finding (-o).",
)
@FORCE
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the annotated copy goes.",
)
@pass_app
def check_manuscript_cmd(
    app: AppContext, manuscript: Path, as_json: bool, fmt: str, out: Path | None, force: bool
) -> None:
    """Check the findings as written against the study; exit 1 if anything disagrees.

    Per paragraph (numbered from 1 over non-empty body paragraphs, headings included):
    citations such as "six Experts¹" (footnote "Experts (A,B,C,D,E,F)"), "Experts (C) and
    (D)", "Experts (C), (D), and (E)", "Expert (H)" -- the number word agrees with the
    identifiers and each is a participant; quotations («…», "…", '…') attributed to a
    participant are in that participant's documents (ellipses, quote marks and spacing may
    differ), else flagged as misattributed or not found; claims anchored to a code (a Word
    comment naming it, or [code: NAME] after the claim in .md/.txt) cite exactly that code's
    participants after merges. A Word comment that names no code (nor nearly one) is a
    reviewer's note and is passed over; start it with "code:" to make it a claim.

    \b
    Examples:
      qualcode check-manuscript thesis.docx
      qualcode check-manuscript chapter4.md --json
      qualcode check-manuscript thesis.docx --format docx -o thesis-checked.docx
    """
    from qualcode.io.manuscript import Note, read_manuscript, write_annotated_docx
    from qualcode.services.manuscript import check_manuscript

    if fmt == "docx":
        if manuscript.suffix.lower() != ".docx":
            raise QualcodeError("--format docx annotates a .docx manuscript", source=str(manuscript))
        if out is None:
            raise QualcodeError("--format docx needs -o OUT.docx")
        if out.suffix.lower() != ".docx":
            raise QualcodeError("the annotated copy is a .docx", source=str(out))
        if out.resolve() == manuscript.resolve():
            raise QualcodeError("-o must not overwrite the manuscript itself", source=str(out))
        _target(app, out, force)
    parsed = read_manuscript(manuscript)
    with app.uow(write=False) as uow:
        report = check_manuscript(uow, parsed.paragraphs, str(manuscript))
    written = 0
    if fmt == "docx" and out is not None:
        notes = [
            Note(f.paragraph, f.start, f.end, f"qualcode ({f.kind}): {f.message}") for f in report.findings
        ]
        written = write_annotated_docx(manuscript, out, notes)
    if as_json:
        emit_json(report)
    else:
        for f in report.findings:
            click.echo(f"¶{f.paragraph}: {f.kind}: {f.message}")
        paragraphs = sorted({f.paragraph for f in report.findings})
        summary = (
            f"{manuscript}: checked {report.citations} citations, {report.quotes} quotations and "
            f"{report.claims} anchored claims in {len(parsed.paragraphs)} paragraphs; "
        )
        if report.findings:
            summary += (
                f"{len(report.findings)} disagreement(s) in paragraph(s) {', '.join(map(str, paragraphs))}"
            )
        else:
            summary += "everything agrees with the data"
        click.echo(summary)
        if fmt == "docx":
            click.echo(f"wrote {out} with {written} comment(s)")
    if report.findings:
        sys.exit(1)


@participants.command("withdraw")
@click.argument("label", required=False)
@click.option("--reason", help="Why (kept in the log): e.g. 'consent withdrawn by email 3 June'.")
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option(
    "--vacuum-only", is_flag=True, help="Only rewrite the study file (if a withdrawal could not do it)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_app
def participants_withdraw(
    app: AppContext, label: str | None, reason: str | None, dry_run: bool, vacuum_only: bool, as_json: bool
) -> None:
    """Remove a participant who withdrew consent, and every trace of their interview.

    Deletes LABEL, their documents, excerpts, codings and memos, and codes only they gave, in
    one event that keeps no interview text and cannot be undone. Reports the codings and
    documents removed, codes whose counts fall or that vanish, citation strings that change,
    Appendix B example quotes that must be replaced (and the replacement picked), and the
    funnel before and after. Afterwards the study file is rewritten so that the deleted text is
    not left in free pages or the WAL; earlier backups still hold it.

    \b
    Examples:
      qualcode participants withdraw "Expert C" --reason "consent withdrawn 3 June" --dry-run
      qualcode participants withdraw "Expert C" --reason "consent withdrawn 3 June"
    """
    from qualcode.services.withdraw import purge_freed_space, withdraw_participant

    if vacuum_only:
        purge_freed_space(app.study().engine)
        click.echo("rewrote the study file: deleted text is gone from its free space and WAL")
        return
    if not label or reason is None:
        raise QualcodeError("give the participant's LABEL and --reason (or --vacuum-only)")
    report = app.write(withdraw_participant, label, reason=reason, dry_run=dry_run)
    if not dry_run:
        purge_freed_space(app.study().engine)
    if as_json:
        emit_json(report)
        return
    would = "would be" if dry_run else "were"
    click.echo(
        f"{report.participant}: {len(report.documents)} document(s), {report.segments} excerpt(s), "
        f"{report.codings} coding(s) and {report.memos} memo(s) {would} removed"
    )
    for title in report.documents:
        click.echo(f"  document: {title}")
    for c in report.codes_falling:
        click.echo(f"  count falls: {c.code}: {c.before} -> {c.after}")
    for name in report.codes_vanishing:
        click.echo(f"  code vanishes: {name}")
    for cited in report.citations:
        click.echo(f"  citation: {cited.code}: {cited.before!r} -> {cited.after or '(nobody)'!r}")
    for e in report.examples:
        if e.replacement_text is None:
            click.echo(f"  example quote: {e.code}: removed with the code")
        else:
            who = e.replacement_participant or e.replacement_document
            click.echo(
                f"  example quote: {e.code}: replaced by segment {e.replacement_segment_id} "
                f"({who}): {e.replacement_text!r}"
            )
    for name in report.snapshots:
        click.echo(f"  codebook snapshot {name!r}: {report.participant} taken out of it")
    for title in report.shared_documents:
        click.echo(
            f"  NOT removed: {report.participant}'s turns in the shared transcript {title!r} "
            "(a document's text is fixed: re-import it without them, or remove it)"
        )
    b, a = report.funnel_before, report.funnel_after
    click.echo(
        f"  funnel: {b.applications} -> {a.applications} code applications, {b.unique_codes} -> "
        f"{a.unique_codes} unique codes, {b.kept_codes} -> {a.kept_codes} kept, "
        f"{b.excluded_codes} -> {a.excluded_codes} excluded"
    )
    if dry_run:
        click.echo("dry run: nothing changed")
    else:
        click.echo(
            f"event {report.event_id}: withdrawal logged (the reason, no interview text); it cannot be undone"
        )


@click.group("codebook")
@click.pass_context
def codebook_group(ctx: click.Context) -> None:
    """Codebook versions: snapshots between coding cycles, diffs, and .qdc exports of them.

    A snapshot is the team's record (every coder's codings), so these commands refuse to run
    under --blind."""
    app = ctx.find_object(AppContext)
    if app is not None and app.blind and ctx.invoked_subcommand is not None:
        _refuse_blind(app, "a codebook snapshot")


@codebook_group.command("snapshot")
@click.argument("name")
@pass_app
def codebook_snapshot(app: AppContext, name: str) -> None:
    """Keep the codebook as it stands now under NAME (codes, themes, counts, participants).

    \b
    Example:
      qualcode codebook snapshot "cycle 1"
    """
    from qualcode.services.snapshots import take_snapshot

    info = app.write(take_snapshot, name)
    click.echo(
        f"snapshot {info.name!r}: {info.codes} codes ({info.kept_codes} kept, {info.excluded_codes} excluded "
        f"with codings), {info.codings} codings"
    )


@codebook_group.command("snapshots")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def codebook_snapshots(app: AppContext, as_json: bool) -> None:
    """List the codebook snapshots, oldest first.

    \b
    Example:
      qualcode codebook snapshots
    """
    from qualcode.services.snapshots import list_snapshots

    with app.uow(write=False) as uow:
        found = list_snapshots(uow)
    if as_json:
        emit_json(found)
        return
    emit_table(
        ["snapshot", "taken", "by", "codes", "codings", "kept", "excluded"],
        [
            [
                i.name,
                i.created_at.isoformat(timespec="seconds"),
                i.by,
                i.codes,
                i.codings,
                i.kept_codes,
                i.excluded_codes,
            ]
            for i in found
        ],
    )


@codebook_group.command("diff")
@click.argument("before")
@click.argument("after", default="current")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def codebook_diff_cmd(app: AppContext, before: str, after: str, as_json: bool) -> None:
    """What changed in the codebook from snapshot BEFORE to AFTER (a snapshot, or current).

    Lists codes added, removed, renamed, merged (and unmerged), moved between themes, excluded
    (and included), and counts that changed other than by a merge.

    \b
    Examples:
      qualcode codebook diff "cycle 1" "cycle 2"
      qualcode codebook diff "cycle 2"            # against the codebook as it is now
    """
    from qualcode.services.snapshots import codebook_diff

    with app.uow(write=False) as uow:
        d = codebook_diff(uow, before, after)
    if as_json:
        emit_json(d)
        return
    lines = [f"added: {n}" for n in d.added]
    lines += [f"removed: {n}" for n in d.removed]
    lines += [f"renamed: {r.old} -> {r.new}" for r in d.renamed]
    lines += [f"merged: {m.code} -> {m.into}" for m in d.merged]
    lines += [f"unmerged: {n}" for n in d.unmerged]
    for m in d.moved:
        if m.theme_before != m.theme_after:
            lines.append(
                f"moved: {m.code}: {m.theme_before or '(no theme)'} -> {m.theme_after or '(no theme)'}"
            )
        if m.parent_before != m.parent_after:
            was = f"under {m.parent_before}" if m.parent_before else "(top)"
            now = f"under {m.parent_after}" if m.parent_after else "(top)"
            lines.append(f"moved: {m.code}: {was} -> {now}")
    lines += [f"excluded: {n}" for n in d.excluded]
    lines += [f"included: {n}" for n in d.included]
    lines += [f"count: {c.code}: {c.before} -> {c.after}" for c in d.counts]
    for line in lines:
        click.echo(line)
    click.echo(f"{d.changes} change(s) from {d.before!r} to {d.after!r}")


@codebook_group.command("export")
@click.argument("name")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@FORCE
@pass_app
def codebook_export(app: AppContext, name: str, out: Path, force: bool) -> None:
    """Write snapshot NAME (or current) as a REFI-QDA codebook (.qdc).

    \b
    Example:
      qualcode codebook export "cycle 1" cycle1.qdc
    """
    from qualcode.io.refi import write_qdc
    from qualcode.services.snapshots import snapshot_project

    if out.suffix.lower() != ".qdc":
        raise QualcodeError("a codebook snapshot is exported as .qdc", source=str(out))
    _target(app, out, force)
    with app.uow(write=False) as uow:
        project = snapshot_project(uow, name)
    write_qdc(project, out)
    click.echo(f"wrote {out}: {len(project.codes)} codes, {len(project.themes)} themes")


@codes.group("glossary")
def codes_glossary() -> None:
    """The team glossary: names that are one term across languages, for codes similar."""


@codes_glossary.command("add")
@click.argument("term_a")
@click.argument("term_b")
@pass_app
def glossary_add(app: AppContext, term_a: str, term_b: str) -> None:
    """Pair two names as one term (codes similar then suggests codes that translate).

    \b
    Example:
      qualcode codes glossary add "Digitalisation" "Цифровизация"
    """
    from qualcode.services.glossary import add_glossary_term

    term = app.write(add_glossary_term, term_a, term_b)
    click.echo(f"glossary: {term.term_a} = {term.term_b}")


@codes_glossary.command("remove")
@click.argument("term_a")
@click.argument("term_b")
@pass_app
def glossary_remove(app: AppContext, term_a: str, term_b: str) -> None:
    """Forget a glossary pair.

    \b
    Example:
      qualcode codes glossary remove "Digitalisation" "Цифровизация"
    """
    from qualcode.services.glossary import remove_glossary_term

    term = app.write(remove_glossary_term, term_a, term_b)
    click.echo(f"glossary: removed {term.term_a} = {term.term_b}")


@codes_glossary.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def glossary_list(app: AppContext, as_json: bool) -> None:
    """The glossary's pairs, in the order they were added.

    \b
    Example:
      qualcode codes glossary list --json
    """
    from qualcode.services.glossary import glossary_terms

    with app.uow(write=False) as uow:
        terms = glossary_terms(uow)
    if as_json:
        emit_json(terms)
        return
    emit_table(["term", "same as"], [[t.term_a, t.term_b] for t in terms])


COMMANDS = [check_manuscript_cmd, codebook_group]
