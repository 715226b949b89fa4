"""The study spine: import documents, add codings in bulk, list codes with counts.

Floors, measured in the same run on the same rows:
- import: bare ``sqlite3``, one transaction, ``executemany`` of the document rows;
- codings: bare ``sqlite3``, one transaction, ``executemany`` of the segment and coding rows
  (segment ids read back with one SELECT, as qualcode does);
- codes list: bare ``sqlite3`` running the two GROUP BY queries that give counts and
  participants per code.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import Corpus, build_corpus


def _floor_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;
        CREATE TABLE participant (id INTEGER PRIMARY KEY, label TEXT UNIQUE NOT NULL);
        CREATE TABLE document (id INTEGER PRIMARY KEY, title TEXT UNIQUE NOT NULL,
            participant_id INTEGER REFERENCES participant(id), text TEXT NOT NULL, sha256 TEXT NOT NULL,
            source_name TEXT, imported_at TEXT);
        CREATE INDEX ix_document_sha256 ON document(sha256);
        CREATE TABLE code (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
        CREATE TABLE segment (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES document(id),
            start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            UNIQUE(document_id, start, "end"));
        CREATE TABLE coding (id INTEGER PRIMARY KEY, segment_id INTEGER NOT NULL REFERENCES segment(id),
            code_id INTEGER NOT NULL REFERENCES code(id), coder_id INTEGER NOT NULL, created_at TEXT,
            UNIQUE(segment_id, code_id, coder_id));
        CREATE INDEX ix_coding_code ON coding(code_id, segment_id);
        """
    )


