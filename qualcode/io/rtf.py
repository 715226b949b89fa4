"""RTF documents (WordPad, TextEdit, Word's "Rich Text Format") as plain text.

striprtf turns the control words into text; RTF spells non-ASCII letters as ``\\'hh`` bytes in
the document's code page (``\\ansicpg1251`` for Cyrillic, as Word writes it) or as ``\\uN``
Unicode escapes: the code page is read from the header so both come out as the letters typed.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.imported import ImportedDocument
from qualcode.io.text import sha256_of

RTF_SUFFIXES = (".rtf",)
_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def read_rtf(path: Path) -> ImportedDocument:
    """An RTF file as a document titled by its file name; refuses a file that is not RTF."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=source) from exc
    if not data.lstrip().startswith(b"{\\rtf"):
        raise QualcodeError("not an RTF file (it does not start with {\\rtf)", source=source)
    found = _CODEPAGE.search(data[:4096])
    encoding = f"cp{int(found.group(1))}" if found else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise QualcodeError(
            f"the RTF names code page {encoding}, which qualcode cannot read", source=source
        ) from None
    from striprtf.striprtf import rtf_to_text

    try:
        # RTF itself is 7-bit: latin-1 maps its bytes one to one; striprtf decodes \'hh itself.
        text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise QualcodeError(f"cannot read the RTF text in {encoding} ({exc})", source=source) from exc
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    body = "\n".join(line for line in lines if line)
    if not body:
        raise QualcodeError("the file has no text", source=source)
    return ImportedDocument(
        title=path.stem,
        text=body,
        sha256=sha256_of(data),
        source_name=path.name,
        source_format="rtf",
        meta={"encoding": encoding},
    )
