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

_TIMING = re.compile(
    r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"^\s*<v(?:\.[\w.-]+)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>\s][^>]*>")
# Zoom: "Aigerim Bekova: text". A speaker name is short and has no sentence punctuation.
_ZOOM = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s+(?=\S)")


@dataclass(frozen=True)
class Cue:
    start: str
    end: str
    speaker: str | None
    text: str
    line: int


def _clock(value: str) -> str:
    """``1:02.5`` / ``00:01:02,500`` -> ``00:01:02.500`` (one form for every file)."""
    value = value.replace(",", ".")
    whole, _, frac = value.partition(".")
    parts = [int(p) for p in whole.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts
    return f"{h:02d}:{m:02d}:{s:02d}.{frac.ljust(3, '0')[:3]}"


def _speaker_and_words(lines: list[str]) -> tuple[str | None, str]:
    raw = " ".join(line.strip() for line in lines if line.strip())
    speaker = None
    voice = _VOICE.match(raw)
    if voice:
        speaker = html.unescape(voice.group(1)).strip()
        raw = raw[voice.end() :]
    words = html.unescape(_TAG.sub("", raw)).replace("\u00a0", " ").strip()
    if speaker is None:
        zoom = _ZOOM.match(words)
        if zoom and not zoom.group(1).strip().isdigit():
            speaker = zoom.group(1).strip()
            words = words[zoom.end() :].strip()
    return speaker, " ".join(words.split())


def parse_cues(text: str, *, source: str, kind: str) -> list[Cue]:
    """The cues of a WebVTT or SubRip text; a block without a valid timing line is refused."""
    lines = text.split("\n")
    if kind == "vtt":
        if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            raise QualcodeError("a WebVTT file must start with WEBVTT", source=source, line=1)
    cues: list[Cue] = []
    i = 0
    if kind == "vtt":  # the header block: WEBVTT and optional header lines
        while i < len(lines) and lines[i].strip():
            i += 1
    while i < len(lines):
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines):
            break
        block_start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if kind == "vtt" and block[0].strip().split(" ")[0] in ("NOTE", "STYLE", "REGION"):
            continue
        timing_at = next((k for k, line in enumerate(block[:2]) if "-->" in line), None)
        if timing_at is None:
            raise QualcodeError(
                "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000",
                source=source,
                line=block_start + 1,
            )
        match = _TIMING.match(block[timing_at])
        if match is None:
            raise QualcodeError(
                f"cannot read the cue timing {block[timing_at].strip()!r}",
                source=source,
                line=block_start + timing_at + 1,
            )
        speaker, words = _speaker_and_words(block[timing_at + 1 :])
        if words:
            cues.append(
                Cue(_clock(match["a"]), _clock(match["b"]), speaker, words, block_start + timing_at + 1)
            )
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
    """A transcript as paragraphs of speaker turns; with ``speakers`` every speaker must be mapped."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    text, used = decode_text(data, source=source, encoding=encoding)
    kind = "vtt" if path.suffix.lower() == ".vtt" else "srt"
    cues = parse_cues(text, source=source, kind=kind)
    if not cues:
        raise QualcodeError("the transcript has no cues with words", source=source)
    turns: list[dict[str, object]] = []
    pieces: list[str] = []
    length = 0
    current: list[Cue] = []

    def label_of(cue: Cue) -> str | None:
        if cue.speaker is None:
            return None
        if speakers is None:
            return cue.speaker
        label = speakers.get(cue.speaker.casefold())
        if label is None:
            where = f" ({speakers_source})" if speakers_source else ""
            raise QualcodeError(
                f"speaker {cue.speaker!r} is not in the speaker map{where}", source=source, line=cue.line
            )
        return label

    def flush() -> None:
        nonlocal length
        if not current:
            return
        label = label_of(current[0])
        words = " ".join(c.text for c in current)
        paragraph = f"{label}: {words}" if label else words
        if pieces:
            pieces.append("\n")
            length += 1
        turns.append(
            {
                "start": length,
                "end": length + len(paragraph),
                "speaker": label,
                "from": current[0].start,
                "to": current[-1].end,
            }
        )
        pieces.append(paragraph)
        length += len(paragraph)
        current.clear()

    for cue in cues:
        if current and label_of(cue) != label_of(current[0]):
            flush()
        current.append(cue)
    flush()
    participants = sorted(
        {str(t["speaker"]) for t in turns if t["speaker"] and str(t["speaker"]).casefold() != "interviewer"}
    )
    meta: dict[str, object] = {"encoding": used, "turns": turns}
    if speakers is not None:
        meta["participants"] = participants
    return ImportedDocument(
        title=path.stem,
        text="".join(pieces),
        sha256=sha256_of(data),
        source_name=path.name,
        source_format=kind,
        meta=meta,
    )
