"""OpenDocument text (``.odt``, LibreOffice and Google Docs): body text and annotations.

``office:annotation`` (ODF 1.2 Part 1, §14.1) holds a comment where its range starts; a
matching ``office:annotation-end`` with the same ``office:name`` closes the range. An annotation
without an end marks a point. LibreOffice records a reply's thread with ``loext:parent-name``;
files without it give replies as separate annotations on the same range.

White space follows ODF §6.1.2: runs of spaces, tabs and newlines in the XML are one space;
``text:s`` (with ``text:c``), ``text:tab`` and ``text:line-break`` are written out.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.comments import (
    RawComment,
    comment_meta,
    comments_to_codings,
    open_package,
    parse_date,
    xml_part,
)
from qualcode.io.comments import attribute as _attr
from qualcode.io.limits import check_repeat, check_text_length
from qualcode.io.text import sha256_of

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T = "{" + TEXT + "}"
_O = "{" + OFFICE + "}"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_SPACES = re.compile(r"[ \t\r\n]+")
_PARAGRAPHS = {_T + "p", _T + "h"}
# Subtrees that are not body text: notes' citations stay, their bodies and tracked deletions go.
_SKIP = {_T + "note-body", _T + "tracked-changes", _O + "forms", _T + "sequence-decls"}


class _Builder:
    def __init__(self, source: str = "") -> None:
        self.source = source
        self.pieces: list[str] = []
        self.length = 0
        self.comments: list[RawComment] = []
        self.ends: dict[str, int] = {}

    def add(self, piece: str) -> None:
        if piece:
            self.pieces.append(piece)
            self.length += len(piece)
            check_text_length(self.length, self.source)

    def chars(self, value: str | None) -> None:
        if value:
            self.add(_SPACES.sub(" ", value))

    def walk(self, element: etree._Element, inside: bool = False) -> None:
        """Character data counts only inside paragraphs (elsewhere it is XML layout)."""
        inside = inside or element.tag in _PARAGRAPHS
        if inside:
            self.chars(element.text)
        for node in element:
            tag = node.tag
            if isinstance(tag, str) and tag not in _SKIP:
                if tag == _O + "annotation":
                    self.annotation(node)
                elif tag == _O + "annotation-end":
                    self.ends.setdefault(_attr(node, "name") or "", self.length)
                elif tag == _T + "s":
                    self.add(" " * self.repeat(node))
                elif tag == _T + "tab":
                    self.add("\t")
                elif tag == _T + "line-break":
                    self.add("\n")
                else:
                    self.walk(node, inside)
                    if tag in _PARAGRAPHS:
                        self.add("\n")
            if inside:
                self.chars(node.tail)

    def repeat(self, node: etree._Element) -> int:
        """``text:c`` of a ``text:s``, checked against the document limit before the spaces exist."""
        value = (_attr(node, "c") or "1").strip()
        try:
            count = int(value) if len(value) < 20 else -1
        except ValueError:
            count = 1  # ODF §19.763: an unreadable count is one space
        check_repeat(count, self.length, self.source, node.sourceline, "<text:s> (a run of spaces)")
        return count

    def annotation(self, node: etree._Element) -> None:
        name = _attr(node, "name")
        paragraphs = [p for p in node.iter() if p.tag in _PARAGRAPHS]
        body = "\n".join(_plain(p, self.source) for p in paragraphs)
        creator = node.find(_DC_CREATOR)
        date = node.find(_DC_DATE)
        key = name or f"#{len(self.comments) + 1}"
        self.comments.append(
            RawComment(
                key=key,
                order=len(self.comments),
                author=(creator.text or "").strip() if creator is not None else "",
                date=parse_date(date.text if date is not None else None),
                text=body,
                start=self.length if name else None,
                reference=self.length,
                parent=_attr(node, "parent-name"),
                line=node.sourceline,
                part="content.xml",
            )
        )


def _plain(p: etree._Element, source: str) -> str:
    builder = _Builder(source)
    builder.walk(p, True)
    return "".join(builder.pieces)


def read_odt_text(path: Path) -> str:
    """Only the body text of an .odt (what ``audit`` searches: names split across spans are whole)."""
    source = str(path)
    with open_package(path, ".odt") as zf:
        root = xml_part(zf, "content.xml", source, "an OpenDocument text")
    body = root.find(f"{_O}body/{_O}text")
    builder = _Builder(source)
    if body is not None:
        builder.walk(body)
    return "".join(builder.pieces).rstrip("\n")


def read_odt(path: Path, *, same_range: str = "codings") -> ImportedDocument:
    """An .odt as a document; its annotations code it as comments in a .docx do
    (``same_range``: see ``qualcode.io.comments.comments_to_codings``)."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    with open_package(path, ".odt") as zf:
        root = xml_part(zf, "content.xml", source, "an OpenDocument text")
    body = root.find(f"{_O}body/{_O}text")
    if body is None:
        raise QualcodeError("content.xml has no office:text body: it is not a text document", source=source)
    builder = _Builder(source)
    builder.walk(body)
    text = "".join(builder.pieces).rstrip("\n")
    if not text.strip():
        raise QualcodeError("the document has no text", source=source)
    names = {c.key for c in builder.comments}
    for name in builder.ends:
        if name not in names:
            raise QualcodeError(
                f"an annotation range ends for {name!r}, but the file has no such annotation",
                source=f"{source} (content.xml)",
            )
    for c in builder.comments:
        if c.start is not None:
            c.end = builder.ends.get(c.key)
            if c.end is None:  # a named annotation with no end marks a point
                c.start = None
        c.start = None if c.start is None else min(c.start, len(text))
        c.end = None if c.end is None else min(c.end, len(text))
        c.reference = None if c.reference is None else min(c.reference, len(text))
    threaded = any(c.parent for c in builder.comments)
    codings, warnings, counts = comments_to_codings(
        text, builder.comments, source=source, threaded=threaded, noun="annotation", same_range=same_range
    )
    return ImportedDocument(
        title=path.stem,
        text=text,
        sha256=sha256_of(data),
        source_name=path.name,
        source_format="odt",
        meta=comment_meta(len(builder.comments), counts),
        codings=tuple(codings),
        warnings=tuple(warnings),
    )
