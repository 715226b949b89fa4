"""A study as a REFI-QDA project (for .qdpx/.qdc export), and an imported project stored into
an empty study.

GUIDs are derived (uuid5) from the study's creation time and each row's id, so exporting the
same study twice gives the same GUIDs, and a tool that re-imports a later export can match them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from qualcode.db.models import (
    Code,
    Coder,
    CodeStatus,
    Coding,
    Document,
    Memo,
    Participant,
    Segment,
    Study,
    Theme,
)
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.imported import ImportedCoding, ImportedDocument, ImportedMemo
from qualcode.domain.project import (
    EXCLUSION_NOTE,
    PARTICIPANT_NOTE,
    Project,
    ProjectCase,
    ProjectCode,
    ProjectCoding,
    ProjectNote,
    ProjectSelection,
    ProjectSource,
    ProjectTheme,
    ProjectUser,
)
from qualcode.services import read_models
from qualcode.services.documents import DocumentToStore, store_documents
from qualcode.services.history import RowTracker
from qualcode.services.uow import UnitOfWork


class _Guids:
    def __init__(self, namespace: uuid.UUID):
        self.namespace = namespace

    def __call__(self, kind: str, row_id: int) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}:{row_id}"))


def _namespace(uow: UnitOfWork) -> uuid.UUID:
    row = uow.session.execute(select(Study.id, Study.created_at).order_by(Study.id).limit(1)).first()
    seed = f"{row[0]}:{row[1].isoformat()}" if row else "empty"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode-study:{seed}")


def project_snapshot(uow: UnitOfWork, *, codebook_only: bool = False) -> Project:
    """The study as a Project: codes that are not merged (excluded ones flagged), themes in order,
    participants as cases, documents with their coded spans, coders as users, memos as notes."""
    s = uow.session
    ns = _namespace(uow)
    g = _Guids(ns)
    study = s.execute(select(Study.title, Study.research_questions, Study.created_at).limit(1)).first()
    # Themes and codes in read_models.codebook_tree's order, cases in its participant order.
    tree = read_models.codebook_tree(uow, participants=False)
    themes = [
        ProjectTheme(
            g("theme", t.id), t.name, t.description, g("theme", t.parent_id) if t.parent_id else None
        )
        for t in tree.themes
    ]
    code_rows = s.execute(
        select(
            Code.id,
            Code.name,
            Code.description,
            Code.colour,
            Code.theme_id,
            Code.status,
            Code.exclusion_reason,
            Code.position,
            Code.parent_id,
        ).where(Code.status != CodeStatus.MERGED)
    ).all()
    rank = {c.id: i for i, c in enumerate(tree.codes())}
    codes_sorted = sorted(code_rows, key=lambda r: rank.get(r[0], len(rank)))
    codes = [
        ProjectCode(
            g("code", r[0]),
            r[1],
            r[2] or "",
            r[3] if r[3] and len(r[3]) == 7 else "",
            g("theme", r[4]) if r[4] else None,
            CodeStatus(r[5]) == CodeStatus.EXCLUDED,
            r[6] or "",
            parent=g("code", r[8]) if r[8] else None,
        )
        for r in codes_sorted
    ]
    title = study[0] if study else "qualcode study"
    if codebook_only:
        return Project(title, themes=tuple(themes), codes=tuple(codes), namespace=str(ns))
    kept = {r[0] for r in code_rows}
    users = [ProjectUser(g("coder", i), name) for i, name in s.execute(select(Coder.id, Coder.name)).all()]
    memos = s.execute(
        select(
            Memo.id,
            Memo.text,
            Memo.document_id,
            Memo.participant_id,
            Memo.code_id,
            Memo.theme_id,
            Memo.coding_id,
            Memo.author_id,
            Memo.created_at,
        ).order_by(Memo.id)
    ).all()
    notes: list[ProjectNote] = []
    coding_notes: dict[int, list[str]] = defaultdict(list)
    source_notes: dict[int, list[str]] = defaultdict(list)
    for mid, text, doc_id, part_id, code_id, theme_id, coding_id, author, at in memos:
        guid = g("memo", mid)
        target: tuple[str, str | None] = ("study", None)
        name = ""
        if doc_id:
            target = ("source", g("document", doc_id))
            source_notes[doc_id].append(guid)
        elif code_id:
            if code_id not in kept:
                continue
            target = ("code", g("code", code_id))
        elif theme_id:
            target = ("theme", g("theme", theme_id))
        elif coding_id:
            target = ("coding", g("coding", coding_id))
            coding_notes[coding_id].append(guid)
        elif part_id:
            target = ("case", g("participant", part_id))
            name = f"{PARTICIPANT_NOTE}{target[1]}"  # a Case cannot hold a NoteRef
        notes.append(ProjectNote(guid, text, name, g("coder", author) if author else None, at, target))
    for r in code_rows:
        if CodeStatus(r[5]) == CodeStatus.EXCLUDED and r[6]:
            notes.append(
                ProjectNote(g("exclusion", r[0]), r[6], EXCLUSION_NOTE, None, None, ("code", g("code", r[0])))
            )
    people = s.execute(select(Participant.id, Participant.label, Participant.attributes)).all()
    person_rank = {pid: i for i, (pid, _) in enumerate(tree.participants)}
    docs = s.execute(
        select(
            Document.id,
            Document.title,
            Document.text,
            Document.participant_id,
            Document.imported_by_id,
            Document.imported_at,
        )
    ).all()
    docs_of: dict[int, list[str]] = defaultdict(list)
    for d in docs:
        if d[3] is not None:
            docs_of[d[3]].append(g("document", d[0]))
    cases = [
        ProjectCase(g("participant", pid), label, dict(attrs or {}), tuple(docs_of.get(pid, ())))
        for pid, label, attrs in sorted(people, key=lambda p: person_rank[p[0]])
    ]
    spans: dict[int, dict[int, tuple[int, int, list[ProjectCoding]]]] = defaultdict(dict)
    for seg_id, doc_id, start, end, coding_id, code_id, coder_id, at in s.execute(
        select(
            Segment.id,
            Segment.document_id,
            Segment.start,
            Segment.end,
            Coding.id,
            Coding.code_id,
            Coding.coder_id,
            Coding.created_at,
        )
        .join(Coding, Coding.segment_id == Segment.id)
        .order_by(Segment.document_id, Segment.start, Segment.end, Coding.id)
    ).all():
        if code_id not in kept:
            continue
        entry = spans[doc_id].setdefault(seg_id, (start, end, []))
        entry[2].append(
            ProjectCoding(
                g("coding", coding_id),
                g("code", code_id),
                g("coder", coder_id),
                at,
                tuple(coding_notes.get(coding_id, ())),
            )
        )
    sources = [
        ProjectSource(
            g("document", d[0]),
            d[1],
            d[2],
            tuple(
                ProjectSelection(g("segment", sid), a, b, tuple(cs))
                for sid, (a, b, cs) in spans.get(d[0], {}).items()
            ),
            g("coder", d[4]) if d[4] else None,
            d[5],
            tuple(source_notes.get(d[0], ())),
        )
        for d in sorted(docs, key=lambda d: d[0])
    ]
    return Project(
        title,
        study[1] if study else "",
        "",
        tuple(users),
        tuple(themes),
        tuple(codes),
        tuple(cases),
        tuple(sources),
        tuple(notes),
        study[2] if study else None,
        namespace=str(ns),
    )


@dataclass(frozen=True)
class ProjectImported:
    participants: int
    documents: int
    themes: int
    codes: int
    segments: int
    codings: int
    memos: int
    warnings: tuple[str, ...]


def study_is_empty(uow: UnitOfWork) -> bool:
    """True when the study has no documents, codes, themes or participants yet."""
    s = uow.session
    return all(
        (s.scalar(select(func.count()).select_from(model)) or 0) == 0
        for model in (Document, Code, Theme, Participant)
    )


def import_project(uow: UnitOfWork, project: Project, *, source: str) -> ProjectImported:
    """``qualcode import STUDY.qdpx`` into an empty study: one transaction, undone as one event.

    Cases become participants, sources documents, the codebook's categories themes and its
    codes codes (nested codes as sub-codes), selections codings by their users, notes memos.
    A study that already has data takes a project through ``merge_project``.
    """
    s = uow.session
    if not study_is_empty(uow):
        raise ConflictError("the study already has data; use merge_project", source=source)
    now = datetime.now(UTC)
    coder_id = uow.coder_id()
    user_names = {u.guid: u.name for u in project.users}
    # Participants: cases, in the file's order.
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for i, case in enumerate(project.cases, start=1):
        label = case.name
        if label in taken:
            raise QualcodeError(f"two cases are called {label!r}", source=source)
        taken.add(label)
        labels[case.guid] = label
        s.execute(
            insert(Participant),
            [{"label": label, "attributes": dict(case.attributes), "position": i, "created_at": now}],
        )
    participant_of: dict[str, str] = {}
    for case in project.cases:
        for src_guid in case.sources:
            participant_of.setdefault(src_guid, labels[case.guid])
    # Themes, inserted flat and then nested by an update that the event records: undo puts
    # parent_id back to NULL before it deletes the themes (a parent cannot go while a child
    # still points at it).
    theme_ids: dict[str, int] = {}
    positions: dict[str | None, int] = defaultdict(int)
    seen_names: set[str] = set()
    for theme in project.themes:
        name = theme.name
        if name in seen_names:
            raise QualcodeError(
                f"two themes are called {name!r}; rename one in the source tool", source=source
            )
        seen_names.add(name)
        positions[theme.parent] += 1
        theme_ids[theme.guid] = s.execute(
            insert(Theme).returning(Theme.id),
            [
                {
                    "name": name,
                    "description": theme.description,
                    "parent_id": None,
                    "position": positions[theme.parent],
                    "created_at": now,
                }
            ],
        ).scalar_one()
    nesting = RowTracker(s)
    nested = {theme_ids[t.guid]: theme_ids[t.parent] for t in project.themes if t.parent in theme_ids}
    nesting.watch(Theme, list(nested))
    for child, parent in nested.items():
        s.execute(update(Theme).where(Theme.id == child).values(parent_id=parent))
    # Codes, in order within their theme.
    code_pos: dict[str | None, int] = defaultdict(int)
    reasons = {n.target[1]: n.text for n in project.notes if n.name == EXCLUSION_NOTE}
    code_rows = []
    for code in project.codes:
        code_pos[code.theme] += 1
        code_rows.append(
            {
                "name": code.name,
                "description": code.description,
                "colour": code.colour,
                "status": CodeStatus.EXCLUDED if code.excluded else CodeStatus.ACTIVE,
                "exclusion_reason": code.exclusion_reason or reasons.get(code.guid, ""),
                "theme_id": theme_ids.get(code.theme) if code.theme else None,
                "position": code_pos[code.theme],
                "created_by_id": coder_id,
                "created_at": now,
            }
        )
    if code_rows:
        s.execute(insert(Code), code_rows)
    code_names = {c.guid: c.name for c in project.codes}
    # Sub-codes: linked after insertion, by an update the event records (undo unlinks first).
    if any(c.parent for c in project.codes):
        ids_by_name = dict(s.execute(select(Code.name, Code.id)).all())
        sub_codes = {
            ids_by_name[c.name]: ids_by_name[code_names[c.parent]]
            for c in project.codes
            if c.parent in code_names
        }
        nesting.watch(Code, list(sub_codes))
        for child, parent in sub_codes.items():
            s.execute(update(Code).where(Code.id == child).values(parent_id=parent))
    notes_by_guid = {n.guid: n for n in project.notes}

    def memo(guid: str) -> ImportedMemo | None:
        note = notes_by_guid.get(guid)
        if note is None:
            return None
        return ImportedMemo(note.text, user_names.get(note.user or ""), note.created_at)

    items = []
    for src in project.sources:
        codings = []
        for sel in src.selections:
            for c in sel.codings:
                codings.append(
                    ImportedCoding(
                        sel.start,
                        sel.end,
                        (code_names[c.code],),
                        coder=user_names.get(c.user or ""),
                        created_at=c.created_at,
                        memos=tuple(m for m in (memo(n) for n in c.notes) if m is not None),
                        where=f"selection {sel.guid}",
                    )
                )
        doc = ImportedDocument(
            src.name,
            src.text,
            hashlib.sha256(src.text.encode("utf-8")).hexdigest(),
            source,
            "qdpx",
            {"refi_guid": src.guid},
            tuple(codings),
        )
        items.append(DocumentToStore(doc, participant_of.get(src.guid)))
    results = store_documents(uow, items, allow_duplicate=True, allow_new_codes=False) if items else []
    doc_ids = {src.guid: r.document_id for src, r in zip(project.sources, results, strict=True)}
    # Memos that are not on codings.
    code_ids = dict(s.execute(select(Code.name, Code.id)).all())
    part_ids = dict(s.execute(select(Participant.label, Participant.id)).all())
    authors = {n: uow.coder_id(n) for n in {user_names.get(n.user or "") for n in project.notes} if n}
    memo_rows: list[dict[str, Any]] = []
    for note in project.notes:
        kind, target = note.target
        if kind == "coding" or note.name == EXCLUSION_NOTE:
            continue
        row: dict[str, Any] = {
            "text": note.text,
            "author_id": authors.get(user_names.get(note.user or "", ""), coder_id),
            "provenance": f"imported from {source}",
            "created_at": note.created_at or now,
        }
        if kind == "source" and target in doc_ids:
            row["document_id"] = doc_ids[target]
        elif kind == "code" and target in code_names:
            row["code_id"] = code_ids[code_names[target]]
        elif kind == "theme" and target in theme_ids:
            row["theme_id"] = theme_ids[target]
        elif kind == "case" and target in labels:
            row["participant_id"] = part_ids[labels[target]]
        memo_rows.append(row)
    if memo_rows:
        s.execute(insert(Memo), memo_rows)
    created = {
        "participant": sorted(part_ids.values()),
        "theme": sorted(theme_ids.values()),
        "code": sorted(code_ids.values()),
        "document": sorted(doc_ids.values()),
        "memo": list(s.scalars(select(Memo.id))),
    }
    summary = ProjectImported(
        len(project.cases),
        len(project.sources),
        len(project.themes),
        len(project.codes),
        sum(r.segments for r in results),
        sum(r.codings for r in results),
        len(memo_rows)
        + sum(len(c.notes) for src in project.sources for sel in src.selections for c in sel.codings),
        project.warnings,
    )
    uow.log(
        "project.import",
        f"imported the REFI-QDA project {project.name!r} ({summary.codings} codings)",
        details={"source": source, **{k: v for k, v in summary.__dict__.items() if k != "warnings"}},
        changes={"created_ids": created, **nesting.changes()},
    )
    uow.commit()
    return summary


def merge_project(uow: UnitOfWork, project: Project, *, source: str, label: str) -> Any:
    """``qualcode import STUDY.qdpx`` into a study that has data: merged as ``merge-study`` does.

    The project is first stored into a private scratch study (``import_project``), which is then
    folded into this one by ``qualcode.services.team.merge_study``: documents match by their
    normalised text, codes by name, participants by label, themes by name, coders stay apart;
    importing the same project again adds nothing. Returns the ``StudyMerge``; one event,
    undoable.
    """
    import tempfile
    from pathlib import Path

    from qualcode.db.engine import locate
    from qualcode.db.schema import create_study
    from qualcode.services.team import merge_study
    from qualcode.services.uow import unit_of_work

    with tempfile.TemporaryDirectory(prefix="qualcode-qdpx-") as folder:
        scratch = locate(str(Path(folder) / "project.qualcode"))
        opened = create_study(scratch, project.name or label)
        try:
            with unit_of_work(opened, coder=uow.coder_name) as scratch_uow:
                import_project(scratch_uow, project, source=source)
        finally:
            opened.engine.dispose()
        return merge_study(uow, scratch, other_label=label)
