"""Migrations: the scripts build exactly the models' schema, and old studies are upgraded safely."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from qualcode.db.engine import locate, make_engine
from qualcode.db.schema import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    _alembic_config,
    create_study,
    open_study,
    schema_differences,
)
from qualcode.domain.errors import StudyVersionError
from tests.conftest import run_cli


def _migrate_empty(db: str, revision: str) -> None:
    location = locate(db)
    if location.path is not None:
        location.path.touch(mode=0o600)
    engine = make_engine(location)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
            conn.execute(
                text(
                    "INSERT INTO study (title, research_questions, created_at) "
                    "VALUES ('old study', '', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()


def test_head_revision_matches_the_scripts() -> None:
    from importlib.resources import files

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("qualcode.migrations")))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_heads() == [HEAD_REVISION]
    assert KNOWN_REVISIONS[-1] == HEAD_REVISION
    walked = [s.revision for s in scripts.walk_revisions()]
    assert sorted(walked) == sorted(KNOWN_REVISIONS)


def test_migrations_build_the_models_schema(study_url: str) -> None:
    _migrate_empty(study_url, "head")
    opened = open_study(locate(study_url))
    try:
        assert schema_differences(opened.engine) == []
    finally:
        opened.engine.dispose()


def test_a_new_study_has_the_models_schema_and_is_stamped(study_url: str) -> None:
    opened = create_study(locate(study_url), "t")
    try:
        assert schema_differences(opened.engine) == []
        with opened.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD_REVISION
    finally:
        opened.engine.dispose()


def test_a_new_study_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "private.qualcode"
        assert run_cli("init", str(db)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    run_cli("participants", "add", "Expert A", db=str(db))
    for sibling in tmp_path.iterdir():  # -wal and -shm carry interview text too
        assert stat.S_IMODE(sibling.stat().st_mode) & 0o077 == 0, sibling.name


def test_sqlite_pragmas_are_on(tmp_path: Path) -> None:
    db = str(tmp_path / "s.qualcode")
    opened = create_study(locate(db), "t")
    try:
        with opened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
    finally:
        opened.engine.dispose()


def test_init_refuses_an_existing_file(tmp_path: Path) -> None:
    db = tmp_path / "s.qualcode"
    db.write_text("my notes", encoding="utf-8")
    result = run_cli("init", str(db))
    assert result.exit_code == 2
    assert str(db) in result.stderr
    assert db.read_text(encoding="utf-8") == "my notes"


def test_opening_a_file_that_is_not_a_study_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "notes.qualcode"
    db.write_bytes(b"not a database at all" * 100)
    result = run_cli("codes", "list", db=str(db))
    assert result.exit_code == 2
    assert "not a qualcode study" in result.stderr


OLDER = list(KNOWN_REVISIONS[:-1])


@pytest.mark.parametrize("revision", OLDER)
def test_an_older_sqlite_study_is_backed_up_then_upgraded(tmp_path: Path, revision: str) -> None:
    db = tmp_path / "old.qualcode"
    _migrate_empty(str(db), revision)
    before = db.read_bytes()
    result = run_cli("codes", "list", "--json", db=str(db))
    assert result.exit_code == 0, result.stderr
    assert "backup at" in result.stderr
    backups = list(tmp_path.glob(f"old.qualcode.bak-{revision}-*"))
    assert len(backups) == 1
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert len(backups[0].read_bytes()) >= len(before) // 2
    opened = open_study(locate(str(db)))
    try:
        assert opened.upgraded_from is None
        assert schema_differences(opened.engine) == []
    finally:
        opened.engine.dispose()


@pytest.mark.parametrize("revision", OLDER)
def test_an_older_sqlite_study_with_codings_is_upgraded(tmp_path: Path, revision: str) -> None:
    """A table rebuilt by a migration (0003 rebuilds code) is one other rows point at: the
    upgrade must not trip over the foreign keys, and every row stays."""
    db = tmp_path / "old.qualcode"
    _migrate_empty(str(db), revision)
    engine = make_engine(locate(str(db)))
    try:
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO coder (id, name, created_at) VALUES (1, 'aigerim', CURRENT_TIMESTAMP)",
                "INSERT INTO code (id, name, description, colour, status, exclusion_reason, position,"
                " created_at) VALUES (1, 'Квоты', '', '', 'active', '', 0, CURRENT_TIMESTAMP)",
                "INSERT INTO document (id, title, text, sha256, source_name, source_format, meta,"
                " imported_at) VALUES (1, 'Expert A', 'Квоты растут.', 'x', 'a.txt', 'txt', '{}',"
                " CURRENT_TIMESTAMP)",
                "INSERT INTO segment (id, document_id, start, \"end\", text) VALUES (1, 1, 0, 5, 'Квоты')",
                "INSERT INTO coding (id, segment_id, code_id, coder_id, created_at)"
                " VALUES (1, 1, 1, 1, CURRENT_TIMESTAMP)",
                "INSERT INTO memo (text, code_id, provenance, created_at)"
                " VALUES ('why', 1, '', CURRENT_TIMESTAMP)",
            ):
                conn.execute(text(sql))
    finally:
        engine.dispose()
    result = run_cli("segments", "--json", db=str(db))
    assert result.exit_code == 0, result.stderr
    assert [(r["text"], r["code"], r["coder"]) for r in result.json()] == [("Квоты", "Квоты", "aigerim")]
    assert run_cli("db", "check", db=str(db)).exit_code == 0
    assert run_cli("memos", "list", "--json", db=str(db)).json()[0]["text"] == "why"
    opened = open_study(locate(str(db)))
    try:
        assert schema_differences(opened.engine) == []
    finally:
        opened.engine.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize("study_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("revision", OLDER)
def test_an_older_postgresql_study_is_refused_until_db_upgrade(study_url: str, revision: str) -> None:
    assert not locate(study_url).is_sqlite
    _migrate_empty(study_url, revision)
    with pytest.raises(StudyVersionError, match="qualcode db upgrade"):
        open_study(locate(study_url))
    refused = run_cli("codes", "list", db=study_url)
    assert refused.exit_code == 2
    assert "qualcode db upgrade" in refused.stderr
    assert run_cli("db", "upgrade", db=study_url).exit_code == 0
    assert run_cli("codes", "list", db=study_url).exit_code == 0
