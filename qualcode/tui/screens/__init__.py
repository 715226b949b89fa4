"""The workbench's screens, one module each; imported from here by the app and the tests."""

from qualcode.tui.screens.base import StudyScreen
from qualcode.tui.screens.codebook import CodebookScreen
from qualcode.tui.screens.dialogs import ChooseScreen, MemoEditor, PromptScreen, ReasonScreen
from qualcode.tui.screens.documents import DocumentsScreen
from qualcode.tui.screens.excerpts import ExcerptsScreen
from qualcode.tui.screens.help import HelpScreen, binding_sources
from qualcode.tui.screens.matrix import MatrixScreen
from qualcode.tui.screens.memos import MemosScreen
from qualcode.tui.screens.participants import ParticipantsScreen
from qualcode.tui.screens.reader import ReaderScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.similar import SimilarScreen

__all__ = [
    "ChooseScreen",
    "CodebookScreen",
    "DocumentsScreen",
    "ExcerptsScreen",
    "HelpScreen",
    "MatrixScreen",
    "MemoEditor",
    "MemosScreen",
    "ParticipantsScreen",
    "PromptScreen",
    "ReaderScreen",
    "ReasonScreen",
    "SearchScreen",
    "SimilarScreen",
    "StudyScreen",
    "binding_sources",
]
