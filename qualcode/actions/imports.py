"""Import a batch of files: read every file, refuse the batch before anything is stored, then
store each file in its own transaction (one event per file, each undoable).

Shared by ``qualcode import`` and any other front end that imports files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.db.schema import OpenedStudy
from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.services.documents import (
    DocumentToStore,
    ImportResult,
    check_storable,
    import_document,
    participant_named_like,
)
from qualcode.services.uow import run_write, unit_of_work


@dataclass(frozen=True)
class ImportedFile:
    path: Path
    document: ImportedDocument
    result: ImportResult
    linked: bool = False  # its participant was found by its file name


def owner(doc: ImportedDocument, participant: str | None) -> str | None:
    """The participant a document belongs to: ``participant``, or a transcript's one mapped speaker."""
    mapped = doc.meta.get("participants") if participant is None else None
    if isinstance(mapped, list) and len(mapped) == 1:
        return str(mapped[0])
    return participant


def check_files(paths: Sequence[Path], suffixes: Sequence[str], *, title: str | None = None) -> None:
    """Refuse a missing file, an unknown suffix, or ``title`` for more than one file."""
    if title and len(paths) != 1:
        raise QualcodeError("--title names one document; give one file")
    for path in paths:
        if not path.is_file():
            raise QualcodeError("no such file", source=str(path))
        if path.suffix.lower() not in suffixes:
            raise QualcodeError(
                f"unsupported file type {path.suffix or '(none)'}; qualcode reads " + ", ".join(suffixes),
                source=str(path),
            )


def import_batch(
    study: OpenedStudy,
    paths: Sequence[Path],
    *,
    coder: str | None = None,
    participant: str | None = None,
    encoding: str | None = None,
    pseudonyms: Path | None = None,
    speakers: Path | None = None,
    same_range: str = "codings",
    again: bool = False,
    title: str | None = None,
    on_read: Callable[[Path], None] | None = None,
    on_stored: Callable[[ImportedFile], None] | None = None,
) -> list[ImportedFile]:
    """Import ``paths`` (.txt/.md, .docx, .odt, .vtt/.srt) into ``study`` as ``coder``.

    Every file is read (with the pseudonym key and speaker map applied) before any is stored;
    the whole batch is then checked once (``check_storable``: same content unless ``again``, a
    title in use, an unknown participant), so a bad file stops the run with nothing imported.
    Each file is then stored in its own transaction. ``on_read``/``on_stored`` report progress.
    Raises QualcodeError naming the file on any refusal.
    """
    from qualcode.io.pseudonyms import PseudonymKey
    from qualcode.io.readers import DOCUMENT_SUFFIXES, read_document
    from qualcode.io.transcripts import read_speaker_map

    check_files(paths, DOCUMENT_SUFFIXES, title=title)
    key = PseudonymKey.from_csv(pseudonyms, encoding=encoding) if pseudonyms else None
    speaker_map = read_speaker_map(speakers, encoding=encoding) if speakers else None
    docs = []
    for path in paths:
        docs.append(
            read_document(
                path,
                encoding=encoding,
                pseudonyms=key,
                speakers=speaker_map,
                speakers_source=str(speakers or ""),
                same_range=same_range,
            )
        )
        if on_read:
            on_read(path)
    owners = [owner(doc, participant) for doc in docs]
    linked: set[int] = set()
    with unit_of_work(study, coder=coder, write=False) as uow:
        # A file named after a participant ("Expert K.docx") is that participant's.
        named = (
            participant_named_like(uow, [title or doc.title for doc in docs]) if participant is None else {}
        )
        for i, doc in enumerate(docs):
            label = named.get(title or doc.title)
            if owners[i] is None and label is not None:
                owners[i] = label
                linked.add(i)
        items = [DocumentToStore(doc, who, title) for doc, who in zip(docs, owners, strict=True)]
        check_storable(uow, items, allow_duplicate=again)
    done: list[ImportedFile] = []
    for i, (path, doc, item) in enumerate(zip(paths, docs, items, strict=True)):
        result = run_write(
            study,
            import_document,
            doc,
            coder=coder,
            participant=item.participant,
            allow_duplicate=again,
            title=title,
            checked=True,
        )
        stored = ImportedFile(path, doc, result, i in linked)
        done.append(stored)
        if on_stored:
            on_stored(stored)
    return done
