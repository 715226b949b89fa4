"""The qualcode workbench: documents, reader, codebook, matrix and search, from the keyboard.

Every database call runs in a thread worker through ``QualcodeApp.db`` (one service, one unit
of work); its result comes back to the UI thread as a callback, its refusal as a notification.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.worker import Worker

from qualcode.domain.errors import QualcodeError
from qualcode.tui.backend import Backend
from qualcode.tui.commands import WorkbenchCommands
from qualcode.tui.keymap import load_keymap
from qualcode.tui.messages import Loaded
from qualcode.tui.screens import (
    CodebookScreen,
    DocumentsScreen,
    MatrixScreen,
    MemosScreen,
    ParticipantsScreen,
    SearchScreen,
)

T = TypeVar("T")


class QualcodeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("1", "switch_mode('documents')", "Documents", id="app.documents"),
        Binding("2", "switch_mode('codebook')", "Codebook", id="app.codebook"),
        Binding("3", "switch_mode('matrix')", "Matrix", id="app.matrix"),
        Binding("4,slash", "switch_mode('search')", "Search", id="app.search"),
        Binding("5", "switch_mode('participants')", "Participants", id="app.participants"),
        Binding("6", "switch_mode('memos')", "Memos", id="app.memos"),
        Binding("ctrl+z", "undo", "Undo", id="app.undo"),
        Binding("ctrl+y", "redo", "Redo", id="app.redo"),
    ]
    MODES = {
        "documents": DocumentsScreen,
        "codebook": CodebookScreen,
        "matrix": MatrixScreen,
        "search": SearchScreen,
        "participants": ParticipantsScreen,
        "memos": MemosScreen,
    }

    # How often the workbench looks for other coders' changes (one indexed max() query).
    WATCH_SECONDS = 2.0

    def __init__(self, backend: Backend, *, keymap: dict[str, str] | None = None):
        super().__init__()
        self.backend = backend
        self._generations: dict[str, int] = {}  # per worker group: the newest exclusive call
        self._last_event: int | None = None  # the newest event seen; None until first looked
        # Bumped after every change, so a screen shown again knows to reload.
        self.data_version = 0
        self._keymap_override = keymap
        # Keys jump at once: scroll animations repaint for a quarter second after each key.
        self.animation_level = "none"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette entries, with its colour-theme picker called "Colour scheme":
        in a thematic-analysis tool "theme" means a group of codes."""
        for command in super().get_system_commands(screen):
            if command.title == "Theme":
                yield SystemCommand("Colour scheme", "Change the workbench's colours", command.callback)
            else:
                yield command

    def on_mount(self) -> None:
        self.sub_title = self.backend.name
        keymap, problem = load_keymap() if self._keymap_override is None else (self._keymap_override, None)
        if keymap:
            self.set_keymap(keymap)
        if problem:
            self.notify(problem, title="keymap", severity="warning")
        self.switch_mode("documents")
        if self.backend.blind:
            self.sub_title = f"{self.backend.name} — blind: {self.backend.coder}'s codings only"
        self.set_interval(self.WATCH_SECONDS, self._look_for_changes)

    # --- other coders' changes ---------------------------------------------------------------

    def _look_for_changes(self) -> None:
        from qualcode.services.workbench import latest_event

        if any(w.group == "watch" and w.is_running for w in self.workers):
            return  # the last look has not come back yet (a slow network): skip this one
        self.db(latest_event, done=self._seen_event, group="watch")

    def _seen_event(self, newest: int) -> None:
        known, self._last_event = self._last_event, newest
        if known is None or newest == known:
            return
        # Someone (another coder, a command line, or this workbench) changed the study: screens
        # reload their data, the one on show at once, the others when shown again.
        self.data_version += 1
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()

    # --- the one way to reach the study ------------------------------------------------------

    def db(
        self,
        service: Callable[..., T],
        *args: Any,
        done: Callable[[T], object] | None = None,
        write: bool = False,
        group: str = "db",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker[None]:
        """Run ``service(uow, *args, **kwargs)`` in a thread; ``done(result)`` on the UI thread.

        A refusal (QualcodeError) or an unexpected fault becomes an error notification.
        ``exclusive`` is for loads and searches (a newer one cancels the older, and the older
        one's result is dropped even if its thread already finished), never writes.
        """
        generation = self._generations.get(group, 0) + 1
        if exclusive:
            self._generations[group] = generation

        def deliver(result: T) -> None:
            if exclusive and self._generations.get(group) != generation:
                return  # superseded while it ran: a newer load of this group owns the screen
            if done is not None:
                done(result)

        def job() -> None:
            try:
                call = self.backend.write if write else self.backend.read
                result = call(service, *args, **kwargs)
            except QualcodeError as exc:
                self.call_from_thread(self.notify, str(exc), title="refused", severity="error", markup=False)
                return
            except Exception as exc:  # never let a fault take the workbench down
                self.call_from_thread(
                    self.notify, f"{type(exc).__name__}: {exc}", title="unexpected fault", severity="error"
                )
                return
            if write:
                self.call_from_thread(self._changed)
            self.call_from_thread(deliver, result)

        return self.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def load(
        self,
        target: MessagePump,
        message: type[Loaded],
        service: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Worker[None]:
        """Load for a screen: ``service`` runs in a worker, its result reaches ``target`` as a
        ``message`` (one per kind of load, see ``qualcode.tui.messages``). A newer load of the
        same message type supersedes this one, whose result is then dropped."""
        return self.db(
            service,
            *args,
            done=lambda result: target.post_message(message(result)),
            group=f"load:{message.__name__}",
            exclusive=True,
            **kwargs,
        )

    def _changed(self) -> None:
        self.data_version += 1
        self._last_event = None  # our own change: learn the new newest event without reloading

    def loaded(self) -> None:
        """Call after a screen has taken in a large load: what was loaded stays alive, so the
        garbage collector can stop walking it on every full collection (a 60-90 ms pause in
        the middle of a keystroke on a lab-size study).

        Frozen objects are never collected, and a replaced tree is all reference cycles
        (parent <-> child): so the last load's objects are thawed and the garbage among them
        collected once, here, before the new ones are frozen.
        """
        if gc.get_freeze_count():  # nothing frozen yet on the first load: no garbage to find
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    # --- app-wide actions --------------------------------------------------------------------

    def action_help(self) -> None:
        from qualcode.tui.screens import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_undo(self) -> None:
        from qualcode.services.admin import undo_event

        def undone(event: Any) -> None:
            self.notify(f"undid: {event.summary}", title="undo", markup=False)
            reload = getattr(self.screen, "reload", None)
            if callable(reload):
                reload()

        self.db(undo_event, None, write=True, done=undone)

    def action_redo(self) -> None:
        from qualcode.services.admin import redo_event

        def redone(event: Any) -> None:
            self.notify(f"redid: {event.summary}", title="redo", markup=False)
            reload = getattr(self.screen, "reload", None)
            if callable(reload):
                reload()

        self.db(redo_event, write=True, done=redone)

    def open_document(self, document_id: int | str, selection: tuple[int, int] | None = None) -> None:
        """Show a document in the reader (from any screen), optionally with a passage selected."""
        from qualcode.tui.screens import ReaderScreen

        if self.current_mode != "documents":
            self.switch_mode("documents")
        while isinstance(self.screen, ReaderScreen):
            self.pop_screen()
        self.push_screen(ReaderScreen(document_id, selection))

    def on_unmount(self) -> None:
        self.backend.close()


def run(db: str, coder: str | None = None, *, blind: bool = False) -> int:
    """Open the workbench on a study; returns the exit code."""
    backend = Backend.open(db, coder, blind=blind)
    QualcodeApp(backend).run()
    return 0
