"""Pseudonym keys: real names replaced before anything is stored, and found where they leaked.

A key is a CSV file with the columns ``real,pseudonym``; a ``real`` cell may list inflected
forms separated by ``|`` or ``;`` ("Иванов | Иванова | Иванову"), and several rows may give
the same pseudonym. Names are found by ``qualcode.domain.names`` (whole words after Unicode
normalisation and case folding, soft hyphens and zero-width characters ignored, ``е``/``ё`` one
letter, ``_``, digits, ``@`` and ``.`` as word boundaries), the same matcher ``audit`` uses. The
key itself never enters the study.
"""

from __future__ import annotations

import bisect
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCode, ImportedCoding, ImportedDocument, ImportedMemo, TableRow
from qualcode.domain.names import NameHit, NameMatcher, fold, line_numbers
from qualcode.domain.project import Project
from qualcode.io.tables import read_csv_rows
from qualcode.io.text import decode_text

_FORMS = re.compile(r"[|;]")


class PseudonymKey:
    """Real names -> pseudonyms, matched by the one name matcher (``qualcode.domain.names``)."""

    def __init__(self, pairs: list[tuple[str, str, str]], source: str = "key"):
        """``pairs``: (form, pseudonym, first form of the name) for every listed form."""
        self.source = source
        self._pseudonym: dict[str, str] = {}
        for form, pseudonym, _real in pairs:
            self._pseudonym.setdefault(fold(form), pseudonym)
        self._matcher = NameMatcher((form, real) for form, _, real in pairs)

    @classmethod
    def from_csv(cls, path: Path, *, encoding: str | None = None) -> PseudonymKey:
        """A key from a table with the columns real, pseudonym (.csv in any dialect, or .xlsx)."""
        rows = read_csv_rows(path, required=("real", "pseudonym"), encoding=encoding)
        pairs: list[tuple[str, str, str]] = []
        seen: dict[str, tuple[str, int]] = {}
        for row in rows:
            pseudonym = row.values["pseudonym"]
            forms = [f.strip() for f in _FORMS.split(row.values["real"]) if f.strip()]
            if not forms or not pseudonym:
                raise QualcodeError(
                    "each row needs a real name and a pseudonym", source=str(path), line=row.line
                )
            for form in forms:
                key = fold(form)
                if key in seen and seen[key][0] != pseudonym:
                    raise QualcodeError(
                        f"{form!r} is given two pseudonyms ({seen[key][0]!r} on line {seen[key][1]} "
                        f"and {pseudonym!r})",
                        source=str(path),
                        line=row.line,
                    )
                seen[key] = (pseudonym, row.line)
                pairs.append((form, pseudonym, forms[0]))
        if not pairs:
            raise QualcodeError("the pseudonym key has no names", source=str(path))
        return cls(pairs, str(path))

    def __len__(self) -> int:
        return len(self._matcher)

    def hits(self, text: str) -> list[NameHit]:
        """Every listed name in ``text``, in order (offsets into ``text`` as given)."""
        return self._matcher.hits(text)

    def replace(self, text: str) -> tuple[str, list[tuple[int, int, int]]]:
        """The text with every name replaced, and the edits made: (start, end, new length)."""
        hits = self.hits(text)
        if not hits:
            return text, []
        out: list[str] = []
        edits: list[tuple[int, int, int]] = []
        at = 0
        for hit in hits:
            pseudonym = self._pseudonym[fold(hit.found)]
            out += [text[at : hit.start], pseudonym]
            edits.append((hit.start, hit.end, len(pseudonym)))
            at = hit.end
        out.append(text[at:])
        return "".join(out), edits

    def scrub(self, text: str) -> str:
        return self.replace(text)[0]


class _OffsetMap:
    """Old offsets -> new offsets after replacements (a span cut by a name keeps the name)."""

    def __init__(self, edits: list[tuple[int, int, int]]):
        self.starts = [a for a, _, _ in edits]
        self.edits = edits
        self.new_starts: list[int] = []
        self.shift = [0]  # shift[k]: how far the first k edits moved what follows them
        for a, b, n in edits:
            self.new_starts.append(a + self.shift[-1])
            self.shift.append(self.shift[-1] + n - (b - a))

    def start(self, pos: int) -> int:
        k = bisect.bisect_right(self.starts, pos)  # edits starting at or before pos
        if k and pos < self.edits[k - 1][1]:
            return self.new_starts[k - 1]  # inside (or at) a replaced name: its start
        return pos + self.shift[k]

    def end(self, pos: int) -> int:
        k = bisect.bisect_left(self.starts, pos)  # edits starting before pos
        if k and pos < self.edits[k - 1][1]:
            return self.new_starts[k - 1] + self.edits[k - 1][2]  # inside a name: its end
        return pos + self.shift[k]


