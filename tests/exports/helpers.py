"""What the export tests share: the published Appendix B as rows, and a study's own counts."""

from __future__ import annotations

from typing import Any

from tests.conftest import run_cli


def published_rows(appendix: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(theme, code, expert letter, quote with its quotation marks) per distinct code, in order.

    The published table lists "Human trafficking problem" twice; the first row is kept, and the
    tests mark its excerpt as the code's example so that the export shows that quote.
    """
    rows: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    for theme in appendix["themes"]:
        for row in theme["codes"]:
            if row["code"] in seen:
                continue
            seen.add(row["code"])
            rows.append((theme["name"], row["code"], row["expert"], row["quote"]))
    return rows


def study_counts(db: str) -> dict[str, int]:
    return {c["name"]: c["count"] for c in run_cli("codes", "list", "--json", db=db).json()}


def mark_published_example(db: str, code: str, label: str) -> int:
    """Mark the excerpt ``label`` gave for ``code`` as its example quote; returns the segment id."""
    segments = run_cli("segments", "--code", code, "--json", db=db).json()
    segment_id = next(s["segment_id"] for s in segments if s["participant"] == label)
    result = run_cli("codes", "example", code, "--segment", str(segment_id), db=db)
    assert result.exit_code == 0, result.stderr
    return int(segment_id)


# Made-up interview sentences in Russian and Kazakh, repeated to any length.
RUSSIAN = (
    "Миграционная политика Казахстана за последние годы заметно изменилась, особенно после 2022 года. "
    "Эксперт подчеркнул, что трудовые мигранты из Узбекистана и Кыргызстана сталкиваются с ёмкими "
    "бюрократическими процедурами, а разрешение на временное проживание выдаётся неравномерно. "
)
KAZAKH = (
    "Қазақстандағы көші-қон саясаты соңғы жылдары айтарлықтай өзгерді, әсіресе еңбек мигранттарына "
    "қатысты. Сарапшының айтуынша, құжаттарды рәсімдеу үдерісі ұзаққа созылады және өңірлерде әртүрлі "
    "түсіндіріледі, ал ұйымдар арасындағы үйлестіру әлі де әлсіз. "
)
QUOTE_LENGTHS = (1, 14, 90, 320, 760, 1300, 2000)


def _words(source: str, length: int) -> str:
    """``source`` repeated and cut to ``length`` characters, ending on a whole word where it can."""
    text = (source * (length // len(source) + 2))[:length]
    return text if length < 20 else text[: text.rfind(" ") if text.rfind(" ") > length // 2 else length]


def build_cyrillic_study(db: str, folder: Any) -> dict[str, str]:
    """A study in Russian and Kazakh whose example quotes run from 1 to 2,000 characters.

    Two participants ("Сарапшы А", "Эксперт Б"), one document each, a theme per language with a
    long name, and per quote length one code (its name in the quote's language). Returns the
    code names by their quote's text.
    """
    people = {
        "Эксперт Б": ("ru", RUSSIAN, "Министерство труда и социальной защиты населения Республики Казахстан"),
        "Сарапшы А": (
            "kk",
            KAZAKH,
            "Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігі",
        ),
    }
    themes = {
        "ru": "Трудовая миграция и регулирование временного проживания иностранных граждан",
        "kk": "Еңбек көші-қоны және шетелдіктердің уақытша тұруын реттеу",
    }
    quotes: dict[str, str] = {}
    for label, (lang, source, organisation) in people.items():
        assert (
            run_cli(
                "participants",
                "add",
                label,
                "--attr",
                f"organisation={organisation}",
                "--attr",
                "date=2024-04-11",
                db=db,
            ).exit_code
            == 0
        )
        pieces = [_words(source, n) for n in QUOTE_LENGTHS]
        body = "\n\n".join(pieces) + "\n"
        path = folder / f"{lang}.md"
        path.write_text(body, encoding="utf-8")
        result = run_cli("import", str(path), "--participant", label, db=db)
        assert result.exit_code == 0, result.stderr
        assert run_cli("themes", "add", themes[lang], db=db).exit_code == 0
        start = 0
        for n, piece in zip(QUOTE_LENGTHS, pieces, strict=True):
            code = f"{'Цитата' if lang == 'ru' else 'Дәйексөз'} {n} {'символов' if lang == 'ru' else 'таңба'}"
            result = run_cli(
                "code",
                path.stem,
                "--start",
                str(start),
                "--end",
                str(start + len(piece)),
                code,
                "--new",
                db=db,
            )
            assert result.exit_code == 0, result.stderr
            assert run_cli("themes", "assign", themes[lang], code, db=db).exit_code == 0
            quotes[piece] = code
            start += len(piece) + 2
    return quotes
