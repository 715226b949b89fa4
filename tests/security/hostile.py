"""Small hostile files (made up here): archives and XML that ask for far more than they hold."""

from __future__ import annotations

import zipfile
from pathlib import Path

ODT_MIME = b"application/vnd.oasis.opendocument.text"
_ODT_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:text><text:p>Интервью{body}</text:p></office:text></office:body>"
    "</office:document-content>"
)
_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
_DOCX_START = (
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
)
_DOCX_END = "</w:t></w:r></w:p></w:body></w:document>"


def spaces_odt(path: Path, count: int = 2_000_000_000) -> Path:
    """An .odt under a kilobyte whose one ``text:s`` asks for ``count`` spaces."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), ODT_MIME)
        content = _ODT_CONTENT.format(body=f'<text:s text:c="{count}"/>конец')
        zf.writestr("content.xml", content.encode(), compress_type=zipfile.ZIP_DEFLATED)
    return path


def _zeros_member(zf: zipfile.ZipFile, name: str, size: int, before: bytes = b"", after: bytes = b"") -> None:
    """One deflated member of ``size`` bytes, nearly all zeros (a zip bomb's payload)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    block = b"0" * (1 << 20)
    with zf.open(info, "w", force_zip64=True) as out:
        out.write(before)
        left = size - len(before) - len(after)
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
        out.write(after)


def zeros_docx(path: Path, size: int = 1 << 30) -> Path:
    """A .docx of about a megabyte whose body text inflates to ``size`` bytes of "0"."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _DOCX_TYPES)
        _zeros_member(zf, "word/document.xml", size, _DOCX_START.encode(), _DOCX_END.encode())
    return path


def zeros_qdpx(path: Path, size: int = 1 << 30) -> Path:
    """A .qdpx whose one source file inflates to ``size`` bytes of "0"."""
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        '<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="A" '
        'plainTextPath="internal://a.txt"/></Sources></Project>'
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("project.qde", qde)
        _zeros_member(zf, "sources/a.txt", size)
    return path


def zeros_xlsx(path: Path, size: int = 1 << 30) -> Path:
    """An .xlsx whose one worksheet inflates to ``size`` bytes of "0"."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _DOCX_TYPES)
        _zeros_member(zf, "xl/worksheets/sheet1.xml", size)
    return path


def billion_laughs_qdc(path: Path) -> Path:
    """A codebook whose entities would expand to gigabytes of "lol"."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE CodeBook [", ' <!ENTITY lol "lol">']
    lines.append(' <!ENTITY lol1 "' + "&lol;" * 10 + '">')
    for n in range(2, 10):
        lines.append(f' <!ENTITY lol{n} "' + f"&lol{n - 1};" * 10 + '">')
    lines.append("]>")
    lines.append(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="22222222-2222-2222-2222-222222222222" name="&lol9;" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def deep_qdc(path: Path, depth: int = 100_000) -> Path:
    """A codebook nested ``depth`` codes deep."""
    opening = '<Code guid="33333333-3333-3333-3333-333333333333" name="c" isCodable="true">' * depth
    text = (
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        + opening
        + "</Code>" * depth
        + "</Codes></CodeBook>"
    )
    path.write_text(text, encoding="utf-8")
    return path


def duplicated_docx(path: Path, hidden: str, shown: str) -> Path:
    """A .docx with two ``word/document.xml`` entries: ``hidden`` in the first, ``shown`` in the second."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, which is the point
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("[Content_Types].xml", _DOCX_TYPES)
            zf.writestr("word/document.xml", _DOCX_START + hidden + _DOCX_END)
            zf.writestr("word/document.xml", _DOCX_START + shown + _DOCX_END)
    return path