def _scrub_value(key: PseudonymKey, value: Any) -> Any:
    """Strings scrubbed inside any JSON-like value (lists, dicts' values and keys)."""
    if isinstance(value, str):
        return key.scrub(value)
    if isinstance(value, list):
        return [_scrub_value(key, v) for v in value]
    if isinstance(value, dict):
        return {_scrub_value(key, k): _scrub_value(key, v) for k, v in value.items()}
    return value


def pseudonymise(doc: ImportedDocument, key: PseudonymKey) -> ImportedDocument:
    """The document with every listed name replaced: text, title, file name, codes, replies, and
    comment authors (a listed name writing a comment would otherwise become a coder's name);
    offsets of codings and transcript turns follow the text."""
    text, edits = key.replace(doc.text)
    offsets = _OffsetMap(edits)
    codings = tuple(
        replace(
            c,
            start=offsets.start(c.start),
            end=offsets.end(c.end),
            codes=tuple(key.scrub(name) for name in c.codes),
            coder=_scrub_value(key, c.coder),
            memos=tuple(
                ImportedMemo(key.scrub(m.text), _scrub_value(key, m.author), m.created_at) for m in c.memos
            ),
        )
        for c in doc.codings
    )
    meta = _scrub_value(key, doc.meta)
    for turn in meta.get("turns", []) if isinstance(meta, dict) else []:
        if isinstance(turn, dict) and "start" in turn and "end" in turn:
            turn["start"], turn["end"] = offsets.start(turn["start"]), offsets.end(turn["end"])
    for cue in meta.get("cues", []) if isinstance(meta, dict) else []:
        if isinstance(cue, list) and len(cue) == 4:  # [start, end, from, to] of a transcript cue
            cue[0], cue[1] = offsets.start(cue[0]), offsets.end(cue[1])
    return replace(
        doc,
        title=key.scrub(doc.title),
        source_name=key.scrub(doc.source_name),
        text=text,
        codings=_kept(codings),
        meta=meta,
        warnings=tuple(key.scrub(w) for w in doc.warnings),
    )


def _kept(codings: tuple[ImportedCoding, ...]) -> tuple[ImportedCoding, ...]:
    return tuple(c for c in codings if c.start < c.end)


# Fields of a REFI-QDA project that hold identifiers or offsets, never names.
_NOT_TEXT = {"guid", "code", "user", "theme", "parent", "colour", "origin", "namespace"}
_NOT_TEXT |= {"example_selection", "sources", "notes", "target", "start", "end", "created_at"}


def _scrub_fields(obj: Any, key: PseudonymKey) -> Any:
    """A frozen dataclass with every text field (and nested ones) scrubbed, identifiers kept."""
    changes: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            changes[f.name] = _scrub_fields(value, key)
        elif isinstance(value, tuple) and any(is_dataclass(v) for v in value):
            changes[f.name] = tuple(_scrub_fields(v, key) for v in value)
        elif f.name not in _NOT_TEXT:
            changes[f.name] = _scrub_value(key, value)
    return replace(obj, **changes)


def pseudonymise_project(project: Project, key: PseudonymKey) -> Project:
    """A REFI-QDA project with every listed name replaced wherever it holds text: sources (their
    selections' offsets follow the text), notes, code and theme names and descriptions, cases
    and their attributes, users, the project's own name and description."""
    sources = []
    for source in project.sources:
        text, edits = key.replace(source.text)
        offsets = _OffsetMap(edits)
        selections = tuple(
            replace(sel, start=offsets.start(sel.start), end=offsets.end(sel.end))
            for sel in source.selections
        )
        sources.append(
            replace(
                source,
                name=key.scrub(source.name),
                text=text,
                selections=tuple(sel for sel in selections if sel.start < sel.end),
            )
        )
    scrubbed = _scrub_fields(replace(project, sources=()), key)
    return replace(scrubbed, sources=tuple(sources))