def _floor_import(path: Path, corpus: Corpus, *, search_index: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    _floor_schema(conn)
    if search_index:  # the same FTS5 table and triggers a study keeps for full-text search
        from qualcode.db.search import SQLITE_DDL

        for statement in SQLITE_DDL:
            conn.execute(statement)
    now = datetime.now(UTC).isoformat()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO participant (label) VALUES (?)", [(p,) for p in corpus.participants])
    conn.executemany(
        "INSERT INTO document (title, participant_id, text, sha256, source_name, imported_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(d.title, i + 1, d.text, d.sha256, d.source_name, now) for i, d in enumerate(corpus.documents)],
    )
    conn.execute("COMMIT")
    return conn


def _floor_import_each(path: Path, corpus: Corpus) -> None:
    """The same rows with one transaction per file, as a crash-safe import must commit."""
    conn = sqlite3.connect(path, isolation_level=None)
    _floor_schema(conn)
    now = datetime.now(UTC).isoformat()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO participant (label) VALUES (?)", [(p,) for p in corpus.participants])
    conn.execute("COMMIT")
    for i, d in enumerate(corpus.documents):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO document (title, participant_id, text, sha256, source_name, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (d.title, i + 1, d.text, d.sha256, d.source_name, now),
        )
        conn.execute("COMMIT")
    conn.close()


def _floor_codings(conn: sqlite3.Connection, corpus: Corpus) -> None:
    now = datetime.now(UTC).isoformat()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO code (name) VALUES (?)", [(c,) for c in corpus.codes])
    code_ids = dict(conn.execute("SELECT name, id FROM code"))
    for doc_id, doc in enumerate(corpus.documents, start=1):
        spans = sorted({(c.start, c.end) for c in doc.codings})
        conn.executemany(
            'INSERT INTO segment (document_id, start, "end", text) VALUES (?, ?, ?, ?)',
            [(doc_id, a, b, doc.text[a:b]) for a, b in spans],
        )
        seg = {
            (a, b): i
            for i, a, b in conn.execute(
                'SELECT id, start, "end" FROM segment WHERE document_id = ?', (doc_id,)
            )
        }
        rows = {(seg[(c.start, c.end)], code_ids[name], 1) for c in doc.codings for name in c.codes}
        conn.executemany(
            "INSERT INTO coding (segment_id, code_id, coder_id, created_at) VALUES (?, ?, ?, ?)",
            [(*r, now) for r in rows],
        )
    conn.execute("COMMIT")


def _floor_list(conn: sqlite3.Connection) -> int:
    counts = dict(conn.execute("SELECT code_id, COUNT(*) FROM coding GROUP BY code_id"))
    people = conn.execute(
        "SELECT DISTINCT coding.code_id, participant.label FROM coding "
        "JOIN segment ON segment.id = coding.segment_id JOIN document ON document.id = segment.document_id "
        "JOIN participant ON participant.id = document.participant_id"
    ).fetchall()
    names = conn.execute("SELECT id, name FROM code ORDER BY name").fetchall()
    return len(names) + len(counts) + len(people)


def run(scale: str) -> list[Row]:
    from qualcode.db.engine import locate
    from qualcode.db.models import Participant
    from qualcode.db.schema import create_study, open_study
    from qualcode.services.codes import list_codes
    from qualcode.services.documents import (
        DocumentCodings,
        DocumentToStore,
        add_codings,
        import_document,
        store_documents,
    )
    from qualcode.services.uow import unit_of_work

    corpus = build_corpus(scale)
    n_docs, n_codes = len(corpus.documents), len(corpus.codes)
    rows: list[Row] = []
    with scratch_dir() as tmp:
        floor_conn, floor_import = timed(lambda: _floor_import(tmp / "floor.sqlite", corpus))
        _, floor_codings = timed(lambda: _floor_codings(floor_conn, corpus))
        _, floor_list = timed(lambda: _floor_list(floor_conn))
        floor_conn.close()
        _, floor_import_each = timed(lambda: _floor_import_each(tmp / "floor-each.sqlite", corpus))
        indexed_conn, floor_import_indexed = timed(
            lambda: _floor_import(tmp / "floor-fts.sqlite", corpus, search_index=True)
        )
        indexed_conn.close()

        def qualcode_import_one_transaction() -> None:
            opened = create_study(locate(str(tmp / "one.qualcode")), "bench")
            try:
                with unit_of_work(opened, coder="bench") as uow:
                    uow.session.add_all(
                        [Participant(label=label, attributes={}) for label in corpus.participants]
                    )
                    uow.session.flush()
                    store_documents(
                        uow,
                        [
                            DocumentToStore(replace(doc, codings=()), participant=label)
                            for label, doc in zip(corpus.participants, corpus.documents, strict=True)
                        ],
                    )
                    uow.commit()
            finally:
                opened.engine.dispose()

        _, q_import_one = timed(qualcode_import_one_transaction)
        rows.append(
            Row(
                "import documents",
                scale,
                f"{n_docs:,} documents, one transaction",
                q_import_one,
                floor_import,
                "sqlite3 executemany, one transaction",
                "qualcode also fills the full-text search index",
            )
        )
        rows.append(
            Row(
                "import documents",
                scale,
                f"{n_docs:,} documents, one transaction",
                q_import_one,
                floor_import_indexed,
                "sqlite3 executemany + the same FTS5 index",
                "like for like",
            )
        )

        db = str(tmp / "study.qualcode")

        def qualcode_import_each() -> list[int]:
            opened = create_study(locate(db), "bench")
            ids = []
            try:
                with unit_of_work(opened, coder="bench") as uow:
                    uow.session.add_all(
                        [Participant(label=label, attributes={}) for label in corpus.participants]
                    )
                    uow.commit()
                for label, doc in zip(corpus.participants, corpus.documents, strict=True):
                    with unit_of_work(opened, coder="bench") as uow:
                        result = import_document(uow, replace(doc, codings=()), participant=label)
                        ids.append(result.document_id)
            finally:
                opened.engine.dispose()
            return ids

        doc_ids, q_import = timed(qualcode_import_each)
        rows.append(
            Row(
                "import documents",
                scale,
                f"{n_docs:,} documents, one transaction each",
                q_import,
                floor_import_each,
                "sqlite3, one transaction per file",
                "as `qualcode import` commits: a killed import keeps whole files",
            )
        )

        def qualcode_codings() -> int:
            opened = open_study(locate(db))
            try:
                with unit_of_work(opened, coder="bench") as uow:
                    batch = [
                        DocumentCodings(doc_id, doc.text, doc.codings)
                        for doc_id, doc in zip(doc_ids, corpus.documents, strict=True)
                    ]
                    total = add_codings(uow, batch, allow_new_codes=True, source="corpus").codings
                    uow.commit()
            finally:
                opened.engine.dispose()
            return total

        added, q_codings = timed(qualcode_codings)
        rows.append(
            Row(
                "bulk codings",
                scale,
                f"{added:,} codings, {n_codes:,} codes",
                q_codings,
                floor_codings,
                "sqlite3 executemany, one transaction",
            )
        )

        def qualcode_list() -> int:
            opened = open_study(locate(db))
            try:
                with unit_of_work(opened, write=False) as uow:
                    return len(list_codes(uow))
            finally:
                opened.engine.dispose()

        listed, q_list = timed(qualcode_list)
        rows.append(
            Row(
                "codes list",
                scale,
                f"{listed:,} codes with counts + participants",
                q_list,
                floor_list,
                "sqlite3 GROUP BY queries",
                "includes opening the study",
            )
        )
    return rows
