"""A whole study as REFI-QDA sees it: users, themes, codes, cases, sources, codings, notes.

``qualcode.services.project`` builds one from a study (and stores one into an empty study);
``qualcode.io.refi`` writes it as ``.qdpx``/``.qdc`` and reads it back. GUIDs are strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Names of notes that carry qualcode facts REFI-QDA has no place for.
EXCLUSION_NOTE = "qualcode: exclusion reason"  # on an excluded code
PARTICIPANT_NOTE = "qualcode: participant "  # + the case's guid: a Case cannot hold a NoteRef
EXCLUDED_SET = "qualcode: excluded codes"


@dataclass(frozen=True)
class ProjectUser:
    guid: str
    name: str


@dataclass(frozen=True)
class ProjectTheme:
    guid: str
    name: str
    description: str = ""
    parent: str | None = None  # the parent theme's guid; themes come parents first


@dataclass(frozen=True)
class ProjectCode:
    guid: str
    name: str
    description: str = ""
    colour: str = ""
    theme: str | None = None  # a theme guid
    excluded: bool = False
    exclusion_reason: str = ""
    example_selection: str | None = None  # the guid of the selection marked as its example
    parent: str | None = None  # the parent code's guid, for a sub-code; parents come first
    line: int = 0  # where the code was read (a .qdc/.qde line), for messages


@dataclass(frozen=True)
class ProjectCoding:
    guid: str
    code: str  # code guid
    user: str | None = None  # user guid
    created_at: datetime | None = None
    notes: tuple[str, ...] = ()  # note guids


@dataclass(frozen=True)
class ProjectSelection:
    guid: str
    start: int
    end: int
    codings: tuple[ProjectCoding, ...]


@dataclass(frozen=True)
class ProjectSource:
    guid: str
    name: str
    text: str
    selections: tuple[ProjectSelection, ...] = ()
    user: str | None = None
    created_at: datetime | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectCase:
    guid: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # source guids


@dataclass(frozen=True)
class ProjectNote:
    guid: str
    text: str
    name: str = ""
    user: str | None = None
    created_at: datetime | None = None
    # What the note is about: ("study", None), ("source", guid), ("code", guid), ("coding", guid),
    # ("theme", guid), ("case", guid).
    target: tuple[str, str | None] = ("study", None)


@dataclass(frozen=True)
class Project:
    name: str
    description: str = ""
    origin: str = ""
    users: tuple[ProjectUser, ...] = ()
    themes: tuple[ProjectTheme, ...] = ()
    codes: tuple[ProjectCode, ...] = ()
    cases: tuple[ProjectCase, ...] = ()
    sources: tuple[ProjectSource, ...] = ()
    notes: tuple[ProjectNote, ...] = ()
    created_at: datetime | None = None
    warnings: tuple[str, ...] = ()
    namespace: str = ""  # seeds GUIDs that have no row of their own (stable per study)

    @property
    def codings(self) -> int:
        return sum(len(sel.codings) for s in self.sources for sel in s.selections)
