"""Bringing in what researchers already have: participant lists and codebooks.

The readers in ``qualcode.io`` turn files into domain values (``TableRow``, ``ImportedCode``);
these services store them, each in one transaction with one undoable event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from qualcode.db.models import Code, CodeStatus, Participant, Theme
from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.imported import ImportedCode, TableRow
from qualcode.domain.subcodes import check_new_parent
from qualcode.services.history import RowTracker
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class ParticipantsImport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    columns: tuple[str, ...]


def import_participants(
    uow: UnitOfWork, label_column: str, rows: Sequence[TableRow], *, source: str, update: bool = False
) -> ParticipantsImport:
    """Add a participant per row (other columns as attributes); existing ones only with ``update``."""
    s = uow.session
    existing = {p.label: p for p in s.scalars(select(Participant))}
    seen: dict[str, int] = {}
    wanted: list[tuple[str, dict[str, Any], int]] = []
    for row in rows:
        label = " ".join(row.values.get(label_column, "").split())
        if not label:
            raise QualcodeError(f"the row has no {label_column}", source=source, line=row.line)
        if label in seen:
            raise QualcodeError(
                f"{label!r} is listed twice (also line {seen[label]})", source=source, line=row.line
            )
        seen[label] = row.line
        if label in existing and not update:
            raise ConflictError(
                f"participant {label!r} is already in the study; add --update to update its attributes",
                source=source,
                line=row.line,
            )
        attributes = {k: v for k, v in row.values.items() if k != label_column and v}
        wanted.append((label, attributes, row.line))
    if not wanted:
        raise QualcodeError("the file lists no participants", source=source)
    tracker = RowTracker(s)
    tracker.watch(Participant, [existing[label].id for label, _, _ in wanted if label in existing])
    position = s.scalar(select(func.max(Participant.position))) or 0
    added: list[str] = []
    updated: list[str] = []
    for label, attributes, _ in wanted:
        if label in existing:
            person = existing[label]
            merged = {**person.attributes, **attributes}
            if merged != person.attributes:
                person.attributes = merged
                updated.append(label)
            continue
        position += 1
        person = Participant(label=label, attributes=attributes, position=position)
        s.add(person)
        s.flush()
        tracker.watch_new(Participant, [person.id])
        added.append(label)
    columns = tuple(dict.fromkeys(k for row in rows for k in row.values if k != label_column))
    uow.log(
        "participants.import",
        f"imported participants from {source}: {len(added)} added, {len(updated)} updated",
        details={"source": source, "added": added, "updated": updated},
        changes=tracker.changes(),
    )
    uow.commit()
    return ParticipantsImport(tuple(added), tuple(updated), columns)


@dataclass(frozen=True)
class CodebookImport:
    themes_added: tuple[str, ...]
    codes_added: int
    codes_updated: int
    codes_unchanged: int
    warnings: tuple[str, ...]


def import_codebook(uow: UnitOfWork, entries: Sequence[ImportedCode], *, source: str) -> CodebookImport:
    """Create the codebook's themes and codes; codes already in the study move to the sheet's
    theme and take its description and colour where the sheet gives them. One event, undoable."""
    s = uow.session
    if not entries:
        raise QualcodeError("the codebook has no codes", source=source)
    warnings: list[str] = []
    tracker = RowTracker(s)
    themes = {
        name: (tid, parent) for tid, name, parent in s.execute(select(Theme.id, Theme.name, Theme.parent_id))
    }
    themes_added: list[str] = []

    def theme_id(path: tuple[str, ...]) -> int | None:
        parent: int | None = None
        for name in path:
            if name in themes:
                parent = themes[name][0]
                continue
            siblings = Theme.parent_id.is_(None) if parent is None else Theme.parent_id == parent
            position = (s.scalar(select(func.max(Theme.position)).where(siblings)) or 0) + 1
            new_id = s.execute(
                insert(Theme).returning(Theme.id),
                [{"name": name, "description": "", "parent_id": parent, "position": position}],
            ).scalar_one()
            tracker.watch_new(Theme, [new_id])
            themes[name] = (new_id, parent)
            themes_added.append(name)
            parent = new_id
        return parent

    first_line: dict[str, ImportedCode] = {}
    unique: list[ImportedCode] = []
    for entry in entries:
        if entry.code in first_line:
            kept = first_line[entry.code]
            warnings.append(
                f"{source}, line {entry.line}: {entry.code!r} is listed again (first on line {kept.line}"
                + (f", theme {kept.themes[-1]!r}" if kept.themes else "")
                + "); the first is kept"
            )
            continue
        first_line[entry.code] = entry
        unique.append(entry)

    known = {
        name: (cid, status, theme, description, colour)
        for cid, name, status, theme, description, colour in s.execute(
            select(Code.id, Code.name, Code.status, Code.theme_id, Code.description, Code.colour)
        )
    }
    tracker.watch(Code, [known[e.code][0] for e in unique if e.code in known])
    positions: dict[int | None, int] = dict(
        s.execute(select(Code.theme_id, func.max(Code.position)).group_by(Code.theme_id)).all()
    )
    coder_id = uow.coder_id()
    now = datetime.now(UTC)
    new_rows: list[dict[str, Any]] = []
    updated = unchanged = 0
    for entry in unique:
        tid = theme_id(entry.themes) if entry.themes else None
        if entry.code in known:
            cid, status, old_theme, old_description, old_colour = known[entry.code]
            if status == CodeStatus.MERGED:
                warnings.append(
                    f"{source}, line {entry.line}: {entry.code!r} is merged into another code; left as it is"
                )
                unchanged += 1
                continue
            values: dict[str, Any] = {}
            if tid is not None and tid != old_theme:
                positions[tid] = positions.get(tid, 0) + 1
                values.update(theme_id=tid, position=positions[tid])
            if entry.description and entry.description != old_description:
                values["description"] = entry.description
            if entry.colour and entry.colour != old_colour:
                values["colour"] = entry.colour
            if values:
                s.execute(update(Code).where(Code.id == cid).values(**values))
                updated += 1
            else:
                unchanged += 1
            continue
        positions[tid] = positions.get(tid, 0) + 1
        new_rows.append(
            {
                "name": entry.code,
                "description": entry.description,
                "colour": entry.colour,
                "status": CodeStatus.ACTIVE,
                "exclusion_reason": "",
                "theme_id": tid,
                "position": positions[tid] if tid is not None else 0,
                "created_by_id": coder_id,
                "created_at": now,
            }
        )
    for i in range(0, len(new_rows), 2_000):
        s.execute(insert(Code), new_rows[i : i + 2_000])
    names = [r["name"] for r in new_rows]
    for i in range(0, len(names), 2_000):
        tracker.watch_new(Code, s.scalars(select(Code.id).where(Code.name.in_(names[i : i + 2_000]))))
    _place_sub_codes(uow, [e for e in unique if e.parent], source=source)
    uow.log(
        "codebook.import",
        f"imported the codebook {source}: {len(new_rows)} codes added, {updated} updated, "
        f"{len(themes_added)} themes added",
        details={
            "source": source,
            "codes_added": len(new_rows),
            "codes_updated": updated,
            "themes": themes_added,
        },
        changes=tracker.changes(),
    )
    uow.commit()
    return CodebookImport(tuple(themes_added), len(new_rows), updated, unchanged, tuple(warnings))


def _place_sub_codes(uow: UnitOfWork, entries: Sequence[ImportedCode], *, source: str) -> None:
    """Put each entry's code under its parent code, in the parent's theme (rows already watched).

    A parent that is neither in the codebook nor in the study, or a placement that would make a
    code its own ancestor, is refused naming the line.
    """
    if not entries:
        return
    s = uow.session
    s.flush()
    rows = {
        name: (cid, status, theme)
        for cid, name, status, theme in s.execute(select(Code.id, Code.name, Code.status, Code.theme_id))
    }
    parents = dict(s.execute(select(Code.id, Code.parent_id).where(Code.parent_id.is_not(None))).all())
    for entry in entries:
        if entry.parent not in rows:
            raise QualcodeError(
                f"parent code {entry.parent!r} of {entry.code!r} is neither in the codebook nor in the study",
                source=source,
                line=entry.line,
            )
        code_id, status, _ = rows[entry.code]
        parent_id, parent_status, parent_theme = rows[entry.parent]
        if status == CodeStatus.MERGED or parent_status == CodeStatus.MERGED:
            continue  # reported as merged above; a merged code has no place in the tree
        try:
            check_new_parent(parents, code_id, parent_id)
        except QualcodeError as exc:
            raise QualcodeError(
                f"{entry.code!r} under {entry.parent!r}: {exc.message}", source=source, line=entry.line
            ) from exc
        parents[code_id] = parent_id
        s.execute(update(Code).where(Code.id == code_id).values(parent_id=parent_id, theme_id=parent_theme))
