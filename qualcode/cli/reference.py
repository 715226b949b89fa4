"""The command reference in ``docs/cli.md``, generated from the commands' own ``--help``.

Regenerate after adding or changing a command (one command, from the repository root)::

    python -m qualcode.cli.reference

Everything in ``docs/cli.md`` above the marker line is written by hand and kept; everything
below it is replaced. ``tests/unit/test_cli_docs.py`` fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli import cli

MARKER = "<!-- Generated from each command's --help by `python -m qualcode.cli.reference`; edit above. -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and group under ``group``, depth first in name order, with its path."""
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found += commands(command, path)
    return found


def _context() -> click.Context:
    return click.Context(
        cli,
        info_name="qualcode",
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    )


def help_text(path: tuple[str, ...], command: click.Command) -> str:
    """What ``qualcode PATH --help`` prints (at a fixed width, so the file does not depend on the
    terminal that generated it)."""
    parent = _context()
    ctx = parent
    group: click.Command = cli
    for name in path:
        assert isinstance(group, click.Group)
        group = group.commands[name]
        ctx = click.Context(group, info_name=name, parent=ctx)
    return command.get_help(ctx).rstrip()


def render() -> str:
    """The generated part of ``docs/cli.md``: one section per command, its ``--help`` verbatim."""
    parts = [MARKER, "", "# Command reference", ""]
    top = _context()
    parts += ["## qualcode", "", "```text", cli.get_help(top).rstrip(), "```", ""]
    for path, command in commands(cli):
        parts += [f"## qualcode {' '.join(path)}", "", "```text", help_text(path, command), "```", ""]
    return "\n".join(parts)


def regenerate(doc: Path = DOC) -> bool:
    """Rewrite the generated part of ``doc``; True when it changed."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    head = old.split(MARKER, 1)[0].rstrip() + "\n\n" if MARKER in old else old.rstrip() + "\n\n"
    new = head + render()
    if new != old:
        doc.write_text(new, encoding="utf-8")
        return True
    return False


def generated_part(doc: Path = DOC) -> str:
    """What ``doc`` holds below the marker (empty when it has none)."""
    text = doc.read_text(encoding="utf-8")
    return MARKER + text.split(MARKER, 1)[1] if MARKER in text else ""


if __name__ == "__main__":
    changed = regenerate()
    print(f"{DOC}: {'regenerated' if changed else 'already up to date'}", file=sys.stderr)
