"""Codings keep pointing at the same words after names in the text are replaced."""

from __future__ import annotations

import random

from qualcode.domain.imported import ImportedCoding, ImportedDocument
from qualcode.io.pseudonyms import PseudonymKey, pseudonymise

KEY = PseudonymKey(
    [
        ("Иванов", "Expert Q", "Иванов"),
        ("Иванова", "Expert Q", "Иванов"),
        ("Ли", "P7", "Ли"),
        ("Анна Ли", "P8", "Анна Ли"),
    ]
)


def _doc(text: str, spans: list[tuple[int, int]]) -> ImportedDocument:
    return ImportedDocument(
        title="t",
        text=text,
        sha256="0",
        source_name="t.txt",
        source_format="txt",
        codings=tuple(ImportedCoding(a, b, ("c",)) for a, b in spans),
    )


def test_spans_around_inside_and_across_names() -> None:
    text = "Сказал Иванов: Анна Ли и Ли пришли. Ивановская — улица."
    spans = [
        (0, 6),  # before any name
        (7, 13),  # exactly "Иванов"
        (9, 11),  # inside "Иванов": grows to the whole pseudonym
        (7, 27),  # across names
        (28, 34),  # after them
    ]
    doc = pseudonymise(_doc(text, spans), KEY)
    assert doc.text == "Сказал Expert Q: P8 и P7 пришли. Ивановская — улица."
    got = [doc.text[c.start : c.end] for c in doc.codings]
    assert got == ["Сказал", "Expert Q", "Expert Q", "Expert Q: P8 и P7", "пришли"]


def test_random_spans_keep_their_words() -> None:
    rng = random.Random(7)
    words = ["и", "Иванов", "Иванова", "квоты", "Ли", "Анна Ли", "визы", "ИВАНОВ", "Ивановская"]
    for _ in range(200):
        tokens = rng.choices(words, k=12)
        text = " ".join(tokens)
        # spans on token boundaries: their text after replacement is the replaced original
        bounds = [0]
        for t in tokens:
            bounds.append(bounds[-1] + len(t) + 1)
        a, b = sorted(rng.sample(range(13), 2))
        start, end = bounds[a], bounds[b] - 1
        doc = pseudonymise(_doc(text, [(start, end)]), KEY)
        coding = doc.codings[0]
        assert doc.text[coding.start : coding.end] == KEY.scrub(text[start:end])
