"""PDF documents (reports, policy papers, typed-up interviews) as text with their page numbers.

pypdf reads the text layer page by page. Lines of a page are joined into paragraphs (a line
that does not end a sentence continues on the next), pages are separated by a blank line, and
``meta["pages"]`` keeps each page's [start, end) offsets so an excerpt can be cited by page. A
PDF with no text layer (a scan) is refused: it needs OCR first.
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.text import sha256_of

PDF_SUFFIXES = (".pdf",)
_ENDS = re.compile(r"[.!?…:;»\"”)]\s*$")
# A page with fewer letters than this is taken to have no text layer (page numbers, stray marks).
_MIN_LETTERS = 3


def _paragraphs(page_text: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for raw in page_text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if _ENDS.search(line):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def read_pdf(path: Path) -> ImportedDocument:
    """The PDF's text, page by page; raises ``QualcodeError`` for an encrypted, damaged or scanned
    (no text layer) file."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        import io

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise QualcodeError(
                "the PDF is password-protected; save an unprotected copy first", source=source
            )
        texts = [page.extract_text() or "" for page in reader.pages]
    except QualcodeError:
        raise
    except LimitReachedError as exc:  # a stream that inflates past pypdf's bound (75 MB)
        raise QualcodeError(
            "a part of the PDF inflates past what a document may hold (a damaged or hostile file?)",
            source=source,
        ) from exc
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        OSError,
        RecursionError,
    ) as exc:
        # pypdf meets damaged files with many kinds of error; each is this file's fault, not ours.
        raise QualcodeError(f"cannot read the PDF ({type(exc).__name__})", source=source) from exc
    if not texts:
        raise QualcodeError("the PDF has no pages", source=source)
    if sum(sum(ch.isalpha() for ch in t) for t in texts) < _MIN_LETTERS:
        raise QualcodeError(
            "the PDF has no text layer (a scanned document?): it needs OCR first, for example "
            "ocrmypdf in.pdf out.pdf, then import out.pdf",
            source=source,
        )
    pieces: list[str] = []
    pages: list[dict[str, int]] = []
    at = 0
    for number, text in enumerate(texts, 1):
        body = "\n".join(_paragraphs(text))
        if not body:
            continue
        if pieces:
            pieces.append("\n\n")
            at += 2
        pages.append({"page": number, "start": at, "end": at + len(body)})
        pieces.append(body)
        at += len(body)
    return ImportedDocument(
        title=path.stem,
        text="".join(pieces),
        sha256=sha256_of(data),
        source_name=path.name,
        source_format="pdf",
        meta={"pages": pages, "page_count": len(texts)},
    )


def page_of(meta: dict[str, object], offset: int) -> int | None:
    """The page number an offset of a PDF document's text is on (None if not a PDF's)."""
    pages = meta.get("pages")
    for page in pages if isinstance(pages, list) else []:
        if page["start"] <= offset < page["end"] + 2:
            return int(page["page"])
    return None
