"""Building small studies for the consolidation tests, and reading every row back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from qualcode.db.engine import locate
from qualcode.db.models import Base, Participant
from qualcode.db.schema import open_study
from qualcode.domain.imported import ImportedCoding, ImportedDocument, ImportedMemo
from qualcode.services.documents import store_document
from qualcode.services.uow import unit_of_work

# Tables a merge may touch (the event log itself grows by design).
STATE_TABLES = ("code", "coding", "memo", "theme", "segment", "document", "participant", "coder")
T0 = datetime(2024, 4, 11, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Applied:
    """One coding to store: ``codes`` on sentence ``sentence`` of a document, by ``coder``."""

    sentence: int
    codes: tuple[str, ...]
    coder: str = "tester"
    memo: str | None = None


def sentences(count: int, lang_word: str = "migration") -> list[str]:
    return [f"Sentence {i} of the notes talks about {lang_word} number {i}." for i in range(count)]


def store_notes(db: str, documents: dict[str, tuple[str, list[str], list[Applied]]]) -> None:
    """Store documents ``title -> (participant, sentences, codings)``, one transaction."""
    opened = open_study(locate(db))
    try:
        with unit_of_work(opened, coder="tester") as uow:
            labels = {p for p, _, _ in documents.values()}
            for position, label in enumerate(sorted(labels)):
                uow.session.add(Participant(label=label, attributes={}, position=position))
            uow.session.flush()
            minute = 0
            for title, (participant, parts, applied) in documents.items():
                text = " ".join(parts) + "\n"
                starts = []
                at = 0
                for part in parts:
                    starts.append(at)
                    at += len(part) + 1
                codings = []
                for a in applied:
                    minute += 1
                    start = starts[a.sentence]
                    codings.append(
                        ImportedCoding(
                            start,
                            start + len(parts[a.sentence]),
                            a.codes,
                            coder=a.coder,
                            created_at=T0 + timedelta(minutes=minute),
                            memos=(ImportedMemo(a.memo, a.coder, T0),) if a.memo else (),
                        )
                    )
                doc = ImportedDocument(
                    title=title,
                    text=text,
                    sha256=hashlib.sha256(text.encode()).hexdigest(),
                    source_name=f"{title}.md",
                    source_format="md",
                    codings=tuple(codings),
                )
                store_document(uow, doc, participant=participant, allow_new_codes=True, allow_duplicate=True)
            uow.commit()
    finally:
        opened.engine.dispose()


def snapshot(db: str) -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of the study's tables (not the event log), by table and id."""
    opened = open_study(locate(db))
    try:
        with opened.engine.connect() as conn:
            return {
                name: {row.id: dict(row._mapping) for row in conn.execute(select(Base.metadata.tables[name]))}
                for name in STATE_TABLES
            }
    finally:
        opened.engine.dispose()


def diff(
    before: dict[str, dict[int, dict[str, Any]]], after: dict[str, dict[int, dict[str, Any]]]
) -> set[tuple[str, int]]:
    """(table, id) of every row that differs, appeared or disappeared."""
    changed: set[tuple[str, int]] = set()
    for name in STATE_TABLES:
        for row_id in set(before[name]) | set(after[name]):
            if before[name].get(row_id) != after[name].get(row_id):
                changed.add((name, row_id))
    return changed
