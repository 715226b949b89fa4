"""The codebook: themes and codes; consolidation from the keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.services import consolidate
from qualcode.services import workbench as wb
from qualcode.tui.messages import CodebookLoaded, CodePeopleLoaded
from qualcode.tui.screens.base import StudyScreen, letters
from qualcode.tui.screens.dialogs import ChooseScreen, PromptScreen, ReasonScreen, name_list
from qualcode.tui.screens.excerpts import ExcerptsScreen
from qualcode.tui.screens.similar import SimilarScreen

if TYPE_CHECKING:
    pass


NodeData = tuple[str, Any]
_CANCELLED = object()  # what the theme chooser returns on Escape ("(top level)" is None)
CODEBOOK_PAGE = 500


class CodebookScreen(StudyScreen):
    """Themes -> codes with counts and participant letters; consolidate from here."""

    BINDINGS = [
        Binding("o", "excerpts", "Excerpts", id="codebook.excerpts"),
        # priority: the tree would take space to fold a theme
        Binding("space", "mark", "Mark", id="codebook.mark", priority=True),
        Binding("M", "merge", "Merge marked here", id="codebook.merge"),
        Binding("r", "rename", "Rename code or theme", id="codebook.rename"),
        Binding("t", "move_theme", "Move to theme", id="codebook.theme"),
        Binding("n", "new_theme", "New theme", id="codebook.new_theme"),
        Binding("N", "new_sub_theme", "New sub-theme", id="codebook.new_sub_theme"),
        Binding("ctrl+up", "reorder(-1)", "Theme up", id="codebook.theme_up"),
        Binding("ctrl+down", "reorder(1)", "Theme down", id="codebook.theme_down"),
        Binding("x", "exclude", "Exclude/include", id="codebook.exclude"),
        Binding("s", "similar", "Similar", id="codebook.similar"),
        Binding("m", "memo", "Memo on code or theme", id="codebook.memo"),
        Binding("f", "funnel", "Funnel", id="codebook.funnel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.book: wb.Codebook | None = None
        self.marked: dict[int, str] = {}
        self.people: dict[int, wb.CodeParticipants] = {}
        self._shown: dict[int, int] = {}  # id(node) -> how many of its codes are in the tree
        # the node to put the cursor on after the reload: ("code", id) or ("theme", id)
        self._focus_after: tuple[str, int | None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the codebook…", id="codebook-summary")
        yield Tree[NodeData]("Codebook", id="codebook")
        yield Footer()

    def reload(self) -> None:
        super().reload()
        # counts first (fast); who said it follows (a join over every coding)
        self.qapp.load(self, CodebookLoaded, wb.codebook, participants=False)
        self.qapp.load(self, CodePeopleLoaded, wb.code_participants)

    @property
    def codes_tree(self) -> Tree[NodeData]:
        return cast("Tree[NodeData]", self.query_one("#codebook", Tree))

    @staticmethod
    def _key(data: NodeData | None) -> tuple[str, int | None] | None:
        """What a node stands for, stable across reloads: ("theme", id), ("code", id), ("excluded", None)."""
        if data is None:
            return None
        kind, value = data
        if kind in ("theme", "code"):
            return (kind, value.id)
        return (kind, None)

    def _tree_state(self) -> tuple[set[tuple[str, int | None]], dict[tuple[str, int | None], int], Any, int]:
        """(expanded nodes, codes shown per node, the cursor's node, the cursor's line)."""
        tree = self.codes_tree
        expanded: set[tuple[str, int | None]] = set()
        shown: dict[tuple[str, int | None], int] = {}
        stack = list(tree.root.children)
        while stack:
            node = stack.pop()
            key = self._key(node.data)
            if key is not None and node.is_expanded:
                expanded.add(key)
                shown[key] = self._shown.get(id(node), 0)
                stack.extend(node.children)
        return expanded, shown, self._key(self.current()), tree.cursor_line

    @on(CodebookLoaded)
    def show(self, message: CodebookLoaded) -> None:
        """Rebuild the tree from ``book``, keeping what was expanded and where the cursor was."""
        book: wb.Codebook = message.result
        first_load = self.book is None
        self.book = book
        tree = self.codes_tree
        expanded, shown_before, cursor, cursor_line = self._tree_state()
        if self._focus_after is not None:  # a change made here: follow what it acted on
            cursor, self._focus_after = self._focus_after, None
        tree.clear()
        tree.show_root = False
        self._shown = {}
        parents: dict[int, TreeNode[NodeData]] = {}
        nodes: dict[tuple[str, int | None], TreeNode[NodeData]] = {}
        for theme in book.themes:
            parent = parents.get(theme.parent_id) if theme.parent_id else None
            node = (parent or tree.root).add(self._theme_label(theme), data=("theme", theme))
            parents[theme.id] = node
            nodes[("theme", theme.id)] = node
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
                nodes[(kind, None)] = node
                node.add_leaf("…", data=("placeholder", None))
        self.query_one("#codebook-summary", Static).update(
            f"{len(book.themes)} themes · {book.active_codes:,} active codes · {len(book.excluded)} excluded"
            "   —   Enter excerpts · space mark · M merge · r rename · t theme · x exclude · s similar"
        )
        for key in expanded:
            opened = nodes.get(key)
            if opened is not None:
                while self._shown.get(id(opened), 0) < max(1, shown_before.get(key, 0)):
                    before = self._shown.get(id(opened), 0)
                    self._fill(opened)
                    if self._shown.get(id(opened), 0) == before:
                        break
                opened.expand()
        if first_load:
            target = book.themes[0].codes[0].id if book.themes and book.themes[0].codes else None
            if target is not None:
                self.reveal_code(target)
            elif tree.root.children:
                tree.root.children[0].expand()
        elif (
            cursor is not None and cursor[0] == "code" and cursor[1] is not None and self._has_code(cursor[1])
        ):
            self.reveal_code(cursor[1])
        elif cursor is not None and cursor in nodes:
            walk = nodes[cursor].parent
            while walk is not None and walk is not tree.root:
                walk.expand()
                walk = walk.parent
            tree.call_after_refresh(tree.move_cursor, nodes[cursor])
        else:  # the node under the cursor is gone (merged away): stay on the same line
            tree.call_after_refresh(tree.move_cursor_to_line, max(0, cursor_line))
        tree.focus()

    def _has_code(self, code_id: int) -> bool:
        return any(c.id == code_id for c in self._all_codes())

    def _theme_label(self, theme: wb.CodebookTheme) -> Text:
        return Text.assemble(
            (theme.name, "bold"), (f"  {len(theme.codes)} codes · {theme.codings} codings", "dim")
        )

    def code_label(self, code: wb.CodebookCode) -> Text:
        mark = ("✓ ", "bold green") if code.id in self.marked else ("  ", "")
        # a sub-code sits under its parent (the tree's order), indented
        nesting = ("    " * code.depth, "")
        return Text.assemble(
            mark,
            nesting,
            (code.name, "strike dim" if code.status == "excluded" else ""),
            (f"  {code.count}", "bold cyan"),
            (f"  {letters(self.people[code.id].labels)}" if code.id in self.people else "", "dim"),
        )

    @on(CodePeopleLoaded)
    def show_people(self, message: CodePeopleLoaded) -> None:
        self.people = message.result
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

        theme = self._theme()
        if theme is not None:
            self._nest_theme(theme)
            return
        code = self._code()
        if code is None or self.book is None:
            return
        names = self.marked_or(code)

        def chosen(theme: str | None) -> None:
            if theme:
                self.qapp.db(assign_codes, theme, names, write=True, done=lambda _r: self._changed(code.id))

        self.app.push_screen(
            ChooseScreen(
                f"Move {name_list(names)} to which theme?", [(t.name, t.name) for t in self.book.themes]
            ),
            chosen,
        )

    def _all_codes(self) -> list[wb.CodebookCode]:
        if self.book is None:
            return []
        return [c for t in self.book.themes for c in t.codes] + [*self.book.unthemed, *self.book.excluded]

    def marked_or(self, code: wb.CodebookCode) -> list[str]:
        return list(self.marked.values()) if self.marked else [code.name]

    def _changed(self, code_id: int | None, message: str = "") -> None:
        """After a change made here: reload, with the cursor on ``code_id`` (the code acted on)."""
        self.marked.clear()
        if message:
            self.notify(message, markup=False)
        self._focus_after = ("code", code_id) if code_id is not None else None
        self.reload()

    def _theme_changed(self, theme_id: int, message: str) -> None:
        self.notify(message, markup=False)
        self._focus_after = ("theme", theme_id)
        self.reload()

    # --- themes: create, rename, nest, reorder (qualcode.services.themes) ------------------------

    def _theme(self) -> wb.CodebookTheme | None:
        data = self.current()
        return cast(wb.CodebookTheme, data[1]) if data and data[0] == "theme" else None

    def _theme_here(self) -> wb.CodebookTheme | None:
        """The theme at the cursor, or the theme of the code at the cursor."""
        theme = self._theme()
        if theme is not None or self.book is None:
            return theme
        node = self.codes_tree.cursor_node
        parent = node.parent if node is not None else None
        if parent is not None and parent.data and parent.data[0] == "theme":
            return cast(wb.CodebookTheme, parent.data[1])
        return None

    def _ask_new_theme(self, parent: wb.CodebookTheme | None) -> None:
        from qualcode.services.codes import ThemeInfo, add_theme

        def named(name: str | None) -> None:
            if name and name.strip():
                self.qapp.db(
                    add_theme,
                    name.strip(),
                    parent=parent.name if parent else None,
                    write=True,
                    done=lambda info: self._theme_changed(
                        cast(ThemeInfo, info).id, f"new theme {name.strip()!r}" + where
                    ),
                )

        where = f" under {parent.name!r}" if parent else ""
        title = f"New sub-theme of {parent.name!r}" if parent else "New theme"
        self.app.push_screen(PromptScreen(title, placeholder="theme name"), named)

    def action_new_theme(self) -> None:
        self._ask_new_theme(None)

    def action_new_sub_theme(self) -> None:
        parent = self._theme_here()
        if parent is None:
            self.notify("put the cursor on a theme (or one of its codes)", severity="warning")
            return
        self._ask_new_theme(parent)

    def _rename_theme(self, theme: wb.CodebookTheme) -> None:
        from qualcode.services.themes import rename_theme

        def renamed(name: str | None) -> None:
            if name and name.strip() and name.strip() != theme.name:
                self.qapp.db(
                    rename_theme,
                    theme.name,
                    name.strip(),
                    write=True,
                    done=lambda _r: self._theme_changed(theme.id, f"renamed theme to {name.strip()!r}"),
                )

        self.app.push_screen(PromptScreen(f"Rename theme {theme.name!r} to", theme.name), renamed)

    def _nest_theme(self, theme: wb.CodebookTheme) -> None:
        from qualcode.services.themes import move_theme

        if self.book is None:
            return
        inside = {theme.id}
        for other in self.book.themes:  # depth first: a sub-theme comes after its parent
            if other.parent_id in inside:
                inside.add(other.id)
        options: list[tuple[str, str | None]] = [("(top level)", None)] if theme.parent_id else []
        options += [
            ("  " * other.depth + other.name, other.name)
            for other in self.book.themes
            if other.id not in inside and other.id != theme.parent_id
        ]

        def picked(value: object) -> None:
            if value is _CANCELLED:
                return
            parent = cast("str | None", value)
            where = f"under {parent!r}" if parent else "to the top level"
            self.qapp.db(
                move_theme,
                theme.name,
                parent=parent,
                top=parent is None,
                write=True,
                done=lambda _r: self._theme_changed(theme.id, f"moved theme {theme.name!r} {where}"),
            )

        self.app.push_screen(
            ChooseScreen(f"Move theme {theme.name!r} under which theme?", options, cancelled=_CANCELLED),
            picked,
        )

    def action_reorder(self, step: int) -> None:
        from qualcode.services.themes import move_theme

        theme = self._theme()
        if theme is None or self.book is None:
            self.notify("put the cursor on a theme to move it up or down", severity="warning")
            return
        siblings = [t for t in self.book.themes if t.parent_id == theme.parent_id]
        at = next(i for i, t in enumerate(siblings) if t.id == theme.id)
        if not 0 <= at + step < len(siblings):
            return
        other = siblings[at + step].name
        direction = "up" if step < 0 else "down"
        self.qapp.db(
            move_theme,
            theme.name,
            before=other if step < 0 else None,
            after=other if step > 0 else None,
            write=True,
            done=lambda _r: self._theme_changed(theme.id, f"moved theme {theme.name!r} {direction}"),
        )

    # Consolidation (merge, rename, exclude, similar) is the consolidation service's work; the
    # codebook only asks for names and reasons and shows the result.

    def action_rename(self) -> None:
        theme = self._theme()
        if theme is not None:
            self._rename_theme(theme)
            return
        code = self._code()
        if code is None:
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
                    reason=reason,
                    write=True,
                    done=lambda _r: self._changed(code.id, f"excluded {name_list(names)}"),
                )

        self.app.push_screen(
            ReasonScreen(
                f"Exclude {len(names)} code(s) from the analysis?",
                [f"exclude {name_list(names)}", "their codings stay; the codes leave reports"],
                verb="exclude",
            ),
            reason_given,
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
        counts = {c.name: c.count for c in self._all_codes()}

        def confirmed(reason: str | None) -> None:
            if reason is None:
                return
            self.qapp.db(
                consolidate.merge_codes,
                sources,
                code.name,
                reason=reason,
                write=True,
                done=lambda _r: self._changed(
                    code.id, f"merged {name_list(sources)} into {code.name!r} (ctrl+z undoes)"
                ),
            )

        moved = sum(counts.get(name, 0) for name in sources)
        self.app.push_screen(
            ReasonScreen(
                f"Merge {len(sources)} code(s) into {code.name!r}?",
                [
                    f"merge {name_list(sources)}",
                    f"into {code.name!r}: {moved} coding(s) move, {code.count} already there",
                ],
                verb="merge",
            ),
            confirmed,
        )

    def action_funnel(self) -> None:
        from qualcode.tui.screens.funnel import FunnelScreen

        self.app.push_screen(FunnelScreen())

    def action_memo(self) -> None:
        from qualcode.tui.screens.memos import write_memo

        theme = self._theme()
        if theme is not None:
            write_memo(self.app, f"theme {theme.name}", theme=theme.name)
            return
        code = self._code()
        if code is not None:
            write_memo(self.app, f"code {code.name!r}", code=code.name)

    def action_similar(self) -> None:
        self.app.push_screen(SimilarScreen(), lambda _r: self.reload())
