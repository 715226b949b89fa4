"""One entry point for every document format: ``read_document(path, ...)`` by suffix.

Plain text needs to know its encoding: UTF-8 (with or without a BOM) and UTF-16 with a BOM are
read as they are; other bytes are tried as the legacy Cyrillic code pages (cp1251, KOI8-R) with
charset-normalizer, and accepted only when it is confident; otherwise the file is refused with a
message naming ``--encoding``.
"""

from __future__ import annotations

import codecs
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
LEGACY_ENCODINGS = ("cp1251", "koi8_r")
# charset-normalizer's measures (0..1): "chaos" is how garbled the decoded text looks, "coherence"
# how well its letter frequencies fit a language. These bounds refuse short or mixed samples.
_MAX_CHAOS = 0.1
_MIN_COHERENCE = 0.2


def sniff_encoding(data: bytes, *, source: str) -> str | None:
    """None when the bytes are UTF-8 or carry a BOM; else a confidently detected legacy code page."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
    if b"\x00" in data:
        return None  # decode_text names it a binary file
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is not None and best.chaos <= _MAX_CHAOS and best.coherence >= _MIN_COHERENCE:
        return str(best.encoding)
    raise QualcodeError(
        "not UTF-8 text, and its encoding cannot be told with confidence; give it with --encoding "
        "(for example --encoding cp1251 or --encoding koi8-r)",
        source=source,
        line=bad_line,
    )


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
    if suffix in (*TEXT_SUFFIXES, *TRANSCRIPT_SUFFIXES) and encoding is None:
        try:
            encoding = sniff_encoding(path.read_bytes(), source=source)
        except OSError as exc:
            raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
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
