"""Plain text and Markdown notes: bytes to exact text, with the encoding found or refused."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _binary_line(data: bytes) -> int | None:
    """The 1-based line of the first NUL byte, if any: text files have none."""
    at = data.find(b"\x00")
    return None if at == -1 else data.count(b"\n", 0, at) + 1


def decode_text(data: bytes, *, source: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode notes exactly; returns (text, encoding). CRLF and CR become LF.

    With no ``encoding`` given: a BOM decides (UTF-8, UTF-16); otherwise UTF-8 is required,
    and anything else is refused with a message naming ``--encoding``.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise QualcodeError(f"unknown encoding {encoding!r}", source=source) from exc
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise QualcodeError(f"not valid {encoding}", source=source, line=line) from exc
        used = encoding
    elif data.startswith(codecs.BOM_UTF8):
        text, used = _strict(data[3:], "utf-8", source), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, used = _strict(data, "utf-16", source), "utf-16"
    else:
        nul_line = _binary_line(data)
        if nul_line is not None:
            raise QualcodeError("this looks like a binary file, not text", source=source, line=nul_line)
        text, used = _strict(data, "utf-8", source), "utf-8"
    if "\x00" in text:
        raise QualcodeError("this looks like a binary file, not text", source=source)
    return text.replace("\r\n", "\n").replace("\r", "\n"), used


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise QualcodeError(
            f"not {encoding} text; if it was saved in a legacy encoding, give it with "
            "--encoding (for example --encoding cp1251 or --encoding koi8-r)",
            source=source,
            line=line,
        ) from exc


def read_text_document(path: Path, *, encoding: str | None = None) -> ImportedDocument:
    """A .txt/.md file as a document titled by its file name (without the suffix)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    text, used = decode_text(data, source=str(path), encoding=encoding)
    if not text.strip():
        raise QualcodeError("the file has no text", source=str(path))
    fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
    return ImportedDocument(
        title=path.stem,
        text=text,
        sha256=sha256_of(data),
        source_name=path.name,
        source_format=fmt,
        meta={"encoding": used},
    )
