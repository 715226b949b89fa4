"""A seeded synthetic corpus at the three scales, and a study built from it.

Documents are interview notes in English, Russian and Kazakh made from word lists (no real
interview text); code names carry realistic near-duplicates (case, plurals, hyphens, typos,
word order, ё/е) whose pairs are recorded in ``Corpus.planted`` so that duplicate detection can
be scored. Everything is derived from ``random.Random(seed)``: the same scale gives the same
corpus on every machine.

    corpus = build_corpus("lab")
    build_study("/tmp/lab.qualcode", corpus)
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from qualcode.domain.imported import ImportedCoding, ImportedDocument

# Scale -> (documents, codes, codings). "thesis" mirrors the study qualcode grew from:
# 9 interviews and 556 code applications (Chapter 3.4 of the thesis); lab and large are the
# sizes PRODUCT.md promises to keep instant.
SCALES: dict[str, tuple[int, int, int]] = {
    "thesis": (9, 226, 556),
    "lab": (200, 2_000, 20_000),
    "large": (2_000, 20_000, 200_000),
}

_EN = (
    "migration policy labour quota permit visa employer worker border region city salary contract "
    "family education student agency ministry regulation reform digital service office registration "
    "residence inflow outflow return network demand market training language community trust risk"
).split()
_RU = (
    "миграция политика труд квота разрешение виза работодатель работник граница регион город "
    "зарплата договор семья образование студент агентство министерство регулирование реформа "
    "цифровой услуга офис регистрация проживание приток отток возвращение сеть спрос рынок ёмкость"
).split()
_KK = (
    "көші-қон саясат еңбек квота рұқсат виза жұмыс беруші жұмысшы шекара өңір қала жалақы "
    "келісімшарт отбасы білім студент агенттік министрлік реттеу реформа цифрлық қызмет тіркеу "
    "тұру ағын қайту желі сұраныс нарық оқыту тіл қауымдастық сенім қауіп һәм ұлт ғылым"
).split()
_CODE_WORDS_EN = (
    "access barriers bureaucracy corruption delays demand digitalisation discrimination documents "
    "employment enforcement exploitation fees housing inflow integration language legal labour "
    "mobility networks outflow permits policy quotas recruitment registration remittances reform "
    "regulation rights salaries shortage skills students trafficking transparency visas wages"
).split()
_CODE_WORDS_RU = (
    "барьеры бюрократия коррупция задержки спрос цифровизация дискриминация документы занятость "
    "эксплуатация пошлины жильё приток интеграция язык право труд мобильность сети отток квоты "
    "регистрация переводы реформа права зарплаты дефицит навыки студенты торговля визы"
).split()
_CODE_WORDS_KK = (
    "кедергілер бюрократия сыбайлас кешігу сұраныс цифрландыру кемсіту құжаттар жұмыспен пайдалану "
    "алымдар тұрғын ағын интеграция тіл құқық еңбек ұтқырлық желілер квота тіркеу аударым реформа "
    "жалақы тапшылық дағдылар студенттер визалар"
).split()
_QUALIFIERS = (
    "lack of",
    "growth of",
    "problems with",
    "changes in",
    "support for",
    "limits on",
    "rise in",
    "fall in",
    "new",
    "informal",
    "regional",
    "seasonal",
    "illegal",
    "high",
    "low",
    "slow",
)


@dataclass(frozen=True)
class Corpus:
    scale: str
    documents: list[ImportedDocument]  # codings included
    participants: list[str]  # one label per document (same order)
    codes: list[str]
    planted: list[tuple[str, str]] = field(default_factory=list)  # (original, near-duplicate)

    @property
    def codings(self) -> int:
        return sum(len(c.codes) for d in self.documents for c in d.codings)


def _sentence(rng: random.Random, words: list[str]) -> str:
    n = rng.randint(8, 22)
    body = " ".join(rng.choice(words) for _ in range(n))
    return body[0].upper() + body[1:] + rng.choice([".", ".", ".", "?", "..."])


def _document_text(rng: random.Random, paragraphs: int) -> str:
    out = []
    for _ in range(paragraphs):
        words = rng.choice([_EN, _EN, _RU, _RU, _KK])
        out.append(" ".join(_sentence(rng, list(words)) for _ in range(rng.randint(2, 6))))
    return "\n\n".join(out) + "\n"


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name + "s"
    i = rng.choice(letters[1:-1])
    kind = rng.randint(0, 2)
    if kind == 0:  # swap two letters
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :] if i + 1 < len(name) else name + "e"
    if kind == 1:  # drop a letter
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]  # double a letter


def _variant(rng: random.Random, name: str) -> str:
    """A near-duplicate as researchers write them."""
    words = name.split()
    kind = rng.randint(0, 5)
    if kind == 0:
        return name.lower() if name != name.lower() else name.capitalize()
    if kind == 1:
        return name + ("s" if not name.endswith("s") else "") if name.isascii() else name + "ы"
    if kind == 2 and len(words) > 1:
        return "-".join(words)
    if kind == 3 and len(words) > 1:
        return " ".join(words[1:] + words[:1])
    if kind == 4 and "е" in name:
        return name.replace("е", "ё", 1)
    return _typo(rng, name)


def _code_names(rng: random.Random, count: int) -> tuple[list[str], list[tuple[str, str]]]:
    names: list[str] = []
    seen: set[str] = set()
    planted: list[tuple[str, str]] = []
    pools = [_CODE_WORDS_EN, _CODE_WORDS_EN, _CODE_WORDS_RU, _CODE_WORDS_KK]
    serial = 0
    while len(names) < count:
        if names and rng.random() < 0.1:
            original = rng.choice(names)
            variant = _variant(rng, original)
            if variant != original and variant not in seen:
                seen.add(variant)
                names.append(variant)
                planted.append((original, variant))
            continue
        pool = rng.choice(pools)
        if pool is _CODE_WORDS_EN:
            words = [rng.choice(_QUALIFIERS), rng.choice(pool)]
            if rng.random() < 0.5:
                words.append(rng.choice(pool))
        else:
            words = [rng.choice(pool) for _ in range(rng.randint(2, 3))]
        name = " ".join(words)
        if len(names) > 5_000 and rng.random() < 0.3:  # big codebooks number their codes
            serial += 1
            name = f"{name} {serial}"
        name = name[0].upper() + name[1:]
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
    return names, planted


def build_corpus(scale: str, *, seed: int = 20240411) -> Corpus:
    """The corpus for ``scale`` ("thesis", "lab" or "large")."""
    n_docs, n_codes, n_codings = SCALES[scale]
    rng = random.Random(f"{seed}-{scale}")
    codes, planted = _code_names(rng, n_codes)
    per_doc = n_codings // n_docs
    extra = n_codings - per_doc * n_docs
    documents: list[ImportedDocument] = []
    participants: list[str] = []
    width = len(str(n_docs))
    # Every code gets at least one coding; the rest follow a skewed (Zipf-like) popularity.
    order = list(range(n_codes))
    rng.shuffle(order)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(n_codes)]
    popular = rng.choices(order, weights=weights, k=max(0, n_codings - n_codes))
    code_stream = order + popular
    rng.shuffle(code_stream)
    at = 0
    for d in range(n_docs):
        want = per_doc + (1 if d < extra else 0)
        text = _document_text(rng, paragraphs=max(6, want // 3 + 4))
        sentence_ends = [
            i + 1 for i, ch in enumerate(text) if ch in ".?" and (i + 1 == len(text) or text[i + 1] in " \n")
        ]
        starts = [0] + [e + 1 for e in sentence_ends[:-1]]
        spans = [(a, b) for a, b in zip(starts, sentence_ends, strict=False) if b > a]
        codings = []
        for _ in range(want):
            i = rng.randrange(len(spans))
            j = min(len(spans) - 1, i + rng.choice([0, 0, 0, 1, 2]))
            start, end = spans[i][0], spans[j][1]
            codings.append(ImportedCoding(start, end, (codes[code_stream[at]],), coder="bench"))
            at += 1
        label = f"P{d + 1:0{width}d}"
        participants.append(label)
        documents.append(
            ImportedDocument(
                title=f"Interview {label}",
                text=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                source_name=f"interview-{label}.md",
                source_format="md",
                codings=tuple(codings),
            )
        )
    return Corpus(scale, documents, participants, codes, planted)


def build_study(db: str, corpus: Corpus, *, with_codings: bool = True) -> None:
    """Create a study at ``db`` holding the corpus (one transaction, the services' bulk path)."""
    from dataclasses import replace

    from sqlalchemy import insert

    from qualcode.db.engine import locate
    from qualcode.db.models import Participant
    from qualcode.db.schema import create_study
    from qualcode.services.documents import DocumentToStore, store_documents
    from qualcode.services.uow import unit_of_work

    opened = create_study(locate(db), f"Benchmark corpus ({corpus.scale})")
    try:
        with unit_of_work(opened, coder="bench") as uow:
            uow.session.execute(
                insert(Participant),
                [{"label": p, "attributes": {}, "position": i} for i, p in enumerate(corpus.participants)],
            )
            store_documents(
                uow,
                [
                    DocumentToStore(doc if with_codings else replace(doc, codings=()), participant=label)
                    for label, doc in zip(corpus.participants, corpus.documents, strict=True)
                ],
                allow_new_codes=True,
            )
            uow.commit()
    finally:
        opened.engine.dispose()
