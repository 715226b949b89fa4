"""Bounded resources for files from outside: zip archives, XML parts and document text.

A .docx, .odt, .xlsx or .qdpx is a zip of XML parts, and a tiny hostile one can ask for
gigabytes: a member that inflates a thousandfold, a member larger than its header declares,
thousands of members, two members with one name (a reader sees one copy, another tool the
other), an XML entity that expands to millions of copies of itself, nesting thousands deep, or an
ODF ``<text:s text:c="2000000000"/>`` asking for two billion spaces. Every reader and ``audit``
opens archives and parses XML through this module, which refuses each of these with a
``QualcodeError`` naming the file (exit 2) before the memory is spent:

- members are checked by their declared sizes when the archive is opened (count, ratio, total)
  and by their actual sizes while they are read, in chunks, so a member whose header lies is
  stopped as soon as it passes what it declared or the limits;
- XML is parsed without entity expansion, DTD loading or network access, and with libxml2's
  default limits on (``huge_tree`` off: nesting depth 256, one text node at most 10 MB);
- a document's text may be at most ``max_document_chars`` characters (100 million by default;
  ``--max-document-mb`` on ``import`` sets it), and a repeat count is checked against it before
  the repeated text is made.

The limits in force are a context variable: ``using(Limits(...))`` sets them for a block.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from qualcode.domain.errors import QualcodeError

MB = 1024 * 1024
DEFAULT_MAX_DOCUMENT_MB = 100
_CHUNK = MB


@dataclass(frozen=True)
class Limits:
    """What one file from outside may ask for.

    ``max_document_chars``: characters of one document's text (and of one member read whole:
    XML markup is allowed ``markup_factor`` times as many bytes). ``max_members``: entries in one
    archive. ``max_ratio``: uncompressed / compressed size of one member larger than
    ``ratio_floor`` bytes (real Office and ODF parts stay well under 100; a zip bomb is near
    1000). ``max_total_bytes``: the declared uncompressed size of all members together.
    """

    max_document_chars: int = DEFAULT_MAX_DOCUMENT_MB * MB
    max_members: int = 20_000
    max_ratio: int = 100
    ratio_floor: int = MB
    markup_factor: int = 4
    max_total_bytes: int = 4096 * MB

    @property
    def max_member_bytes(self) -> int:
        """The most bytes one member read whole may inflate to."""
        return self.max_document_chars * self.markup_factor

    @property
    def max_document_mb(self) -> float:
        return self.max_document_chars / MB


_DEFAULT = Limits()
_CURRENT: ContextVar[Limits | None] = ContextVar("qualcode_limits", default=None)


def current() -> Limits:
    """The limits in force (the defaults unless ``using`` or ``set_max_document_mb`` changed them)."""
    return _CURRENT.get() or _DEFAULT


@contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Run a block under other limits (tests, and commands given ``--max-document-mb``)."""
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def document_limit(mb: float) -> AbstractContextManager[Limits]:
    """The per-document text limit set to ``mb`` for a block (a command given
    ``--max-document-mb``). Raises QualcodeError for a limit that is not positive."""
    if not mb > 0:
        raise QualcodeError(f"--max-document-mb must be positive, not {mb}")
    return using(replace(current(), max_document_chars=int(mb * MB)))


def set_max_document_mb(mb: float) -> None:
    """Set the per-document text limit for the rest of this process (``--max-document-mb``).

    Raises QualcodeError for a limit that is not positive.
    """
    if not mb > 0:
        raise QualcodeError(f"--max-document-mb must be positive, not {mb}")
    _CURRENT.set(replace(current(), max_document_chars=int(mb * MB)))


def _too_long(source: str, what: str, size: int, limits: Limits) -> QualcodeError:
    return QualcodeError(
        f"{what} would be {size:,} characters, more than the {limits.max_document_mb:g} MB a document "
        "may hold (a damaged or hostile file? raise it with --max-document-mb)",
        source=source,
    )


def check_text_length(length: int, source: str, what: str = "the document's text") -> None:
    """Refuse a text of ``length`` characters longer than one document may be."""
    limits = current()
    if length > limits.max_document_chars:
        raise _too_long(source, what, length, limits)


def check_repeat(count: int, so_far: int, source: str, line: int | None, what: str) -> None:
    """Refuse a repeat (ODF ``text:c``) that would make the text longer than a document may be."""
    limits = current()
    if count < 0 or so_far + count > limits.max_document_chars:
        raise QualcodeError(
            f"{what} asks for {count:,} repeats, more than the {limits.max_document_mb:g} MB a "
            "document may hold (a damaged or hostile file? raise it with --max-document-mb)",
            source=source,
            line=line,
        )


def check_file_size(path: Path, source: str | None = None) -> None:
    """Refuse a plain-text file too large to be one document (bytes, before it is read)."""
    limits = current()
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader names the missing file
    if size > limits.max_member_bytes:
        raise QualcodeError(
            f"the file is {size:,} bytes, more than a document may hold "
            f"({limits.max_document_mb:g} MB of text; raise it with --max-document-mb)",
            source=source or str(path),
        )


