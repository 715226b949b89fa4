"""Made-up manuscripts: Word files with real footnotes and comments, built part by part.

python-docx writes comments (1.2) but not footnotes, so ``word/footnotes.xml`` is added as its
own part with the relationship and content type Word expects (ECMA-376 Part 1, §17.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


@dataclass
class Piece:
    """A run of a paragraph: plain text, a footnote (``note``), or text under a comment."""

    text: str = ""
    note: str | None = None  # footnote text: the run is the reference mark
    comment: str | None = None  # comment text anchored on this run (a code name)


@dataclass
class Para:
    pieces: Sequence[Piece | str]
    style: str | None = None
    extra: list[str] = field(default_factory=list)


def write_docx(path: Path, paragraphs: Sequence[Para | str]) -> Path:
    """A .docx whose footnotes are real Word footnotes and whose comments are Word comments."""
    document = docx.Document()
    notes: list[tuple[int, str]] = []
    for para in paragraphs:
        if isinstance(para, str):
            para = Para([para])
        p = document.add_paragraph(style=para.style)
        for piece in para.pieces:
            if isinstance(piece, str):
                piece = Piece(piece)
            if piece.note is not None:
                note_id = len(notes) + 1
                notes.append((note_id, piece.note))
                run = p.add_run()
                run._r.append(parse_xml(f'<w:footnoteReference xmlns:w="{W}" w:id="{note_id}"/>'))
                run.font.superscript = True
                continue
            run = p.add_run(piece.text)
            if piece.comment is not None:
                document.add_comment(run, text=piece.comment, author="Aigerim", initials="AB")
    if notes:
        body = "".join(
            f'<w:footnote w:id="{i}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p>'
            "</w:footnote>"
            for i, text in notes
        )
        xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W}">'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f"</w:r></w:p></w:footnote>{body}</w:footnotes>"
        )
        part = Part(
            PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode("utf-8"), document.part.package
        )
        document.part.relate_to(part, RT.FOOTNOTES)
    document.save(str(path))
    return path


def comments_of(path: Path) -> list[tuple[str, str]]:
    """(anchored text, comment text) of every comment in a .docx, read back from its XML."""
    document = docx.Document(str(path))
    texts = {str(c.comment_id): c.text for c in document.comments}
    out: list[tuple[str, str]] = []
    body = document.element.body
    for start in body.iter(qn("w:commentRangeStart")):
        key = start.get(qn("w:id"))
        anchored: list[str] = []
        inside = False
        for el in body.iter():
            if el is start:
                inside = True
            elif el.tag == qn("w:commentRangeEnd") and el.get(qn("w:id")) == key:
                break
            elif el.tag == qn("w:t") and inside:
                anchored.append(el.text or "")
        out.append(("".join(anchored), texts[key]))
    return out
