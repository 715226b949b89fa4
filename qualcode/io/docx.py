"""Word and Google Docs ``.docx``: the body text and the comments that code it.

python-docx reads comment bodies but not the ranges they are anchored to, so this module walks
the WordprocessingML itself (ECMA-376 Part 1, §17.13.4: ``commentRangeStart``,
``commentRangeEnd``, ``commentReference``; threads in ``commentsExtended.xml``, MS-DOCX §2.5).

The text is built in document order: paragraphs (headings, list items, table cells one by one)
end with a newline; ``w:tab`` is a tab, ``w:br``/``w:cr`` a newline; deleted text (tracked
changes) is left out. Comment markers are recorded at the character offset where they stand,
so a range may cross paragraphs, overlap or nest other ranges, or start between paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

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
from qualcode.io.comments import (
    attribute as _attr,
)
from qualcode.io.comments import (
    local_name as _local,
)
from qualcode.io.limits import SafeZip, check_text_length
from qualcode.io.text import sha256_of

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

_W = "{" + W + "}"
# Property and bookkeeping elements whose subtrees hold no document text (w:tabs inside
# w:pPr are tab stops, not tabs); w:del and w:moveFrom hold text a tracked change removed.
_SKIP = {
    _W + name
    for name in (
        "pPr",
        "rPr",
        "sectPr",
        "tblPr",
        "tblGrid",
        "trPr",
        "tcPr",
        "sdtPr",
        "sdtEndPr",
        "del",
        "moveFrom",
        "instrText",
        "delInstrText",
        "footnoteReference",
        "endnoteReference",
    )
}
_SKIP.add("{" + _MC + "}Fallback")  # the same content again, for older readers
_KIND = "a Word document"


class _Part:
    def __init__(self, zf: SafeZip, name: str, source: str):
        self.name = name
        self.root = xml_part(zf, name, source, _KIND)


def _relationships(zf: SafeZip, part: str, source: str) -> dict[str, str]:
    """Relationship type (its last path segment) -> target part name, for one part."""
    folder, _, base = part.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if rels_name not in zf.namelist():
        return {}
    found: dict[str, str] = {}
    for rel in _Part(zf, rels_name, source).root.iter(f"{{{_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(folder, target))
        parts: list[str] = []
        for piece in path.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece and piece != ".":
                parts.append(piece)
        found.setdefault(kind, "/".join(parts))
    return found


class _TextBuilder:
    """The document text in order, and where each comment marker stands in it."""

    def __init__(self, source: str = "") -> None:
        self.source = source
        self.pieces: list[str] = []
        self.length = 0
        self.starts: dict[str, tuple[int, int | None]] = {}
        self.ends: dict[str, tuple[int, int | None]] = {}
        self.references: dict[str, tuple[int, int | None]] = {}

    def add(self, piece: str) -> None:
        if piece:
            self.pieces.append(piece)
            self.length += len(piece)
            check_text_length(self.length, self.source)

    def walk(self, element: etree._Element) -> None:
        for node in _children(element):
            tag = node.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag.startswith(_W):
                name = tag[len(_W) :]
                if name == "t":
                    self.add(node.text or "")
                    continue
                if name == "tab":
                    self.add("\t")
                    continue
                if name in ("br", "cr"):
                    self.add("\n")
                    continue
                if name == "noBreakHyphen":
                    self.add("\u2011")
                    continue
                if name in ("commentRangeStart", "commentRangeEnd", "commentReference"):
                    key = _attr(node, "id") or ""
                    marks = {"commentRangeStart": self.starts, "commentRangeEnd": self.ends}.get(
                        name, self.references
                    )
                    marks.setdefault(key, (self.length, node.sourceline))
                    continue
                self.walk(node)
                if name == "p":
                    self.add("\n")
                continue
            self.walk(node)

    def text(self) -> str:
        return "".join(self.pieces)


def _children(element: etree._Element) -> Iterator[etree._Element]:
    return iter(element)


def _paragraph_text(p: etree._Element) -> str:
    out: list[str] = []
    for node in p.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(_W):
            continue
        name = node.tag[len(_W) :]
        if name == "t":
            out.append(node.text or "")
        elif name == "tab":
            parent = node.getparent()
            if parent is None or parent.tag != _W + "tabs":
                out.append("\t")
        elif name in ("br", "cr"):
            out.append("\n")
    return "".join(out)


def _read_comments(zf: SafeZip, rels: dict[str, str], source: str) -> tuple[list[RawComment], bool]:
    """The comments with their paragraphs' threading, and whether the file records threads."""
    name = rels.get("comments", "word/comments.xml")
    if name not in zf.namelist():
        return [], False
    part = _Part(zf, name, source)
    comments: list[RawComment] = []
    para_owner: dict[str, str] = {}
    last_para: dict[str, str] = {}
    for order, element in enumerate(part.root.iter(_W + "comment")):
        key = _attr(element, "id") or ""
        paragraphs = [p for p in element.iter(_W + "p")]
        for p in paragraphs:
            para_id = _attr(p, "paraId")
            if para_id:
                para_owner[para_id.upper()] = key
                last_para[key] = para_id.upper()
        comments.append(
            RawComment(
                key=key,
                order=order,
                author=(_attr(element, "author") or "").strip(),
                date=parse_date(_attr(element, "date")),
                text="\n".join(_paragraph_text(p) for p in paragraphs),
                line=element.sourceline,
                part=name,
            )
        )
    threaded = False
    extended = rels.get("commentsExtended", "word/commentsExtended.xml")
    if extended in zf.namelist():
        threaded = True
        by_key = {c.key: c for c in comments}
        owner_of_para = {para: key for key, para in last_para.items()}
        for ex in _Part(zf, extended, source).root.iter():
            if _local(ex.tag) != "commentEx":
                continue
            para = (_attr(ex, "paraId") or "").upper()
            parent_para = (_attr(ex, "paraIdParent") or "").upper()
            child = owner_of_para.get(para) or para_owner.get(para)
            parent = para_owner.get(parent_para) if parent_para else None
            if child is not None and parent is not None and child in by_key:
                by_key[child].parent = parent
    _utc_dates(zf, rels, source, comments, last_para)
    return comments, threaded


