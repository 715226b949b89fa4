"""Building the bundled thesis study: 9 experts, 9 documents, 8 themes, 194 codes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import bindparam, insert, select, update

from qualcode.db.models import Code, Participant, Segment, Study, Theme, table_of
from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ExampleBundle, ImportedCoding
from qualcode.domain.spans import paragraph_spans
from qualcode.services.documents import DocumentToStore, store_documents
from qualcode.services.uow import UnitOfWork

EXAMPLE_TITLE = "Migration management in Kazakhstan: expert interviews (2024 thesis)"
EXAMPLE_CODER = "Thesis team"


@dataclass(frozen=True)
class ExampleSummary:
    participants: int
    documents: int
    themes: int
    codes: int
    segments: int
    codings: int


def build_example_study(uow: UnitOfWork, bundle: ExampleBundle) -> ExampleSummary:
    """Fill an empty study from the bundle, coding every published quote at its paragraph."""
    s = uow.session
    s.execute(table_of(Study).update().values(title=EXAMPLE_TITLE))
    s.execute(
        insert(Participant),
        [
            {
                "label": row.values["label"],
                "position": i,
                "attributes": {k: v for k, v in row.values.items() if k != "label" and v},
            }
            for i, row in enumerate(bundle.participants, start=1)
        ],
    )
    theme_ids: dict[str, int] = {}
    for row in bundle.codebook:
        if row.theme not in theme_ids:
            theme_ids[row.theme] = s.execute(
                insert(Theme).returning(Theme.id),
                [{"name": row.theme, "description": "", "position": len(theme_ids) + 1}],
            ).scalar_one()
    coder_id = uow.coder_id()
    seen_codes: dict[str, int] = {}
    code_rows = []
    for row in bundle.codebook:
        if row.code in seen_codes:
            continue
        seen_codes[row.code] = len(seen_codes) + 1
        code_rows.append(
            {
                "name": row.code,
                "description": row.description,
                "colour": "",
                "status": "active",
                "exclusion_reason": "",
                "theme_id": theme_ids[row.theme],
                "position": seen_codes[row.code],
                "created_by_id": coder_id,
            }
        )
    s.execute(insert(Code), code_rows)

    per_document: dict[str, list[ImportedCoding]] = {label: [] for label in bundle.documents}
    # Appendix B prints one example quote per code: its first published row.
    example_of: dict[str, tuple[str, int, int]] = {}
    for row in bundle.codebook:
        doc = bundle.documents.get(row.participant)
        if doc is None:
            raise QualcodeError(f"no notes file for {row.participant!r}", source="codebook", line=row.line)
        spans = [(a, b) for a, b in paragraph_spans(doc.text) if doc.text[a:b] == row.quote]
        if len(spans) != 1:
            raise QualcodeError(
                f"the quote for {row.code!r} is not one whole paragraph of {row.participant}'s notes",
                source="codebook",
                line=row.line,
            )
        per_document[row.participant].append(ImportedCoding(spans[0][0], spans[0][1], (row.code,)))
        example_of.setdefault(row.code, (row.participant, spans[0][0], spans[0][1]))
    results = store_documents(
        uow,
        [
            DocumentToStore(replace(doc, codings=tuple(per_document[label])), participant=label)
            for label, doc in bundle.documents.items()
        ],
        allow_new_codes=False,
    )
    totals = [sum(r.segments for r in results), sum(r.codings for r in results)]
    doc_ids = {r.participant: r.document_id for r in results}
    segment_ids = {
        (document_id, start, end): segment_id
        for segment_id, document_id, start, end in s.execute(
            select(Segment.id, Segment.document_id, Segment.start, Segment.end)
        ).all()
    }
    code_ids = dict(s.execute(select(Code.name, Code.id)).all())
    s.execute(
        update(table_of(Code))
        .where(table_of(Code).c.id == bindparam("code_id"))
        .values(example_segment_id=bindparam("segment_id")),
        [
            {"code_id": code_ids[name], "segment_id": segment_ids[(doc_ids[label], start, end)]}
            for name, (label, start, end) in example_of.items()
        ],
    )
    uow.log(
        "study.example",
        "built the bundled thesis study",
        details={
            "participants": len(bundle.participants),
            "documents": len(bundle.documents),
            "codes": len(code_rows),
            "codings": totals[1],
        },
    )
    uow.commit()
    codes = len(list(s.scalars(select(Code.id))))
    return ExampleSummary(
        len(bundle.participants), len(bundle.documents), len(theme_ids), codes, totals[0], totals[1]
    )
