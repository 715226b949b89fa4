"""Writing export files safely.

- Atomic: a temporary file beside the target (readable by its owner only: exports carry
  interview excerpts), renamed into place, so a failed export never leaves a half-written file
  where the researcher expects a good one.
- Never onto the study: ``check_target`` refuses the open study's file (and its -wal/-shm/
  -journal), any other SQLite database (another study), and any existing file qualcode did
  not write there, unless ``force``. What qualcode wrote is remembered per target as the
  SHA-256 of the bytes it wrote (in ``$QUALCODE_STATE_DIR``, default
  ``$XDG_STATE_HOME/qualcode/exports``), so exporting again over its own file needs nothing,
  while a file the researcher edited since, or a thesis chapter with the same name, is kept.
- Unwritable targets are a ``QualcodeError`` naming the path (exit 2), never a traceback.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.domain.errors import QualcodeError

SQLITE_MAGIC = b"SQLite format 3\x00"
STUDY_COMPANIONS = ("", "-wal", "-shm", "-journal")


def ensure_folder(path: Path) -> None:
    """Refuse early (before any work) when the file's folder is missing or cannot take a new
    file: a temporary file is made there and removed, which is what the export will do
    (``os.access`` alone says yes for root in /proc or on a read-only file system)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise QualcodeError("the folder does not exist", source=str(folder))
    try:
        fd, probe = tempfile.mkstemp(prefix=".qualcode-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        # ENOENT inside a folder that exists: a file system that takes no new files (/proc).
        reason = "not allowed here" if exc.errno == errno.ENOENT else (exc.strerror or type(exc).__name__)
        raise QualcodeError(f"cannot create a file in this folder ({reason})", source=str(path)) from exc


def _state_dir() -> Path:
    explicit = os.environ.get("QUALCODE_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "qualcode" / "exports"


def _record_of(path: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return _state_dir() / key


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def written_by_qualcode(path: Path) -> bool:
    """True when ``path`` holds exactly the bytes qualcode last wrote there."""
    try:
        return _record_of(path).read_text(encoding="ascii").strip() == _digest(path)
    except OSError:
        return False


def _remember(path: Path) -> None:
    """Note what was written at ``path`` (best effort: a read-only home only costs a --force)."""
    try:
        record = _record_of(path)
        record.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        record.write_text(_digest(path) + "\n", encoding="ascii")
    except OSError:
        pass


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _refuse_special(path: Path) -> None:
    """A folder, device, FIFO or socket is never replaced by an export (``-o /dev/null`` as
    root would otherwise become a regular file, and reading a FIFO would hang)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a dangling link: the export writes a new file at the path
    if stat.S_ISDIR(mode):
        raise QualcodeError("a folder is there; give a file name", source=str(path))
    if not stat.S_ISREG(mode):
        raise QualcodeError(
            "this is not a regular file (a device, pipe or socket); an export only writes files",
            source=str(path),
        )


def check_target(path: Path, *, study: Path | None = None, force: bool = False) -> None:
    """Refuse an export target that would destroy something (see the module's docstring).

    Raises ``QualcodeError`` (exit 2) naming the path: always for the open study's own files;
    without ``force`` for a SQLite database or an existing file qualcode did not write there.
    """
    ensure_folder(path)
    target = path.resolve()
    if study is not None:
        for suffix in STUDY_COMPANIONS:
            own = Path(str(study) + suffix)
            if target == own.resolve() or (own.exists() and path.exists() and os.path.samefile(path, own)):
                raise QualcodeError(
                    "this is the open study's own file; export to another file", source=str(path)
                )
    if not os.path.lexists(path):
        return
    _refuse_special(path)
    if force:
        return
    if _is_sqlite(path):
        raise QualcodeError(
            "this is a SQLite database (another study?); it was not replaced (add --force to replace it)",
            source=str(path),
        )
    if path.stat().st_size and not written_by_qualcode(path):
        raise QualcodeError(
            "a file qualcode did not write is there (or it was changed since); it was not replaced "
            "(add --force to replace it)",
            source=str(path),
        )


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``path``
    (readable by the owner only) and qualcode remembers having written it."""
    ensure_folder(path)
    if os.path.lexists(path):
        _refuse_special(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", source=str(path)) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o600)  # exports carry interview excerpts
        os.replace(tmp_path, path)
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", source=str(path)) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    _remember(path)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text (with a BOM for .csv, so Excel reads Cyrillic right)."""
    encoding = "utf-8-sig" if path.suffix.lower() == ".csv" else "utf-8"
    with replacing(path) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
