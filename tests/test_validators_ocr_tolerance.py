"""On OCR-read documents a difference that one lost, added or misread digit explains is not an accusation."""

from __future__ import annotations

import datetime as dt

import pytest

from models.domain import DocType, DocumentExtraction
from tests.fixtures.validator_samples import APPLICANT_BIN, SUPPLIER_BIN, make_doc, party
from validators import check_document


def _invoice(file_format: str, vat: float, base: float = 176_640_000.0) -> DocumentExtraction:
    doc = make_doc(
        "sf_1.pdf",
        DocType.INVOICE,
        number="1",
        date=dt.date(2025, 4, 9),
        total=base + vat,  # as printed: the figures add up, the VAT line itself is what is in question
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


def _payment(docs: list[DocumentExtraction]) -> DocumentExtraction:
    return next(d for d in docs if d.file == "pp_101.pdf")


def _keys(app, docs) -> set[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    from validators import check_dossier

    app = app.model_copy(update={"files": [d.file for d in docs]})
    return {(f.code, f.file) for f in check_dossier(app, docs).findings}


def test_counterparty_bin_under_the_payer_label_of_a_photo_is_unverified_not_a_mismatch() -> None:
    from tests.fixtures.validator_samples import works_dossier

    app, docs = works_dossier()
    pp = _payment(docs)
    pp.parties = [party("payer", SUPPLIER_BIN)]  # the photo lost the beneficiary label
    pp.file_format = "image_jpg"
    assert ("UNVERIFIED_FIELD", "pp_101.pdf") in _keys(app, docs)
    assert not any(code == "PARTY_MISMATCH" for code, _ in _keys(app, docs))
    pp.file_format = "pdf_text"  # printed that way on a text PDF: a real oddity
    assert ("PARTY_MISMATCH", "pp_101.pdf") in _keys(app, docs)


def test_a_photo_copy_with_mixed_up_roles_is_still_a_duplicate() -> None:
    from tests.fixtures.validator_samples import works_dossier

    app, docs = works_dossier()
    photo = _payment(docs).model_copy(deep=True)
    photo.file, photo.file_format, photo.sha256 = "IMG_0001.jpg", "image_jpg", None
    photo.parties = [party("payer", SUPPLIER_BIN)]
    keys = _keys(app, docs + [photo])
    assert ("DUPLICATE_DOCUMENT", "IMG_0001.jpg") in keys
    assert not any(code == "PARTY_MISMATCH" for code, _ in keys)


def test_a_scanned_contracts_bin_that_the_other_documents_contradict_alike_accuses_nobody() -> None:
    from tests.fixtures.validator_samples import OTHER_BIN, works_dossier

    app, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    contract.parties = [party("customer", APPLICANT_BIN), party("supplier", OTHER_BIN)]  # OCR misread two digits
    contract.file_format = "pdf_scan"
    found = _keys(app, docs)
    assert not any(code == "PARTY_MISMATCH" for code, _ in found)
    assert ("UNVERIFIED_FIELD", "pp_101.pdf") in found
    contract.file_format = "pdf_text"  # a printed contract is the reference: every other document is then off
    assert ("PARTY_MISMATCH", "pp_101.pdf") in _keys(app, docs)
