"""Pseudonym keys: real names replaced before anything is stored, and found where they leaked.

A key is a CSV file with the columns ``real,pseudonym``; a ``real`` cell may list inflected
forms separated by ``|`` or ``;`` ("Иванов | Иванова | Иванову"), and several rows may give
the same pseudonym. Matching is by whole word, case-insensitive, in any script; ``е`` and ``ё``
match each other (Russian writes ``ё`` as ``е`` more often than not) and runs of white space in
a name match any white space. The key itself never enters the study.
"""

from __future__ import annotations

import bisect
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCoding, ImportedDocument, ImportedMemo
from qualcode.io.tables import read_csv_rows
from qualcode.io.text import decode_text

_FORMS = re.compile(r"[|;]")


def _normal(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").split())


def _pattern_of(form: str) -> str:
    out: list[str] = []
    for word_no, word in enumerate(form.split()):
        if word_no:
            out.append(r"\s+")
        for ch in word:
            out.append("[её]" if ch in "еёЕЁ" else re.escape(ch))
    return "".join(out)


@dataclass(frozen=True)
class NameHit:
    start: int
    end: int
    found: str  # the text as it stands in the file or study
    real: str  # the key's first form of that name


class PseudonymKey:
    """Real names -> pseudonyms, compiled into one whole-word, case-insensitive pattern."""

    def __init__(self, pairs: list[tuple[str, str, str]], source: str = "key"):
        """``pairs``: (form, pseudonym, first form of the name) for every listed form."""
        self.source = source
        self._by_form: dict[str, tuple[str, str]] = {}
        for form, pseudonym, real in pairs:
            self._by_form[_normal(form)] = (pseudonym, real)
        forms = sorted(self._by_form, key=len, reverse=True)  # longest first: "Анна Ли" before "Анна"
        body = "|".join(_pattern_of(f) for f in forms)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE) if forms else None

    @classmethod
    def from_csv(cls, path: Path) -> PseudonymKey:
        rows = read_csv_rows(path, required=("real", "pseudonym"))
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
                key = _normal(form)
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
        return len(self._by_form)

    def hits(self, text: str) -> list[NameHit]:
        """Every listed name in ``text``, in order."""
        if self._pattern is None or not text:
            return []
        found = []
        for m in self._pattern.finditer(text):
            _, real = self._by_form[_normal(m.group())]
            found.append(NameHit(m.start(), m.end(), m.group(), real))
        return found

    def replace(self, text: str) -> tuple[str, list[tuple[int, int, int]]]:
        """The text with every name replaced, and the edits made: (start, end, new length)."""
        hits = self.hits(text)
        if not hits:
            return text, []
        out: list[str] = []
        edits: list[tuple[int, int, int]] = []
        at = 0
        for hit in hits:
            pseudonym = self._by_form[_normal(hit.found)][0]
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
    if isinstance(value, str):
        return key.scrub(value)
    if isinstance(value, list):
        return [_scrub_value(key, v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(key, v) for k, v in value.items()}
    return value


def pseudonymise(doc: ImportedDocument, key: PseudonymKey) -> ImportedDocument:
    """The document with every listed name replaced: text, title, file name, codes, replies,
    coders stay (they are the team), and offsets of codings and transcript turns follow the text."""
    text, edits = key.replace(doc.text)
    offsets = _OffsetMap(edits)
    codings = tuple(
        replace(
            c,
            start=offsets.start(c.start),
            end=offsets.end(c.end),
            codes=tuple(key.scrub(name) for name in c.codes),
            memos=tuple(ImportedMemo(key.scrub(m.text), m.author, m.created_at) for m in c.memos),
        )
        for c in doc.codings
    )
    meta = _scrub_value(key, doc.meta)
    for turn in meta.get("turns", []) if isinstance(meta, dict) else []:
        if isinstance(turn, dict) and "start" in turn and "end" in turn:
            turn["start"], turn["end"] = offsets.start(turn["start"]), offsets.end(turn["end"])
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


@dataclass(frozen=True)
class FileHit:
    file: str
    where: str  # "line 12", "Sheet1!B4", "word/comments.xml, line 2"
    found: str
    real: str


def _line_hits(key: PseudonymKey, text: str, file: str, prefix: str = "") -> Iterator[FileHit]:
    """Hits with their line numbers, counted once along the text (linear in its length)."""
    line, at = 1, 0
    for hit in key.hits(text):
        line += text.count("\n", at, hit.start)
        at = hit.start
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
