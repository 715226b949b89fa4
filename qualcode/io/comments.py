"""Comments anchored in a document (Word, Google Docs, LibreOffice) turned into codings.

A comment's text names its code(s), split on ``;`` and new lines; its anchored text is the
coded segment; its author is the coder and its date the coding time. Replies are not codes:
they become memos on the coding they answer. The format readers (``docx``, ``odt``) only find
the raw comments and their character positions; the rules live here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedCoding, ImportedMemo
from qualcode.io.limits import SafeZip, open_archive, parse_xml

_SPLIT = re.compile(r"[;\n\r]+")


@dataclass
class RawComment:
    """A comment as found in the file; positions are offsets into the document text."""

    key: str  # the comment's id in the file
    order: int  # its place among the file's comments
    author: str
    date: datetime | None
    text: str
    start: int | None = None
    end: int | None = None
    reference: int | None = None  # where a comment without a range was inserted
    parent: str | None = None  # the comment this one answers, when the file says so
    line: int | None = None  # line of the comment in its XML part, for messages
    part: str = ""  # the XML part it lives in ("word/comments.xml")


def code_names(text: str) -> tuple[str, ...]:
    """``"Visa-free regime; Agreements"`` -> both names, trimmed, each once, in order."""
    names: list[str] = []
    for piece in _SPLIT.split(text):
        name = " ".join(piece.split())
        if name and name not in names:
            names.append(name)
    return tuple(names)


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 comment date; without a zone it is taken as UTC. Unreadable -> None."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def paragraph_around(text: str, pos: int) -> tuple[int, int]:
    """The line (paragraph) holding ``pos``: [start, end) without its newline."""
    pos = max(0, min(pos, len(text)))
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


SAME_RANGE_CHOICES = ("codings", "replies")


@dataclass(frozen=True)
class CommentCounts:
    """What became of a file's comments, for the import summary."""

    replies: int  # replies stored as memos
    same_range: int  # comments on exactly the range of an earlier comment, in a file without threads
    same_range_as: str  # what those became: "codings" or "replies"


