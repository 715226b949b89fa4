"""One entry point for every document format: ``read_document(path, ...)`` by suffix.

Plain text and transcripts are decoded by ``qualcode.io.text.decode_text`` (BOM, UTF-8, then
the legacy code pages, refused naming the candidates when more than one reads plausibly).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qualcode.domain.characters import FORBIDDEN, clean_name, replace_forbidden, xml_safe
from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.limits import check_file_size, check_text_length
from qualcode.io.pseudonyms import PseudonymKey, pseudonymise
from qualcode.io.text import TEXT_SUFFIXES, read_text_document
from qualcode.io.transcripts import TRANSCRIPT_SUFFIXES, read_transcript

# PDF, HTML and RTF readers import their libraries only when such a file is read.
SOURCE_SUFFIXES = (".pdf", ".html", ".htm", ".rtf")
DOCUMENT_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".odt", *TRANSCRIPT_SUFFIXES, *SOURCE_SUFFIXES)


def read_document(
    path: Path,
    *,
    encoding: str | None = None,
    pseudonyms: PseudonymKey | None = None,
    speakers: dict[str, str] | None = None,
    speakers_source: str = "",
    same_range: str = "codings",
) -> ImportedDocument:
    """The file as a document (with its codings from comments), names replaced if a key is given.

    ``same_range`` decides what a comment on the same words as another becomes in a .docx/.odt
    without thread information ("codings" or "replies").
    """
    source = str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise QualcodeError("no such file", source=source)
    check_file_size(path)
    if suffix in TEXT_SUFFIXES:
        doc = read_text_document(path, encoding=encoding)
    elif suffix in TRANSCRIPT_SUFFIXES:
        doc = read_transcript(path, encoding=encoding, speakers=speakers, speakers_source=speakers_source)
    elif suffix == ".docx":
        from qualcode.io.docx import read_docx

        doc = read_docx(path, same_range=same_range)
    elif suffix == ".odt":
        from qualcode.io.odt import read_odt

        doc = read_odt(path, same_range=same_range)
    elif suffix == ".pdf":
        from qualcode.io.pdf import read_pdf

        doc = read_pdf(path)
    elif suffix in (".html", ".htm"):
        from qualcode.io.html import read_html

        doc = read_html(path)
    elif suffix == ".rtf":
        from qualcode.io.rtf import read_rtf

        doc = read_rtf(path)
    else:
        raise QualcodeError(
            f"unsupported file type {suffix or '(none)'}; qualcode reads " + ", ".join(DOCUMENT_SUFFIXES),
            source=source,
        )
    check_text_length(len(doc.text), source)
    doc = without_forbidden_characters(doc)
    return pseudonymise(doc, pseudonyms) if pseudonyms is not None else doc


def without_forbidden_characters(doc: ImportedDocument) -> ImportedDocument:
    """The document with characters XML cannot hold replaced one for one in its text (so the
    codings' offsets stay right), in its title, code names and memos; a warning says how many.

    A form feed (a PDF-to-text page break) or a vertical tab (Word's manual line break) would
    otherwise make every .xlsx, .docx and .qdpx export of the study fail.
    """
    text, replaced = replace_forbidden(doc.text)
    names = [c for coding in doc.codings for c in (*coding.codes, *(m.text for m in coding.memos))]
    if (
        not replaced.count
        and FORBIDDEN.search(doc.title) is None
        and not any(FORBIDDEN.search(n) for n in names)
    ):
        return doc
    codings = tuple(
        replace(
            coding,
            codes=tuple(clean_name(c) for c in coding.codes),
            memos=tuple(replace(m, text=xml_safe(m.text)) for m in coding.memos),
        )
        for coding in doc.codings
    )
    warnings = doc.warnings
    in_names = sum(len(FORBIDDEN.findall(n)) for n in names)
    if replaced.count:
        warnings += (replaced.message(),)
    if in_names:
        warnings += (f"replaced {in_names} character(s) that XML cannot hold in code names or comments",)
    return replace(doc, text=text, title=clean_name(doc.title), codings=codings, warnings=warnings)
