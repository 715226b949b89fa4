"""What goes into a spreadsheet cell: text that stays text, whole or visibly shortened.

- A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
  to Excel and LibreOffice when a .csv is opened (OWASP "CSV injection"); code names arrive
  from collaborators' Word comments, so ``csv_cell`` prefixes such a cell with ``'``.
  In .xlsx every text cell is written with the string type, so nothing is ever a formula.
- Excel holds at most 32,767 characters in a cell and cuts the rest silently;
  ``within_limit`` ends an over-long text at a word boundary with "[… N more characters]".
"""

from __future__ import annotations

from typing import Any

from qualcode.domain.characters import xml_safe

EXCEL_CELL_LIMIT = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def within_limit(text: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """``text`` if it fits in ``limit`` characters, else its words up to a word boundary and
    ``" [… N more characters]"`` (N counts what was left out), all within ``limit``."""
    if len(text) <= limit:
        return text
    # The note's length depends on N; N is at most len(text), so reserve room for that.
    reserve = len(f" [… {len(text)} more characters]")
    cut = text.rfind(" ", 0, limit - reserve + 1)
    if cut <= 0:
        cut = limit - reserve  # one enormous word: break it
    kept = text[:cut].rstrip()
    return f"{kept} [… {len(text) - len(kept)} more characters]"


def xlsx_text(value: Any) -> Any:
    """A value as an .xlsx cell holds it: text XML-safe and within Excel's limit; numbers as is."""
    if isinstance(value, str):
        return within_limit(xml_safe(value))
    return value


def csv_cell(value: Any, *, raw: bool = False) -> Any:
    """A .csv cell: control characters a terminal or XML would act on replaced (as in .xlsx);
    text beginning like a formula gets a leading ``'`` unless ``raw``."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if raw or not value.startswith(FORMULA_STARTS):
        return value
    return "'" + value
