"""Manuscripts in (.docx, .md, .txt) as paragraphs, and an annotated .docx copy out.

A .docx is read from its WordprocessingML: body paragraphs in order (tables' too), footnote
references (``w:footnoteReference``, ECMA-376 Part 1 §17.11.13) written inline as ``[^ID]``
with the texts of ``word/footnotes.xml``, and comments (§17.13.4) as anchors naming codes,
the same "comments are codes" convention as import. A .md or .txt is split into paragraphs at
blank lines; footnotes are Markdown's (``[^1]`` … ``[^1]: Experts (A,B)``) or the thesis's
superscript digits (``six Experts¹`` … ``¹ Experts (A,B,C,D,E,F)``); ``[code: NAME]`` anchors
the claim just before it.

Paragraphs are numbered from 1 over non-empty body paragraphs (headings included, footnote
definitions not), so that "¶12" is the twelfth paragraph a reader counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.domain.errors import QualcodeError
from qualcode.domain.manuscript import CODE_MARKER, SUPERSCRIPT_DIGITS, Anchor, Paragraph
from qualcode.io.comments import code_names, open_package, xml_part
from qualcode.io.docx import _main_part, _relationships
from qualcode.io.output import replacing

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W + "}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_KIND = "a Word document"
_RECURSE = {"hyperlink", "ins", "smartTag", "sdt", "sdtContent", "fldSimple", "moveTo", "customXml"}
SUFFIXES = (".docx", ".md", ".txt")
ANNOTATION_AUTHOR = "qualcode"  # the author of the comments an annotated copy adds


@dataclass(frozen=True)
class Manuscript:
    source: str
    kind: str  # "docx", "md" or "txt"
    paragraphs: tuple[Paragraph, ...]


@dataclass
class _DocxParagraph:
    element: Any
    text: str
    runs: list[tuple[Any, int, int]]  # (w:r element, start, end) in ``text``
    starts: dict[str, int]
    ends: dict[str, int]
    references: dict[str, int]


def _walk(node: Any, out: _DocxParagraph, pieces: list[str]) -> None:
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(_W):
            continue
        name = tag[len(_W) :]
        key = child.get(_W + "id") or ""
        if name == "r":
            start = sum(len(p) for p in pieces)
            for sub in child:
                sub_name = sub.tag[len(_W) :] if isinstance(sub.tag, str) and sub.tag.startswith(_W) else ""
                if sub_name == "t":
                    pieces.append(sub.text or "")
                elif sub_name == "tab":
                    pieces.append("\t")
                elif sub_name in ("br", "cr"):
                    pieces.append(" ")
                elif sub_name == "noBreakHyphen":
                    pieces.append("\u2011")
                elif sub_name == "footnoteReference":
                    pieces.append(f"[^{sub.get(_W + 'id') or ''}]")
                elif sub_name == "endnoteReference":
                    pieces.append(f"[^e{sub.get(_W + 'id') or ''}]")
                elif sub_name == "commentReference":
                    out.references.setdefault(sub.get(_W + "id") or "", sum(len(p) for p in pieces))
            out.runs.append((child, start, sum(len(p) for p in pieces)))
        elif name == "commentRangeStart":
            out.starts.setdefault(key, sum(len(p) for p in pieces))
        elif name == "commentRangeEnd":
            out.ends.setdefault(key, sum(len(p) for p in pieces))
        elif name in _RECURSE:
            _walk(child, out, pieces)


def docx_paragraphs(body: Any) -> Iterator[_DocxParagraph]:
    """Body paragraphs in document order (tables included, compatibility fallbacks not)."""
    for p in body.iter(_W + "p"):
        if any(a.tag == _MC_FALLBACK for a in p.iterancestors()):
            continue
        para = _DocxParagraph(p, "", [], {}, {}, {})
        pieces: list[str] = []
        _walk(p, para, pieces)
        para.text = "".join(pieces)
        yield para


def _part_text(element: Any) -> str:
    return " ".join("".join(t.text or "" for t in p.iter(_W + "t")) for p in element.iter(_W + "p")).strip()


def _read_docx(path: Path) -> Manuscript:
    source = str(path)
    zf = open_package(path, ".docx")
    with zf:
        main = _main_part(zf, source)
        root = xml_part(zf, main, source, _KIND)
        rels = _relationships(zf, main, source)
        notes: dict[str, str] = {}
        for kind, prefix in (("footnotes", ""), ("endnotes", "e")):
            name = rels.get(kind)
            if name and name in zf.namelist():
                for note in xml_part(zf, name, source, _KIND).iter(_W + f"{kind[:-1]}"):
                    if note.get(_W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                        continue
                    notes[prefix + (note.get(_W + "id") or "")] = _part_text(note)
        comments: dict[str, str] = {}
        name = rels.get("comments")
        if name and name in zf.namelist():
            for c in xml_part(zf, name, source, _KIND).iter(_W + "comment"):
                if c.get(_W + "author") == ANNOTATION_AUTHOR:
                    continue  # a finding written by an earlier check, not a code
                comments[c.get(_W + "id") or ""] = "\n".join(
                    "".join(t.text or "" for t in p.iter(_W + "t")) for p in c.iter(_W + "p")
                )
    body = root.find(_W + "body")
    if body is None:
        raise QualcodeError(f"{main} has no body: it is not a Word document", source=source)
    paragraphs: list[Paragraph] = []
    for para in docx_paragraphs(body):
        if not para.text.strip():
            continue
        anchors = []
        for key in sorted(set(para.starts) | set(para.ends) | set(para.references), key=str):
            body = comments.get(key, "").strip()
            explicit = body[:5].casefold() == "code:"
            names = code_names(body[5:] if explicit else body)
            if not names:
                continue
            start = para.starts.get(key, para.references.get(key, 0))
            end = para.ends.get(key, para.references.get(key, len(para.text)))
            anchors.append(Anchor(names, min(start, end), max(start, end), explicit))
        paragraphs.append(Paragraph(len(paragraphs) + 1, para.text, notes, tuple(anchors)))
    return Manuscript(source, "docx", tuple(paragraphs))


_MD_NOTE = re.compile(r"^\[\^([^\]\s]+)\]:\s*", re.MULTILINE)
_SUPER_NOTE = re.compile(rf"^([{SUPERSCRIPT_DIGITS}]+)\s*", re.MULTILINE)
_SUPER = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")


def _read_text(path: Path, kind: str) -> Manuscript:
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise QualcodeError("no such file", source=source) from exc
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QualcodeError("not UTF-8 text; save the manuscript as UTF-8", source=source, line=line) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip("\n") for b in re.split(r"\n[ \t]*\n", text)]
    notes: dict[str, str] = {}
    body: list[str] = []
    for block in blocks:
        if not block.strip():
            continue
        pattern = _MD_NOTE if _MD_NOTE.match(block) else _SUPER_NOTE if _SUPER_NOTE.match(block) else None
        if pattern is None:
            body.append(block)
            continue
        marks = list(pattern.finditer(block))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(block)
            key = m.group(1).translate(_SUPER)
            notes[key] = " ".join(block[m.end() : end].split())
    paragraphs = []
    for number, block in enumerate(body, start=1):
        anchors = tuple(
            Anchor(code_names(m.group(1)), m.start(), m.end()) for m in CODE_MARKER.finditer(block)
        )
        paragraphs.append(Paragraph(number, block, notes, anchors))
    return Manuscript(source, kind, tuple(paragraphs))


def read_manuscript(path: Path) -> Manuscript:
    """A manuscript's body paragraphs with footnotes and code anchors (.docx, .md, .txt).

    Raises QualcodeError (exit 2, naming the file and the line or XML part) for a missing,
    damaged or undecodable file or another suffix."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path)
    if suffix in (".md", ".txt"):
        return _read_text(path, suffix[1:])
    raise QualcodeError(
        f"a manuscript is read from {', '.join(SUFFIXES)}; not {suffix or '(no suffix)'}", source=str(path)
    )


