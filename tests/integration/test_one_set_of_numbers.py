"""Every place a researcher looks shows the same numbers in the same order.

The command line's listings and reports, every codebook and matrix export, and the workbench's
codebook, matrix and documents screens (read through Pilot) are compared on the bundled thesis
study and on a second study built to hit the awkward cases: a sub-theme, a sub-code, merged and
excluded codes, a coder's blind codings, participants added out of label order, a document of no
participant, and two codes whose positions tie after ``merge-study``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.tui.helpers import SIZE, settle, workbench

# --- the second study -----------------------------------------------------------------------

NOTES = {
    "Expert B": "Remittances pay for school. Work permits take months. Quotas are too low. "
    "Visa rules changed.",
    "Expert A": "Remittances fell last year. Return is hard. Work permits are cheaper now. It rained.",
    "Expert C": "Quotas decide everything. Visa rules are strict. Agreements with Russia matter.",
}
POLICY = "The visa regime changed twice. Agreements were signed."


def ok(*args: str, db: str, coder: str = "tester") -> Any:
    result = run_cli(*args, db=db, coder=coder)
    assert result.exit_code == 0, (args, result.stderr)
    return result


def build_awkward_study(db: str, tmp_path: Path) -> None:
    ok("init", db, "--title", "Awkward", db=None)  # type: ignore[arg-type]
    for label in ("Expert B", "Expert A", "Expert C"):  # added out of label order
        ok("participants", "add", label, "--attr", f"org={label[-1]} org", db=db)
    for label, text in NOTES.items():
        path = tmp_path / f"{label}.txt"
        path.write_text(text, encoding="utf-8")
        ok("import", str(path), "--participant", label, db=db)
    policy = tmp_path / "policy.txt"
    policy.write_text(POLICY, encoding="utf-8")
    ok("import", str(policy), db=db)
    for label, quote, code in [
        ("Expert B", "Remittances pay for school.", "Remittances"),
        ("Expert A", "Remittances fell last year.", "Remittances"),
        ("Expert A", "Return is hard.", "Return"),
        ("Expert B", "Work permits take months.", "Work permits"),
        ("Expert A", "Work permits are cheaper now.", "Work permits"),
        ("Expert B", "Quotas are too low.", "Quotas"),
        ("Expert C", "Quotas decide everything.", "Quotas"),
        ("Expert B", "Visa rules changed.", "Visas"),
        ("Expert C", "Visa rules are strict.", "Visa regime"),
        ("Expert A", "It rained.", "Weather"),
        ("policy", "The visa regime changed twice.", "Visas"),
    ]:
        ok("code", label, "--quote", quote, code, "--new", db=db)
    # a second coder's blind codings
    ok("code", "Expert C", "--quote", "Quotas decide everything.", "Quotas", db=db, coder="daniyar")
    ok("code", "Expert A", "--quote", "Return is hard.", "Remittances", db=db, coder="daniyar")
    ok("themes", "add", "Migration", db=db)
    ok("themes", "add", "Labour", "--parent", "Migration", db=db)
    ok("themes", "add", "Policy", db=db)
    ok("themes", "assign", "Migration", "Return", "Remittances", db=db)
    ok("themes", "assign", "Labour", "Work permits", "Quotas", db=db)
    ok("themes", "assign", "Policy", "Visas", "Weather", db=db)
    ok("codes", "move", "Return", "--parent", "Remittances", db=db)  # a sub-code
    ok("codes", "merge", "Visa regime", "--into", "Visas", db=db)
    ok("codes", "exclude", "Weather", "--reason", "small talk", db=db)
    # Another coder's own study, folded in: its code lands in "Policy" at position 1 as well.
    other = str(tmp_path / "other.qualcode")
    ok("init", other, "--title", "Other", db=None)  # type: ignore[arg-type]
    ok("participants", "add", "Expert C", db=other)
    ok("import", str(tmp_path / "Expert C.txt"), "--participant", "Expert C", db=other)
    ok("code", "Expert C", "--quote", "Agreements with Russia matter.", "Agreements", "--new", db=other)
    ok("themes", "add", "Policy", db=other)
    ok("themes", "assign", "Policy", "Agreements", db=other)
    ok("merge-study", other, db=db)


# --- what each front end shows --------------------------------------------------------------


@dataclass
class Shown:
    """One front end's view: codes in order with their counts, theme totals, participants."""

    codes: list[tuple[str, int]]
    themes: dict[str, int]
    participants: list[str]


