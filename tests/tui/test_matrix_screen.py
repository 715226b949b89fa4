"""The workbench matrix: each participant's count sits under that participant's letter."""

from __future__ import annotations

import re

from qualcode.tui.screens import MatrixScreen
from tests.tui.helpers import press, run_async, screen_text, settle, workbench


@run_async
async def test_counts_sit_under_their_participant(example_study: str) -> None:
    app = workbench(example_study)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        screen = app.screen
        assert isinstance(screen, MatrixScreen) and screen.matrix is not None
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.lstrip().startswith("code "))
        letters = {m.group(): m.end() for m in re.finditer(r"\b[A-I]\b|total", header[44:])}
        assert list(letters) == [*"ABCDEFGHI", "total"]
        checked = 0
        for row in screen.matrix.rows[:15]:
            line = next(line for line in lines if line.strip().startswith(row.name[:40]))
            ends = [m.end() for m in re.finditer(r"\d+|·", line[44:])]
            assert ends == list(letters.values()), f"{row.name}: counts not under their letters"
            values = [int(t) if t != "·" else 0 for t in re.findall(r"\d+|·", line[44:])]
            assert values == [*row.counts, row.total]
            checked += 1
        assert checked == 15
