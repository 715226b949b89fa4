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

from qualcode.db.models import Code, CodebookSnapshot, Coder, CodeStatus, Participant, Theme
from qualcode.domain.codebook_diff import CodebookDiff, diff_codebooks
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.labels import natural_key
from qualcode.domain.project import Project, ProjectCode, ProjectTheme
from qualcode.services.codes import code_counts, participant_ids_by_code
from qualcode.services.funnel import study_funnel
from qualcode.services.project import _Guids, _namespace
from qualcode.services.reports import _themes_in_order, study_title
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
    """The codebook as it stands, as snapshot data (JSON-ready)."""
    s = uow.session
    g = _Guids(_namespace(uow))
    counts = code_counts(uow)
    people = participant_ids_by_code(uow)
    labels = dict(s.execute(select(Participant.id, Participant.label)).all())
    names = dict(s.execute(select(Theme.id, Theme.name)).all())
    descriptions = dict(s.execute(select(Theme.id, Theme.description)).all())
    themes = [
        {
            "id": t.id,
            "guid": g("theme", t.id),
            "name": t.name,
            "description": descriptions.get(t.id, ""),
            "parent_id": t.parent_id,
        }
        for t in _themes_in_order(uow)
    ]
    rows = s.execute(
        select(
            Code.id,
            Code.name,
            Code.status,
            Code.description,
            Code.colour,
            Code.theme_id,
            Code.merged_into_id,
            Code.exclusion_reason,
            Code.position,
        ).order_by(Code.id)
    ).all()
    code_names = {r[0]: r[1] for r in rows}
    codes = [
        {
            "id": r[0],
            "guid": g("code", r[0]),
            "name": r[1],
            "status": CodeStatus(r[2]).value,
            "description": r[3] or "",
            "colour": r[4] or "",
            "theme_id": r[5],
            "theme": names.get(r[5]) if r[5] else None,
            "merged_into_id": r[6],
            "merged_into": code_names.get(r[6]) if r[6] else None,
            "exclusion_reason": r[7] or "",
            "position": r[8],
            "count": counts.get(r[0], 0),
            "participants": sorted((labels[p] for p in people.get(r[0], ())), key=natural_key),
        }
        for r in rows
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
    rank = {t["id"]: i for i, t in enumerate(data["themes"])}
    kept = [c for c in data["codes"] if c["status"] != "merged"]
    kept.sort(
        key=lambda c: (
            rank.get(c["theme_id"], len(rank)) if c["theme_id"] else len(rank),
            c.get("position", 0) if c["theme_id"] else 0,
            natural_key(c["name"]),
        )
    )
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