def _int(value: Any) -> int | None:
    text = str(value if value is not None else "").replace("*", "").strip()
    return int(text) if text.isdigit() else None


def _code_rows(rows: list[list[Any]]) -> list[tuple[str, int]]:
    """Codebook table rows whose last filled cell is a count: (code name, count)."""
    found = []
    for row in rows:
        cells = [c for c in row if c not in (None, "")]
        if len(cells) < 2:
            continue
        n = _int(cells[-1])
        name = re.sub(r"^(&nbsp;)+|\*", "", str(cells[0])).strip()
        if n is not None and name:
            found.append((name, n))
    return found


def cli_view(db: str, *extra: str, coder: str = "tester") -> dict[str, Any]:
    codes = ok(*extra, "codes", "list", "--json", db=db, coder=coder).json()
    themes = ok(*extra, "themes", "list", "--json", db=db, coder=coder).json()
    people = ok(*extra, "participants", "list", "--json", db=db, coder=coder).json()
    docs = ok(*extra, "documents", "list", "--json", db=db, coder=coder).json()
    matrix = ok(*extra, "report", "matrix", "--themes", "--format", "json", db=db, coder=coder).json()
    return {"codes": codes, "themes": themes, "people": people, "docs": docs, "matrix": matrix}


def exports_view(db: str, out: Path) -> dict[str, list[tuple[str, int]]]:
    import docx
    import openpyxl

    views: dict[str, list[tuple[str, int]]] = {}
    for suffix in ("xlsx", "docx", "md", "csv"):
        path = out / f"codebook.{suffix}"
        ok("export", "codebook", str(path), db=db)
        if suffix == "xlsx":
            ws = openpyxl.load_workbook(path).worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        elif suffix == "docx":
            tables = docx.Document(str(path)).tables
            rows = [[c.text for c in r.cells] for table in tables for r in table.rows]
        elif suffix == "md":
            rows = [line.strip("|").split("|") for line in path.read_text(encoding="utf-8").splitlines()]
        else:
            table_rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            rows = [[r["code"], r["count"]] for r in table_rows]
        views[suffix] = _code_rows(rows)
    return views


def matrix_files_view(db: str, out: Path) -> dict[str, list[list[Any]]]:
    import openpyxl

    csv_path, xlsx_path = out / "matrix.csv", out / "matrix.xlsx"
    ok("report", "matrix", "--themes", "-o", str(csv_path), db=db)
    ok("export", "matrix", str(xlsx_path), "--themes", db=db)
    as_csv = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    ws = openpyxl.load_workbook(xlsx_path).worksheets[0]
    as_xlsx = [list(r) for r in ws.iter_rows(values_only=True)]
    return {"csv": as_csv, "xlsx": as_xlsx}


def clip(name: str, width: int = 44) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


