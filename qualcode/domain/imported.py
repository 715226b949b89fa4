"""What an importer hands to the study: a document's text and the codings found in it.

Importers (``qualcode.io``) build these from files; ``qualcode.services.documents`` stores
them in one transaction. Offsets are character offsets into ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ImportedMemo:
    text: str
    author: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class ImportedCoding:
    """One code application: ``codes`` on the span [start, end) of the document text."""

    start: int
    end: int
    codes: tuple[str, ...]
    coder: str | None = None
    created_at: datetime | None = None
    memos: tuple[ImportedMemo, ...] = ()
    where: str = ""  # where it came from in the file ("comment 12"), for messages


@dataclass(frozen=True)
class ImportedDocument:
    title: str
    text: str
    sha256: str
    source_name: str
    source_format: str
    meta: dict[str, Any] = field(default_factory=dict)
    codings: tuple[ImportedCoding, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableRow:
    """A row of a hand-edited table; ``line`` is its line in the file (the header is line 1)."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CodebookRow:
    line: int
    theme: str
    code: str
    description: str
    participant: str
    quote: str
    published_count: int | None


@dataclass(frozen=True)
class ExampleBundle:
    """The bundled thesis study as read from its files."""

    participants: list[TableRow]
    documents: dict[str, ImportedDocument]  # by participant label
    codebook: list[CodebookRow]


@dataclass(frozen=True)
class ImportedCode:
    """A codebook entry from a .qdc or a sheet: a code in a theme (outer theme first), and the
    name of its parent code when it is a sub-code."""

    line: int
    code: str
    themes: tuple[str, ...] = ()
    description: str = ""
    colour: str = ""
    parent: str = ""
