"""The excerpts report: per theme and code, every coded excerpt with who said it and where.

What a findings chapter is written from. Built by ``qualcode.services.excerpts`` and written
by ``qualcode.io.excerpts_export`` (docx, xlsx, md, csv, html).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Excerpt:
    """One coding: the excerpt's text, its place, its coder, and the memos on it.

    ``start``/``end`` are character offsets into the document (end exclusive); ``time`` is the
    transcript time ("00:01:02–00:01:10") when the document is a transcript; ``before`` and
    ``after`` are up to ``--context`` characters around the excerpt, cut at word boundaries.
    """

    coding_id: int
    segment_id: int
    participant: str | None
    document: str
    start: int
    end: int
    text: str
    coder: str
    time: str | None = None
    before: str = ""
    after: str = ""
    memos: tuple[str, ...] = ()

    @property
    def position(self) -> str:
        """``characters 120–180`` (1-based, inclusive, as a reader counts)."""
        return f"characters {self.start + 1}–{self.end}"

    @property
    def who(self) -> str:
        """The participant's label, else the document's title."""
        return self.participant or self.document


@dataclass(frozen=True)
class ExcerptCode:
    code: str
    description: str
    memos: tuple[str, ...]
    excerpts: tuple[Excerpt, ...]


@dataclass(frozen=True)
class ExcerptSection:
    """A theme (``depth`` > 0: a sub-theme) and its codes; ``theme`` None: codes without one."""

    theme: str | None
    depth: int
    codes: tuple[ExcerptCode, ...]


@dataclass(frozen=True)
class ExcerptsReport:
    title: str
    sections: tuple[ExcerptSection, ...]
    filters: tuple[str, ...] = field(default=())  # e.g. ("participant Expert A",) for the About

    @property
    def excerpts(self) -> list[Excerpt]:
        return [e for s in self.sections for c in s.codes for e in c.excerpts]

    def heading(self, section: ExcerptSection) -> str:
        return section.theme if section.theme is not None else "Codes without a theme"
