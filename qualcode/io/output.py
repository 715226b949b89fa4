"""Writing export files safely: a temporary file beside the target, renamed into place.

A failed export never leaves a half-written file where the researcher expects a good one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.domain.errors import QualcodeError


def ensure_folder(path: Path) -> None:
    """Refuse early (before any work) when the file's folder is missing."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise QualcodeError("the folder does not exist", source=str(folder))


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``path`` (readable by the owner only)."""
    ensure_folder(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
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


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text (with a BOM for .csv, so Excel reads Cyrillic right)."""
    encoding = "utf-8-sig" if path.suffix.lower() == ".csv" else "utf-8"
    with replacing(path) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