def _utc_dates(
    zf: SafeZip,
    rels: dict[str, str],
    source: str,
    comments: list[RawComment],
    last_para: dict[str, str],
) -> None:
    """Word 2019+ writes ``w:date`` in local time marked as UTC; the true UTC time is in
    commentsExtensible.xml (``w16cex:dateUtc``), keyed by the durable id of commentsIds.xml."""
    ids_part = rels.get("commentsIds", "word/commentsIds.xml")
    ext_part = rels.get("commentsExtensible", "word/commentsExtensible.xml")
    names = set(zf.namelist())
    if ids_part not in names or ext_part not in names:
        return
    durable = {
        (_attr(e, "paraId") or "").upper(): _attr(e, "durableId") or ""
        for e in _Part(zf, ids_part, source).root.iter()
        if _local(e.tag) == "commentId"
    }
    utc = {
        _attr(e, "durableId") or "": parse_date(_attr(e, "dateUtc"))
        for e in _Part(zf, ext_part, source).root.iter()
        if _local(e.tag) == "commentExtensible"
    }
    for c in comments:
        at = utc.get(durable.get(last_para.get(c.key, ""), ""))
        if at is not None:
            c.date = at


def read_docx_text(path: Path) -> str:
    """Only the body text of a .docx (what ``audit`` searches in exported Word files)."""
    source = str(path)
    zf = _open(path)
    with zf:
        main = _main_part(zf, source)
        builder = _TextBuilder(source)
        body = _Part(zf, main, source).root.find(_W + "body")
        if body is not None:
            builder.walk(body)
    return builder.text().rstrip("\n")


def _open(path: Path) -> SafeZip:
    return open_package(path, ".docx")


