"""Research integrity: check-manuscript over a thesis-length chapter, and a withdrawal.

- check-manuscript: the corpus study (participants relabelled "Expert 1" … so that findings
  can cite them as "three Experts (4,17,93)"), and a made-up findings chapter of 400
  paragraphs (about 80,000 words at every scale, a thesis's length): per paragraph two
  citations, a quotation taken from the cited participant's notes (every fourth with an
  ellipsis, every tenth attributed to someone else) and a claim anchored to a code. The floor
  is a bare regex scan of the same chapter for citations and quotations, with each quotation
  looked up by ``str.find`` in all documents' text joined (read with one SELECT): no
  attribution, no folding, no study model.
- withdraw: one participant of the corpus study withdrawn with qualcode (the report, the
  deletion, the log scrub; then the VACUUM apart). The floor is the bare SQL a withdrawal
  cannot do without -- DELETE of the participant's codings, segments, document and row --
  on the same study, rolled back.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import Corpus, build_corpus, build_study

PARAGRAPHS = 400
_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
}
_FILLER = (
    "The findings show that the pattern holds across the interviews and that the experts agreed "
    "on the main drivers of the change, while they differed on its pace and on what policy "
    "should follow from it in the years ahead. "
)


def _relabelled(corpus: Corpus) -> Corpus:
    return replace(corpus, participants=[f"Expert {i + 1}" for i in range(len(corpus.participants))])


def _chapter(corpus: Corpus, seed: int = 4) -> str:
    """A findings chapter citing, quoting and anchoring claims on the corpus's data."""
    rng = random.Random(seed)
    n = len(corpus.participants)
    people = list(range(n))
    by_code: dict[str, set[int]] = {}
    for i, doc in enumerate(corpus.documents):
        for c in doc.codings:
            for code in c.codes:
                by_code.setdefault(code, set()).add(i)
    small_codes = [code for code, who in by_code.items() if len(who) <= 9]
    out = []
    for p in range(PARAGRAPHS):
        k = rng.randint(2, min(6, n)) if n > 1 else 1
        group = sorted(rng.sample(people, k))
        idents = ",".join(str(i + 1) for i in group)
        lead = f"{_WORDS[k].capitalize()} Experts ({idents})" if k > 1 else f"Expert ({group[0] + 1})"
        speaker = rng.randrange(n)
        doc = corpus.documents[speaker]
        sentences = [s for s in doc.text.replace("\n", " ").split(". ") if len(s.split()) > 8]
        quote = rng.choice(sentences).strip() if sentences else doc.text[:60]
        words = quote.split()
        if p % 4 == 0 and len(words) > 8:
            quote = " ".join(words[:4]) + " ... " + " ".join(words[-3:])
        cited = rng.randrange(n) if p % 10 == 0 else speaker
        code = rng.choice(small_codes) if small_codes else corpus.codes[0]
        who = sorted(by_code.get(code, {0}))
        named = ",".join(str(i + 1) for i in who)
        claim = f"{_WORDS.get(len(who), str(len(who))).capitalize()} Experts ({named})"
        if len(who) == 1:
            claim = f"Expert ({who[0] + 1})"
        out.append(
            f"{lead} described the shift. {_FILLER * 3}According to Expert ({cited + 1}), "
            f"«{quote}». {claim} raised it too [code: {code}]. {_FILLER * 2}"
        )
    return "# Findings\n\n" + "\n\n".join(out) + "\n"


