"""Reading and coding one document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.domain import passages
from qualcode.services import workbench as wb
from qualcode.tui.messages import DocumentLoaded
from qualcode.tui.passage import PassageView, code_colour
from qualcode.tui.picker import CodeIndex, Picked, PickerScreen
from qualcode.tui.screens.base import StudyScreen, _clip
from qualcode.tui.screens.dialogs import ChooseScreen

if TYPE_CHECKING:
    pass


class ReaderScreen(StudyScreen):
    """One document: move a selection by sentence, paragraph or word and code it."""

    BINDINGS = [
        Binding("down,j", "sentence(1)", "Next sentence", show=False, id="reader.next_sentence"),
        Binding("up,k", "sentence(-1)", "Previous sentence", show=False, id="reader.previous_sentence"),
        Binding(
            "pagedown,right_square_bracket",
            "paragraph(1)",
            "Next paragraph",
            show=False,
            id="reader.next_paragraph",
        ),
        Binding(
            "pageup,left_square_bracket",
            "paragraph(-1)",
            "Previous paragraph",
            show=False,
            id="reader.previous_paragraph",
        ),
        Binding(
            "shift+down,J",
            "extend('sentences')",
            "Extend by sentence",
            show=False,
            id="reader.extend_sentence",
        ),
        Binding(
            "shift+up,K", "shrink('sentences')", "Shrink by sentence", show=False, id="reader.shrink_sentence"
        ),
        Binding("shift+right,L", "extend('words')", "Extend by word", show=False, id="reader.extend_word"),
        Binding("shift+left,H", "shrink('words')", "Shrink by word", show=False, id="reader.shrink_word"),
        Binding("n", "coded(1)", "Next coded passage", show=False, id="reader.next_coded"),
        Binding("p", "coded(-1)", "Previous coded passage", show=False, id="reader.previous_coded"),
        Binding("c,enter", "code", "Code", id="reader.code"),
        Binding("u", "uncode", "Uncode", id="reader.uncode"),
        Binding("m", "memo", "Memo", id="reader.memo"),
        Binding("e", "example", "Example quote", id="reader.example"),
        Binding("escape", "back", "Documents", id="reader.back"),
    ]

    def __init__(self, document_id: int | str, selection: tuple[int, int] | None = None):
        super().__init__()
        self.document_id = document_id
        self.pending_selection = selection
        self.document: wb.DocumentText | None = None
        self.units = passages.Units((), (), ())

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="reader"):
            yield PassageView(id="passage")
            with Vertical(id="side"):
                yield Label("Codes on this passage", classes="side-title")
                yield OptionList(id="here")
                yield Static("", id="reader-status")
        yield Footer()

    @property
    def view(self) -> PassageView:
        return self.query_one(PassageView)

    @property
    def selection(self) -> tuple[int, int]:
        return self.view.selection

    def reload(self) -> None:
        super().reload()
        self.qapp.load(self, DocumentLoaded, wb.document_text, self.document_id)

    @on(DocumentLoaded)
    def show(self, message: DocumentLoaded) -> None:
        document: wb.DocumentText = message.result
        first_load = self.document is None
        self.document = document
        self.document_id = document.id
        if first_load or self.document.text != document.text:
            self.units = passages.Units.of(document.text)
        self.sub_title = f"{document.title} — {document.participant or 'no participant'}"
        selection = self.pending_selection
        self.pending_selection = None
        if selection is None:
            selection = self.selection if not first_load else passages.first(self.units.sentences)
        self.view.show(document, selection)
        self.view.focus()
        self.qapp.loaded()

    # --- the side panel -----------------------------------------------------------------------

    def codings_here(self) -> list[wb.CodingMark]:
        """Every coding whose segment overlaps the selection: those exactly on it first, then the
        enclosing and overlapping ones (a paragraph code stays reachable once a sentence inside
        it is coded too)."""
        if self.document is None:
            return []
        a, b = self.selection
        if a == b:
            return [m for m in self.document.codings if m.start <= a < m.end]
        overlapping = [m for m in self.document.codings if m.start < b and m.end > a]
        return sorted(overlapping, key=lambda m: (m.start, m.end) != (a, b))

    @on(PassageView.SelectionMoved)
    def update_side(self, event: PassageView.SelectionMoved) -> None:
        here = self.codings_here()
        options = self.query_one("#here", OptionList)
        options.clear_options()
        for m in here:
            label = Text.assemble(
                ("■ ", code_colour(m.code_id, m.colour)),
                (m.code, "bold" if (m.start, m.end) == (event.start, event.end) else ""),
                (f"  {m.coder}", "dim"),
                ("  ★ example" if m.is_example else "", "yellow"),
            )
            for memo in m.memos:
                label.append(f"\n   ✎ {_clip(memo, 60)}", style="italic dim")
            options.add_option(Option(label))
        if not here:
            options.add_option(Option(Text("(not coded)", style="dim"), disabled=True))
        length = event.end - event.start
        self.query_one("#reader-status", Static).update(
            f"[{event.start}, {event.end}) · {length} characters\n"
            "c code · u uncode · m memo · e example\nj/k sentence · [ ] paragraph\n"
            "J/K ± sentence · L/H ± word · n/p coded"
        )

    # --- moving -------------------------------------------------------------------------------

    def action_sentence(self, step: int) -> None:
        units = self.units.sentences
        move = passages.next_unit if step > 0 else passages.previous_unit
        if units:
            self.view.select(*move(units, self.selection))

    def action_paragraph(self, step: int) -> None:
        units = self.units.paragraphs
        move = passages.next_unit if step > 0 else passages.previous_unit
        if units:
            self.view.select(*move(units, self.selection))

    def action_extend(self, unit: str) -> None:
        units = getattr(self.units, unit)
        if units:
            self.view.select(*passages.extend(units, self.selection))

    def action_shrink(self, unit: str) -> None:
        units = getattr(self.units, unit)
        if units:
            self.view.select(*passages.shrink(units, self.selection))

    def action_coded(self, step: int) -> None:
        if self.document is None or not self.document.codings:
            return
        spans = sorted({(m.start, m.end) for m in self.document.codings})
        a, b = self.selection
        if step > 0:
            found = next((s for s in spans if s > (a, b)), None)
        else:
            found = next((s for s in reversed(spans) if s < (a, b)), None)
        if found is None:
            self.notify("no more coded passages this way", timeout=2)
            return
        self.view.select(*found)

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- coding -------------------------------------------------------------------------------

    def action_code(self) -> None:
        if self.document is None:
            return
        a, b = self.selection
        if a >= b:
            self.notify("select a passage first", severity="warning")
            return
        passage = self.document.text[a:b]

        def picked(result: Picked | None) -> None:
            if result is not None:
                self.code_selection(result.name, new=result.new)

        def open_picker(choices: list[wb.CodeChoice]) -> None:
            self.app.push_screen(PickerScreen(CodeIndex(choices), passage), picked)

        self.qapp.db(wb.code_choices, done=open_picker, group="picker", exclusive=True)

    def code_selection(self, name: str, *, new: bool = False) -> None:
        from qualcode.services.coding import CodedSpan, code_span

        a, b = self.selection

        def coded(result: CodedSpan) -> None:
            made = " (new code)" if result.new_codes else ""
            if result.added:
                self.notify(f"coded with {', '.join(result.added)}{made}", title="coded", markup=False)
            else:
                self.notify(f"already coded with {name}", markup=False)
            self.pending_selection = (a, b)
            self.reload()

        self.qapp.db(
            code_span, str(self.document_id), [name], start=a, end=b, allow_new=new, write=True, done=coded
        )

    def _with_coding(self, verb: str, then: Any) -> None:
        here = self.codings_here()
        if not here:
            self.notify(f"nothing to {verb}: this passage is not coded", severity="warning")
            return
        if len(here) == 1:
            then(here[0])
            return
        options = [(f"{m.code}  [{m.start}, {m.end})  {m.coder}", m) for m in here]

        def chosen(mark: wb.CodingMark | None) -> None:
            if mark is not None:
                then(mark)

        self.app.push_screen(ChooseScreen(f"Which coding to {verb}?", options), chosen)

    def action_uncode(self) -> None:
        def remove(mark: wb.CodingMark) -> None:
            def removed(result: wb.Uncoded) -> None:
                self.notify(f"removed {result.code} (ctrl+z undoes)", title="uncoded", markup=False)
                self.pending_selection = self.selection
                self.reload()

            self.qapp.db(wb.uncode, mark.coding_id, write=True, done=removed)

        self._with_coding("uncode", remove)

    def action_memo(self) -> None:
        """A memo on a coding of the passage, on the document, or on its participant."""
        from qualcode.tui.screens.memos import write_memo

        if self.document is None:
            return
        document = self.document
        options: list[tuple[str, tuple[str, dict[str, Any]]]] = [
            (
                f"this coding of {m.code!r} ({m.coder})",
                (f"a coding of {m.code!r}", {"coding_id": m.coding_id}),
            )
            for m in self.codings_here()
        ]
        options.append(
            (
                f"the document {document.title!r}",
                (f"document {document.title}", {"document": document.title}),
            )
        )
        if document.participant:
            options.append(
                (
                    f"the participant {document.participant!r}",
                    (f"participant {document.participant}", {"participant": document.participant}),
                )
            )

        def chosen(choice: tuple[str, dict[str, Any]] | None) -> None:
            if choice is not None:
                about, target = choice
                write_memo(self.app, about, lambda _row: self._memo_saved(), **target)

        self.app.push_screen(ChooseScreen("Write a memo on what?", options), chosen)

    def _memo_saved(self) -> None:
        self.pending_selection = self.selection
        self.reload()

    def action_example(self) -> None:
        from qualcode.services.themes import ExampleSet, set_code_example

        def mark_it(mark: wb.CodingMark) -> None:
            def marked(result: ExampleSet) -> None:
                self.notify(f"this passage is now the example quote of {result.code}", markup=False)
                self.pending_selection = self.selection
                self.reload()

            self.qapp.db(set_code_example, mark.code, mark.segment_id, write=True, done=marked)

        self._with_coding("mark as the example quote", mark_it)
