"""The name audit of a whole study: every text the study holds, searched for listed names.

Every table of the schema is read, and in it every text and JSON column (the event log's
before/after images, coder names, memos, participant attributes, document details included), so
a table or column added later is audited without a change here. Rows are streamed; each text is
searched once by the name matcher, and line numbers are counted in one pass, so the audit takes
time linear in the text the study holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import JSON, String, Table, Text, select

from qualcode.db.models import Base
from qualcode.domain.names import line_numbers
from qualcode.services.uow import UnitOfWork


class NameMatch(Protocol):
    """What a name finder reports (``qualcode.domain.names.NameHit`` is one)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def found(self) -> str: ...
    @property
    def real(self) -> str: ...


@dataclass(frozen=True)
class AuditHit:
    """A listed name in the study: ``place`` names the table's row and column ("document
    'Expert A', line 4", "event 12 (changes)", "coder 3 (name)"); ``context`` is the text around
    it on one line."""

    place: str
    found: str
    real: str
    context: str


# How a row is named in a place: by a column people recognise, else by its id.
_ROW_NAMES = {"document": "title", "code": "name", "theme": "name", "participant": "label"}
# How a column is named in a place; "text" columns are the row's body and get line numbers.
_COLUMN_NAMES = {"source_name": "file name", "meta": "details", "summary": "qualcode log"}
_BODY = "text"


def _context(text: str, match: NameMatch) -> str:
    a, b = max(0, match.start - 30), min(len(text), match.end + 30)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value: values, dictionary keys, list items."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _text_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, String | Text | JSON)]


def _selectable(table: Table, names: list[str]) -> list[Any]:
    """The columns as the mapped class's attributes where there is one, so that a blind unit of
    work's criteria (``qualcode.services.blind``) apply to the audit too."""
    mapper = next((m for m in Base.registry.mappers if m.local_table is table), None)
    if mapper is None:
        return [table.c[n] for n in names]
    return [getattr(mapper.class_, mapper.get_property_by_column(table.c[n]).key) for n in names]


def audit_study(uow: UnitOfWork, find: Callable[[str], Sequence[NameMatch]]) -> list[AuditHit]:
    """Every listed name still in the study, in any table's text or JSON column, with its place.

    ``find`` is the key's name finder (``PseudonymKey.hits``). Tables come in the schema's order,
    rows by id.
    """
    s = uow.session
    hits: list[AuditHit] = []
    for table in Base.metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns or "id" not in table.c:
            continue
        label_column = _ROW_NAMES.get(table.name)
        id_column, *text_columns = _selectable(table, ["id", *columns])
        query = select(id_column, *text_columns).order_by(id_column)
        for row in s.execute(query.execution_options(yield_per=500)):
            values = dict(zip(columns, row[1:], strict=True))
            label = values.get(label_column) if label_column else None
            owner = f"{table.name} {label!r}" if label else f"{table.name} {row[0]}"
            for column, value in values.items():
                if value is None or value == "":
                    continue
                column_name = _COLUMN_NAMES.get(column, column)
                if column == _BODY and isinstance(value, str):
                    found = find(value)
                    for m, line in zip(found, line_numbers(value, (m.start for m in found)), strict=True):
                        place = f"{owner}, line {line}" if "\n" in value else owner
                        hits.append(AuditHit(place, m.found, m.real, _context(value, m)))
                    continue
                for text in _strings(value):
                    for m in find(text):
                        hits.append(AuditHit(f"{owner} ({column_name})", m.found, m.real, _context(text, m)))
    return hits
