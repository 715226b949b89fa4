"""Importing a REFI-QDA project: ``qualcode import STUDY.qdpx`` into an empty study and again
into the same study (the merge path, which adds nothing).

The project is the benchmark corpus at each scale (thesis: 9 documents and 556 codings; lab:
200 and 20,000; large: 2,000 and 200,000) exported by qualcode itself, with every code under a
theme and one code in ten a sub-code, so nesting is read too.

Floor, measured in the same run on the same file: unzipping it and parsing project.qde with
lxml, plus decoding every source file — what any reader of the file must do.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

from benchmarks.common import Row, scratch_dir, timed
from benchmarks.corpus import build_corpus, build_study


def _nest(db: str) -> None:
    """Themes of 100 codes; every tenth code a sub-code of the code before it."""
    from sqlalchemy import insert, select, update

    from qualcode.db.engine import locate
    from qualcode.db.models import Code, Theme
    from qualcode.db.schema import open_study
    from qualcode.services.uow import unit_of_work

    opened = open_study(locate(db))
    try:
        with unit_of_work(opened, coder="bench") as uow:
            s = uow.session
            ids = list(s.scalars(select(Code.id).order_by(Code.id)))
            themes = [
                s.execute(
                    insert(Theme).returning(Theme.id),
                    [{"name": f"Theme {n}", "position": n, "description": ""}],
                ).scalar_one()
                for n in range(-(-len(ids) // 100))
            ]
            for i, code_id in enumerate(ids):
                parent = ids[i - 1] if i % 10 == 9 else None
                s.execute(
                    update(Code)
                    .where(Code.id == code_id)
                    .values(theme_id=themes[i // 100], position=i % 100, parent_id=parent)
                )
            uow.commit()
    finally:
        opened.engine.dispose()


def _floor(path: Path) -> int:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        characters = sum(len(zf.read(n).decode("utf-8")) for n in zf.namelist() if n.startswith("sources/"))
    return len(root) + characters


def _qualcode(*args: str) -> None:
    from qualcode.cli import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli.main(args=list(args), prog_name="qualcode", standalone_mode=False)


def run(scale: str) -> list[Row]:
    corpus = build_corpus(scale)
    with scratch_dir() as tmp:
        source_db = str(tmp / "source.qualcode")
        build_study(source_db, corpus)
        _nest(source_db)
        qdpx = tmp / "project.qdpx"
        _qualcode("--db", source_db, "--coder", "bench", "export", "project", str(qdpx))
        _floor(qdpx)
        _, floor = timed(lambda: _floor(qdpx))
        target = str(tmp / "target.qualcode")
        _qualcode("init", target, "--title", "bench")
        _, first = timed(lambda: _qualcode("--db", target, "--coder", "bench", "import", str(qdpx)))
        _, again = timed(lambda: _qualcode("--db", target, "--coder", "bench", "import", str(qdpx)))
        import sqlite3

        conn = sqlite3.connect(target)
        try:
            docs, codings, subs = (
                conn.execute(sql).fetchone()[0]
                for sql in (
                    "SELECT COUNT(*) FROM document",
                    "SELECT COUNT(*) FROM coding",
                    "SELECT COUNT(*) FROM code WHERE parent_id IS NOT NULL",
                )
            )
        finally:
            conn.close()
    size = f"{len(corpus.documents)} sources, {sum(len(d.codings) for d in corpus.documents)} codings"
    floor_is = "unzip + lxml-parse project.qde + decode sources"
    return [
        Row(
            "import_qdpx",
            scale,
            f".qdpx of {size}: import into an empty study",
            first,
            floor,
            floor_is,
            f"{docs} docs, {codings} codings, {subs} sub-codes stored (SQLite)",
        ),
        Row(
            "import_qdpx",
            scale,
            f".qdpx of {size}: import again (merge path, adds nothing)",
            again,
            floor,
            floor_is,
            "scratch study + merge-study matching by text",
        ),
    ]
