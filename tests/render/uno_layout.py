"""Ask LibreOffice how tall each row of a spreadsheet must be (run by the system python3).

Usage: /usr/bin/python3 uno_layout.py FILE.xlsx [FILE.xlsx ...] > report.json

For every sheet and every used row: the stored height and LibreOffice's optimal height (both in
1/100 mm), and the text of each cell. For the header rows (row 1, and in a codebook the theme
rows) every word of every cell is also put alone in the cell, so that LibreOffice says whether a
word on its own already needs more than one line: a header that breaks a word. This file runs
under the system interpreter because python3-uno is a Debian package, not a wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(pipe: str, profile: str) -> tuple[subprocess.Popen[bytes], Any]:
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            return proc, desktop
        except Exception:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("LibreOffice did not answer")


def _optimal(rows: Any, index: int) -> int:
    row = rows.getByIndex(index)
    row.OptimalHeight = True
    return row.Height


def _probe_sheet(sheet: Any) -> dict[str, Any]:
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    last_row = cursor.RangeAddress.EndRow
    last_col = cursor.RangeAddress.EndColumn
    rows = sheet.Rows
    out: list[dict[str, Any]] = []
    for r in range(last_row + 1):
        row = rows.getByIndex(r)
        stored = row.Height
        texts = [sheet.getCellByPosition(c, r).getString() for c in range(last_col + 1)]
        bold = [sheet.getCellByPosition(c, r).CharWeight > 100 for c in range(last_col + 1)]
        out.append(
            {"row": r + 1, "stored": stored, "optimal": _optimal(rows, r), "texts": texts, "bold": bold}
        )
        row.Height = stored
    # Every word of every bold (header) cell alone in a scratch cell of the same column and
    # style, below the table: taller than one line means the column is too narrow for the word.
    scratch = last_row + 2
    broken: list[dict[str, Any]] = []
    one_line: int | None = None
    for entry in out:
        for c, (text, is_bold) in enumerate(zip(entry["texts"], entry["bold"], strict=True)):
            if not is_bold or not text.strip():
                continue
            target = sheet.getCellByPosition(c, scratch)
            sheet.copyRange(target.CellAddress, sheet.getCellByPosition(c, entry["row"] - 1).RangeAddress)
            target.setString("X")
            single = _optimal(rows, scratch)
            one_line = single if one_line is None else min(one_line, single)
            for word in text.split():
                target.setString(word)
                if _optimal(rows, scratch) > single:
                    broken.append({"row": entry["row"], "column": c + 1, "word": word, "text": text})
            target.setString("")
    return {"rows": out, "one_line": one_line, "broken_words": broken}


def main(paths: list[str]) -> None:
    pipe = f"qualcode_layout_{os.getpid()}"
    with tempfile.TemporaryDirectory() as profile:
        proc, desktop = _connect(pipe, profile)
        report: dict[str, Any] = {}
        try:
            for path in paths:
                url = uno.systemPathToFileUrl(os.path.abspath(path))
                doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
                try:
                    sheets = doc.Sheets
                    report[path] = {
                        sheets.getByIndex(i).Name: _probe_sheet(sheets.getByIndex(i))
                        for i in range(sheets.Count)
                    }
                finally:
                    doc.close(True)
        finally:
            try:
                desktop.terminate()
            except Exception:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    json.dump(report, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
