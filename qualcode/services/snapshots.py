"""Codebook versions: ``codebook snapshot NAME``, ``codebook snapshots``, ``codebook diff``,
and a snapshot as a REFI-QDA ``.qdc``.

A snapshot stores the codebook as data (codes with row ids, status, theme, merge target,
count and participant labels; themes; the funnel's figures), read through the same functions
the codebook and the funnel read (``code_counts``, ``participant_ids_by_code``,
``study_funnel``). It holds no interview text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from qualcode.db.models import CodebookSnapshot, Coder
from qualcode.domain.codebook_diff import CodebookDiff, diff_codebooks
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.project import Project, ProjectCode, ProjectTheme
from qualcode.services.funnel import study_funnel
from qualcode.services.project import _Guids, _namespace
from qualcode.services.read_models import codebook_tree
from qualcode.services.reports import study_title
from qualcode.services.uow import UnitOfWork

CURRENT = "current"
SNAPSHOT = "codebook.snapshot"


@dataclass(frozen=True)
class SnapshotInfo:
    name: str
    created_at: datetime
    by: str | None
    codes: int  # codes in force (active or excluded)
    codings: int
    kept_codes: int
    excluded_codes: int


def codebook_data(uow: UnitOfWork) -> dict[str, Any]:
    """The codebook as it stands, as snapshot data (JSON-ready), read from ``codebook_tree``:
    themes and codes in codebook order, with counts and participant labels."""
    g = _Guids(_namespace(uow))
    tree = codebook_tree(uow)
    themes = [
        {
            "id": t.id,
            "guid": g("theme", t.id),
            "name": t.name,
            "description": t.description,
            "parent_id": t.parent_id,
        }
        for t in tree.themes
    ]
    nodes = tree.codes(excluded=True, merged=True)
    id_of = {c.name: c.id for c in nodes}
    codes = [
        {
            "id": c.id,
            "guid": g("code", c.id),
            "name": c.name,
            "status": c.status,
            "description": c.description,
            "colour": c.colour,
            "theme_id": c.theme_id,
            "theme": c.theme,
            "parent_id": c.parent_id,
            "merged_into_id": id_of.get(c.merged_into) if c.merged_into else None,
            "merged_into": c.merged_into,
            "exclusion_reason": c.exclusion_reason,
            "count": c.count,
            "participants": list(c.participants),
        }
        for c in nodes
    ]
    f = study_funnel(uow)
    return {
        "title": study_title(uow),
        "namespace": str(g.namespace),
        "themes": themes,
        "codes": codes,
        "funnel": {
            "applications": f.applications,
            "unique_codes": f.unique_codes,
            "kept_codes": f.kept_codes,
            "excluded_codes": f.excluded_codes,
        },
    }


def _info(snap: CodebookSnapshot, by: str | None) -> SnapshotInfo:
    codes = [c for c in snap.data.get("codes", []) if c["status"] != "merged"]
    funnel = snap.data.get("funnel", {})
    return SnapshotInfo(
        snap.name,
        snap.created_at,
        by,
        len(codes),
        sum(int(c["count"]) for c in codes),
        int(funnel.get("kept_codes", 0)),
        int(funnel.get("excluded_codes", 0)),
    )


def take_snapshot(uow: UnitOfWork, name: str) -> SnapshotInfo:
    """``qualcode codebook snapshot NAME``: store the codebook as it stands under NAME."""
    name = " ".join(name.split())
    if not name:
        raise QualcodeError("a snapshot needs a name")
    if name == CURRENT:
        raise QualcodeError(f"{CURRENT!r} means the study as it is now; choose another snapshot name")
    if len(name) > 200:
        raise QualcodeError("a snapshot name is at most 200 characters")
    s = uow.session
    if s.scalar(select(CodebookSnapshot.id).where(CodebookSnapshot.name == name)) is not None:
        raise ConflictError(f"there is already a snapshot {name!r} (see qualcode codebook snapshots)")
    snap = CodebookSnapshot(name=name, created_by_id=uow.coder_id(), data=codebook_data(uow))
    s.add(snap)
    s.flush()
    uow.log(SNAPSHOT, f"took codebook snapshot {name!r}", details={"snapshot": name, "snapshot_id": snap.id})
    uow.commit()
    return _info(snap, uow.coder_name)


def list_snapshots(uow: UnitOfWork) -> list[SnapshotInfo]:
    """Every snapshot, oldest first."""
    rows = uow.session.execute(
        select(CodebookSnapshot, Coder.name)
        .outerjoin(Coder, Coder.id == CodebookSnapshot.created_by_id)
        .order_by(CodebookSnapshot.created_at, CodebookSnapshot.id)
    ).all()
    return [_info(snap, by) for snap, by in rows]


def _snapshot(uow: UnitOfWork, name: str) -> CodebookSnapshot:
    found = uow.session.scalar(select(CodebookSnapshot).where(CodebookSnapshot.name == name.strip()))
    if found is None:
        known = list(uow.session.scalars(select(CodebookSnapshot.name).order_by(CodebookSnapshot.id)))
        hint = (
            f"; snapshots: {', '.join(known)}" if known else "; take one with qualcode codebook snapshot NAME"
        )
        raise NotFoundError(f"no codebook snapshot {name!r}{hint}")
    return found


def _data(uow: UnitOfWork, name: str) -> dict[str, Any]:
    return codebook_data(uow) if name.strip() == CURRENT else dict(_snapshot(uow, name).data)


def codebook_diff(uow: UnitOfWork, before: str, after: str = CURRENT) -> CodebookDiff:
    """``qualcode codebook diff A B``: what changed from snapshot A to snapshot B (or ``current``)."""
    return diff_codebooks(_data(uow, before), _data(uow, after), (before.strip(), after.strip()))


def snapshot_project(uow: UnitOfWork, name: str) -> Project:
    """A snapshot (or ``current``) as a codebook-only Project for the .qdc writer: codes in
    force (excluded ones flagged) under their themes, with the study's stable GUIDs."""
    data = _data(uow, name)
    guid_of = {t["id"]: t["guid"] for t in data["themes"]}
    themes = tuple(
        ProjectTheme(t["guid"], t["name"], t.get("description", ""), guid_of.get(t.get("parent_id")))
        for t in data["themes"]
    )
    kept = [c for c in data["codes"] if c["status"] != "merged"]  # stored in codebook order
    codes = tuple(
        ProjectCode(
            c["guid"],
            c["name"],
            c.get("description", ""),
            c["colour"] if c.get("colour") and len(c["colour"]) == 7 else "",
            guid_of.get(c["theme_id"]) if c["theme_id"] else None,
            c["status"] == "excluded",
            c.get("exclusion_reason", ""),
        )
        for c in kept
    )
    title = f"{data.get('title', 'qualcode study')} — codebook {name.strip()}"
    return Project(title, themes=themes, codes=codes, namespace=data.get("namespace", ""))
