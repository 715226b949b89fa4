"""The workbench's screens: documents, reader, codebook, matrix, search, and their dialogs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from qualcode.domain import passages
from qualcode.domain.labels import split_label
from qualcode.services import workbench as wb
from qualcode.services.coding import SegmentRow, list_segments
from qualcode.tui.commands import PaletteCommand
from qualcode.tui.passage import PassageView, code_colour
from qualcode.tui.picker import CodeIndex, Picked, PickerScreen

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def progress_bar(share: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled) + f" {share * 100:3.0f}%"


def letters(labels: tuple[str, ...], most: int = 12) -> str:
    ids = [split_label(label)[1] for label in labels]
    shown = ",".join(ids[:most])
    return shown + (f" +{len(ids) - most}" if len(ids) > most else "")


class StudyScreen(Screen[None]):
    """A screen that shows study data: loads in a worker, reloads when the study changed."""

    loaded_version = -1

    @property
    def qapp(self) -> QualcodeApp:
        return cast("QualcodeApp", self.app)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded_version not in (-1, self.qapp.data_version):
            self.reload()

    def reload(self) -> None:
        self.loaded_version = self.qapp.data_version


# --- dialogs ------------------------------------------------------------------------------------


class ChooseScreen(ModalScreen[Any]):
    """Pick one of a few things (which coding to uncode, which theme to move to)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, options: list[tuple[str, Any]]):
        super().__init__()
        self.title_text = title
        self.values = [value for _, value in options]
        self.labels = [label for label, _ in options]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=str(i)) for i, label in enumerate(self.labels)], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.values[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a memo, a new name, an export path)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = ""):
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to confirm, Escape to cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExcerptsScreen(ModalScreen[None]):
    """The coded excerpts of a code (and participant); Enter opens one in the reader."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="excerpts.close"),
        Binding("o", "open", "Open in reader", id="excerpts.open"),
    ]

    def __init__(self, title: str, code: str | None, participant: str | None = None):
        super().__init__()
        self.title_text = title
        self.code = code
        self.participant = participant
        self.rows: list[SegmentRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            yield DataTable(id="excerpts", cursor_type="row", zebra_stripes=True)
            yield Label("Enter: open in the reader · Escape: close", classes="dim")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("who", "document", "excerpt", "coder")
        table.focus()
        cast("QualcodeApp", self.app).db(
            list_segments, code=self.code, participant=self.participant, done=self.show
        )

    def show(self, rows: list[SegmentRow]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.add_rows(
            [(r.participant or "", _clip(r.document, 24), _clip(r.text, 90), r.coder) for r in rows]
        )
        self.query_one(".dialog-title", Label).update(f"{self.title_text} — {len(rows)} excerpt(s)")

    @on(DataTable.RowSelected, "#excerpts")
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        row = self.rows[table.cursor_row]
        self.dismiss(None)
        cast("QualcodeApp", self.app).open_document(row.document, (row.start, row.end))

    def action_close(self) -> None:
        self.dismiss(None)


# --- documents ----------------------------------------------------------------------------------


class DocumentsScreen(StudyScreen):
    """The first screen: documents grouped by participant, with how much of each is coded."""

    BINDINGS = [
        Binding("o", "open", "Open document", id="documents.open"),
        Binding("ctrl+r", "reload", "Reload", id="documents.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.row_documents: list[int | None] = []
        self.groups: list[wb.ParticipantGroup] = []
        self.progress: dict[int, wb.DocumentProgress] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the study…", id="documents-summary")
        yield DataTable(id="documents", cursor_type="row")
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.db(wb.document_overview, done=self.show, group="documents", exclusive=True)

    def action_reload(self) -> None:
        self.reload()

    def show(self, groups: list[wb.ParticipantGroup]) -> None:
        """The list first; how much of each document is coded follows from a second query."""
        self.groups = groups
        self._fill_table()
        self.qapp.db(wb.document_progress, done=self.show_progress, group="progress", exclusive=True)

    def show_progress(self, progress: dict[int, wb.DocumentProgress]) -> None:
        self.progress = progress
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#documents", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_columns("participant / document", "characters", "codings", "coded")
        rows: list[tuple[object, ...]] = []
        self.row_documents = []
        docs = 0
        for group in self.groups:
            label = group.label or "(no participant)"
            rows.append((Text(label, style="bold"), "", Text(str(group.codings), style="bold"), ""))
            self.row_documents.append(None)
            for doc in group.documents:
                docs += 1
                known = self.progress.get(doc.id)
                size = f"{known.characters:,}" if known else "…"
                rows.append(
                    (f"  {doc.title}", size, str(doc.codings), progress_bar(known.share) if known else "…")
                )
                self.row_documents.append(doc.id)
        table.add_rows(rows)
        self.qapp.loaded()
        codings = sum(g.codings for g in self.groups)
        self.query_one("#documents-summary", Static).update(
            f"{docs} documents · {sum(1 for g in self.groups if g.label)} participants · {codings:,} codings"
            "   —   Enter opens a document · 2 codebook · 3 matrix · 4 search · F1 help"
        )
        if rows:
            first_doc = next((i for i, d in enumerate(self.row_documents) if d is not None), 0)
            table.move_cursor(row=keep if 0 < keep < len(rows) else first_doc)
        table.focus()

    @on(DataTable.RowSelected, "#documents")
    def row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#documents", DataTable)
        if not self.row_documents:
            return
        doc_id = self.row_documents[table.cursor_row]
        if doc_id is None:  # a participant row: open their first document
            later = self.row_documents[table.cursor_row :]
            doc_id = next((d for d in later if d is not None), None)
        if doc_id is not None:
            self.qapp.open_document(doc_id)


# --- reading and coding -------------------------------------------------------------------------


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
        self.qapp.db(wb.document_text, self.document_id, done=self.show, group="reader", exclusive=True)

    def show(self, document: wb.DocumentText) -> None:
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
        """Codings on the selection: exactly on it if any, else every one overlapping it."""
        if self.document is None:
            return []
        a, b = self.selection
        exact = [m for m in self.document.codings if (m.start, m.end) == (a, b)]
        if exact:
            return exact
        return [m for m in self.document.codings if m.start < b and m.end > a]

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
        def ask(mark: wb.CodingMark) -> None:
            def save(text: str | None) -> None:
                if text and text.strip():
                    self.qapp.db(wb.add_coding_memo, mark.coding_id, text, write=True, done=saved)

            def saved(result: wb.MemoAdded) -> None:
                self.notify(f"memo saved on {result.code}", markup=False)
                self.pending_selection = self.selection
                self.reload()

            self.app.push_screen(PromptScreen(f"Memo on this coding of {mark.code!r}"), save)

        self._with_coding("write a memo on", ask)

    def action_example(self) -> None:
        from qualcode.services.themes import ExampleSet, set_code_example

        def mark_it(mark: wb.CodingMark) -> None:
            def marked(result: ExampleSet) -> None:
                self.notify(f"this passage is now the example quote of {result.code}", markup=False)
                self.pending_selection = self.selection
                self.reload()

            self.qapp.db(set_code_example, mark.code, mark.segment_id, write=True, done=marked)

        self._with_coding("mark as the example quote", mark_it)


# --- codebook -----------------------------------------------------------------------------------


NodeData = tuple[str, Any]
CODEBOOK_PAGE = 500


class CodebookScreen(StudyScreen):
    """Themes -> codes with counts and participant letters; consolidate from here."""

    BINDINGS = [
        Binding("o", "excerpts", "Excerpts", id="codebook.excerpts"),
        # priority: the tree would take space to fold a theme
        Binding("space", "mark", "Mark", id="codebook.mark", priority=True),
        Binding("M", "merge", "Merge marked here", id="codebook.merge"),
        Binding("r", "rename", "Rename", id="codebook.rename"),
        Binding("t", "move_theme", "Theme", id="codebook.theme"),
        Binding("x", "exclude", "Exclude/include", id="codebook.exclude"),
        Binding("s", "similar", "Similar", id="codebook.similar"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.book: wb.Codebook | None = None
        self.marked: dict[int, str] = {}
        self.people: dict[int, wb.CodeParticipants] = {}
        self._shown: dict[int, int] = {}  # id(node) -> how many of its codes are in the tree

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the codebook…", id="codebook-summary")
        yield Tree[NodeData]("Codebook", id="codebook")
        yield Footer()

    def reload(self) -> None:
        super().reload()
        # counts first (fast); who said it follows (a join over every coding)
        self.qapp.db(wb.codebook, participants=False, done=self.show, group="codebook", exclusive=True)
        self.qapp.db(wb.code_participants, done=self.show_people, group="codebook-people", exclusive=True)

    @property
    def codes_tree(self) -> Tree[NodeData]:
        return cast("Tree[NodeData]", self.query_one("#codebook", Tree))

    def show(self, book: wb.Codebook) -> None:
        self.book = book
        tree = self.codes_tree
        keep = self.current_code()
        tree.clear()
        tree.show_root = False
        self._shown = {}
        parents: dict[int, TreeNode[NodeData]] = {}
        for theme in book.themes:
            parent = parents.get(theme.parent_id) if theme.parent_id else None
            node = (parent or tree.root).add(self._theme_label(theme), data=("theme", theme))
            parents[theme.id] = node
            if theme.codes:
                node.add_leaf("…", data=("placeholder", None))
        for title, codes, kind in (
            ("(no theme)", book.unthemed, "unthemed"),
            ("Excluded codes", book.excluded, "excluded"),
        ):
            if codes:
                node = tree.root.add(
                    Text.assemble((title, "bold italic"), f"  {len(codes)} codes"), data=(kind, codes)
                )
                node.add_leaf("…", data=("placeholder", None))
        self.query_one("#codebook-summary", Static).update(
            f"{len(book.themes)} themes · {book.active_codes:,} active codes · {len(book.excluded)} excluded"
            "   —   Enter excerpts · space mark · M merge · r rename · t theme · x exclude · s similar"
        )
        target = keep or (book.themes[0].codes[0].id if book.themes and book.themes[0].codes else None)
        if target is not None:
            self.reveal_code(target)
        elif tree.root.children:
            tree.root.children[0].expand()
        tree.focus()

    def _theme_label(self, theme: wb.CodebookTheme) -> Text:
        return Text.assemble(
            (theme.name, "bold"), (f"  {len(theme.codes)} codes · {theme.codings} codings", "dim")
        )

    def code_label(self, code: wb.CodebookCode) -> Text:
        mark = ("✓ ", "bold green") if code.id in self.marked else ("  ", "")
        return Text.assemble(
            mark,
            (code.name, "strike dim" if code.status == "excluded" else ""),
            (f"  {code.count}", "bold cyan"),
            (f"  {letters(self.people[code.id].labels)}" if code.id in self.people else "", "dim"),
        )

    def show_people(self, people: dict[int, wb.CodeParticipants]) -> None:
        self.people = people
        for node in self._code_nodes(self.codes_tree.root):
            if node.data is not None:
                node.set_label(self.code_label(node.data[1]))
        self.qapp.loaded()

    def _code_nodes(self, node: TreeNode[NodeData]) -> list[TreeNode[NodeData]]:
        found = []
        for child in node.children:
            if child.data and child.data[0] == "code":
                found.append(child)
            elif child.children:
                found.extend(self._code_nodes(child))
        return found

    @staticmethod
    def _codes_of(node: TreeNode[NodeData]) -> tuple[wb.CodebookCode, ...]:
        kind, value = node.data if node.data else ("", None)
        if kind == "theme":
            return cast(wb.CodebookTheme, value).codes
        if kind in ("unthemed", "excluded"):
            return cast(tuple[wb.CodebookCode, ...], value)
        return ()

    def _fill(self, node: TreeNode[NodeData]) -> None:
        """Add the next page of a theme's codes (a tree of 20,000 leaves would be slow to build)."""
        codes = self._codes_of(node)
        shown = self._shown.get(id(node), 0)
        if not codes or (shown and shown >= len(codes)):
            return
        for child in list(node.children):
            if child.data and child.data[0] in ("placeholder", "more"):
                child.remove()
        page = codes[shown : shown + CODEBOOK_PAGE]
        # A theme's own codes come before its sub-themes, as in the exports and the matrix.
        sub_theme = next((c for c in node.children if c.data and c.data[0] == "theme"), None)
        for code in page:
            node.add_leaf(self.code_label(code), data=("code", code), before=sub_theme)
        shown += len(page)
        self._shown[id(node)] = shown
        if shown < len(codes):
            node.add_leaf(
                Text(f"… {len(codes) - shown:,} more codes (Enter)", style="italic dim"),
                data=("more", None),
                before=sub_theme,
            )

    @on(Tree.NodeExpanded, "#codebook")
    def fill_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        self._fill(event.node)

    def reveal_code(self, code_id: int) -> None:
        tree = self.codes_tree

        def walk(node: TreeNode[NodeData]) -> TreeNode[NodeData] | None:
            for child in node.children:
                data = child.data
                if data is None:
                    continue
                kind, value = data
                codes: tuple[wb.CodebookCode, ...] = ()
                if kind == "theme":
                    codes = value.codes
                elif kind in ("unthemed", "excluded"):
                    codes = value
                if any(c.id == code_id for c in codes):
                    position = next(i for i, c in enumerate(codes) if c.id == code_id)
                    while self._shown.get(id(child), 0) <= position:
                        self._fill(child)
                    child.expand()
                    return next(
                        (
                            n
                            for n in child.children
                            if n.data and n.data[0] == "code" and n.data[1].id == code_id
                        ),
                        None,
                    )
                found = walk(child)
                if found is not None:
                    child.expand()
                    return found
            return None

        node = walk(tree.root)
        if node is not None:
            # the tree numbers its lines on the next refresh; move there after it
            tree.call_after_refresh(tree.move_cursor, node)

    def current(self) -> NodeData | None:
        node = self.codes_tree.cursor_node
        return node.data if node is not None else None

    def current_code(self) -> int | None:
        data = self.current()
        return data[1].id if data and data[0] == "code" else None

    def _code(self) -> wb.CodebookCode | None:
        data = self.current()
        if data and data[0] == "code":
            return cast(wb.CodebookCode, data[1])
        self.notify("put the cursor on a code", severity="warning")
        return None

    @on(Tree.NodeSelected, "#codebook")
    def selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        if event.node.data and event.node.data[0] == "code":
            self.action_excerpts()
        elif event.node.data and event.node.data[0] == "more" and event.node.parent is not None:
            self._fill(event.node.parent)

    def action_excerpts(self) -> None:
        code = self._code()
        if code is not None:
            self.app.push_screen(ExcerptsScreen(f"Excerpts coded {code.name!r}", code.name))

    def action_mark(self) -> None:
        node = self.codes_tree.cursor_node
        code = self._code()
        if code is None or node is None:
            return
        if code.id in self.marked:
            del self.marked[code.id]
        else:
            self.marked[code.id] = code.name
        node.set_label(self.code_label(code))
        self.codes_tree.action_cursor_down()

    def action_move_theme(self) -> None:
        from qualcode.services.codes import assign_codes

        code = self._code()
        if code is None or self.book is None:
            return
        names = self.marked_or(code)

        def chosen(theme: str | None) -> None:
            if theme:
                self.qapp.db(assign_codes, theme, names, write=True, done=lambda _r: self._changed(code.id))

        self.app.push_screen(
            ChooseScreen(
                f"Move {len(names)} code(s) to which theme?", [(t.name, t.name) for t in self.book.themes]
            ),
            chosen,
        )

    def marked_or(self, code: wb.CodebookCode) -> list[str]:
        return list(self.marked.values()) if self.marked else [code.name]

    def _changed(self, code_id: int | None, message: str = "") -> None:
        self.marked.clear()
        if message:
            self.notify(message, markup=False)
        self.reload()
        if code_id is not None:
            self.call_after_refresh(lambda: None)

    # Consolidation (merge, rename, exclude, similar) is the consolidation service's work; the
    # codebook only asks for names and reasons and shows the result.

    def action_rename(self) -> None:
        code = self._code()
        if code is None:
            return
        consolidate = _consolidation(self)
        if consolidate is None:
            return

        def renamed(name: str | None) -> None:
            if name and name.strip() and name.strip() != code.name:
                self.qapp.db(
                    consolidate.rename_code,
                    code.name,
                    name.strip(),
                    write=True,
                    done=lambda _r: self._changed(code.id, f"renamed to {name.strip()}"),
                )

        self.app.push_screen(PromptScreen(f"Rename {code.name!r} to", code.name), renamed)

    def action_exclude(self) -> None:
        code = self._code()
        if code is None:
            return
        consolidate = _consolidation(self)
        if consolidate is None:
            return
        if code.status == "excluded":
            self.qapp.db(
                consolidate.include_codes,
                [code.name],
                write=True,
                done=lambda _r: self._changed(code.id, "included"),
            )
            return
        names = self.marked_or(code)

        def reason_given(reason: str | None) -> None:
            if reason is not None:
                self.qapp.db(
                    consolidate.exclude_codes,
                    names,
                    reason=reason.strip(),
                    write=True,
                    done=lambda _r: self._changed(None, f"excluded {len(names)} code(s)"),
                )

        self.app.push_screen(
            PromptScreen(f"Exclude {len(names)} code(s): why?", placeholder="reason"), reason_given
        )

    def action_merge(self) -> None:
        code = self._code()
        if code is None:
            return
        sources = [name for cid, name in self.marked.items() if cid != code.id]
        if not sources:
            self.notify(
                "mark the codes to merge with space, then press M on the code they merge into",
                severity="warning",
            )
            return
        consolidate = _consolidation(self)
        if consolidate is None:
            return
        self.qapp.db(
            consolidate.merge_codes,
            sources,
            code.name,
            write=True,
            done=lambda _r: self._changed(
                code.id, f"merged {len(sources)} code(s) into {code.name} (ctrl+z undoes)"
            ),
        )

    def action_similar(self) -> None:
        consolidate = _consolidation(self)
        if consolidate is None:
            return
        self.app.push_screen(SimilarScreen(), lambda _r: self.reload())


