"""The code picker: type a few letters, fuzzy-match every code, pick one or create a new one.

Matching runs on the UI thread because it is fast (rapidfuzz over names folded once, see
``CodeIndex``); the benchmark holds it to 30 ms for 20,000 codes per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.services.workbench import CodeChoice

# A new name this close to an existing one (rapidfuzz ratio on case-folded names, 0-100) is
# probably a duplicate in the making: the picker asks before creating it. Chosen by us from
# the planted near-duplicates of the benchmark corpus (plurals, typos, case), not a standard.
NEAR_NAME_SCORE = 85.0
SHOWN = 60
# partial_ratio (0-100) at which a name counts as nearly containing what was typed.
FUZZY_SCORE = 75.0
NEW = "\x00new"


@dataclass(frozen=True)
class Picked:
    name: str
    new: bool


class CodeIndex:
    """Code names folded once, so each keystroke only scores."""

    def __init__(self, choices: list[CodeChoice]):
        self.choices = choices
        self.folded = [c.name.casefold() for c in choices]
        self.by_folded = {f: i for i, f in enumerate(self.folded)}

    def filter(self, query: str, limit: int = SHOWN) -> list[tuple[CodeChoice, float]]:
        """The best matches for ``query``, best first (all codes, most used first, when empty).

        Names that contain the typed text come first (those starting with it before the rest);
        then, from three letters on, names that nearly contain it (rapidfuzz partial_ratio,
        which forgives a typo), so that "vsia" still finds "Visa-free regime".
        """
        q = query.strip().casefold()
        if not q:
            return [(c, 100.0) for c in self.choices[:limit]]
        # choices come most used first, so a stable sort keeps that order among equals
        contained = [(f.find(q), i) for i, f in enumerate(self.folded) if q in f]
        contained.sort(key=lambda hit: (hit[0] != 0, hit[0]))
        found = [(self.choices[i], 100.0) for _, i in contained[:limit]]
        if len(found) < limit and len(q) >= 3:
            taken = {i for _, i in contained}
            for _, score, i in process.extract(
                q,
                self.folded,
                scorer=fuzz.partial_ratio,
                limit=limit + len(taken),
                score_cutoff=FUZZY_SCORE,
                processor=None,
            ):
                if i not in taken:
                    found.append((self.choices[i], score))
                    if len(found) >= limit:
                        break
        return found

    def exact(self, name: str) -> CodeChoice | None:
        i = self.by_folded.get(name.strip().casefold())
        return self.choices[i] if i is not None else None

    def near(self, name: str) -> tuple[CodeChoice, float] | None:
        """The existing code whose name is closest to ``name``, when it is close enough to warn."""
        q = name.strip().casefold()
        best = process.extractOne(
            q, self.folded, scorer=fuzz.ratio, processor=None, score_cutoff=NEAR_NAME_SCORE
        )
        return (self.choices[best[2]], best[1]) if best else None


class PickerScreen(ModalScreen[Picked | None]):
    """Pick the code for the selected passage."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next match", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous match", show=False, id="picker.up"),
    ]

    def __init__(self, index: CodeIndex, passage: str):
        super().__init__()
        self.index = index
        self.passage = passage
        self._confirm_new: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text(_clip(self.passage, 200), style="italic"), id="picker-passage")
            yield Input(placeholder="code name: type to match, Enter to choose", id="picker-input")
            yield Label("", id="picker-warning")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed, "#picker-input")
    def filter_codes(self, event: Input.Changed) -> None:
        self._confirm_new = None
        self.query_one("#picker-warning", Label).update("")
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        matches = self.index.filter(query)
        items: list[Option] = []
        name = query.strip()
        if name and self.index.exact(name) is None:
            items.append(Option(Text.assemble(("+ new code: ", "bold green"), name), id=NEW))
        for choice, _score in matches:
            label = Text.assemble(
                choice.name,
                (f"  {choice.count}", "dim"),
                (f"  {choice.theme}" if choice.theme else "", "dim italic"),
            )
            items.append(Option(label, id=str(choice.id)))
        options.clear_options()
        options.add_options(items)
        if items:
            # Prefer an existing code that contains what was typed over creating a new one.
            contained = bool(name) and len(items) > 1 and name.casefold() in matches[0][0].name.casefold()
            options.highlighted = 1 if items[0].id == NEW and contained else 0

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#picker-input")
    def choose_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-options")
    def choose_clicked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        name = self.query_one(Input).value.strip()
        if option_id != NEW:
            chosen = next(c for c in self.index.choices if str(c.id) == option_id)
            self.dismiss(Picked(chosen.name, False))
            return
        near = self.index.near(name)
        if near is not None and self._confirm_new != name:
            self._confirm_new = name
            self.query_one("#picker-warning", Label).update(
                Text.assemble(
                    ("close to an existing code: ", "bold yellow"),
                    (near[0].name, "bold"),
                    f" ({near[1]:.0f}%). Enter again to create {name!r} anyway, or pick the existing one.",
                )
            )
            return
        self.dismiss(Picked(name, True))


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