def _main_part(zf: SafeZip, source: str) -> str:
    main = _relationships(zf, "", source).get("officeDocument", "word/document.xml")
    return main if main in zf.namelist() else "word/document.xml"


# Parts besides the body where Word can anchor a comment: qualcode imports the body's text only.
_OTHER_STORIES = re.compile(r"^word/(footnotes|endnotes|header\d*|footer\d*)\.xml$")


def _anchored_outside_the_body(zf: SafeZip, main: str) -> dict[str, str]:
    """Comment ids anchored in footnotes, endnotes, headers or footers, with the part's name."""
    found: dict[str, str] = {}
    for name in zf.namelist():
        if name == main or not _OTHER_STORIES.match(name):
            continue
        try:
            root = xml_part(zf, name, name, _KIND)
        except QualcodeError:
            continue  # a damaged part outside the body holds nothing qualcode imports
        for tag in ("commentRangeStart", "commentRangeEnd", "commentReference"):
            for mark in root.iter(_W + tag):
                key = mark.get(_W + "id")
                if key is not None:
                    found.setdefault(key, name)
    return found


def _outside_the_body(
    comments: list[RawComment], elsewhere: dict[str, str]
) -> tuple[list[RawComment], list[str]]:
    """Leave out comments anchored only outside the body (and their replies), with a warning."""
    left_out = {
        c.key
        for c in comments
        if c.key in elsewhere and c.start is None and c.end is None and c.reference is None
    }
    changed = True
    while changed:  # replies to a left-out comment go with it
        changed = False
        for c in comments:
            if c.parent in left_out and c.key not in left_out:
                left_out.add(c.key)
                changed = True
    warnings = [
        f"comment {c.key} is anchored in {elsewhere[c.key]}, not in the body text; skipped"
        for c in comments
        if c.key in left_out and c.key in elsewhere
    ]
    return [c for c in comments if c.key not in left_out], warnings


def read_docx(path: Path, *, same_range: str = "codings") -> ImportedDocument:
    """A .docx as a document with one coding per code named in each comment.

    Replies in Word threads (commentsExtended.xml) become memos on the coding they answer; in
    a file without threads, a comment on the same words as another is a coding, or a memo with
    ``same_range="replies"`` (see ``qualcode.io.comments.comments_to_codings``). Empty
    comments are skipped with a warning; a comment whose anchored range is missing or broken
    is refused.
    """
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    zf = _open(path)
    with zf:
        main = _main_part(zf, source)
        document = _Part(zf, main, source)
        body = document.root.find(_W + "body")
        if body is None:
            raise QualcodeError(f"{main} has no body: it is not a Word document", source=source)
        builder = _TextBuilder(source)
        builder.walk(body)
        comments, threaded = _read_comments(zf, _relationships(zf, main, source), source)
        elsewhere = _anchored_outside_the_body(zf, main)

    text = builder.text().rstrip("\n")
    if not text.strip():
        raise QualcodeError("the document has no text", source=source)
    known = {c.key for c in comments}
    for marks in (builder.starts, builder.ends, builder.references):
        for key, (_, line) in marks.items():
            if key not in known:
                raise QualcodeError(
                    f"the document marks a range for comment {key}, but the file has no such comment",
                    source=f"{source} ({main})",
                    line=line,
                )
    limit = len(text)
    for c in comments:
        if c.key in builder.starts:
            c.start = min(builder.starts[c.key][0], limit)
        if c.key in builder.ends:
            c.end = min(builder.ends[c.key][0], limit)
        if c.key in builder.references:
            c.reference = min(builder.references[c.key][0], limit)
    comments, skipped = _outside_the_body(comments, elsewhere)
    codings, warnings, counts = comments_to_codings(
        text, comments, source=source, threaded=threaded, same_range=same_range
    )
    warnings = skipped + warnings
    return ImportedDocument(
        title=path.stem,
        text=text,
        sha256=sha256_of(data),
        source_name=path.name,
        source_format="docx",
        meta=comment_meta(len(comments), counts),
        codings=tuple(codings),
        warnings=tuple(warnings),
    )
