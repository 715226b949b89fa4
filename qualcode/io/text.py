"""Plain text and Markdown notes: bytes to exact text, with the encoding found or refused.

Every command that reads text or a table decodes it here (``decode_text``): a BOM decides
(UTF-8, UTF-16), then UTF-8; other bytes are tried in the legacy code pages researchers meet
(``LEGACY_ENCODINGS``) with charset-normalizer, which scores each decoding for how garbled it
looks (chaos) and how well its letters fit a language (coherence). Code pages that give the
same text are one reading; the best reading is taken only when no other differs and comes
close, else the file is refused naming the candidates, so that ``--encoding`` settles it.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
# Preferred first: when several code pages give the same text, the first is the one reported.
LEGACY_ENCODINGS = (
    "cp1252",
    "cp1251",
    "kz1048",
    "koi8_r",
    "koi8_u",
    "mac_cyrillic",
    "cp1250",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    *(f"iso8859_{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
)
# charset-normalizer's measures (0..1). A reading more garbled than _MAX_CHAOS is not plausible;
# two readings whose (coherence - chaos) lie within _CLOSE are both plausible: refused.
_MAX_CHAOS = 0.1
_CLOSE = 0.03


def check_encoding_name(encoding: str, *, source: str = "--encoding") -> str:
    """The Python codec name for ``encoding`` ("KZ-1048" -> "kz1048"); unknown -> QualcodeError."""
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise QualcodeError(
            f"unknown encoding {encoding!r} (for example cp1251, cp1252, koi8-r, kz1048, iso-8859-7)",
            source=source,
        ) from exc


def detect_legacy_encoding(data: bytes, *, source: str, line: int | None = None) -> str:
    """The legacy code page ``data`` is in, or QualcodeError naming the plausible candidates.

    ``data`` is known not to be UTF-8. Readings are compared by charset-normalizer's
    coherence minus chaos; code pages that decode to the same text count as one reading.
    """
    from charset_normalizer import from_bytes

    readings: dict[str, tuple[float, list[str]]] = {}
    for match in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)):
        if match.chaos > _MAX_CHAOS:
            continue
        text = str(match)
        score, names = readings.get(text, (-1.0, []))
        found = [codecs.lookup(e).name for e in (match.encoding, *match.could_be_from_charset)]
        readings[text] = (max(score, match.coherence - match.chaos), names + found)
    if not readings:
        raise QualcodeError(
            "not UTF-8 text, and no legacy code page reads it plausibly; give its encoding with "
            "--encoding (for example --encoding cp1251)",
            source=source,
            line=line,
        )
    rank = {codecs.lookup(e).name: i for i, e in enumerate(LEGACY_ENCODINGS)}

    def preferred(names: list[str]) -> list[str]:
        return sorted(set(names) & set(rank), key=lambda n: rank[n])

    ordered = sorted(readings.values(), key=lambda r: -r[0])
    best_score = ordered[0][0]
    close = [preferred(names)[0] for score, names in ordered if best_score - score <= _CLOSE]
    if len(close) > 1:
        named = ", ".join(close[:6]) + (f" and {len(close) - 6} more" if len(close) > 6 else "")
        raise QualcodeError(
            f"not UTF-8 text, and it reads plausibly in more than one encoding: {named}; "
            "give the right one with --encoding",
            source=source,
            line=line,
        )
    return preferred(ordered[0][1])[0]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _binary_line(data: bytes) -> int | None:
    """The 1-based line of the first NUL byte, if any: text files have none."""
    at = data.find(b"\x00")
    return None if at == -1 else data.count(b"\n", 0, at) + 1


def decode_text(data: bytes, *, source: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode notes exactly; returns (text, encoding). CRLF and CR become LF.

    With no ``encoding`` given: a BOM decides (UTF-8, UTF-16); then UTF-8; then one legacy code
    page if exactly one reads the bytes plausibly (``detect_legacy_encoding``); otherwise the
    file is refused naming the candidates and ``--encoding``. A given ``encoding`` is used as
    it is (an unknown name is refused).
    """
    if encoding:
        encoding = check_encoding_name(encoding)
        if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
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
        try:
            text, used = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            used = detect_legacy_encoding(data, source=source, line=line)
            text = data.decode(used)
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
