"""Full-text search objects: SQLite FTS5 over documents, a GIN index on PostgreSQL.

They live outside the models (SQLAlchemy has no type for a virtual table), so both the
``0002`` migration and ``create_study`` call ``create_search_objects``; ``schema_differences``
leaves them out of the model comparison (``is_search_object``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

SEARCH_TABLE = "document_fts"
PG_SEARCH_INDEX = "ix_document_fts"

# unicode61 folds case in every script (Cyrillic and Kazakh included); remove_diacritics 2
# lets "resume" find "résumé". SQLite FTS5 documentation, section 4.3.1.
SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(title, text, content='document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {SEARCH_TABLE}_ai AFTER INSERT ON document BEGIN "
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    f"CREATE TRIGGER {SEARCH_TABLE}_ad AFTER DELETE ON document BEGIN "
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    f"CREATE TRIGGER {SEARCH_TABLE}_au AFTER UPDATE OF title, text ON document BEGIN "
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text); END",
]
# 'simple' keeps every language as written (no English stemming of Russian words).
_PG_DDL = [f"CREATE INDEX {PG_SEARCH_INDEX} ON document USING gin (to_tsvector('simple', text))"]


def create_search_objects(conn: Connection) -> None:
    """Create the search index and fill it from the documents already stored."""
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_DDL:
            conn.execute(text(statement))
        conn.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')"))
    elif conn.dialect.name == "postgresql":
        for statement in _PG_DDL:
            conn.execute(text(statement))


def drop_search_objects(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{suffix}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}"))


def is_search_object(name: str | None, kind: str) -> bool:
    """FTS5's virtual table and its shadow tables (document_fts_data, ...) or the GIN index."""
    if not name:
        return False
    if kind == "table":
        return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")
    return kind == "index" and name == PG_SEARCH_INDEX
