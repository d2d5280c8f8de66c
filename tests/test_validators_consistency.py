"""Findings rest on figures their own document backs: a triple that does not add up, a VAT that is only the
reader's subtraction, or a scanned total no second reading confirms is «требует проверки», never an accusation."""

from __future__ import annotations

import datetime as dt

from models.domain import DocType, DocumentExtraction, ExtractedValue
from tests.fixtures.validator_samples import APPLICANT_BIN, SUPPLIER_BIN, make_doc, party, works_dossier
from validators import check_document, check_dossier


def _figures(value: float, raw: str | None = None, confidence: float = 1.0) -> ExtractedValue:
    return ExtractedValue(value=value, raw=raw if raw is not None else f"{value:,.2f}".replace(",", " "),
                          confidence=confidence)


def _contract(file_format: str = "pdf_text") -> DocumentExtraction:
    doc = make_doc(
        "dogovor_x.pdf",
        DocType.CONTRACT,
        number="X-1",
        date=dt.date(2022, 7, 19),
        parties=[party("customer", APPLICANT_BIN), party("supplier", SUPPLIER_BIN)],
        total=30_660_000.0,
        vat=30_660.0,
    )
    doc.file_format = file_format
    assert doc.amounts is not None
    doc.amounts.total = _figures(30_660_000.0)
    doc.amounts.vat = _figures(30_660.0, raw="30 660")
    # what a reader derives when it took a wrapped cell's first half for the VAT: total − VAT
    doc.amounts.amount_without_vat = ExtractedValue(value=30_629_340.0, raw=None, confidence=0.85)
    return doc


def _codes(doc: DocumentExtraction) -> set[str]:
    return {f.code for f in check_document(doc)}


def test_a_vat_that_is_a_stray_share_of_a_derived_base_is_unverified_even_on_a_text_pdf() -> None:
    findings = check_document(_contract())
    assert {f.code for f in findings} == {"UNVERIFIED_FIELD"}
    assert any("0.1 %" in f.message or "0,1 %" in f.message for f in findings)


def test_three_printed_figures_that_do_not_add_up_are_a_misreading_not_a_vat_error() -> None:
    doc = _contract()
    assert doc.amounts is not None
    doc.amounts.vat = _figures(1_000_000.0)
    doc.amounts.amount_without_vat = _figures(27_375_000.0)  # 27 375 000 + 1 000 000 ≠ 30 660 000
    findings = check_document(doc)
    assert {f.code for f in findings} == {"UNVERIFIED_FIELD"}
    assert any("не сходятся" in f.message for f in findings)


def test_printed_figures_that_add_up_with_a_wrong_vat_are_still_reported() -> None:
    doc = _contract()
    assert doc.amounts is not None
    doc.amounts.vat = _figures(2_787_272.73)  # 10 % of the base instead of 12 %
    doc.amounts.amount_without_vat = _figures(27_872_727.27)
    assert "VAT_MISCALCULATED" in _codes(doc)


def test_a_scanned_act_total_without_a_second_reading_does_not_raise_an_amount_mismatch() -> None:
    app, docs = works_dossier()
    act = next(d for d in docs if d.doc_type == DocType.ACT_OF_WORK)
    act.file_format = "image_jpg"
    assert act.amounts is not None
    # OCR glued two cells: 75 708 040 where the act prints 7 066 080; VAT and the amount without VAT not read
    act.amounts.total = _figures(75_708_040.0, raw="75708040", confidence=0.86)
    act.amounts.vat = None
    act.amounts.amount_without_vat = None
    act.amount_words = None
    result = check_dossier(app.model_copy(update={"files": [d.file for d in docs]}), docs)
    assert "AMOUNT_MISMATCH" not in {f.code for f in result.findings}
    assert any(f.code == "UNVERIFIED_FIELD" and f.file == act.file for f in result.findings)


def test_a_scanned_act_total_confirmed_by_its_words_still_raises_the_mismatch() -> None:
    app, docs = works_dossier()
    act = next(d for d in docs if d.doc_type == DocType.ACT_OF_WORK)
    act.file_format = "image_jpg"
    assert act.amounts is not None
    act.amounts.total = _figures(12_320_000.0, confidence=0.9)
    act.amounts.vat = None
    act.amounts.amount_without_vat = None
    act.amount_words = ExtractedValue(value="Двенадцать миллионов триста двадцать тысяч тенге 00 тиын", raw="…")
    result = check_dossier(app.model_copy(update={"files": [d.file for d in docs]}), docs)
    assert "AMOUNT_MISMATCH" in {f.code for f in result.findings}
