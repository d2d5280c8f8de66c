"""File kinds are decided by content: each kind built here for real and sniffed back."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from docx import Document
from fpdf import FPDF
from PIL import Image

from ingest.errors import IngestError
from ingest.sniff import describe_unsupported, sniff_kind
from models.domain import FileKind


def make_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Payment order 1284")
    return bytes(pdf.output())


def make_image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, fmt)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["ФИО", "Начислено"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = Document()
    document.add_paragraph("Договор № 15/22")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (make_pdf(), FileKind.PDF),
        (make_image("JPEG"), FileKind.JPEG),
        (make_image("PNG"), FileKind.PNG),
        (make_image("TIFF"), FileKind.TIFF),
        (make_xlsx(), FileKind.XLSX),
        (make_docx(), FileKind.DOCX),
        (make_zip({"a.pdf": b"%PDF-1.4"}), FileKind.ZIP),
    ],
    ids=["pdf", "jpeg", "png", "tiff", "xlsx", "docx", "zip"],
)
def test_real_files_are_recognised(data: bytes, kind: FileKind) -> None:
    assert sniff_kind(data) == kind


def test_pdf_header_after_leading_junk_is_found_within_the_first_kilobyte() -> None:
    pdf = make_pdf()
    assert sniff_kind(b"\xef\xbb\xbf" + b" " * 500 + pdf) == FileKind.PDF
    assert sniff_kind(b"x" * 2000 + pdf) == FileKind.UNKNOWN


def test_office_container_with_unusual_part_names_is_still_recognised() -> None:
    xlsx_like = make_zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"})
    assert sniff_kind(xlsx_like) == FileKind.XLSX


def test_damaged_zip_is_still_a_zip_for_the_archive_reader_to_refuse() -> None:
    assert sniff_kind(b"PK\x03\x04" + b"\x00garbage" * 10) == FileKind.ZIP


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-8"?><invoice/>',
        b"\xef\xbb\xbf\r\n  <?xml version='1.0'?><a/>",
        '<?xml version="1.0" encoding="UTF-16"?><esf/>'.encode("utf-16"),
        "<esf/>".encode("utf-16-le"),
    ],
    ids=["plain", "bom-and-whitespace", "utf16-bom", "utf16-no-bom"],
)
def test_xml_variants(data: bytes) -> None:
    assert sniff_kind(data) == FileKind.XML


def test_empty_file_is_refused_with_a_russian_reason() -> None:
    with pytest.raises(IngestError) as caught:
        sniff_kind(b"")
    assert caught.value.code == "empty_file"
    assert re.search("[а-яё]", caught.value.reason)


def test_unknown_content_is_unknown_and_known_unsupported_formats_are_named() -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    assert sniff_kind(ole2) == FileKind.UNKNOWN
    assert ".xls" in (describe_unsupported(ole2) or "")
    assert sniff_kind(b"plain text, not a document") == FileKind.UNKNOWN
    assert describe_unsupported(b"plain text, not a document") is None


def test_zip_whose_first_member_is_a_stored_pdf_is_a_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("dossier/a.pdf", b"%PDF-1.4\n%%EOF\n")
    assert sniff_kind(buf.getvalue()) == FileKind.ZIP
