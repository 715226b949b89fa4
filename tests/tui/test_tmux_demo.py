"""A new user's first minute: ``qualcode demo`` in a real terminal (tmux), coding one quote.

Keys go in with ``tmux send-keys``; the test reads the screen with ``capture-pane`` and waits
for text to appear (polling, never a fixed sleep), then checks the coding in the study.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
QUALCODE = str(Path(sys.executable).with_name("qualcode"))


class Terminal:
    def __init__(self, session: str):
        self.session = session

    def screen(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True, check=False
        )
        return done.stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, "-l", text], check=True)

    def exit_status(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["tmux", "display-message", "-p", "-t", self.session, "#{pane_dead} #{pane_dead_status}"],
                capture_output=True,
                text=True,
                check=False,
            )
            dead, _, status = done.stdout.strip().partition(" ")
            if dead == "1":
                return int(status or 0)
            time.sleep(0.05)
        raise AssertionError("qualcode did not exit")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    session = f"qualcode-demo-{uuid.uuid4().hex[:8]}"
    data = tmp_path / "data"
    command = (
        f"env XDG_DATA_HOME={data} QUALCODE_CODER=newcomer QUALCODE_KEYMAP={tmp_path / 'none.toml'} "
        f"TERM=xterm-256color {QUALCODE} demo"
    )
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", command], check=True)
    subprocess.run(["tmux", "set-option", "-t", session, "remain-on-exit", "on"], check=True)
    try:
        yield Terminal(session), data / "qualcode" / "demo.qualcode"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)


def test_a_new_user_codes_one_quote_in_the_demo(terminal: tuple[Terminal, Path]) -> None:
    term, study = terminal
    term.wait_for("Expert I")  # the documents screen, the study built on first run
    term.keys("Enter")  # open Expert A's notes
    term.wait_for("Codes on this passage")
    term.keys("j", "J")  # the second sentence, extended by the third
    term.wait_for("J/K ± sentence")
    term.keys("c")
    term.wait_for("code name: type to match")
    term.type("Visa-free")
    term.wait_for("Visa-free regime")
    term.keys("Enter")
    term.wait_for("coded with Visa-free regime")
    term.keys("C-q")
    assert term.exit_status() == 0
    rows = run_cli("segments", "--code", "Visa-free regime", "--json", db=str(study)).json()
    # the thesis coded this code once, for Expert F; the new coding is on Expert A's notes
    assert sorted(r["document"] for r in rows) == ["Expert A", "Expert F"]
    mine = [r for r in rows if r["document"] == "Expert A"]
    assert mine[0]["coder"] == "newcomer"
    assert mine[0]["text"] and mine[0]["text"][-1] in ".?!…"  # whole sentences, as selected


def _reader_lines(shown: str) -> list[str]:
    """The reader's text pane as the terminal shows it: each body row left of the side panel's
    border, without the scroll bar."""
    rows = shown.splitlines()[1:-1]  # the header and the footer are not the document
    return [row.split("│")[0].rstrip(" ▁▂▃▄▅▆▇█▔▕▏▎▍▌▋▊▉").strip() for row in rows]


def test_expert_b_first_screen_shows_every_word_whole(terminal: tuple[Terminal, Path]) -> None:
    term, study = terminal
    term.wait_for("Expert I")
    term.keys("Down", "Enter")  # the participant row "Expert B": opens their notes
    shown = term.wait_for("Expert B — Expert B")
    shown = term.wait_for("Codes on this passage")
    term.keys("C-q")
    assert term.exit_status() == 0
    text = (Path(__file__).resolve().parents[2] / "examples" / "interviews" / "Expert B.md").read_text(
        encoding="utf-8"
    )
    lines = [line for line in _reader_lines(shown) if line]
    words = " ".join(lines).split()
    assert len(words) > 100, shown  # a full screen of the document
    expected = text.split()[: len(words)]
    for i, (got, want) in enumerate(zip(words, expected, strict=True)):
        assert got == want, f"word {i}: the terminal shows {got!r} where the notes have {want!r}\n{shown}"