async def workbench_view(db: str, *, coder: str = "pilot", blind: bool = False) -> Shown:
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.backend import Backend

    app = (
        QualcodeApp(Backend.open(db, coder, blind=blind), keymap={}) if blind else workbench(db, coder=coder)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        documents = app.screen.query_one("#documents")
        people = []
        for i in range(documents.row_count):  # type: ignore[attr-defined]
            first = str(documents.get_row_at(i)[0])  # type: ignore[attr-defined]
            if not first.startswith("  ") and first != "(no participant)":
                people.append(first)
        await pilot.press("2")
        await settle(pilot)
        tree = app.screen.query_one("#codebook")
        themes: dict[str, int] = {}
        codes: list[tuple[str, int]] = []

        def walk(node: Any) -> list[Any]:
            return [n for child in node.children for n in (child, *walk(child))]

        for node in walk(tree.root):  # type: ignore[attr-defined]
            if node.data and node.data[0] in ("theme", "unthemed"):
                node.expand()
        await settle(pilot)
        for node in walk(tree.root):  # type: ignore[attr-defined]
            while any(n.data and n.data[0] == "more" for n in node.children):
                app.screen._fill(node)  # type: ignore[attr-defined]
        for node in walk(tree.root):  # type: ignore[attr-defined]
            label = str(node.label)
            if node.data and node.data[0] == "theme":
                name, _, rest = label.partition("  ")
                themes[name] = int(re.search(r"(\d+) codings", rest).group(1))  # type: ignore[union-attr]
            elif node.data and node.data[0] == "code":
                m = re.match(r"^[✓ ]*(.+?)  (\d+)", label)
                assert m, label
                codes.append((m.group(1), int(m.group(2))))
        await pilot.press("3")
        await settle(pilot)
        matrix = app.screen.query_one("#matrix")
        subtotals = {}
        codes_in_matrix = []
        for i in range(matrix.row_count):  # type: ignore[attr-defined]
            row = matrix.get_row_at(i)  # type: ignore[attr-defined]
            name, total = str(row[0]).strip(), int(str(row[-1]))  # sub-codes are indented
            if str(row[0].style) == "bold":
                subtotals[name] = total
            else:
                codes_in_matrix.append((name, total))
        # the matrix screen clips long names to its first column's width
        assert subtotals == {clip(n): v for n, v in themes.items()}, (
            "the matrix and codebook screens disagree"
        )
        assert [c for c in codes_in_matrix if c[0] != "Total"] == [(clip(n), v) for n, v in codes]
    return Shown(codes, themes, people)


# --- the comparisons ------------------------------------------------------------------------


def assert_one_set_of_numbers(db: str, out: Path) -> Shown:
    """Compare every front end on ``db``; returns what they all agree on."""
    cli = cli_view(db)
    active = [(c["name"], c["count"]) for c in cli["codes"]]
    participants = [p["label"] for p in cli["people"]]
    # themes list: the same code order (active ones), and the totals the matrix subtotals show
    statuses = {c["name"]: c["status"] for c in ok("codes", "list", "--all", "--json", db=db).json()}
    themed = [n for t in cli["themes"] for n in t["codes"] if statuses.get(n) == "active"]
    assert themed == [n for n, _ in active][: len(themed)]
    theme_totals = {t["name"]: t["codings"] for t in cli["themes"] if t["codes"] or t["codings"]}
    matrix = cli["matrix"]
    assert {s["theme"]: s["total"] for s in matrix["subtotals"]} == theme_totals
    assert [(r["code"], r["total"]) for r in matrix["rows"]] == active
    people_columns = [c for c in matrix["columns"] if c != "(no participant)"]
    assert people_columns == participants
    # documents list: participants in the same order, codings adding up per participant
    doc_people = list(dict.fromkeys(d["participant"] for d in cli["docs"] if d["participant"]))
    assert doc_people == participants
    per_person = {p["label"]: p["codings"] for p in cli["people"]}
    # the participants table counts what the matrix counts (no codings of excluded codes)
    total_row = matrix["totals"]["counts"]
    assert {label: total_row[label] for label in participants} == per_person
    for label in participants:
        assert sum(d["codings"] for d in cli["docs"] if d["participant"] == label) == per_person[label]
    # report cite: the participants behind each code, in the participants' order
    for c in cli["codes"]:
        cited = ok("report", "cite", c["name"], "--json", db=db).json()
        assert cited[0]["participants"] == c["participants"], c["name"]
    # the matrix files: the same rows and columns as the json
    files = matrix_files_view(db, out)
    header = files["csv"][0]
    assert header[3 : 3 + len(matrix["columns"])] == matrix["columns"]
    csv_codes = [(r[2], int(r[-2])) for r in files["csv"][1:] if r[0] == "code"]
    assert csv_codes == active
    csv_subtotals = {r[2]: int(r[-2]) for r in files["csv"][1:] if r[0] == "subtotal"}
    assert csv_subtotals == theme_totals
    xlsx_cells = [(str(r[0]).strip(), r[len(matrix["columns"]) + 1]) for r in files["xlsx"] if r and r[0]]
    for name, total in active:
        assert (name, total) in xlsx_cells
    for name, total in theme_totals.items():
        assert (name, total) in xlsx_cells, (name, total)
    xlsx_names = [n for n, _ in xlsx_cells]
    assert [n for n in xlsx_names if n in dict(active)] == [n for n, _ in active]
    xlsx_header = next(r for r in files["xlsx"] if r and "Expert" in " ".join(map(str, r)))
    assert [c for c in xlsx_header if c in participants] == participants
    # the codebook exports: the same codes, counts and order in every format
    for suffix, rows in exports_view(db, out).items():
        assert rows == active, suffix
    # Appendix A: participants in the same order
    people_csv = out / "participants.csv"
    ok("export", "participants", str(people_csv), "--columns", "label=Name,codings=Codings", db=db)
    exported = [r[0] for r in csv.reader(io.StringIO(people_csv.read_text(encoding="utf-8-sig")))][1:]
    assert [e.replace("(", "").replace(")", "") for e in exported] == participants
    # the workbench: its codebook, matrix and documents screens
    shown = asyncio.run(workbench_view(db))
    assert shown.codes == active
    assert {k: v for k, v in shown.themes.items() if k in theme_totals} == theme_totals
    assert shown.participants == participants
    return shown


def test_every_front_end_agrees_on_the_thesis_study(example_study: str, tmp_path: Path) -> None:
    cli = cli_view(example_study)
    assert_one_set_of_numbers(example_study, tmp_path)
    assert [p["label"] for p in cli["people"]] == [f"Expert {c}" for c in "ABCDEFGHI"]


def test_every_front_end_agrees_on_an_awkward_study(study_url: str, tmp_path: Path) -> None:
    build_awkward_study(study_url, tmp_path)
    cli = cli_view(study_url)
    # participants in label order, whatever order they were added in
    assert [p["label"] for p in cli["people"]] == ["Expert A", "Expert B", "Expert C"]
    # the codebook order: theme, its codes (each followed by its sub-codes), its sub-theme and
    # its codes; tied positions by name
    assert [(c["name"], c["theme"], c["count"]) for c in cli["codes"]] == [
        ("Remittances", "Migration", 3),
        ("Return", "Migration", 1),
        ("Work permits", "Labour", 2),
        ("Quotas", "Labour", 3),
        ("Agreements", "Policy", 1),
        ("Visas", "Policy", 3),
    ]
    assert next(c["parent"] for c in cli["codes"] if c["name"] == "Return") == "Remittances"
    # a theme's total includes its sub-theme's: Migration = 1 + 3 (own) + 2 + 3 (Labour)
    totals = {t["name"]: t["codings"] for t in cli["themes"]}
    assert totals == {"Migration": 9, "Labour": 5, "Policy": 4}
    assert_one_set_of_numbers(study_url, tmp_path)


def test_blind_views_agree(study_url: str, tmp_path: Path) -> None:
    build_awkward_study(study_url, tmp_path)
    cli = cli_view(study_url, "--blind", coder="daniyar")
    assert [(c["name"], c["count"]) for c in cli["codes"] if c["count"]] == [
        ("Remittances", 1),
        ("Quotas", 1),
    ]
    assert {t["name"]: t["codings"] for t in cli["themes"]} == {"Migration": 2, "Labour": 1, "Policy": 0}
    assert {p["label"]: p["codings"] for p in cli["people"]} == {"Expert A": 1, "Expert B": 0, "Expert C": 1}
    matrix = cli["matrix"]
    assert [(r["code"], r["total"]) for r in matrix["rows"]] == [
        (c["name"], c["count"]) for c in cli["codes"]
    ]
    view = asyncio.run(workbench_view(study_url, coder="daniyar", blind=True))
    assert view.codes == [(c["name"], c["count"]) for c in cli["codes"]]
    assert view.themes == {"Migration": 2, "Labour": 1, "Policy": 0}
