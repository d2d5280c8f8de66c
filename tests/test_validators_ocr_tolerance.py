"""On OCR-read documents a difference that one lost, added or misread digit explains is not an accusation."""

from __future__ import annotations

import datetime as dt

import pytest

from models.domain import DocType, DocumentExtraction
from validators import check_document
from validators.samples import APPLICANT_BIN, SUPPLIER_BIN, make_doc, party


def _invoice(file_format: str, vat: float, base: float = 176_640_000.0) -> DocumentExtraction:
    doc = make_doc(
        "sf_1.pdf",
        DocType.INVOICE,
        number="1",
        date=dt.date(2025, 4, 9),
        total=base * 1.12,
        vat=vat,
        without_vat=base,
        parties=[party("supplier", SUPPLIER_BIN), party("customer", APPLICANT_BIN)],
    )
    doc.file_format = file_format
    return doc


def _codes(doc: DocumentExtraction) -> set[str]:
    return {f.code for f in check_document(doc)}


@pytest.mark.parametrize(
    "vat",
    [
        196_800.0,  # leading digits lost: 21 196 800 read as 196 800
        211_968_000.0,  # a digit added
        21_196_300.0,  # one digit misread
    ],
)
def test_digit_slip_on_a_scan_is_unverified_but_on_a_text_pdf_is_an_error(vat: float) -> None:
    assert _codes(_invoice("pdf_scan", vat)) == {"UNVERIFIED_FIELD"}
    assert "VAT_MISCALCULATED" in _codes(_invoice("pdf_text", vat))


def test_a_real_miscalculation_on_a_scan_is_still_reported() -> None:
    # 12 % of the gross instead of the net: many digits differ, no OCR slip explains it.
    assert "VAT_MISCALCULATED" in _codes(_invoice("image_jpg", 23_743_488.0))


def test_words_differing_by_an_ocr_extra_digit_are_unverified() -> None:
    doc = make_doc(
        "pp_1.jpg",
        DocType.PAYMENT_ORDER,
        number="1",
        date=dt.date(2024, 1, 10),
        total=104_208_000.0,
        words="Четыре миллиона двести восемь тысяч тенге 00 тиын",
    )
    doc.file_format = "image_jpg"
    assert _codes(doc) == {"UNVERIFIED_FIELD"}
    doc.file_format = "pdf_text"
    assert "AMOUNT_WORDS_MISMATCH" in _codes(doc)


def test_a_base_derived_from_a_misread_vat_does_not_hide_the_slip() -> None:
    # Printed total 197 836 800 (= 176 640 000 + 21 196 800); OCR lost "21" of the VAT and the base was
    # derived as total − VAT = 197 640 000: the VAT the total implies still shows the slip.
    doc = _invoice("pdf_scan", 196_800.0, base=176_640_000.0)
    assert doc.amounts is not None
    doc.amounts.total = doc.amounts.total.model_copy(update={"value": 197_836_800.0})
    doc.amounts.amount_without_vat = doc.amounts.amount_without_vat.model_copy(update={"value": 197_640_000.0})
    assert _codes(doc) == {"UNVERIFIED_FIELD"}