def _consolidation(screen: Screen[Any]) -> Any:
    """The consolidation services, or None (with a message) when this build has none."""
    try:
        from qualcode.services import consolidate  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        screen.notify("merging, renaming and excluding need qualcode.services.consolidate", severity="error")
        return None
    return consolidate


class SimilarScreen(ModalScreen[None]):
    """Duplicate-suggestion clusters: accept (merge into the suggested name) or reject, one by one."""

    BINDINGS = [
        Binding("a", "accept", "Accept cluster", id="similar.accept"),
        Binding("d", "reject", "Reject cluster", id="similar.reject"),
        Binding("escape", "close", "Close", id="similar.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.clusters: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                "Similar codes — a: merge into the suggested name · d: reject · Escape: close",
                classes="dialog-title",
            )
            yield OptionList(id="clusters")

    def on_mount(self) -> None:
        consolidate = _consolidation(self)
        if consolidate is None:
            return
        cast("QualcodeApp", self.app).db(consolidate.similar_codes, done=self.show)

    def show(self, result: Any) -> None:
        self.clusters = list(getattr(result, "clusters", result))
        options = self.query_one(OptionList)
        options.clear_options()
        for cluster in self.clusters:
            options.add_option(
                Option(
                    Text.assemble(
                        (f"{cluster.suggested}", "bold"),
                        " ← ",
                        ", ".join(c for c in cluster.codes if c != cluster.suggested),
                        (f"  (min {cluster.min_score:.0f})", "dim"),
                    )
                )
            )
        if not self.clusters:
            options.add_option(Option("no similar codes", disabled=True))
        options.focus()

    def _current(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        return index if index is not None and index < len(self.clusters) else None

    def action_accept(self) -> None:
        index = self._current()
        consolidate = _consolidation(self)
        if index is None or consolidate is None:
            return
        cluster = self.clusters[index]
        sources = [c for c in cluster.codes if c != cluster.suggested]

        def merged(_r: Any) -> None:
            self.notify(f"merged into {cluster.suggested}", markup=False)
            self._drop(index)

        cast("QualcodeApp", self.app).db(
            consolidate.merge_codes, sources, cluster.suggested, write=True, done=merged
        )

    def action_reject(self) -> None:
        index = self._current()
        if index is not None:
            self._drop(index)

    def _drop(self, index: int) -> None:
        del self.clusters[index]
        self.query_one(OptionList).remove_option_at_index(index)

    def action_close(self) -> None:
        self.dismiss(None)


# --- matrix -------------------------------------------------------------------------------------

MATRIX_COLUMNS = 40


class MatrixScreen(StudyScreen):
    """Code × participant counts with theme subtotals; a cell opens its excerpts."""

    BINDINGS = [
        Binding("o", "excerpts", "Excerpts of the cell", id="matrix.excerpts"),
        Binding("right_square_bracket", "columns(1)", "Next participants", id="matrix.next_columns"),
        Binding("left_square_bracket", "columns(-1)", "Previous participants", id="matrix.previous_columns"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.matrix: wb.Matrix | None = None
        self.first_column = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the matrix…", id="matrix-summary")
        yield DataTable(id="matrix", cursor_type="cell", fixed_columns=1)
        yield Footer()

    def reload(self) -> None:
        super().reload()
        self.qapp.db(
            wb.code_matrix,
            first_column=self.first_column,
            max_columns=MATRIX_COLUMNS,
            done=self.show,
            group="matrix",
            exclusive=True,
        )

    def action_columns(self, step: int) -> None:
        if self.matrix is None:
            return
        first = self.first_column + step * MATRIX_COLUMNS
        if 0 <= first < self.matrix.participants and first != self.first_column:
            self.first_column = first
            self.reload()

    def show(self, matrix: wb.Matrix) -> None:
        self.matrix = matrix
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_column("code", width=44)
        for label in matrix.columns:
            table.add_column(split_label(label)[1] or label)
        table.add_column("total")
        rows = []
        for row in matrix.rows:
            bold = "bold" if row.kind == "theme" else ""
            name = Text(_clip(row.name, 44), style=bold or "")
            cells = [
                Text(str(n) if n else "·", style=bold or ("" if n else "dim"), justify="right")
                for n in row.counts
            ]
            rows.append([name, *cells, Text(str(row.total), style="bold", justify="right")])
        table.add_rows(rows)
        shown = len(matrix.columns)
        window = (
            f" (participants {self.first_column + 1}–{self.first_column + shown}"
            f" of {matrix.participants}: [ ] for more)"
            if shown < matrix.participants
            else ""
        )
        self.query_one("#matrix-summary", Static).update(
            f"{sum(1 for r in matrix.rows if r.kind == 'code'):,} codes × "
            f"{matrix.participants} participants{window}"
            "   —   Enter on a cell opens its excerpts"
        )
        table.focus()

    @on(DataTable.CellSelected, "#matrix")
    def cell_selected(self) -> None:
        self.action_excerpts()

    def action_excerpts(self) -> None:
        if self.matrix is None or not self.matrix.rows:
            return
        table = self.query_one("#matrix", DataTable)
        row = self.matrix.rows[table.cursor_row]
        col = table.cursor_column
        if row.kind != "code":
            self.notify("a theme row is a subtotal: open a code's cell", severity="warning")
            return
        participant = self.matrix.columns[col - 1] if 1 <= col <= len(self.matrix.columns) else None
        who = f" by {participant}" if participant else ""
        self.app.push_screen(ExcerptsScreen(f"{row.name!r}{who}", row.name, participant))


# --- search -------------------------------------------------------------------------------------


class SearchScreen(StudyScreen):
    """Full text across every document and coded segment; Enter jumps to the hit."""

    BINDINGS = [
        Binding("ctrl+f", "focus_query", "Edit query", id="search.focus"),
        Binding("o", "open", "Open hit", id="search.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[wb.SearchHit] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search every document (any language); Enter to search", id="search-input")
        yield Static("", id="search-summary")
        yield DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#hits", DataTable).add_columns("who", "document", "context", "coded with")
        self.query_one(Input).focus()

    def reload(self) -> None:
        super().reload()
        query = self.query_one(Input).value
        if query.strip():
            self.run_search(query)

    def action_focus_query(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#search-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        self.qapp.db(wb.search, query, done=self.show, group="search", exclusive=True)

    def show(self, hits: list[wb.SearchHit]) -> None:
        self.hits = hits
        table = self.query_one("#hits", DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    h.participant or "",
                    _clip(h.document, 20),
                    _clip(h.snippet, 80),
                    _clip(", ".join(h.codes), 30),
                )
                for h in hits
            ]
        )
        docs = len({h.document_id for h in hits})
        self.query_one("#search-summary", Static).update(f"{len(hits)} hit(s) in {docs} document(s)")
        if hits:
            table.focus()

    @on(DataTable.RowSelected, "#hits")
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if not self.hits:
            return
        hit = self.hits[self.query_one("#hits", DataTable).cursor_row]
        self.qapp.open_document(hit.document_id, (hit.start, hit.end))


# --- help ---------------------------------------------------------------------------------------


def binding_sources() -> list[tuple[str, type[Any]]]:
    from qualcode.tui.app import QualcodeApp

    return [
        ("everywhere", QualcodeApp),
        ("documents", DocumentsScreen),
        ("reader", ReaderScreen),
        ("code picker", PickerScreen),
        ("codebook", CodebookScreen),
        ("similar codes", SimilarScreen),
        ("matrix", MatrixScreen),
        ("search", SearchScreen),
        ("excerpts", ExcerptsScreen),
    ]


class HelpScreen(ModalScreen[None]):
    """F1: every binding of every screen, with its id for the keymap file."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close help", id="help.close")]

    def compose(self) -> ComposeResult:
        from qualcode.tui.keymap import keymap_path

        with Vertical(classes="dialog wide"):
            yield Label(
                f"Keys — remap them in {keymap_path()} (see docs/workbench.md)", classes="dialog-title"
            )
            yield DataTable(id="help", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "keys", "does", "binding id")
        keymap: dict[str, str] = dict(getattr(self.app, "_keymap", {}) or {})
        rows = []
        for where, source in binding_sources():
            for binding in source.BINDINGS:
                if not isinstance(binding, Binding):
                    continue
                keys = keymap.get(binding.id or "", binding.key)
                rows.append((where, keys.replace(",", "  "), binding.description, binding.id or ""))
        rows.append(("everywhere", "ctrl+p", "Command palette: every action by name", ""))
        table.add_rows(rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)


# --- exports ------------------------------------------------------------------------------------


def export_commands(app: Any) -> list[PaletteCommand]:
    """Palette entries for the exports: each asks for a file and runs the export in a worker."""
    from qualcode.tui.exports import DEFAULT_FILES, SUFFIXES

    titles = {
        "codebook": "Export the codebook (Appendix B)",
        "participants": "Export the participants table (Appendix A)",
        "matrix": "Export the code × participant matrix",
        "project": "Export a REFI-QDA project (.qdpx)",
    }
    return [
        PaletteCommand(
            title, f"writes {', '.join(SUFFIXES[kind])} (asks where)", partial(ask_export, app, kind)
        )
        for kind, title in titles.items()
        if kind in DEFAULT_FILES
    ]


def ask_export(app: Any, kind: str) -> None:
    from pathlib import Path

    from qualcode.tui.exports import DEFAULT_FILES, Exported, export_file

    def written(result: Exported) -> None:
        app.notify(f"wrote {result.path}: {result.summary}", title="export", markup=False)

    def chosen(path: str | None) -> None:
        if path and path.strip():
            app.db(export_file, kind, Path(path.strip()).expanduser(), done=written)

    app.push_screen(
        PromptScreen(f"Export {kind} to which file?", str(Path.cwd() / DEFAULT_FILES[kind])), chosen
    )
