"""Survey spreadsheets (.xlsx/.csv): one respondent per row, open answers as documents.

One column names the respondent (their participant label); the open-question columns become
documents, either one per answer (titled "LABEL – QUESTION", tied to the respondent) or, with
``by="question"``, one per question (each answer a paragraph "LABEL: answer", and
``meta["turns"]`` keeps whose answer each [start, end) is, as a transcript's speaker turns).
Every other column becomes a participant attribute. Rows and columns are named in every message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.sheets import read_rows

BY = ("answer", "question")


@dataclass(frozen=True)
class SurveyRespondent:
    label: str
    attributes: dict[str, Any]
    row: int


@dataclass(frozen=True)
class Survey:
    source: str
    respondents: tuple[SurveyRespondent, ...]
    documents: tuple[tuple[ImportedDocument, str | None], ...]  # (document, participant label)
    questions: tuple[str, ...]


def _column(header: list[str], name: str, *, source: str, line: int) -> int:
    folded = [h.strip().casefold() for h in header]
    want = name.strip().casefold()
    if want not in folded:
        raise QualcodeError(
            f"no column {name!r}; the columns are {', '.join(h for h in header if h)}",
            source=source,
            line=line,
        )
    if folded.count(want) > 1:
        raise QualcodeError(f"two columns are called {name!r}", source=source, line=line)
    return folded.index(want)


def _digest(file_digest: str, *parts: object) -> str:
    return hashlib.sha256("\x1f".join([file_digest, *map(str, parts)]).encode("utf-8")).hexdigest()


def read_survey(
    path: Path, *, id_column: str, text_columns: list[str], by: str = "answer", sheet: str | None = None
) -> Survey:
    """Read a survey export; raises ``QualcodeError`` naming the file and row for a missing
    column, an empty or repeated respondent id, or a sheet with no answers."""
    source = str(path)
    if by not in BY:
        raise QualcodeError(f"--by must be one of {', '.join(BY)}")
    if not text_columns:
        raise QualcodeError("name the open-question columns with --text-columns Q1,Q2")
    rows = read_rows(path, sheet=sheet)
    if not rows:
        raise QualcodeError("the sheet is empty", source=source)
    header_line, header = rows[0]
    id_at = _column(header, id_column, source=source, line=header_line)
    text_at = [_column(header, c, source=source, line=header_line) for c in text_columns]
    if id_at in text_at:
        raise QualcodeError(f"{id_column!r} is both the id column and a text column", source=source)
    questions = [header[i].strip() for i in text_at]
    file_digest = hashlib.sha256(path.read_bytes()).hexdigest()
    respondents: list[SurveyRespondent] = []
    answers: list[tuple[str, int, list[str]]] = []
    seen: dict[str, int] = {}
    for line, cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        label = " ".join(cells[id_at].split())
        if not label:
            raise QualcodeError(f"the row has no {header[id_at]!r}", source=source, line=line)
        if label in seen:
            raise QualcodeError(
                f"respondent {label!r} is listed twice (also row {seen[label]})", source=source, line=line
            )
        seen[label] = line
        attributes = {
            header[i].strip(): v
            for i, v in enumerate(cells)
            if i != id_at and i not in text_at and i < len(header) and header[i].strip() and v
        }
        respondents.append(SurveyRespondent(label, attributes, line))
        answers.append(
            (label, line, [cells[i].replace("\r\n", "\n").replace("\r", "\n").strip() for i in text_at])
        )
    if not respondents:
        raise QualcodeError("the sheet has a header but no respondents", source=source)
    docs: list[tuple[ImportedDocument, str | None]] = []
    if by == "answer":
        for label, line, texts in answers:
            for question, text in zip(questions, texts, strict=True):
                if text:
                    doc = ImportedDocument(
                        title=f"{label} – {question}",
                        text=text,
                        sha256=_digest(file_digest, line, question),
                        source_name=path.name,
                        source_format="survey",
                        meta={"survey": {"question": question, "row": line}},
                    )
                    docs.append((doc, label))
    else:
        for q_index, question in enumerate(questions):
            pieces: list[str] = []
            spans: list[dict[str, Any]] = []
            at = 0
            for label, line, texts in answers:
                text = " ".join(texts[q_index].split("\n")).strip()
                if not text:
                    continue
                paragraph = f"{label}: {text}"
                if pieces:
                    pieces.append("\n")
                    at += 1
                spans.append({"speaker": label, "row": line, "start": at, "end": at + len(paragraph)})
                pieces.append(paragraph)
                at += len(paragraph)
            if spans:
                doc = ImportedDocument(
                    title=question,
                    text="".join(pieces),
                    sha256=_digest(file_digest, question),
                    source_name=path.name,
                    source_format="survey",
                    # As transcript turns: autocode --speaker and --unit turn work on them, and a
                    # pseudonym key's replacements move their offsets along.
                    meta={"survey": {"question": question}, "turns": spans},
                )
                docs.append((doc, None))
    if not docs:
        raise QualcodeError(f"no answers in {', '.join(repr(q) for q in questions)}", source=source)
    return Survey(source, tuple(respondents), tuple(docs), tuple(questions))
