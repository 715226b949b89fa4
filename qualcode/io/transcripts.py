"""Zoom and Teams transcripts (``.vtt`` WebVTT, ``.srt`` SubRip) as speaker turns.

Each cue's speaker comes from a voice tag (``<v Aigerim>``, WebVTT §4.2.2, as Teams writes it)
or a leading ``Name:`` (as Zoom writes it). Consecutive cues of one speaker form one turn; each
turn is one paragraph, ``Label: words``. A speaker map (``--speakers MAP.csv``) gives each
speaker name a participant label or ``Interviewer``. The document keeps, per paragraph, its
offsets, its speaker and its first and last cue times in ``meta["turns"]``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.tables import read_csv_rows
from qualcode.io.text import decode_text, sha256_of

TRANSCRIPT_SUFFIXES = (".vtt", ".srt")

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^\s*(?P<a>{_TIME})\s*-->\s*(?P<b>{_TIME})")
_VOICE = re.compile(r"^\s*<v(?:\.[\w.-]+)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>\s][^>]*>")
# Zoom: "Aigerim Bekova: text". A speaker name is short and has no sentence punctuation.
_ZOOM = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s+(?=\S)")


@dataclass(frozen=True)
class Cue:
    start: str
    end: str
    speaker: str | None  # from a voice tag, or a leading "Name:" (see ``prefixed``)
    text: str  # the words, without the speaker
    line: int
    prefixed: bool = False  # the speaker came from a leading "Name:", not a voice tag
    raw: str = ""  # the words with a leading "Name:" kept, for when it is not a speaker


def _clock(value: str) -> str:
    """``1:02.5`` / ``00:01:02,500`` / ``00:01:02`` -> ``00:01:02.500`` (one form for every file)."""
    value = value.replace(",", ".")
    whole, _, frac = value.partition(".")
    parts = [int(p) for p in whole.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts
    return f"{h:02d}:{m:02d}:{s:02d}.{frac.ljust(3, '0')[:3]}"


def _speaker_and_words(lines: list[str]) -> tuple[str | None, str, bool, str]:
    """(speaker, words, speaker came from a "Name:" prefix, words with that prefix kept)."""
    raw = " ".join(line.strip() for line in lines if line.strip())
    speaker = None
    voice = _VOICE.match(raw)
    if voice:
        speaker = html.unescape(voice.group(1)).strip()
        raw = raw[voice.end() :]
    words = " ".join(html.unescape(_TAG.sub("", raw)).replace("\u00a0", " ").split())
    if speaker is None:
        zoom = _ZOOM.match(words)
        if zoom and not zoom.group(1).strip().isdigit():
            return zoom.group(1).strip(), words[zoom.end() :].strip(), True, words
    return speaker, words, False, words


def parse_cues(text: str, *, source: str, kind: str, warnings: list[str] | None = None) -> list[Cue]:
    """The cues of a WebVTT or SubRip text, read as leniently as players read them.

    A cue is a timing line and the lines after it up to the next cue (its number or identifier,
    then its timing line): a blank line inside a cue's text, times without milliseconds and a
    cue without words are repaired or skipped, each with a line in ``warnings``. A line with
    ``-->`` that is not a readable timing is refused, naming it.
    """
    notes = warnings if warnings is not None else []
    lines = text.split("\n")
    if kind == "vtt":
        if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            raise QualcodeError("a WebVTT file must start with WEBVTT", source=source, line=1)
    timings: list[tuple[int, re.Match[str]]] = []
    for number, line in enumerate(lines):
        if "-->" not in line:
            continue
        match = _TIMING.match(line)
        if match is None:
            raise QualcodeError(
                f"cannot read the cue timing {line.strip()!r}", source=source, line=number + 1
            )
        timings.append((number, match))
    if not timings and any(line.strip() for line in lines[1 if kind == "vtt" else 0 :]):
        first = next(i for i, line in enumerate(lines) if line.strip() and (kind != "vtt" or i > 0))
        raise QualcodeError(
            "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000", source=source, line=first + 1
        )

    def identifier_before(at: int, after: int) -> bool:
        """Is line ``at - 1`` the next cue's number (SRT) or identifier (WebVTT)?"""
        prev = at - 1
        if prev <= after or not lines[prev].strip():
            return False
        if kind == "srt":
            return lines[prev].strip().isdigit()
        return prev - 1 <= after or not lines[prev - 1].strip()

    cues: list[Cue] = []
    for k, (at, match) in enumerate(timings):
        stop = timings[k + 1][0] if k + 1 < len(timings) else len(lines)
        if k + 1 < len(timings) and identifier_before(stop, at):
            stop -= 1
        body = lines[at + 1 : stop]
        if kind == "vtt":  # a NOTE/STYLE block between cues is not a cue's text
            for j, line in enumerate(body):
                if (
                    j
                    and not body[j - 1].strip()
                    and line.strip().split(" ")[0] in ("NOTE", "STYLE", "REGION")
                ):
                    body = body[:j]
                    break
        while body and not body[-1].strip():
            body.pop()
        label = f"cue at line {at + 1}"
        if any(not line.strip() for line in body):
            notes.append(f"{label}: a blank line inside its text; the lines are kept as one cue")
        if "." not in match["a"] + match["b"] and "," not in match["a"] + match["b"]:
            notes.append(
                f"{label}: times without milliseconds ({match['a']} --> {match['b']}); read as whole seconds"
            )
        speaker, words, prefixed, raw = _speaker_and_words(body)
        if not words and not (prefixed and raw):
            notes.append(f"{label}: no words; skipped")
            continue
        cues.append(Cue(_clock(match["a"]), _clock(match["b"]), speaker, words, at + 1, prefixed, raw))
    return cues


