"""Real test files: .docx (python-docx's package plus raw WordprocessingML), .odt, .vtt, .srt.

``build_docx`` writes the body from a small markup so that tests can put comment markers
anywhere python-docx cannot: inside runs, across paragraphs, between paragraphs, in table cells.

    body = ["Plain {s:1}coded{e:1} text", "@{s:2}", "a para|graph{e:2}", [["cell {s:3}A{e:3}", "B"]]]

- a string is a paragraph; ``|`` splits it into separate runs (Word does that all the time);
  ``\\t`` is a tab; ``{s:N}``/``{e:N}`` start/end comment N's range; ``{r:N}`` is a reference only;
- a string starting with ``@`` is markers between paragraphs (body level);
- a list of lists is a table, one paragraph per cell.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_DECL = (
    f'xmlns:w="{W_NS}" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_MARK = re.compile(r"\{([ser]):([^}]+)\}")


@dataclass
class Comment:
    id: str
    text: str  # new lines: separate paragraphs in the comment
    author: str = "Aigerim"
    date: str = "2024-04-12T10:15:00Z"
    parent: str | None = None  # id of the comment this one answers (commentsExtended.xml)
    done: bool = False


@dataclass
class Docx:
    body: list[str | list[list[str]]]
    comments: list[Comment] = field(default_factory=list)
    threads: bool = True  # write commentsExtended.xml (Word); False: as Google Docs exports


def _runs(text: str) -> str:
    out = []
    for piece in re.split(r"(\{[ser]:[^}]+\})", text):
        if not piece:
            continue
        m = _MARK.fullmatch(piece)
        if m:
            kind, key = m.groups()
            if kind == "s":
                out.append(f'<w:commentRangeStart w:id="{key}"/>')
            elif kind == "e":
                out.append(f'<w:commentRangeEnd w:id="{key}"/><w:r><w:commentReference w:id="{key}"/></w:r>')
            else:
                out.append(f'<w:r><w:commentReference w:id="{key}"/></w:r>')
            continue
        for run in piece.split("|"):
            if not run:
                continue
            parts = run.split("\t")
            inner = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
            out.append(f'<w:r><w:rPr><w:lang w:val="ru-RU"/></w:rPr>{inner}</w:r>')
    return "".join(out)


def _paragraph(text: str) -> str:
    return f'<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>{_runs(text)}</w:p>'


def document_xml(body: list[str | list[list[str]]]) -> str:
    parts = []
    for item in body:
        if isinstance(item, list):
            rows = "".join(
                "<w:tr>" + "".join(f"<w:tc><w:tcPr/>{_paragraph(cell)}</w:tc>" for cell in row) + "</w:tr>"
                for row in item
            )
            parts.append(f"<w:tbl><w:tblPr/><w:tblGrid/>{rows}</w:tbl>")
        elif item.startswith("@"):
            parts.append(_runs(item[1:]).replace("<w:r>", "").replace("</w:r>", ""))
        else:
            parts.append(_paragraph(item))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NS_DECL}><w:body>'
        + "".join(parts)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )


def para_id(comment_id: str, n: int) -> str:
    return f"{(zlib.crc32(comment_id.encode()) % 0x1000000) * 16 + n + 1:08X}"


def comments_xml(comments: list[Comment]) -> str:
    items = []
    for c in comments:
        paragraphs = "".join(
            f'<w:p w14:paraId="{para_id(c.id, i)}"><w:r><w:annotationRef/></w:r>'
            f'<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
            for i, line in enumerate(c.text.split("\n"))
        )
        items.append(
            f'<w:comment w:id="{c.id}" w:author={quoteattr(c.author)} w:date="{c.date}" w:initials="A">'
            f"{paragraphs}</w:comment>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments {NS_DECL}>'
        + "".join(items)
        + "</w:comments>"
    )


def comments_extended_xml(comments: list[Comment]) -> str:
    last = {c.id: para_id(c.id, len(c.text.split("\n")) - 1) for c in comments}
    items = []
    for c in comments:
        parent = f' w15:paraIdParent="{last[c.parent]}"' if c.parent else ""
        items.append(f'<w15:commentEx w15:paraId="{last[c.id]}"{parent} w15:done="{int(c.done)}"/>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w15:commentsEx {NS_DECL}>'
        + "".join(items)
        + "</w15:commentsEx>"
    )


def build_docx(path: Path, spec: Docx) -> Path:
    """A .docx whose package python-docx made and whose body and comments the spec gives."""
    base = io.BytesIO()
    docx.Document().save(base)
    base.seek(0)
    with zipfile.ZipFile(base) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members["word/document.xml"] = document_xml(spec.body).encode("utf-8")
    rels = members["word/_rels/document.xml.rels"].decode("utf-8")
    types = members["[Content_Types].xml"].decode("utf-8")
    if spec.comments:
        members["word/comments.xml"] = comments_xml(spec.comments).encode("utf-8")
        rels = rels.replace(
            "</Relationships>",
            '<Relationship Id="rIdC1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/comments" Target="comments.xml"/></Relationships>',
        )
        types = types.replace(
            "</Types>",
            '<Override PartName="/word/comments.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>',
        )
        if spec.threads:
            members["word/commentsExtended.xml"] = comments_extended_xml(spec.comments).encode("utf-8")
            rels = rels.replace(
                "</Relationships>",
                '<Relationship Id="rIdC2" Type="http://schemas.microsoft.com/office/2011/relationships/'
                'commentsExtended" Target="commentsExtended.xml"/></Relationships>',
            )
            types = types.replace(
                "</Types>",
                '<Override PartName="/word/commentsExtended.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"/></Types>',
            )
    members["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    members["[Content_Types].xml"] = types.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"'
)


def build_odt(path: Path, body_xml: str) -> Path:
    """An .odt with the given office:text content (a real ODF package: mimetype first, stored)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODT_NS} office:version="1.3">'
        f"<office:body><office:text>{body_xml}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        out.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        out.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def annotation(
    name: str,
    text: str,
    author: str = "Aigerim",
    date: str = "2024-04-12T10:15:00",
    parent: str | None = None,
) -> str:
    parent_attr = f' loext:parent-name="{parent}"' if parent else ""
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in text.split("\n"))
    return (
        f'<office:annotation office:name="{name}"{parent_attr}><dc:creator>{escape(author)}</dc:creator>'
        f"<dc:date>{date}</dc:date>{paragraphs}</office:annotation>"
    )
