"""Analysis: a three-code coding query, an autocode of a common word, word frequencies.

Floors, measured in the same run on the same study file:
- query: bare ``sqlite3`` running the one SELECT that returns the same excerpt rows (the three
  codes' codings joined to their segment, document, participant and coder, in the same order);
- autocode: bare Python ``re.finditer`` over every document's text plus bare ``sqlite3``
  ``executemany`` of the new segment and coding rows in one transaction (in a copy of the study);
- words: bare Python, every document's text read with ``sqlite3`` and its ``\\w+`` words
  lower-cased into one ``collections.Counter``.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from datetime import UTC, datetime

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import build_corpus, build_study

COMMON_WORD = "квота"  # in the corpus's Russian and Kazakh vocabularies alike


def _floor_query(path: str, names: list[str]) -> int:
    conn = sqlite3.connect(path)
    try:
        marks = ",".join("?" * len(names))
        rows = conn.execute(
            'SELECT segment.id, document.title, participant.label, segment.start, segment."end", '
            "segment.text, "
            "code.name, coder.name, coding.created_at, coding.id FROM segment "
            "JOIN coding ON coding.segment_id = segment.id JOIN code ON code.id = coding.code_id "
            "JOIN coder ON coder.id = coding.coder_id JOIN document ON document.id = segment.document_id "
            "LEFT JOIN participant ON participant.id = document.participant_id "
            f"WHERE code.name IN ({marks}) "
            'ORDER BY document.id, segment.start, segment."end", code.name, coding.id',
            names,
        ).fetchall()
        return len(rows)
    finally:
        conn.close()


def _floor_autocode(path: str, word: str) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        pattern = re.compile(re.escape(word), re.IGNORECASE)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO code (name, description, colour, status, exclusion_reason, position, created_at) "
            "VALUES ('floor', '', '', 'active', '', 0, ?)",
            (datetime.now(UTC).isoformat(),),
        )
        code_id = conn.execute("SELECT id FROM code WHERE name = 'floor'").fetchone()[0]
        added = 0
        now = datetime.now(UTC).isoformat()
        for doc_id, text in conn.execute("SELECT id, text FROM document").fetchall():
            spans = [m.span() for m in pattern.finditer(text.replace("ё", "е"))]
            if not spans:
                continue
            conn.executemany(
                'INSERT OR IGNORE INTO segment (document_id, start, "end", text) VALUES (?, ?, ?, ?)',
                [(doc_id, a, b, text[a:b]) for a, b in spans],
            )
            seg = {
                (a, b): i
                for i, a, b in conn.execute(
                    'SELECT id, start, "end" FROM segment WHERE document_id = ?', (doc_id,)
                )
            }
            conn.executemany(
                "INSERT INTO coding (segment_id, code_id, coder_id, created_at) VALUES (?, ?, 1, ?)",
                [(seg[s], code_id, now) for s in spans],
            )
            added += len(spans)
        conn.execute("COMMIT")
        return added
    finally:
        conn.close()


def _floor_words(path: str) -> int:
    conn = sqlite3.connect(path)
    try:
        counts: Counter[str] = Counter()
        word = re.compile(r"\w+")
        for (text,) in conn.execute("SELECT text FROM document"):
            counts.update(word.findall(text.lower()))
        return len(counts.most_common(50))
    finally:
        conn.close()


def run(scale: str) -> list[Row]:
    from qualcode.db.engine import locate
    from qualcode.db.schema import open_study
    from qualcode.services.autocode import autocode
    from qualcode.services.query import run_query
    from qualcode.services.uow import unit_of_work
    from qualcode.services.words import word_frequencies

    corpus = build_corpus(scale)
    used: Counter[str] = Counter(n for d in corpus.documents for c in d.codings for n in c.codes)
    three = [name for name, _ in used.most_common(3)]
    rows: list[Row] = []
    with scratch_dir() as tmp:
        db = str(tmp / "study.qualcode")
        build_study(db, corpus)
        shutil.copy(db, tmp / "floor.qualcode")
        study = open_study(locate(db))
        try:
            expression = " or ".join('"' + n.replace('"', "") + '"' for n in three)

            def query() -> int:
                with unit_of_work(study, write=False) as uow:
                    return len(run_query(uow, expression).rows)

            found, q_query = timed(query)
            floor_found, f_query = timed(lambda: _floor_query(db, three))
            assert found == floor_found, (found, floor_found)
            rows.append(
                Row(
                    "coding query",
                    scale,
                    f"3 codes OR-ed, {found:,} excerpt rows",
                    q_query,
                    f_query,
                    "sqlite3: the same SELECT of excerpt rows",
                )
            )

            def words() -> int:
                with unit_of_work(study, write=False) as uow:
                    return len(word_frequencies(uow, top_n=50).rows)

            _, q_words = timed(words)
            _, f_words = timed(lambda: _floor_words(db))
            rows.append(
                Row(
                    "report words",
                    scale,
                    f"{len(corpus.documents):,} documents, top 50",
                    q_words,
                    f_words,
                    "Python Counter over \\w+ of every text",
                )
            )

            def code_word() -> int:
                with unit_of_work(study, coder="bench") as uow:
                    return autocode(uow, "Autocoded", text=COMMON_WORD, allow_new=True).coded

            coded, q_auto = timed(code_word)
            floor_coded, f_auto = timed(lambda: _floor_autocode(str(tmp / "floor.qualcode"), COMMON_WORD))
            rows.append(
                Row(
                    "autocode",
                    scale,
                    f"'{COMMON_WORD}': {coded:,} codings",
                    q_auto,
                    f_auto,
                    "re.finditer + sqlite3 executemany, one transaction",
                    "" if coded == floor_coded else f"floor coded {floor_coded:,}",
                )
            )
        finally:
            study.engine.dispose()
    return rows