def comments_to_codings(
    text: str,
    comments: list[RawComment],
    *,
    source: str,
    threaded: bool,
    noun: str = "comment",
    same_range: str = "codings",
) -> tuple[list[ImportedCoding], list[str], CommentCounts]:
    """Codings (with reply memos) from raw comments; returns (codings, warnings, counts).

    ``threaded`` says the file records which comment answers which (Word's
    commentsExtended.xml, LibreOffice's parent names): then only those answers are replies,
    stored as memos. Without it, every anchored comment is a coding; a later comment on exactly
    the same range as an earlier one is counted, and with ``same_range="replies"`` it becomes a
    memo on the earlier one instead (how Google Docs exports replies). Nothing changes kind
    without a line in the warnings. A comment whose range is missing or broken is refused,
    naming the file and comment.
    """
    if same_range not in SAME_RANGE_CHOICES:
        raise QualcodeError(
            f"--same-range-comments is one of {', '.join(SAME_RANGE_CHOICES)}, not {same_range!r}"
        )
    by_key = {c.key: c for c in comments}
    warnings: list[str] = []

    def root(c: RawComment) -> RawComment:
        seen = {c.key}
        while c.parent is not None and c.parent in by_key and c.parent not in seen:
            c = by_key[c.parent]
            seen.add(c.key)
        return c

    def where(c: RawComment) -> str:
        who = f" by {c.author}" if c.author else ""
        shown = " ".join(c.text.split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        return f"{noun} {c.key}{who} ({shown!r})" if shown else f"{noun} {c.key}{who}"

    def refuse(c: RawComment, message: str) -> QualcodeError:
        part = f" ({c.part})" if c.part else ""
        return QualcodeError(f"{where(c)}: {message}", source=source + part, line=c.line)

    # Thread roots first: every comment that answers no other comment and has an anchor.
    replies_to: dict[str, str] = {}
    for c in comments:
        if c.parent is not None and c.parent in by_key and c.parent != c.key:
            replies_to[c.key] = root(c).key
    spans: dict[str, tuple[int, int]] = {}
    for c in sorted(comments, key=lambda c: c.order):
        if c.key in replies_to:
            continue
        if c.start is None and c.end is None:
            if c.reference is None:
                raise refuse(c, "its anchored range is missing from the document")
            spans[c.key] = paragraph_around(text, c.reference)
            warnings.append(f"{where(c)} marks a point, not a passage; coded its whole paragraph")
            continue
        if c.start is None or c.end is None:
            half = "start" if c.start is None else "end"
            raise refuse(c, f"its anchored range has no {half} in the document")
        if c.end < c.start:
            raise refuse(c, "its anchored range ends before it starts")
        spans[c.key] = (c.start, c.end)

    same_range_count = 0
    if not threaded:  # no thread information: a second comment on a range may be a reply or a code
        first_on: dict[tuple[int, int], str] = {}
        for c in sorted(comments, key=lambda c: c.order):
            if c.key not in spans:
                continue
            span = spans[c.key]
            if span not in first_on:
                first_on[span] = c.key
                continue
            same_range_count += 1
            if same_range == "replies":
                replies_to[c.key] = first_on[span]
                del spans[c.key]
                warnings.append(
                    f"{where(c)} is on the same words as {noun} {first_on[span]}; stored as a memo "
                    "on its coding (--same-range-comments replies)"
                )

    memos: dict[str, list[ImportedMemo]] = {}
    reply_count = 0
    for c in sorted(comments, key=lambda c: c.order):
        parent = replies_to.get(c.key)
        if parent is None:
            continue
        body = c.text.strip()
        if not body:
            warnings.append(f"{where(c)} is an empty reply; skipped")
            continue
        reply_count += 1
        memos.setdefault(parent, []).append(ImportedMemo(body, c.author or None, c.date))

    codings: list[ImportedCoding] = []
    for c in sorted(comments, key=lambda c: c.order):
        if c.key not in spans:
            continue
        names = code_names(c.text)
        if not names:
            warnings.append(f"{where(c)} is empty; skipped")
            continue
        start, end = _trimmed(text, *spans[c.key])
        if start == end:
            start, end = _trimmed(text, *paragraph_around(text, spans[c.key][0]))
            if start == end:
                warnings.append(f"{where(c)} anchors no text; skipped")
                continue
            warnings.append(f"{where(c)} marks a point, not a passage; coded its whole paragraph")
        thread = tuple(memos.get(c.key, ()))
        # One coding per code; the replies go on the first, so that no memo is stored twice.
        for i, name in enumerate(names):
            codings.append(
                ImportedCoding(
                    start,
                    end,
                    (name,),
                    coder=c.author or None,
                    created_at=c.date,
                    memos=thread if i == 0 else (),
                    where=f"{noun} {c.key}",
                )
            )
    return codings, warnings, CommentCounts(reply_count, same_range_count, same_range)


def comment_meta(comments: int, counts: CommentCounts) -> dict[str, object]:
    """The document's record of its comments: how many, replies as memos, same-range ones."""
    meta: dict[str, object] = {"comments": comments, "replies": counts.replies}
    if counts.same_range:
        meta["same_range"] = counts.same_range
        meta["same_range_as"] = counts.same_range_as
    return meta


# Packaged documents (.docx, .odt are zip archives of XML parts): reading one part safely,
# under the limits of qualcode.io.limits (sizes, ratios, entities, depth).


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def attribute(element: etree._Element, local: str) -> str | None:
    """An attribute by local name, whatever namespace variant the writer used."""
    for key, value in element.attrib.items():
        if local_name(key) == local:
            return str(value)
    return None


def open_package(path: Path, kind: str) -> SafeZip:
    """A .docx/.odt opened under the resource limits (QualcodeError naming the file if refused)."""
    return open_archive(path, kind)


def xml_part(zf: SafeZip, name: str, source: str, kind: str) -> etree._Element:
    """The parsed root of one XML part; a missing, damaged, oversized or malformed part is refused."""
    try:
        data = zf.read(name)
    except KeyError as exc:
        raise QualcodeError(f"the file has no {name}: it is not {kind}", source=source) from exc
    return parse_xml(data, source, part=name)
