"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from qualcode.domain.errors import QualcodeError


def _checked_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from qualcode.io.text import check_encoding_name

    try:
        return check_encoding_name(value)
    except QualcodeError as exc:
        raise click.BadParameter(exc.message) from exc


def encoding_option(what: str) -> Callable[[Any], Any]:
    """``--encoding NAME`` for a command that reads ``what``; an unknown name is exit 2."""
    return click.option(
        "--encoding",
        metavar="NAME",
        callback=_checked_encoding,
        help=f"The encoding of {what} when it is neither UTF-8 nor told by a BOM and cannot be "
        "detected (cp1251, cp1252, koi8-r, kz1048, iso-8859-7, ...).",
    )
