"""What workers tell screens: one typed message per kind of load, posted when a service returns.

A load runs in a thread worker (``QualcodeApp.load``); its result reaches the screen that asked
as one of these messages, never as a callback into the screen from the thread. A load that a
newer one of the same group superseded is dropped before it is posted, so an older query can
never overwrite a newer one on screen.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Loaded(Message):
    """A service's result for the screen that asked; subclasses say which result it is."""

    def __init__(self, result: Any):
        super().__init__()
        self.result = result


class DocumentsLoaded(Loaded):
    """``document_overview``: documents grouped by participant."""


class ProgressLoaded(Loaded):
    """``document_progress``: how much of each document is coded."""


class DocumentLoaded(Loaded):
    """``document_text``: one document with its codings."""


class CodebookLoaded(Loaded):
    """``codebook``: themes, codes and counts."""


class CodePeopleLoaded(Loaded):
    """``code_participants``: who carries each code."""


class MatrixLoaded(Loaded):
    """``code_matrix``: one window of the code × participant matrix."""


class SearchFinished(Loaded):
    """``search``: the hits of one query."""


class ParticipantsLoaded(Loaded):
    """The participants table with attributes and documents."""


class MemosLoaded(Loaded):
    """The memos of the study, newest first."""
