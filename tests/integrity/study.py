"""A made-up study for the integrity tests: urban water use in Almaty, six experts.

Built through the command line, as a researcher builds one: participants, notes imported,
excerpts coded by quote.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

NOTES = {
    "Expert A": (
        "Tariffs for water have not changed since 2019. The utility keeps losing money on every "
        "cubic metre. Households in the old districts still rely on standpipes."
    ),
    "Expert B": (
        "The pipes were laid in the 1970s and nobody has replaced them. Leaks take away almost a "
        "third of the supply. Tariffs for water have to rise, but nobody dares."
    ),
    "Expert C": (
        "Farmers upstream take more than their share in dry summers. The canals are open and lose "
        "water to evaporation. Digital meters would show who takes what."
    ),
    "Expert D": (
        "We installed digital meters in two districts last year and consumption fell by a fifth. "
        "People pay for what they use when they can see it."
    ),
    "Expert E": "Погодные условия меняются, лето стало длиннее. Нам нужны новые водохранилища.",
    "Expert F": "The ministry has a plan, but the plan has no budget. Digital meters are on paper only.",
}

# (participant, quote, code)
CODINGS = [
    ("Expert A", "Tariffs for water have not changed since 2019", "Tariff freeze"),
    ("Expert B", "Tariffs for water have to rise", "Tariff freeze"),
    ("Expert B", "The pipes were laid in the 1970s", "Ageing pipes"),
    ("Expert C", "Farmers upstream take more than their share", "Upstream abstraction"),
    ("Expert C", "Digital meters would show who takes what", "Digital meters"),
    ("Expert F", "Digital meters are on paper only", "Digital meters"),
    ("Expert D", "We installed digital meters in two districts", "Smart metering"),
    ("Expert E", "лето стало длиннее", "Climate change"),
]


def build_water_study(db: str, folder: Path) -> str:
    """Create the study at ``db`` (initialised) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for label, text in NOTES.items():
        assert run_cli("participants", "add", label, db=db).exit_code == 0
        path = folder / f"{label}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        result = run_cli("import", str(path), "--participant", label, db=db)
        assert result.exit_code == 0, result.stderr
    for label, quote, code in CODINGS:
        result = run_cli("code", label, "--quote", quote, code, "--new", db=db)
        assert result.exit_code == 0, result.stderr
    return db