def pseudonymise_rows(rows: list[TableRow], key: PseudonymKey) -> list[TableRow]:
    """Rows of a participants list with every listed name replaced in every cell."""
    return [TableRow(row.line, {k: key.scrub(v) for k, v in row.values.items()}) for row in rows]


def pseudonymise_codes(codes: list[ImportedCode], key: PseudonymKey) -> list[ImportedCode]:
    """Codebook entries with every listed name replaced in names, themes and descriptions."""
    return [
        replace(
            c,
            code=key.scrub(c.code),
            themes=tuple(key.scrub(t) for t in c.themes),
            description=key.scrub(c.description),
        )
        for c in codes
    ]


@dataclass(frozen=True)
class FileHit:
    file: str
    where: str  # "line 12", "Sheet1!B4", "word/comments.xml, line 2"
    found: str
    real: str


def _line_hits(key: PseudonymKey, text: str, file: str, prefix: str = "") -> Iterator[FileHit]:
    """Hits with their line numbers, counted once along the text (linear in its length)."""
    hits = key.hits(text)
    for hit, line in zip(hits, line_numbers(text, (h.start for h in hits)), strict=True):
        yield FileHit(file, f"{prefix}line {line}", hit.found, hit.real)


def _archive_hits(path: Path, key: PseudonymKey) -> list[FileHit]:
    """Every entry of a zip (a duplicated name's hidden copies too), each read once, bounded."""
    from qualcode.io.limits import open_archive

    name = str(path)
    found: list[FileHit] = []
    with open_archive(path, "a zip archive", allow_duplicates=True) as zf:
        entries = zf.entries()
        copies: dict[str, int] = {}
        for info in entries:
            copies[info.filename] = copies.get(info.filename, 0) + 1
        seen: dict[str, int] = {}
        for info in entries:
            seen[info.filename] = seen.get(info.filename, 0) + 1
            label = info.filename
            if copies[info.filename] > 1:
                label += f" (copy {seen[info.filename]} of {copies[info.filename]})"
            for hit in key.hits(info.filename):
                found.append(FileHit(name, f"entry name {label}", hit.found, hit.real))
            if info.is_dir():
                continue
            try:
                text = zf.read(info).decode("utf-8")
            except UnicodeDecodeError:
                continue  # images and other binary parts
            found += _line_hits(key, text, name, f"{label}, ")
    duplicated = any(n > 1 for n in copies.values())
    if not duplicated and path.suffix.lower() == ".docx":
        # names split across Word's runs are only whole in the body text
        from qualcode.io.docx import read_docx_text

        found += _line_hits(key, read_docx_text(path), name, "text, ")
    if not duplicated and path.suffix.lower() == ".odt":
        from qualcode.io.odt import read_odt_text

        found += _line_hits(key, read_odt_text(path), name, "text, ")
    if not duplicated and path.suffix.lower() in (".xlsx", ".xlsm"):
        found += _xlsx_hits(path, key)
    return found


def audit_files(paths: list[Path], key: PseudonymKey) -> list[FileHit]:
    """Listed names in export files: text files by line, spreadsheets by cell, every entry of a
    zip archive by entry and line (entry names too), under the resource limits."""
    from qualcode.io.limits import check_file_size

    found: list[FileHit] = []
    for path in paths:
        name = str(path)
        if not path.is_file():
            raise QualcodeError("no such file", source=name)
        if zipfile.is_zipfile(path):
            found += _archive_hits(path, key)
        else:
            check_file_size(path)
            text, _ = decode_text(path.read_bytes(), source=name)
            found += _line_hits(key, text, name)
    unique: dict[tuple[str, str, str], FileHit] = {}
    for hit in found:
        unique.setdefault((hit.file, hit.where, hit.found), hit)
    return list(unique.values())


def _xlsx_hits(path: Path, key: PseudonymKey) -> list[FileHit]:
    from openpyxl import load_workbook

    from qualcode.io.limits import verify_archive

    verify_archive(path, "an .xlsx workbook")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise QualcodeError(f"cannot read the workbook ({exc})", source=str(path)) from exc
    found: list[FileHit] = []
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        for hit in key.hits(cell.value):
                            where = f"{sheet.title}!{getattr(cell, 'coordinate', '?')}"
                            found.append(FileHit(str(path), where, hit.found, hit.real))
    finally:
        book.close()
    return found
