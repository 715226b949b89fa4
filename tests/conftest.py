"""Shared fixtures.

Every study test runs on SQLite and, when QUALCODE_TEST_DATABASE_URL is set, again on
PostgreSQL: each PostgreSQL test gets its own schema (chosen through search_path in the URL),
dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from qualcode.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("QUALCODE_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="QUALCODE_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, db: str | None = None, coder: str = "tester", stdin: str | None = None) -> CliResult:
    """Run ``qualcode ARGS`` in this process, as a user would, and capture what it prints."""
    argv = (["--db", db] if db else []) + ["--coder", coder, *args]
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        stdout = out.getvalue().decode("utf-8")
        stderr = err.getvalue().decode("utf-8") if err is not None else ""
    return CliResult(code, stdout, stderr)


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session", autouse=True)
def export_records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where qualcode remembers the files it exported: per test session, not the user's home."""
    before = os.environ.get("QUALCODE_STATE_DIR")
    os.environ["QUALCODE_STATE_DIR"] = str(tmp_path_factory.mktemp("qualcode-state"))
    yield
    if before is None:
        os.environ.pop("QUALCODE_STATE_DIR", None)
    else:
        os.environ["QUALCODE_STATE_DIR"] = before


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def study_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a new study goes: a file path, or a fresh PostgreSQL schema. Nothing created yet."""
    if request.param == "sqlite":
        yield str(tmp_path / "study.qualcode")
        return
    schema = f"qc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_study(study_url: str) -> str:
    """An initialised, empty study; returns its --db value."""
    result = run_cli("init", study_url, "--title", "Test study")
    assert result.exit_code == 0, result.stderr
    return study_url


@pytest.fixture
def example_study(study_url: str) -> str:
    """The bundled thesis study; returns its --db value."""
    result = run_cli("example", study_url)
    assert result.exit_code == 0, result.stderr
    return study_url


@pytest.fixture(scope="session")
def appendix() -> dict[str, Any]:
    """Appendix A and B of the thesis as published (tests/data/appendix.json)."""
    data: dict[str, Any] = json.loads((DATA / "appendix.json").read_text(encoding="utf-8"))
    return data


def table_counts(db: str) -> dict[str, int]:
    """Rows per table: a refused command must leave every count unchanged."""
    from qualcode.db.engine import locate, make_engine
    from qualcode.db.models import Base

    engine = make_engine(locate(db))
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in Base.metadata.tables
            }
    finally:
        engine.dispose()
