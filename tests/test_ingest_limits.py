"""Size, page and pixel limits, and the refusals of unreadable files, each with its code."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from fpdf import FPDF
from PIL import Image

from foundation.settings import Limits
from ingest.dossier import load_dossier
from ingest.errors import IngestError, UnreadableDocument
from ingest.limits import check_limits
from ingest.sniff import sniff_kind
from models.domain import FileKind

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_DEV = SHARED / "corpus" / "dev"


def make_pdf(pages: int = 1, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Page {number + 1}")
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    return bytes(pdf.output())


def make_image(fmt: str, size: tuple[int, int] = (60, 40), frames: int = 1) -> bytes:
    images = [Image.new("L", size, 255 - 10 * i) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=frames > 1, append_images=images[1:])
    return buffer.getvalue()


def assert_russian(reason: str) -> None:
    assert re.search("[а-яё]", reason, re.IGNORECASE), reason


def refusal(data: bytes, limits: Limits | None = None) -> IngestError:
    with pytest.raises(IngestError) as caught:
        check_limits(data, sniff_kind(data), limits or Limits())
    assert_russian(caught.value.reason)
    return caught.value


# --------------------------------------------------------------------------- PDF


def test_text_pdf_page_count() -> None:
    assert check_limits(make_pdf(pages=3), FileKind.PDF, Limits()) == 3


def test_pdf_with_user_password_is_unreadable_encrypted() -> None:
    error = refusal(make_pdf(user_password="secret", owner_password="owner"))
    assert isinstance(error, UnreadableDocument)
    assert error.code == "encrypted_pdf"
    assert "парол" in error.reason


def test_pdf_with_only_an_owner_password_opens() -> None:
    # Permissions-only encryption does not stop reading, so it must not be refused.
    assert check_limits(make_pdf(owner_password="owner"), FileKind.PDF, Limits()) == 1


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n this is not a pdf body at all", make_pdf()[:300], make_pdf()[:-60]],
    ids=["garbled", "truncated-head", "truncated-tail"],
)
def test_corrupt_pdf(data: bytes) -> None:
    error = refusal(data)
    assert isinstance(error, UnreadableDocument)
    assert error.code == "corrupt_pdf"


def test_too_many_pages_is_a_refusal_not_an_unreadable_document() -> None:
    error = refusal(make_pdf(pages=3), Limits(max_pdf_pages=2))
    assert error.code == "too_many_pages"
    assert not isinstance(error, UnreadableDocument)


def test_file_too_large() -> None:
    error = refusal(make_pdf(), Limits(max_file_bytes=100))
    assert error.code == "file_too_large"


# --------------------------------------------------------------------------- images


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_good_images_are_one_page(fmt: str) -> None:
    assert check_limits(make_image(fmt), sniff_kind(make_image(fmt)), Limits()) == 1


def test_multi_page_tiff_counts_its_pages() -> None:
    assert check_limits(make_image("TIFF", frames=3), FileKind.TIFF, Limits()) == 3


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_corrupt(fmt: str) -> None:
    noisy = Image.effect_noise((300, 200), 80)  # noise: a long stream, so half of it is a real cut
    buffer = io.BytesIO()
    noisy.save(buffer, fmt)
    data = buffer.getvalue()
    error = refusal(data[: len(data) // 2])
    assert isinstance(error, UnreadableDocument)
    assert error.code == "corrupt_image"


@pytest.mark.parametrize("size", [(1200, 1000), (3000, 1000)], ids=["above-limit", "above-pillow-bomb-guard"])
def test_image_over_the_megapixel_limit(size: tuple[int, int]) -> None:
    error = refusal(make_image("PNG", size=size), Limits(max_image_megapixels=1))
    assert error.code == "image_too_large"


# --------------------------------------------------------------------------- containers, XML, unknown


def test_xlsx_page_count_is_its_sheet_count() -> None:
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Февраль")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert check_limits(buffer.getvalue(), FileKind.XLSX, Limits()) == 2


def test_xml_is_parsed_safely() -> None:
    assert check_limits(b"<?xml version='1.0'?><invoice><num>1</num></invoice>", FileKind.XML, Limits()) == 1
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    assert refusal(laughs).code == "xml_forbidden_constructs"
    broken = refusal(b"<?xml version='1.0'?><invoice><num>1</invoice>")
    assert broken.code == "corrupt_xml"
    assert isinstance(broken, UnreadableDocument)


def test_unknown_format_reason_names_what_is_accepted() -> None:
    error = refusal(b"just some text")
    assert error.code == "unsupported_format"
    assert "PDF" in error.reason and "XLSX" in error.reason
    old_word = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert ".doc" in old_word.reason


# --------------------------------------------------------------------------- corpus


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_DEV.exists(), reason="shared corpus not available")
def test_corpus_page_counts_match_expected() -> None:
    checked = 0
    for dossier in sorted(CORPUS_DEV.iterdir()):
        expected = json.loads((dossier / "expected.json").read_text(encoding="utf-8"))["documents"]
        for source in load_dossier(dossier, Limits()).files:
            assert check_limits(source.data, source.kind, Limits()) == expected[source.name]["pages"], (
                source.name
            )
            checked += 1
    assert checked > 0
