"""Russian and Kazakh names sort as a native reader expects, in every listing and export.

Kazakh order: А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я
(Ё just after Е, as Russian has it; code point order puts Ё after Я and every Kazakh letter
after the Russian alphabet).
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from tests.conftest import run_cli
from tests.integration.test_one_set_of_numbers import clip, exports_view, ok, workbench_view

# In the order a reader of Kazakh (and, for the Russian letters, of Russian) expects.
CODES = [
    "Аудан",
    "Әкімдік",
    "Бала",
    "Ғылым",
    "Ель",
    "Ёлка",
    "Жер",
    "Көші-қон",
    "Қоныс",
    "Ноғай",
    "Ңа",
    "Орын",
    "Өмір",
    "Ұлт",
    "Үкімет",
    "Һижра",
    "Іс",
    "Эмиграция",
]
PEOPLE = [
    "Сарапшы А",
    "Сарапшы Ә",
    "Сарапшы Е",
    "Сарапшы Ё",
    "Сарапшы Ж",
    "Сарапшы Ұ",
    "Сарапшы Ү",
    "Сарапшы І",
]


def build(db: str, tmp_path: Path) -> None:
    ok("init", db, "--title", "Көші-қон", db=None)  # type: ignore[arg-type]
    text = " ".join(f"{name}." for name in CODES)
    for label in reversed(PEOPLE):  # added in the reverse order
        ok("participants", "add", label, db=db)
        path = tmp_path / f"{label}.txt"
        path.write_text(f"{label}: {text}", encoding="utf-8")
        ok("import", str(path), "--participant", label, db=db)
    for i, name in enumerate(reversed(CODES)):  # created in the reverse order
        ok("code", PEOPLE[i % len(PEOPLE)], "--quote", f"{name}.", name, "--new", db=db)


def test_kazakh_and_russian_order_in_every_listing_and_export(study_url: str, tmp_path: Path) -> None:
    build(study_url, tmp_path)
    codes = ok("codes", "list", "--json", db=study_url).json()
    assert [c["name"] for c in codes] == CODES
    for c in codes:  # each code's participants in the participants' order
        assert c["participants"] == sorted(c["participants"], key=PEOPLE.index)
    people = ok("participants", "list", "--json", db=study_url).json()
    assert [p["label"] for p in people] == PEOPLE
    docs = ok("documents", "list", "--json", db=study_url).json()
    assert [d["participant"] for d in docs] == PEOPLE
    matrix = ok("report", "matrix", "--format", "json", db=study_url).json()
    assert matrix["columns"] == PEOPLE
    assert [r["code"] for r in matrix["rows"]] == CODES
    for name in ("Ёлка", "Іс"):
        cited = ok("report", "cite", name, "--json", db=study_url).json()
        assert cited[0]["participants"] == next(c["participants"] for c in codes if c["name"] == name)
    matrix_csv = tmp_path / "matrix.csv"
    ok("report", "matrix", "-o", str(matrix_csv), db=study_url)
    rows = list(csv.reader(io.StringIO(matrix_csv.read_text(encoding="utf-8-sig"))))
    assert rows[0][3 : 3 + len(PEOPLE)] == PEOPLE
    assert [r[2] for r in rows[1:] if r[0] == "code"] == CODES
    for suffix, shown in exports_view(study_url, tmp_path).items():
        assert [name for name, _ in shown] == CODES, suffix
    appendix_a = tmp_path / "people.csv"
    ok(
        "export",
        "participants",
        str(appendix_a),
        "--columns",
        "label=Name",
        "--label-style",
        "plain",
        db=study_url,
    )
    listed = [r[0] for r in csv.reader(io.StringIO(appendix_a.read_text(encoding="utf-8-sig")))][1:]
    assert listed == PEOPLE
    segments = run_cli("segments", "--json", db=study_url).json()
    assert list(dict.fromkeys(s["participant"] for s in segments)) == [
        p for p in PEOPLE if any(s["participant"] == p for s in segments)
    ]
    view = asyncio.run(workbench_view(study_url))
    assert [name for name, _ in view.codes] == [clip(n) for n in CODES] or [n for n, _ in view.codes] == CODES
    assert view.participants == PEOPLE


def test_a_study_without_cyrillic_sorts_latin_text_by_the_root_order(empty_study: str) -> None:
    for label in ["P10", "P2", "p1", "Ärzte"]:
        ok("participants", "add", label, db=empty_study)
    people = ok("participants", "list", "--json", db=empty_study).json()
    assert [p["label"] for p in people] == ["Ärzte", "p1", "P2", "P10"]
