"""Decide what a file is from its bytes, never from its name.

Applicants rename files freely (``scan_0003.pdf`` may be a JPEG, ``vedomost.xls`` an XLSX), so the
extension is ignored everywhere; only the content decides.
"""

from __future__ import annotations

import io
import zipfile

from ingest.errors import IngestError
from models.domain import FileKind

# PDF writers sometimes put junk (a BOM, an HTTP header, garbage) before the header; readers
# accept the header anywhere in the first kilobyte, so do we.
PDF_HEADER_WINDOW = 1024

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_XLSX_MARKER = "xl/workbook.xml"
_DOCX_MARKER = "word/document.xml"
_CONTENT_TYPES = "[Content_Types].xml"
_XLSX_PARTS = "xl/worksheets/"
_DOCX_PARTS = "word/"

# Formats people do upload but the service does not read: named so the refusal can tell the
# applicant what to convert (checked only once the file is known to be UNKNOWN).
_UNSUPPORTED_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "старый формат Microsoft Office (.doc / .xls)"),
    (b"Rar!\x1a\x07", 0, "архив RAR"),
    (b"7z\xbc\xaf\x27\x1c", 0, "архив 7z"),
    (b"\x1f\x8b", 0, "архив gzip"),
    (b"GIF8", 0, "изображение GIF"),
    (b"BM", 0, "изображение BMP"),
    (b"ftypheic", 4, "фотография HEIC"),
    (b"ftypheix", 4, "фотография HEIC"),
    (b"ftypmif1", 4, "фотография HEIF"),
    (b"{\\rtf", 0, "документ RTF"),
)


def sniff_kind(data: bytes) -> FileKind:
    """Return the kind of ``data`` by its magic bytes. Raises ``IngestError("empty_file")`` on 0 bytes."""
    if not data:
        raise IngestError("empty_file", "Файл пустой (0 байт): загрузите файл документа ещё раз.")
    # ZIP first: a ZIP whose first member is a stored PDF has "%PDF-" within its first bytes too.
    if data.startswith(_ZIP_MAGICS):
        return _zip_container_kind(data)
    if _PDF_MAGIC in data[:PDF_HEADER_WINDOW]:
        return FileKind.PDF
    if data.startswith(_JPEG_MAGIC):
        return FileKind.JPEG
    if data.startswith(_PNG_MAGIC):
        return FileKind.PNG
    if data.startswith(_TIFF_MAGICS):
        return FileKind.TIFF
    if _looks_like_xml(data):
        return FileKind.XML
    return FileKind.UNKNOWN


def describe_unsupported(data: bytes) -> str | None:
    """A Russian name for a recognised but unsupported format (``None`` when not recognised)."""
    for magic, offset, label in _UNSUPPORTED_SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return label
    return None


def _zip_container_kind(data: bytes) -> FileKind:
    # Only the central directory is read here (no member is decompressed), so this is safe on bombs.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return FileKind.ZIP  # archive.py reports it as corrupt with a reason
    # The conventional part names first; a part folder with a content-types manifest catches
    # exporters that name the main part differently.
    office = _CONTENT_TYPES in names
    if _XLSX_MARKER in names or (office and _has_prefix(names, _XLSX_PARTS)):
        return FileKind.XLSX
    if _DOCX_MARKER in names or (office and _has_prefix(names, _DOCX_PARTS)):
        return FileKind.DOCX
    return FileKind.ZIP


def _has_prefix(names: set[str], prefix: str) -> bool:
    return any(name.startswith(prefix) for name in names)


def _looks_like_xml(data: bytes) -> bool:
    head = data[:256]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    elif head[:2] in (b"<\x00", b"\x00<"):
        return True  # UTF-16 without a byte-order mark
    return head.lstrip(b" \t\r\n").startswith(b"<")