def read_speaker_map(path: Path, *, encoding: str | None = None) -> dict[str, str]:
    """``speaker,participant`` rows: a transcript's speaker name -> label or ``Interviewer``."""
    rows = read_csv_rows(path, required=("speaker",), encoding=encoding)
    mapping: dict[str, str] = {}
    for row in rows:
        speaker = row.values.get("speaker", "")
        label = row.values.get("participant") or row.values.get("label") or ""
        if not speaker or not label:
            raise QualcodeError(
                "each row needs a speaker and a participant (or Interviewer)", source=str(path), line=row.line
            )
        mapping[speaker.casefold()] = label
    if not mapping:
        raise QualcodeError("the speaker map has no rows", source=str(path))
    return mapping


def read_transcript(
    path: Path,
    *,
    encoding: str | None = None,
    speakers: dict[str, str] | None = None,
    speakers_source: str = "",
) -> ImportedDocument:
    """A transcript as paragraphs of speaker turns.

    Without ``speakers`` each voice tag or leading ``Name:`` starts a turn. With ``speakers``
    (speaker name -> label) a voice tag must be mapped (refused naming its line otherwise), and
    only mapped ``Name:`` prefixes start turns: an unknown one ("Translation: ...") stays part
    of the words, listed in a warning. ``meta["turns"]`` keeps each paragraph's offsets, speaker
    and first and last cue times; ``meta["cues"]`` each cue's ``[start, end, from, to]``.
    """
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    text, used = decode_text(data, source=source, encoding=encoding)
    kind = "vtt" if path.suffix.lower() == ".vtt" else "srt"
    warnings: list[str] = []
    cues = parse_cues(text, source=source, kind=kind, warnings=warnings)
    if not cues:
        raise QualcodeError("the transcript has no cues with words", source=source)

    # Who speaks in each cue, and its words: an unmapped "Name:" is words, continuing the turn.
    unknown: dict[str, int] = {}
    spoken: list[tuple[Cue, str | None, str]] = []
    for cue in cues:
        label: str | None = cue.speaker
        words = cue.text
        if speakers is not None and cue.speaker is not None:
            label = speakers.get(cue.speaker.casefold())
            if label is None and not cue.prefixed:
                where = f" ({speakers_source})" if speakers_source else ""
                raise QualcodeError(
                    f"speaker {cue.speaker!r} is not in the speaker map{where}", source=source, line=cue.line
                )
            if label is None:
                unknown.setdefault(cue.speaker, cue.line)
                label = spoken[-1][1] if spoken else None
                words = cue.raw
        spoken.append((cue, label, words))
    for name, line in unknown.items():
        warnings.append(
            f"line {line}: {name!r} is not in the speaker map; kept as words of the turn, not as a speaker"
        )

    turns: list[dict[str, object]] = []
    cue_spans: list[list[object]] = []
    pieces: list[str] = []
    length = 0
    current: list[tuple[Cue, str | None, str]] = []

    def flush() -> None:
        nonlocal length
        if not current:
            return
        label = current[0][1]
        if pieces:
            pieces.append("\n")
            length += 1
        start = length
        at = length + (len(label) + 2 if label else 0)
        for i, (cue, _, words) in enumerate(current):
            at += 1 if i else 0
            cue_spans.append([at, at + len(words), cue.start, cue.end])
            at += len(words)
        words_joined = " ".join(w for _, _, w in current)
        paragraph = f"{label}: {words_joined}" if label else words_joined
        turns.append(
            {
                "start": start,
                "end": start + len(paragraph),
                "speaker": label,
                "from": current[0][0].start,
                "to": current[-1][0].end,
            }
        )
        pieces.append(paragraph)
        length += len(paragraph)
        current.clear()

    for item in spoken:
        if current and item[1] != current[0][1]:
            flush()
        current.append(item)
    flush()
    participants = sorted(
        {str(t["speaker"]) for t in turns if t["speaker"] and str(t["speaker"]).casefold() != "interviewer"}
    )
    meta: dict[str, object] = {"encoding": used, "turns": turns, "cues": cue_spans}
    if speakers is not None:
        meta["participants"] = participants
    return ImportedDocument(
        title=path.stem,
        text="".join(pieces),
        sha256=sha256_of(data),
        source_name=path.name,
        source_format=kind,
        meta=meta,
        warnings=tuple(warnings),
    )
