"""Every command says what it does and shows an example (sqlite-utils keeps the same rule)."""

from __future__ import annotations

import click
import pytest

from qualcode.cli import cli


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            assert command.help, f"group {' '.join(path)} has no help"
            found += _commands(command, path)
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(cli)


def test_the_fixed_command_names_exist() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for wanted in [
        "init",
        "example",
        "demo",
        "participants add",
        "participants list",
        "documents list",
        "import",
        "code",
        "segments",
        "codes list",
        "themes add",
        "themes assign",
        "themes list",
        "funnel",
        "db upgrade",
        "db check",
        "db backup",
        "log",
        "undo",
    ]:
        assert wanted in names, wanted


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_with_an_example(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20
    assert "Example" in command.help, f"qualcode {' '.join(path)} shows no example"
    assert "qualcode" in command.help.split("Example", 1)[1]


def test_docs_cli_md_is_generated_from_every_commands_help() -> None:
    """docs/cli.md holds every command's current --help; regenerate with
    ``python -m qualcode.cli.reference`` when this fails."""
    from qualcode.cli.reference import generated_part, render

    documented = generated_part()
    for path, _ in COMMANDS:
        assert f"## qualcode {' '.join(path)}\n" in documented, (
            f"qualcode {' '.join(path)} is not in docs/cli.md"
        )
    assert documented == render(), "docs/cli.md is stale: run python -m qualcode.cli.reference"


def test_the_licence_file_matches_pyproject() -> None:
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    declared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    licence = (root / "LICENSE").read_text(encoding="utf-8")
    assert declared == {"text": "MIT"}
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence
