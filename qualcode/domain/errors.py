"""The one error type users see, carrying the place the problem was found."""

from __future__ import annotations


class QualcodeError(Exception):
    """Bad input or a refused action: the command exits 2 and the study is unchanged.

    ``source`` names the file (or the study, a code, a document) and ``line`` the line or
    row, so that the message tells the researcher exactly where to look.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source if self.line is None else f"{self.source}, line {self.line}"
            where += ": "
        return where + self.message


class NotFoundError(QualcodeError):
    """A named thing (code, document, participant, theme, event) is not in the study."""


class ConflictError(QualcodeError):
    """The action would contradict the study's state (a name in use, a later change)."""


class StudyVersionError(QualcodeError):
    """The study's schema is not the one this qualcode reads."""