def _check_rows(scale: str, tmp: Path) -> list[Row]:
    import re

    from sqlalchemy import text

    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.io.manuscript import read_manuscript
    from qualcode.services.manuscript import check_manuscript
    from qualcode.services.uow import unit_of_work

    corpus = _relabelled(build_corpus(scale))
    db = str(tmp / "check.qualcode")
    build_study(db, corpus)
    path = tmp / "chapter4.md"
    path.write_text(_chapter(corpus), encoding="utf-8")
    words = len(path.read_text(encoding="utf-8").split())
    opened = open_study(locate(db))
    try:

        def floor() -> int:
            chapter = path.read_text(encoding="utf-8")
            with opened.engine.connect() as conn:
                everything = "\n".join(conn.execute(text("SELECT text FROM document")).scalars())
            cites = re.findall(r"\b(?:\w+ )?Experts? \([^)]*\)", chapter)
            found = sum(1 for q in re.findall(r"«([^»]+)»", chapter) if everything.find(q) >= 0)
            return len(cites) + found

        def qualcode() -> object:
            manuscript = read_manuscript(path)
            with unit_of_work(opened, coder="bench", write=False) as uow:
                return check_manuscript(uow, manuscript.paragraphs, str(path))

        _, floor_s = timed(floor)
        report, seconds = timed(qualcode)
    finally:
        opened.engine.dispose()
    findings = getattr(report, "findings", ())
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    note = (
        f"{getattr(report, 'citations', 0):,} citations, {getattr(report, 'quotes', 0):,} quotations, "
        f"{getattr(report, 'claims', 0):,} claims; findings {kinds} (every tenth quote is misattributed "
        "on purpose)"
    )
    return [
        Row(
            "integrity",
            scale,
            f"check-manuscript, {PARAGRAPHS} paragraphs ({words:,} words)",
            seconds,
            floor_s,
            "bare regex scan + str.find in all text",
            note,
        )
    ]


def _withdraw_rows(scale: str, tmp: Path) -> list[Row]:
    from sqlalchemy import text

    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work
    from qualcode.services.withdraw import purge_freed_space, withdraw_participant

    corpus = build_corpus(scale)
    db = str(tmp / "withdraw.qualcode")
    build_study(db, corpus)
    label = corpus.participants[0]
    opened = open_study(locate(db))
    try:
        with opened.engine.connect() as conn:
            start = time.perf_counter()
            trans = conn.begin()
            pid = conn.execute(text("SELECT id FROM participant WHERE label = :l"), {"l": label}).scalar_one()
            docs = "SELECT id FROM document WHERE participant_id = :p"
            segs = f"SELECT id FROM segment WHERE document_id IN ({docs})"
            conn.execute(text(f"DELETE FROM coding WHERE segment_id IN ({segs})"), {"p": pid})
            conn.execute(text(f"DELETE FROM segment WHERE document_id IN ({docs})"), {"p": pid})
            conn.execute(text("DELETE FROM document WHERE participant_id = :p"), {"p": pid})
            conn.execute(text("DELETE FROM participant WHERE id = :p"), {"p": pid})
            floor_s = time.perf_counter() - start
            trans.rollback()

        def run(dry: bool) -> object:
            with unit_of_work(opened, coder="bench") as uow:
                return withdraw_participant(uow, label, reason="benchmark", dry_run=dry)

        _, dry_s = timed(lambda: run(True))
        report, real_s = timed(lambda: run(False))
        _, vacuum_s = timed(lambda: purge_freed_space(opened.engine))
    finally:
        opened.engine.dispose()
    size = Path(db).stat().st_size / 2**20
    note = (
        f"{getattr(report, 'codings', 0):,} codings, "
        f"{len(getattr(report, 'codes_falling', ())):,} counts fall, "
        f"{len(getattr(report, 'codes_vanishing', ())):,} codes vanish; dry run {dry_s:.2f} s; "
        f"then VACUUM + WAL truncate {vacuum_s:.2f} s ({size:,.0f} MiB file)"
    )
    return [
        Row(
            "integrity",
            scale,
            f"participants withdraw (1 of {len(corpus.participants):,})",
            real_s,
            floor_s,
            "bare SQL DELETE of codings, segments, document, participant",
            note,
        )
    ]


def run(scale: str) -> list[Row]:
    with scratch_dir() as tmp:
        rows = _check_rows(scale, tmp)
    with scratch_dir() as tmp:
        rows += _withdraw_rows(scale, tmp)
    return rows
