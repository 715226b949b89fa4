"""The study schema: every concept of PRODUCT.md as a typed SQLAlchemy 2 model.

One study is one database. Offsets are character offsets (Python ``str`` indices) into
``Document.text``, which never changes after import.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from qualcode.domain.coders import coder_key

# Named constraints: SQLite's batch migrations need a name for every constraint they rebuild.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(DateTime):
    """A timezone-aware UTC timestamp on every engine (SQLite stores it without a zone)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        inner = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if inner is not None:
                value = inner(value)
            if isinstance(value, datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value

        return process


def table_of(model: type[Base]) -> Table:
    """A model's Core table, typed as one (``Model.__table__`` is typed as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}

    def __repr__(self) -> str:
        pk = ", ".join(f"{c.key}={getattr(self, str(c.key))!r}" for c in self.__mapper__.primary_key)
        return f"<{type(self).__name__} {pk}>"


class CodeStatus(enum.StrEnum):
    ACTIVE = "active"
    EXCLUDED = "excluded"
    MERGED = "merged"


class Study(Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    research_questions: Mapped[str] = mapped_column(Text, default="")
    # The ICU locale text is sorted in ("kk", "ru", "en"); NULL: Kazakh when the study holds
    # Cyrillic, else root (qualcode.services.read_models.study_language).
    language: Mapped[str | None] = mapped_column(String(35), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _coder_key(context: Any) -> str:
    return coder_key(context.get_current_parameters()["name"])


class Coder(Base):
    __tablename__ = "coder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # What names must share to be one coder: NFKC, case folded (qualcode.domain.coders).
    key: Mapped[str] = mapped_column(String(200), index=True, default=_coder_key, server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    # Organisation type, interview date, location, mode, consent, ...: ordered as imported.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="participant")


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500), unique=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # sha256 of the source file's bytes: the same file is not imported twice by accident.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_name: Mapped[str] = mapped_column(String(1000), default="")
    source_format: Mapped[str] = mapped_column(String(20), default="txt")
    # Encoding found, transcript cue times per paragraph, and so on.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant | None] = relationship(back_populates="documents")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class Segment(Base):
    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("document_id", "start", "end"),
        CheckConstraint('0 <= start AND start < "end"', name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="segments")
    codings: Mapped[list[Coding]] = relationship(
        back_populates="segment", cascade="all, delete-orphan", passive_deletes=True
    )


class Theme(Base):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Theme | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Theme]] = relationship(back_populates="parent")
    codes: Mapped[list[Code]] = relationship(back_populates="theme")


class Code(Base):
    __tablename__ = "code"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across every status: a merged code keeps its name, and a coding given under that
    # name lands on the code it was merged into.
    name: Mapped[str] = mapped_column(String(500), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(7), default="")
    status: Mapped[CodeStatus] = mapped_column(
        Enum(CodeStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=CodeStatus.ACTIVE,
        index=True,
    )
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"), index=True)
    # A sub-code's parent code (REFI-QDA, NVivo, ATLAS.ti, MAXQDA and QualCoder nest codes under
    # codes). A code is never its own ancestor; a sub-code sits in its parent's theme.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"), index=True)
    exclusion_reason: Mapped[str] = mapped_column(Text, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The researcher's chosen example quote for the codebook (Appendix B).
    example_segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[Theme | None] = relationship(back_populates="codes")
    merged_into: Mapped[Code | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    parent: Mapped[Code | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    codings: Mapped[list[Coding]] = relationship(back_populates="code")


class Coding(Base):
    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("segment_id", "code_id", "coder_id"),
        Index("ix_coding_code_id_segment_id", "code_id", "segment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    segment: Mapped[Segment] = relationship(back_populates="codings")
    code: Mapped[Code] = relationship(back_populates="codings")
    coder: Mapped[Coder] = relationship()


class Memo(Base):
    """A note on the study (no target), a document, a participant, a code, a theme or a coding."""

    __tablename__ = "memo"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN document_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN participant_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN code_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN coding_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("coding.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    # Where the memo came from when it was carried over (a merge, a comment reply, ...).
    provenance: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """One change to the study: who, when, what, and the rows before and after.

    ``changes`` holds row-level before/after images (see ``qualcode.services.history``); it is
    the ground for undo and for the merge history the funnel reports.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    action: Mapped[str] = mapped_column(String(100), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))

    coder: Mapped[Coder | None] = relationship()


class CodebookSnapshot(Base):
    """The codebook as it stood at one moment (``codebook snapshot NAME``), for diffs between
    coding cycles and .qdc exports. ``data`` holds codes (with their row ids, so renames and
    merges are recognised), themes, counts, participant labels and the funnel figures; never
    interview text."""

    __tablename__ = "codebook_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GlossaryEntry(Base):
    """Two names the team treats as one term across languages ("Digitalisation" /
    "Цифровизация"): ``codes similar`` pairs codes that translate into each other through it."""

    __tablename__ = "glossary_entry"
    __table_args__ = (UniqueConstraint("term_a", "term_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_a: Mapped[str] = mapped_column(String(500))
    term_b: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))


class SavedQuery(Base):
    """A coding query kept by name (``qualcode query EXPR --save NAME``), to run again later."""

    __tablename__ = "saved_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    expression: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_code_theme_id_position", Code.theme_id, Code.position)