@dataclass(frozen=True)
class Note:
    """One comment to add: on paragraph ``paragraph`` (numbered as read), over ``[start, end)``."""

    paragraph: int
    start: int
    end: int
    text: str


def write_annotated_docx(
    source: Path, out: Path, notes: Sequence[Note], *, author: str = ANNOTATION_AUTHOR
) -> int:
    """A copy of the .docx ``source`` at ``out`` with one Word comment per note, anchored to the
    runs that hold ``[start, end)`` (the whole paragraph when no run does). Returns the number
    of comments written."""
    import docx  # python-docx ≥ 1.2 writes comments
    from docx.text.paragraph import Paragraph as DocxParagraph
    from docx.text.run import Run

    document = docx.Document(str(source))
    numbered: dict[int, _DocxParagraph] = {}
    for para in docx_paragraphs(document.element.body):
        if para.text.strip():
            numbered[len(numbered) + 1] = para
    written = 0
    for note in notes:
        target = numbered.get(note.paragraph)
        if target is None:
            continue
        owner = DocxParagraph(target.element, document._body)
        hit = [r for r, a, b in target.runs if a < max(note.end, note.start + 1) and note.start < b and b > a]
        runs = [Run(r, owner) for r in hit] or list(owner.runs)
        if not runs:
            runs = [owner.add_run("")]
        document.add_comment(runs, text=note.text, author=author, initials="QC")
        written += 1
    with replacing(out) as tmp:  # owner-only, and never half-written
        document.save(str(tmp))
    return written
