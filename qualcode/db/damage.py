"""A damaged study: recognised when met, marked, and refused for writing until repaired.

Opening a study stays as fast as ever (no full check on open). When any command meets a corrupt
database — SQLite's SQLITE_CORRUPT or SQLITE_NOTADB ("database disk image is malformed"), text
that no longer decodes, PostgreSQL's data_corrupted / index_corrupted — it stops with exit 2 and
a message naming ``db check`` and ``db backup``, and the study is marked: a file
``STUDY.damaged`` beside a SQLite study (written beside it, never into the damaged file). While
the mark is there every write is refused; ``db check`` removes it once the study checks clean
(after the researcher restored a backup, or recovered into a new file with ``db recover``).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from qualcode.domain.errors import QualcodeError

# SQLite result codes (sqlite.org/rescode.html): SQLITE_CORRUPT 11, SQLITE_NOTADB 26.
_SQLITE_DAMAGE = {11, 26}
# PostgreSQL SQLSTATEs (Appendix A): data_corrupted, index_corrupted.
_PG_DAMAGE = {"XX001", "XX002"}
_SQLITE_WORDS = ("malformed", "not a database", "could not decode to utf-8")


class DamagedStudyError(QualcodeError):
    """The study's database is damaged: the command stopped, nothing was changed."""


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database itself is damaged."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        for candidate in (current, orig):
            if isinstance(candidate, sqlite3.DatabaseError):
                if getattr(candidate, "sqlite_errorcode", None) in _SQLITE_DAMAGE:
                    return True
                if any(word in str(candidate).lower() for word in _SQLITE_WORDS):
                    return True
            if getattr(candidate, "sqlstate", None) in _PG_DAMAGE:
                return True
        current = current.__cause__ or current.__context__
    return False


def marker_of(path: Path) -> Path:
    """Where the damage mark of a SQLite study file lives."""
    return path.with_name(path.name + ".damaged")


def mark_damaged(path: Path | None, what: str) -> None:
    """Mark a SQLite study damaged (the first mark is kept: it says when damage was first met)."""
    if path is None:
        return
    marker = marker_of(path)
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a read-only folder: the message still says what to do
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {what}\n")


def damaged_error(display: str, what: str) -> DamagedStudyError:
    """The one message for a damaged study: what to run next."""
    return DamagedStudyError(
        f"the study is damaged ({what}); nothing was changed and writes are refused until it is "
        "repaired. See what is wrong with `qualcode db check`, keep a copy with `qualcode db backup "
        "COPY`, and save what can be saved with `qualcode db recover OUT`",
        source=display,
    )


def describe(exc: BaseException) -> str:
    """A short name for the damage, without any of the study's text."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "not a database" in text:
        return "not a database file any more"
    if "could not decode" in text:
        return "a text that no longer decodes"
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in _PG_DAMAGE:
        return "PostgreSQL reports corrupted data"
    return "database disk image is malformed"


def refuse_writes_if_marked(path: Path | None, display: str) -> None:
    """Raise DamagedStudyError when a SQLite study carries the damage mark."""
    if path is None:
        return
    marker = marker_of(path)
    if marker.exists():
        try:
            first = marker.read_text(encoding="utf-8").split(" ", 1)[0]
        except OSError:
            first = "earlier"
        raise damaged_error(display, f"marked damaged since {first}")


def clear_mark(path: Path | None) -> bool:
    """Remove the damage mark (the study checked clean); True if there was one."""
    if path is None:
        return False
    marker = marker_of(path)
    if marker.exists():
        marker.unlink()
        return True
    return False
