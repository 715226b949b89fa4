"""Statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_duplicates(table: Table, dialect_name: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: two coders creating the same code, coder or segment at
    the same moment both succeed, and the row exists once."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