class SafeZip:
    """A zip archive opened under the limits: members listed once, read with bounded memory.

    Open with ``open_archive``. ``read(name)`` reads one member whole (refusing it past the
    limits); ``entries()`` gives every entry including a duplicated name's hidden copies, for
    ``audit``.
    """

    def __init__(self, zf: zipfile.ZipFile, source: str, limits: Limits):
        self.zf = zf
        self.source = source
        self.limits = limits

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zf.close()

    def close(self) -> None:
        self.zf.close()

    def namelist(self) -> list[str]:
        """Every member's name, in archive order."""
        return self.zf.namelist()

    def entries(self) -> list[zipfile.ZipInfo]:
        """Every entry, each once, duplicated names included (the copy a reader would skip too)."""
        return self.zf.infolist()

    def read(self, name: str | zipfile.ZipInfo, *, limit: int | None = None) -> bytes:
        """One member's bytes, read in chunks and refused as soon as it passes what it declared,
        the per-member limit (``limit`` bytes if given) or the compression ratio.

        Raises KeyError for a missing member (as ``zipfile`` does) and QualcodeError for one
        past the limits or damaged.
        """
        info = name if isinstance(name, zipfile.ZipInfo) else self.zf.getinfo(name)
        return b"".join(self.chunks(info, limit=limit))

    def chunks(self, info: zipfile.ZipInfo, *, limit: int | None = None) -> Iterator[bytes]:
        """One member's bytes in chunks of at most a megabyte, checked as ``read`` checks them."""
        cap = min(limit if limit is not None else self.limits.max_member_bytes, self.limits.max_member_bytes)
        _check_declared(info, self.source, self.limits)
        if info.file_size > cap:
            raise self._refuse(info, f"declares {info.file_size:,} bytes, more than {cap:,} allowed")
        ratio_cap = max(self.limits.ratio_floor, info.compress_size * self.limits.max_ratio)
        total = 0
        try:
            with self.zf.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > info.file_size:
                        raise self._refuse(info, f"is larger than the {info.file_size:,} bytes it declares")
                    if total > ratio_cap:
                        raise self._refuse(info, "inflates more than a document's part can (a zip bomb?)")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
            raise QualcodeError(
                f"{info.filename} is damaged ({exc}); is the file truncated?", source=self.source
            ) from exc

    def _refuse(self, info: zipfile.ZipInfo, why: str) -> QualcodeError:
        return QualcodeError(f"the archive entry {info.filename!r} {why}; not read", source=self.source)


def _check_declared(info: zipfile.ZipInfo, source: str, limits: Limits) -> None:
    if info.file_size > limits.ratio_floor and info.file_size > max(info.compress_size, 1) * limits.max_ratio:
        raise QualcodeError(
            f"the archive entry {info.filename!r} declares {info.file_size:,} bytes from "
            f"{info.compress_size:,} compressed (more than {limits.max_ratio}:1, a zip bomb?); not read",
            source=source,
        )


def open_archive(path: Path, kind: str, *, allow_duplicates: bool = False) -> SafeZip:
    """Open a zip archive (``kind``: "a .docx", "an .odt", ...) and check what it declares.

    Refused (QualcodeError naming the file): not a zip, more than ``max_members`` entries, one
    name used twice (unless ``allow_duplicates``, for ``audit``, which reads every copy), a member
    whose declared ratio passes ``max_ratio``, or a declared total past ``max_total_bytes``.
    """
    source = str(path)
    limits = current()
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise QualcodeError("no such file", source=source) from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise QualcodeError(
            f"not a readable {kind} (a damaged or truncated zip archive)", source=source
        ) from exc
    try:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise QualcodeError(
                f"the archive has {len(infos):,} entries, more than {limits.max_members:,}; not read",
                source=source,
            )
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in seen and not allow_duplicates:
                raise QualcodeError(
                    f"the archive holds two entries named {info.filename!r} (tools disagree on which "
                    "one counts); not read",
                    source=source,
                )
            seen.add(info.filename)
            _check_declared(info, source, limits)
            total += info.file_size
        if total > limits.max_total_bytes:
            raise QualcodeError(
                f"the archive declares {total:,} bytes uncompressed, more than {limits.max_total_bytes:,}",
                source=source,
            )
    except BaseException:
        zf.close()
        raise
    return SafeZip(zf, source, limits)


def verify_archive(path: Path, kind: str) -> None:
    """Check a whole archive by inflating every member (and discarding it) under the limits.

    For formats a library reads itself (``.xlsx`` through openpyxl): after this, no member is
    larger than it declares or the limits allow. Raises QualcodeError naming the file.
    """
    with open_archive(path, kind) as zf:
        for info in zf.entries():
            for _ in zf.chunks(info):
                pass


def xml_parser() -> etree.XMLParser:
    """An lxml parser for untrusted XML: no entity expansion, DTD or network; libxml2's limits on."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )


def parse_xml(data: bytes, source: str, *, part: str | None = None) -> etree._Element:
    """The root of untrusted XML, or QualcodeError naming the file (and part) and line.

    An XML document that declares entities is refused outright: no format qualcode reads uses
    them, and they are how a few hundred bytes ask for gigabytes.
    """
    where = f"{part} is " if part else ""
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg)
        if "huge" in message.lower() or "depth" in message.lower() or "limit" in message.lower():
            raise QualcodeError(
                f"{where}past the XML limits ({message}); not read", source=source, line=exc.lineno
            ) from exc
        raise QualcodeError(
            f"{where}not well-formed XML ({message})" + ("; is the file truncated?" if part else ""),
            source=source,
            line=exc.lineno,
        ) from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise QualcodeError(f"{where}XML declaring entities; not read", source=source)
    return root
