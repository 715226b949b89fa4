"""Importing comment-coded Word files: ``qualcode import`` over a folder of .docx.

Each file has 25 paragraphs of Russian interview notes and 50 comments (one or two code names,
a fifth of them answered by a threaded reply), written by python-docx 1.2's own
``add_comment``, so the files are what Word users hand over. Scales: thesis 9 files, lab 200,
large 2,000.

Floors, measured in the same run on the same files:
- lxml-parse: unzipping and parsing the XML parts an import reads (word/document.xml,
  comments.xml, commentsExtended.xml) with lxml, and nothing else — the least any reader of
  anchored comments must do;
- python-docx alone opening each file and reading its paragraphs' text and its comments'
  authors and text (less than an import needs: python-docx does not say where a comment is
  anchored).
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

from benchmarks.common import Row, scratch_dir, timed

FILES = {"thesis": 9, "lab": 200, "large": 2000}
COMMENTS = 50
PARAGRAPHS = 25
_WORDS = (
    "миграция квоты разрешение работодатель эксперт граждане Казахстан трудовые мигранты "
    "процедура регистрация визы отток приток политика регион граница специалисты Астана Алматы "
    "ә ғ қ ң ө ұ ү һ і ёлка"
).split()


def _write_files(folder: Path, count: int, seed: int = 20240411) -> list[Path]:
    import docx

    rng = random.Random(seed)
    codes = [f"Код {i}" for i in range(300)]
    paths = []
    for n in range(count):
        document = docx.Document()
        runs = []
        for _ in range(PARAGRAPHS):
            paragraph = document.add_paragraph(" ".join(rng.choices(_WORDS, k=12)) + ". ")
            runs.append(paragraph.add_run(" ".join(rng.choices(_WORDS, k=8)) + "."))
            paragraph.add_run(" " + " ".join(rng.choices(_WORDS, k=10)) + ".")
        for k in range(COMMENTS):
            run = runs[k % PARAGRAPHS] if k < PARAGRAPHS else runs[rng.randrange(PARAGRAPHS)]
            names = "; ".join(rng.sample(codes, rng.choice((1, 1, 2))))
            document.add_comment(run, text=names, author=rng.choice(("Aigerim", "Dana", "Бекзат")))
        path = folder / f"Interview {n:04d}.docx"
        document.save(str(path))
        paths.append(path)
    _add_replies(paths, rng)
    return paths


def _add_replies(paths: list[Path], rng: random.Random) -> None:
    """Thread a reply under every fifth comment (commentsExtended.xml), as Word writes them."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"
    w15 = "http://schemas.microsoft.com/office/word/2012/wordml"
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
        root = etree.fromstring(members["word/comments.xml"])
        extended = etree.Element(f"{{{w15}}}commentsEx", nsmap={"w15": w15})
        for k, comment in enumerate(list(root.iter(f"{{{w}}}comment"))):
            if k % 5:
                continue
            parent_para, reply_para = f"{0x100000 + k:08X}", f"{0x200000 + k:08X}"
            comment.findall(f"{{{w}}}p")[-1].set(f"{{{w14}}}paraId", parent_para)
            reply = etree.SubElement(root, f"{{{w}}}comment")
            reply.set(f"{{{w}}}id", str(1000 + k))
            reply.set(f"{{{w}}}author", "Dana")
            reply.set(f"{{{w}}}date", "2024-05-01T10:00:00Z")
            p = etree.SubElement(reply, f"{{{w}}}p")
            p.set(f"{{{w14}}}paraId", reply_para)
            etree.SubElement(
                etree.SubElement(p, f"{{{w}}}r"), f"{{{w}}}t"
            ).text = f"Согласна, см. эксперта {rng.randrange(9)}"
            etree.SubElement(extended, f"{{{w15}}}commentEx", {f"{{{w15}}}paraId": parent_para})
            etree.SubElement(
                extended,
                f"{{{w15}}}commentEx",
                {f"{{{w15}}}paraId": reply_para, f"{{{w15}}}paraIdParent": parent_para},
            )
        members["word/comments.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        members["word/commentsExtended.xml"] = etree.tostring(
            extended, xml_declaration=True, encoding="UTF-8"
        )
        rels = members["word/_rels/document.xml.rels"].decode("utf-8")
        members["word/_rels/document.xml.rels"] = rels.replace(
            "</Relationships>",
            '<Relationship Id="rIdX9" Type="http://schemas.microsoft.com/office/2011/relationships/'
            'commentsExtended" Target="commentsExtended.xml"/></Relationships>',
        ).encode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members.items():
                out.writestr(name, data)


def _python_docx_alone(paths: list[Path]) -> int:
    import docx

    seen = 0
    for path in paths:
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        notes = [(c.author, c.text) for c in document.comments]
        seen += len(text) + len(notes)
    return seen


_PARTS = ("word/document.xml", "word/comments.xml", "word/commentsExtended.xml")


def _lxml_parse(paths: list[Path]) -> int:
    """The floor: unzip and parse the XML parts an import reads, with lxml."""
    from lxml import etree

    elements = 0
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for part in _PARTS:
                if part in names:
                    elements += len(etree.fromstring(zf.read(part)))
    return elements


def _qualcode_read(paths: list[Path]) -> int:
    from qualcode.io.docx import read_docx

    return sum(len(read_docx(p).codings) for p in paths)


def _qualcode(*args: str) -> None:
    from qualcode.cli import cli

    cli.main(args=list(args), prog_name="qualcode", standalone_mode=False)


def _counts(db: str) -> tuple[int, int, int]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("document", "coding", "memo")
        )
    finally:
        conn.close()


def run(scale: str) -> list[Row]:
    count = FILES[scale]
    with scratch_dir() as tmp:
        folder = tmp / "docx"
        folder.mkdir()
        paths = _write_files(folder, count)
        _python_docx_alone(paths[:2])  # warm imports and caches on both sides
        _lxml_parse(paths[:2])
        _qualcode_read(paths[:2])
        _, floor = timed(lambda: _lxml_parse(paths))
        _, docx_floor = timed(lambda: _python_docx_alone(paths))
        codings, read_s = timed(lambda: _qualcode_read(paths))
        db = str(tmp / "bench.qualcode")
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            _qualcode("init", db, "--title", "bench")
            _, import_s = timed(lambda: _qualcode("--db", db, "--coder", "bench", "import", str(folder)))
        documents, stored, memos = _counts(db)
    measure = f"{count} .docx × {COMMENTS} comments"
    floor_is = "lxml-parse of document.xml + comments(Extended).xml"
    return [
        Row(
            "import_docx",
            scale,
            f"{measure}: read (text + anchored ranges)",
            read_s,
            floor,
            floor_is,
            f"{codings} codings found",
        ),
        Row(
            "import_docx",
            scale,
            f"{measure}: python-docx alone (2nd floor)",
            docx_floor,
            floor,
            floor_is,
            "python-docx: open, paragraphs, comments (no anchors)",
        ),
        Row(
            "import_docx",
            scale,
            f"{measure}: qualcode import, 1 txn/file",
            import_s,
            floor,
            floor_is,
            f"{documents} docs, {stored} codings, {memos} reply memos stored (SQLite)",
        ),
    ]
