"""Notes saved in a legacy code page come in exactly, or are refused naming the candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, table_counts

# Made-up interview notes, one per code page researchers meet; each long enough to tell apart.
NOTES = {
    "greek": (
        "Ερώτηση: Πώς βρήκατε δουλειά στην Αθήνα;\nΑπάντηση: Μέσω ενός φίλου από το χωριό μας. "
        "Η πρώτη χρονιά ήταν πολύ δύσκολη για όλη την οικογένεια.\n",
        "iso8859_7",
    ),
    "hebrew": (
        "שאלה: איך מצאת עבודה בתל אביב?\nתשובה: דרך חבר מהכפר שלנו. "
        "השנה הראשונה הייתה קשה מאוד לכל המשפחה.\n",
        "cp1255",
    ),
    "kazakh": (
        "Сұрақ: Алматыда жұмысты қалай таптыңыз?\nЖауап: Ауылдағы досым арқылы. "
        "Бірінші жыл бүкіл отбасы үшін өте қиын болды, әсіресе қыста.\n",
        "kz1048",
    ),
    "russian": (
        "Вопрос: Как вы нашли работу в Алматы?\nОтвет: Через друга из нашего села. "
        "Первый год был очень трудным для всей семьи, особенно зимой.\n",
        "cp1251",
    ),
    "russian-koi8": (
        "Вопрос: Как вы нашли работу в Алматы?\nОтвет: Через друга из нашего села. "
        "Первый год был очень трудным для всей семьи, особенно зимой.\n",
        "koi8_r",
    ),
    "russian-mac": (
        "Вопрос: Как вы нашли работу в Алматы?\nОтвет: Через друга из нашего села. "
        "Первый год был очень трудным для всей семьи, особенно зимой.\n",
        "mac_cyrillic",
    ),
    "ukrainian": (
        "Питання: Як ви знайшли роботу в Києві?\nВідповідь: Через друга з нашого села. "
        "Перший рік був дуже важким для всієї сім'ї, особливо взимку. Ґанок.\n",
        "koi8_u",
    ),
    "polish": (
        "Pytanie: Jak znalazł Pan pracę w Łodzi?\nOdpowiedź: Przez znajomego z naszej wsi. "
        "Pierwszy rok był bardzo trudny dla całej rodziny, zwłaszcza zimą.\n",
        "cp1250",
    ),
    "french": (
        "Question : Comment avez-vous trouvé du travail à Lyon ?\nRéponse : Grâce à un ami du village. "
        "La première année a été très difficile pour toute la famille, surtout l'hiver.\n",
        "cp1252",
    ),
    "arabic": (
        "سؤال: كيف وجدت عملا في دبي؟\nجواب: عن طريق صديق من قريتنا. "
        "كانت السنة الأولى صعبة جدا على العائلة كلها.\n",
        "cp1256",
    ),
}
TURKISH = (
    "Soru: İstanbul'da nasıl iş buldunuz?\nCevap: Köyümüzden bir arkadaş sayesinde. "
    "İlk yıl bütün aile için çok zordu, özellikle kışın.\n"
)


def _stored_text(db: str, title: str) -> str:
    """The document's text as stored (what every offset points into)."""
    from sqlalchemy import select

    from qualcode.db.engine import locate
    from qualcode.db.models import Document
    from qualcode.db.schema import open_study

    opened = open_study(locate(db))
    try:
        with opened.engine.connect() as conn:
            return str(conn.execute(select(Document.text).where(Document.title == title)).scalar_one())
    finally:
        opened.engine.dispose()


@pytest.mark.parametrize("name", sorted(NOTES))
def test_notes_in_a_legacy_code_page_are_stored_exactly(empty_study: str, tmp_path: Path, name: str) -> None:
    text, encoding = NOTES[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(text.encode(encoding))
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 0, result.stderr
    assert _stored_text(empty_study, name) == text


def test_two_plausible_code_pages_are_refused_naming_both(empty_study: str, tmp_path: Path) -> None:
    """Turkish in cp1254 also reads as (wrong) cp1252 text: refused, nothing stored."""
    path = tmp_path / "turkish.txt"
    path.write_bytes(TURKISH.encode("cp1254"))
    before = table_counts(empty_study)
    result = run_cli("import", str(path), db=empty_study)
    assert result.exit_code == 2
    assert str(path) in result.stderr and "line 1" in result.stderr
    assert "cp1254" in result.stderr and "cp1252" in result.stderr and "--encoding" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table_counts(empty_study) == before
    given = run_cli("import", str(path), "--encoding", "windows-1254", db=empty_study)
    assert given.exit_code == 0, given.stderr
    assert _stored_text(empty_study, "turkish") == TURKISH


def test_kz1048_is_named_as_users_write_it(empty_study: str, tmp_path: Path) -> None:
    text = NOTES["kazakh"][0]
    path = tmp_path / "notes.txt"
    path.write_bytes(text.encode("kz1048"))
    assert run_cli("import", str(path), "--encoding", "KZ-1048", db=empty_study).exit_code == 0
    assert _stored_text(empty_study, "notes") == text


def test_an_unknown_encoding_name_is_refused(empty_study: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(NOTES["russian"][0].encode("cp1251"))
    before = table_counts(empty_study)
    result = run_cli("import", str(path), "--encoding", "cp9999", db=empty_study)
    assert result.exit_code == 2
    assert "unknown encoding 'cp9999'" in result.stderr
    assert table_counts(empty_study) == before
