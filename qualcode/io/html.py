"""HTML pages (saved web pages, exported notes) as paragraphs of text.

lxml parses the page as browsers do; scripts, styles and other non-text parts are dropped;
each heading, paragraph, list item, table row and line break starts a new paragraph; spaces
inside a paragraph (no-break spaces too) collapse to one space, as a browser shows them, so a
quote typed from the page finds its text.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.text import sha256_of

HTML_SUFFIXES = (".html", ".htm")
_DROP = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas")
_BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li tr blockquote pre section article header footer aside nav "
    "dt dd figcaption caption address main ul ol table hr form fieldset details summary".split()
)


def html_paragraphs(data: bytes, *, source: str) -> tuple[str | None, list[str]]:
    """The page title and its paragraphs of text."""
    import lxml.html
    from lxml import etree

    head = data[:4096].lower()
    try:
        if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"charset" in head:
            root = lxml.html.document_fromstring(data)  # a BOM or a declared charset: lxml honours it
        else:
            # No charset declared (scripts, "save as", survey tools): UTF-8 when the bytes are
            # UTF-8, else the one legacy code page that reads it plausibly, else exit 2 — as .txt.
            from qualcode.io.text import decode_text

            text, _ = decode_text(data, source=source)
            root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise QualcodeError(f"cannot read the HTML ({exc})", source=source) from exc
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else None
    for el in [*root.iter(*_DROP), *root.iter(etree.Comment)]:  # a list: dropping while iterating skips
        el.drop_tree()
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            out.append(text)
        current.clear()

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCKS
        if tag == "br":
            flush()
        elif block:
            flush()
        if el.text and tag != "br":
            current.append(el.text)
        for child in el:
            walk(child)
            if isinstance(child.tag, str) and child.tag in ("td", "th"):
                current.append(" ")  # table cells side by side stay separate words
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return title, out


def read_html(path: Path) -> ImportedDocument:
    """An HTML file as a document titled by its file name; refuses a page with no text."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    page_title, paragraphs = html_paragraphs(data, source=source)
    if not paragraphs:
        raise QualcodeError("the page has no text", source=source)
    return ImportedDocument(
        title=path.stem,
        text="\n".join(paragraphs),
        sha256=sha256_of(data),
        source_name=path.name,
        source_format="html",
        meta={"page_title": page_title} if page_title else {},
    )
