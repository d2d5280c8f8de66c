"""Every finding code on small hand-made dossiers: raised when it should be, silent when it should not."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.identifiers import is_valid_bin
from models.domain import (
    Amounts,
    Application,
    ContractRef,
    DocType,
    DocumentExtraction,
    ExtractedValue,
    PayrollRow,
)
from tests.fixtures.validator_samples import (
    APPLICANT_BIN,
    CONTRACT_DATE,
    CONTRACT_NO,
    OTHER_BIN,
    SUPPLIER_BIN,
    broken_bin,
    employee_dossier,
    make_application,
    make_doc,
    party,
    payroll_sheet,
    works_dossier,
)
from validators import check_document, check_dossier
from validators.dossier import DossierCheck


def run(app: Application, docs: list[DocumentExtraction]) -> DossierCheck:
    app = app.model_copy(update={"files": [d.file for d in docs]})
    return check_dossier(app, docs)


def keys(result: DossierCheck) -> set[tuple[str, str | None]]:
    return {(f.code, f.file or f.doc_type or f.duplicate_of) for f in result.scored_findings}


def codes(result: DossierCheck) -> set[str]:
    return {f.code for f in result.findings}


def get(docs: list[DocumentExtraction], file: str) -> DocumentExtraction:
    return next(d for d in docs if d.file == file)


def amounts_of(doc: DocumentExtraction) -> Amounts:
    assert doc.amounts is not None
    return doc.amounts


def ref_of(doc: DocumentExtraction) -> ContractRef:
    assert doc.contract_ref is not None
    return doc.contract_ref


def value(v: object, confidence: float = 1.0) -> ExtractedValue:
    return ExtractedValue(value=v, confidence=confidence)


# --------------------------------------------------------------------------- baselines


@pytest.mark.parametrize("build", [works_dossier, employee_dossier])
def test_clean_baselines_have_no_findings(build) -> None:
    result = run(*build())
    assert result.findings == []
    assert result.clean
    assert all(i.status in ("present", "not_required") for i in result.checklist)


# --------------------------------------------------------------------------- MISSING_DOCUMENT


def test_missing_invoice_is_reported_by_type() -> None:
    app, docs = works_dossier()
    result = run(app, [d for d in docs if d.doc_type != DocType.INVOICE])
    assert keys(result) == {("MISSING_DOCUMENT", "invoice")}
    assert "Счета-фактуры" in result.scored_findings[0].message
    assert next(i for i in result.checklist if i.doc_type == "invoice").status == "missing"
    assert not result.clean


def test_digital_measure_requires_a_strategy_and_foreign_employee_needs_no_act() -> None:
    app, docs = works_dossier()
    assert keys(
        run(
            app.model_copy(
                update={"measure": "digital", "cost_type": "iiot", "claimed_reimbursement_kzt": 5_000_000.0}
            ),
            docs,
        )
    ) == {("MISSING_DOCUMENT", "digital_strategy")}
    app, docs = employee_dossier()
    result = run(app, [d for d in docs if d.doc_type != DocType.PAYROLL])
    assert ("MISSING_DOCUMENT", "payroll") in keys(result)
    assert not any(k[1] in ("act_of_work", "invoice") for k in keys(result))


# --------------------------------------------------------------------------- MISSING_TRANSLATION


def _foreign_contract(docs: list[DocumentExtraction]) -> None:
    get(docs, "dogovor.pdf").language = "zh"


def test_foreign_document_without_translation() -> None:
    app, docs = works_dossier()
    _foreign_contract(docs)
    result = run(app, docs)
    assert keys(result) == {("MISSING_TRANSLATION", "dogovor.pdf")}
    assert "китайском" in result.findings[0].message
    assert next(i for i in result.checklist if i.doc_type == "translation").status == "missing"


def test_translation_by_file_name_or_by_translated_type_satisfies_it() -> None:
    app, docs = works_dossier()
    _foreign_contract(docs)
    explicit = make_doc("perevod.pdf", DocType.TRANSLATION, translation_of="dogovor.pdf")
    result = run(app, docs + [explicit])
    assert keys(result) == set()
    by_type = make_doc("perevod.pdf", DocType.TRANSLATION)
    by_type.translated_doc_type = DocType.CONTRACT
    result = run(app, docs + [by_type])
    assert keys(result) == set()
    assert result.translation_pairs == {"perevod.pdf": "dogovor.pdf"}


def test_unpaired_translation_makes_it_unverified_not_missing() -> None:
    app, docs = works_dossier()
    _foreign_contract(docs)
    result = run(app, docs + [make_doc("perevod.pdf", DocType.TRANSLATION)])
    assert keys(result) == set()
    assert "UNVERIFIED_FIELD" in codes(result)


def test_kazakh_and_russian_need_no_translation_and_unknown_language_is_not_accused() -> None:
    app, docs = works_dossier()
    get(docs, "dogovor.pdf").language = "kk"
    get(docs, "akt_1.pdf").language = None
    assert keys(run(app, docs)) == set()


# --------------------------------------------------------------------------- AMOUNT_MISMATCH


def test_act_total_differing_from_contract() -> None:
    app, docs = works_dossier()
    act = get(docs, "akt_1.pdf")
    amounts_of(act).total = value(11_000_000.0)
    amounts_of(act).amount_without_vat = value(9_821_428.57)
    amounts_of(act).vat = value(1_178_571.43)
    assert keys(run(app, docs)) == {("AMOUNT_MISMATCH", "act_of_work")}


@pytest.mark.parametrize(
    "printed",
    [
        "11  200 000,00",  # a neighbouring cell's figure glued to the sum: groups at unequal distances
        "Одиннадцать миллионов двести тысяч тенге",  # figures not found, the words stand in
    ],
)
def test_a_text_layer_total_not_read_as_one_printed_figure_accuses_nobody(printed: str) -> None:
    app, docs = works_dossier()
    act = get(docs, "akt_1.pdf")
    act.file_format = "pdf_text"
    amounts_of(act).total = ExtractedValue(value=22_200_000.0, raw=printed, confidence=1.0)
    amounts_of(act).vat = None
    amounts_of(act).amount_without_vat = None
    result = run(app, docs)
    assert "AMOUNT_MISMATCH" not in codes(result)
    unverified = [f for f in result.findings if f.code == "UNVERIFIED_FIELD" and f.file == "akt_1.pdf"]
    assert unverified, [f.message for f in result.findings]


def test_a_scanned_figure_alone_without_its_vat_line_accuses_nobody() -> None:
    # OCR lost the act's VAT line: the one figure read (the amount without VAT, 10 000 000) could be either.
    app, docs = works_dossier()
    act = get(docs, "akt_1.pdf")
    act.file_format = "pdf_scan"
    amounts_of(act).total = ExtractedValue(value=10_000_000.0, raw="10 000 000,00", confidence=0.96)
    amounts_of(act).vat = ExtractedValue(value=0.0, raw=None, confidence=0.3)  # assumed, not read
    amounts_of(act).amount_without_vat = None
    result = run(app, docs)
    assert "AMOUNT_MISMATCH" not in codes(result)
    assert any(f.code == "UNVERIFIED_FIELD" and f.file == "akt_1.pdf" for f in result.findings)
    # With its VAT line read, the same confident figure stands and the mismatch is reported.
    amounts_of(act).vat = ExtractedValue(value=1_200_000.0, raw="1 200 000,00", confidence=0.96)
    amounts_of(act).total = ExtractedValue(value=11_000_000.0, raw="11 000 000,00", confidence=0.96)
    amounts_of(act).amount_without_vat = ExtractedValue(value=9_800_000.0, raw="9 800 000,00", confidence=0.96)
    assert ("AMOUNT_MISMATCH", "act_of_work") in keys(run(app, docs))


def test_several_acts_summing_to_the_contract_are_fine() -> None:
    app, docs = works_dossier()
    ref = (CONTRACT_NO, CONTRACT_DATE)
    sides = [party("customer", APPLICANT_BIN), party("supplier", SUPPLIER_BIN)]
    acts = [
        make_doc(
            "akt_a.pdf",
            DocType.ACT_OF_WORK,
            number="A",
            date=dt.date(2023, 5, 31),
            parties=sides,
            total=3_360_000.0,
            vat=360_000.0,
            without_vat=3_000_000.0,
            ref=ref,
        ),
        make_doc(
            "akt_b.pdf",
            DocType.ACT_OF_WORK,
            number="B",
            date=dt.date(2023, 7, 31),
            parties=sides,
            total=7_840_000.0,
            vat=840_000.0,
            without_vat=7_000_000.0,
            ref=ref,
        ),
    ]
    docs = [d for d in docs if d.file != "akt_1.pdf"] + acts
    assert keys(run(app, docs)) == set()
    # beyond the 0.01 tolerance; the act's own figures still add up (a misread total would not)
    amounts_of(acts[1]).vat = value(840_000.02)
    amounts_of(acts[1]).total = value(7_840_000.02)
    assert keys(run(app, docs)) == {("AMOUNT_MISMATCH", "act_of_work")}


def test_unread_act_total_is_not_a_mismatch() -> None:
    app, docs = works_dossier()
    amounts_of(get(docs, "akt_1.pdf")).total = None
    amounts_of(get(docs, "akt_1.pdf")).amount_without_vat = None
    result = run(app, docs)
    assert keys(result) == set()
    assert "UNVERIFIED_FIELD" in codes(result)


# --------------------------------------------------------------------------- PAYMENTS_EXCEED_CONTRACT


def test_payments_beyond_the_contract_price() -> None:
    app, docs = works_dossier()
    extra = make_doc(
        "pp_103.pdf",
        DocType.PAYMENT_ORDER,
        number="103",
        date=dt.date(2023, 9, 1),
        parties=[party("payer", APPLICANT_BIN), party("beneficiary", SUPPLIER_BIN)],
        total=1_120_000.0,
        vat=120_000.0,
        without_vat=1_000_000.0,
        ref=(CONTRACT_NO, CONTRACT_DATE),
    )
    result = run(app.model_copy(update={"claimed_eligible_costs_kzt": 11_000_000.0}), docs + [extra])
    assert keys(result) == {("PAYMENTS_EXCEED_CONTRACT", None)}
    assert result.computed and result.computed.claimed_costs_kzt == 11_000_000.0
    assert result.computed.eligible_costs_kzt == 10_000_000.0  # only up to the price without VAT


def test_budget_payments_are_not_contract_payments() -> None:
    app, docs = works_dossier()
    tax = make_doc(
        "pp_tax.pdf",
        DocType.PAYMENT_ORDER,
        number="900",
        date=dt.date(2023, 9, 1),
        knp="911",
        parties=[party("payer", APPLICANT_BIN), party("beneficiary", OTHER_BIN)],
        total=500_000.0,
        vat=0.0,
    )
    result = run(app, docs + [tax])
    assert keys(result) == set()
    assert result.computed and result.computed.eligible_costs_kzt == 10_000_000.0


# --------------------------------------------------------------------------- VAT_MISCALCULATED


def test_wrong_vat_on_an_act() -> None:
    app, docs = works_dossier()
    act = amounts_of(get(docs, "akt_1.pdf"))
    act.vat = value(1_000_000.0)
    act.total = value(act.amount_without_vat.value + 1_000_000.0)  # the act's figures add up: the VAT line is wrong
    result = run(app, docs)
    assert ("VAT_MISCALCULATED", "akt_1.pdf") in keys(result)
    assert "12 %" in next(f for f in result.findings if f.code == "VAT_MISCALCULATED").message


def _invoice(date: dt.date, vat: float, base: float = 10_000_000.0) -> DocumentExtraction:
    return make_doc(
        "sf_x.pdf",
        DocType.INVOICE,
        number="X",
        date=date,
        total=base + vat,
        vat=vat,
        without_vat=base,
        parties=[party("supplier", SUPPLIER_BIN), party("customer", APPLICANT_BIN)],
    )


@pytest.mark.parametrize(
    ("date", "vat", "flagged"),
    [
        (dt.date(2026, 2, 1), 1_600_000.0, False),  # 16 % in 2026: right
        (dt.date(2026, 2, 1), 1_200_000.0, True),  # 12 % in 2026: wrong
        (dt.date(2025, 12, 31), 1_200_000.0, False),
        (dt.date(2025, 12, 31), 1_600_000.0, True),
        (dt.date(2025, 12, 31), 1_200_000.99, False),  # within the 1.00 tolerance
        (dt.date(2025, 12, 31), 1_200_001.01, True),
        (None, 1_600_000.0, False),  # date not read: a rate that ever applied is not accused
        (None, 1_500_000.0, True),  # ...but no rate explains this one
        (dt.date(2026, 2, 1), 0.0, False),  # without VAT
    ],
)
def test_vat_is_judged_by_the_rate_on_the_documents_own_date(date, vat, flagged) -> None:
    findings = check_document(_invoice(date, vat))
    assert ("VAT_MISCALCULATED" in {f.code for f in findings}) == flagged


def test_2026_document_message_names_16_percent() -> None:
    f = next(
        x for x in check_document(_invoice(dt.date(2026, 2, 1), 1_200_000.0)) if x.code == "VAT_MISCALCULATED"
    )
    assert "16 %" in f.message and "1 600 000,00" in f.message.replace("\u00a0", " ")


def test_a_foreign_suppliers_vat_in_its_own_currency_is_not_judged_by_kazakh_rates() -> None:
    invoice = _invoice(dt.date(2024, 6, 30), 2_000_000.0)  # 20 %: a European supplier's VAT
    invoice.amounts.currency = value("EUR")  # type: ignore[union-attr]
    assert "VAT_MISCALCULATED" not in {f.code for f in check_document(invoice)}


@pytest.mark.parametrize(
    ("vat", "flagged"),
    [
        (7_232.0, False),  # 0.06 % of the base: a stray figure OCR read as the VAT
        (1_234_500.0, True),  # 10 %: a wrong rate is reported on a scan as on a text layer
        (1_659_168.0, True),  # 12 % taken on the total: a real miscalculation
    ],
)
def test_on_a_scan_only_a_plausible_vat_is_called_miscalculated(vat: float, flagged: bool) -> None:
    invoice = _invoice(dt.date(2024, 8, 27), vat, base=12_345_000.0)
    invoice.file_format = "pdf_scan"
    findings = check_document(invoice)
    assert ("VAT_MISCALCULATED" in {f.code for f in findings}) == flagged
    if not flagged:
        assert any(f.code == "UNVERIFIED_FIELD" and "7 232" in f.message.replace("\u00a0", " ") for f in findings)


# --------------------------------------------------------------------------- AMOUNT_WORDS_MISMATCH


def test_words_not_matching_figures() -> None:
    app, docs = works_dossier()
    get(docs, "dogovor.pdf").amount_words = value("Одиннадцать миллионов двадцать тысяч тенге 00 тиын")
    result = run(app, docs)
    assert keys(result) == {("AMOUNT_WORDS_MISMATCH", "dogovor.pdf")}
    assert "11 020 000,00" in result.findings[0].message.replace("\u00a0", " ")


def test_words_spelling_only_the_figures_tail_are_a_partial_reading_on_a_text_layer_too() -> None:
    _, docs = works_dossier()
    sf = get(docs, "sf_1.pdf")
    sf.file_format = "pdf_text"
    amounts_of(sf).total = ExtractedValue(value=75_941_447.42, raw="75 941 447,42", confidence=0.95)
    amounts_of(sf).vat = ExtractedValue(value=0.0, raw="без НДС", confidence=0.95)
    amounts_of(sf).amount_without_vat = None
    sf.amount_words = ExtractedValue(value="семь тенге 42 тиын", raw="семь тенге 42 тиын", confidence=0.95)
    found = check_document(sf)
    assert "AMOUNT_WORDS_MISMATCH" not in {f.code for f in found}
    assert any(f.code == "UNVERIFIED_FIELD" and "окончание" in f.message for f in found)


def test_vat_against_a_base_subtracted_from_a_glued_total_accuses_nobody() -> None:
    _, docs = works_dossier()
    act = get(docs, "akt_1.pdf")
    act.file_format = "pdf_text"
    amounts_of(act).total = ExtractedValue(value=10_118_800.0, raw="10  118 800,00", confidence=0.6)
    amounts_of(act).vat = ExtractedValue(value=380_880.0, raw="380 880,00", confidence=1.0)
    amounts_of(act).amount_without_vat = ExtractedValue(value=9_737_920.0, raw=None, confidence=0.85)
    found = check_document(act)
    assert "VAT_MISCALCULATED" not in {f.code for f in found}


def test_unparseable_words_or_words_for_the_amount_without_vat_are_not_accused() -> None:
    app, docs = works_dossier()
    get(docs, "dogovor.pdf").amount_words = value("0дuнa##цать мuлл. дв%ст тыс")
    result = run(app, docs)
    assert keys(result) == set() and "UNVERIFIED_FIELD" in codes(result)
    get(docs, "dogovor.pdf").amount_words = value("Десять миллионов тенге 00 тиын")  # the price without VAT
    assert keys(run(app, docs)) == set()


# --------------------------------------------------------------------------- OUT_OF_PERIOD


@pytest.mark.parametrize(("day", "flagged"), [(dt.date(2022, 5, 16), True), (dt.date(2022, 5, 17), False)])
def test_payment_before_the_period_start(day: dt.date, flagged: bool) -> None:
    app, docs = works_dossier()  # application 2024-05-17: period starts 2022-05-17
    contract = get(docs, "dogovor.pdf")
    contract.date = value(dt.date(2022, 1, 10))
    for d in docs:
        if d.contract_ref:
            d.contract_ref.date = value(dt.date(2022, 1, 10))
    get(docs, "pp_101.pdf").date = value(day)
    result = run(app, docs)
    assert (("OUT_OF_PERIOD", "pp_101.pdf") in keys(result)) == flagged
    assert result.computed and result.computed.eligible_costs_kzt == (
        5_000_000.0 if flagged else 10_000_000.0
    )


def test_out_of_period_salary_month_flags_sheet_and_payment() -> None:
    app, docs = employee_dossier()
    app = app.model_copy(update={"application_date": dt.date(2025, 4, 15)})  # period from 2024-04-15
    result = run(app, docs)
    assert keys(result) == {("OUT_OF_PERIOD", "vedomost_2024-03.xlsx"), ("OUT_OF_PERIOD", "pp_200.pdf")}
    assert result.computed and result.computed.period_start == dt.date(2024, 4, 15)
    assert result.computed.claimed_costs_kzt == 9_900_000.0
    assert result.computed.eligible_costs_kzt == 6_600_000.0


# --------------------------------------------------------------------------- PAYMENT_BEFORE_CONTRACT


def test_payment_dated_before_the_contract() -> None:
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = value(dt.date(2023, 2, 20))
    result = run(app, docs)
    assert keys(result) == {("PAYMENT_BEFORE_CONTRACT", "pp_101.pdf")}
    assert result.computed and result.computed.eligible_costs_kzt == 5_000_000.0


def test_salary_paid_before_the_employment_contract_does_not_cut_payroll_costs() -> None:
    app, docs = employee_dossier()
    get(docs, "pp_200.pdf").date = value(dt.date(2024, 2, 20))
    result = run(app, docs)
    assert keys(result) == {("PAYMENT_BEFORE_CONTRACT", "pp_200.pdf")}
    assert result.computed and result.computed.eligible_costs_kzt == 9_900_000.0


# --------------------------------------------------------------------------- PARTY_MISMATCH / INVALID_BIN


def test_payment_to_another_beneficiary() -> None:
    app, docs = works_dossier()
    get(docs, "pp_102.pdf").parties[1].bin = value(OTHER_BIN)
    result = run(app, docs)
    assert keys(result) == {("PARTY_MISMATCH", "pp_102.pdf")}
    assert OTHER_BIN in result.findings[0].message and SUPPLIER_BIN in result.findings[0].message
    assert result.computed and result.computed.eligible_costs_kzt == 5_000_000.0


def test_invoice_to_another_customer_is_checked_against_the_application() -> None:
    app, docs = works_dossier()
    get(docs, "sf_1.pdf").parties[0].bin = value(OTHER_BIN)  # the customer
    result = run(app, docs)
    assert keys(result) == {("PARTY_MISMATCH", "sf_1.pdf")}
    assert "заявке" in result.findings[0].message


def test_invalid_bin_is_reported_instead_of_party_mismatch() -> None:
    app, docs = works_dossier()
    get(docs, "akt_1.pdf").parties[1].bin = value(broken_bin(SUPPLIER_BIN))  # the supplier
    result = run(app, docs)
    assert keys(result) == {("INVALID_BIN", "akt_1.pdf")}
    assert result.findings[0].severity == "error"


def _shifted(bin_: str) -> str:
    """``bin_`` as OCR misreads a photo: its second digit lost, a "0" gained three places further on."""
    shifted = bin_[0] + bin_[2:5] + "0" + bin_[5:]
    assert len(shifted) == 12 and shifted != bin_
    return shifted


def test_a_shifted_ocr_reading_of_a_known_bin_is_unverified_not_invalid() -> None:
    misread = _shifted(APPLICANT_BIN)
    assert not is_valid_bin(misread)
    app, docs = works_dossier()
    photo = get(docs, "pp_102.pdf")
    photo.file_format = "image_jpg"
    photo.parties[0].bin = value(misread)  # the payer: the applicant, printed correctly elsewhere
    result = run(app, docs)
    assert keys(result) == set()
    unverified = [f for f in result.findings if f.code == "UNVERIFIED_FIELD" and f.file == "pp_102.pdf"]
    assert unverified and APPLICANT_BIN in unverified[0].message and misread in unverified[0].message
    # The same reading on a text layer is what the document prints: an invalid BIN.
    photo.file_format = "pdf_text"
    assert keys(run(app, docs)) == {("INVALID_BIN", "pp_102.pdf")}


def test_one_wrong_digit_on_a_scan_stays_an_invalid_bin() -> None:
    app, docs = works_dossier()
    scan = get(docs, "akt_1.pdf")
    scan.file_format = "pdf_scan"
    scan.parties[1].bin = value(broken_bin(SUPPLIER_BIN))  # one digit off: a printed slip as likely as OCR
    assert keys(run(app, docs)) == {("INVALID_BIN", "akt_1.pdf")}


def test_swapped_roles_and_foreign_parties_are_not_mismatches() -> None:
    app, docs = works_dossier()
    pp = get(docs, "pp_101.pdf")
    pp.parties[0].bin, pp.parties[1].bin = pp.parties[1].bin, pp.parties[0].bin
    assert keys(run(app, docs)) == set()
    app, docs = works_dossier()
    get(docs, "dogovor.pdf").parties[1].bin = None  # a foreign supplier has no BIN
    assert keys(run(app, docs)) == set()


def test_unsure_or_incomplete_bins_are_unverified_not_invalid() -> None:
    short = make_doc("a.pdf", DocType.ACT_OF_WORK, parties=[party("supplier", SUPPLIER_BIN[:11])])
    unsure = make_doc(
        "b.pdf", DocType.ACT_OF_WORK, parties=[party("supplier", broken_bin(SUPPLIER_BIN), confidence=0.2)]
    )
    for doc in (short, unsure):
        found = {f.code for f in check_document(doc)}
        assert found == {"UNVERIFIED_FIELD"}, found


# --------------------------------------------------------------------------- WRONG_CONTRACT_REFERENCE


@pytest.mark.parametrize(
    ("number", "date", "flagged"),
    [
        ("15/23", CONTRACT_DATE, True),
        (CONTRACT_NO, dt.date(2023, 3, 2), True),
        ("№ 15 / 22", CONTRACT_DATE, False),
        (CONTRACT_NO, None, False),
        (None, None, False),
    ],
)
def test_reference_to_another_contract(number, date, flagged) -> None:
    app, docs = works_dossier()
    pp = get(docs, "pp_102.pdf")
    ref_of(pp).number = value(number) if number else None
    ref_of(pp).date = value(date) if date else None
    assert (("WRONG_CONTRACT_REFERENCE", "pp_102.pdf") in keys(run(app, docs))) == flagged


@pytest.mark.parametrize(
    ("file_format", "confidence", "flagged"), [("pdf_scan", 0.85, False), ("pdf_scan", 0.95, True), ("pdf_text", 0.85, True)]
)
def test_a_scanned_citation_of_another_number_accuses_only_when_read_confidently(
    file_format: str, confidence: float, flagged: bool
) -> None:
    app, docs = works_dossier()
    pp = get(docs, "pp_102.pdf")
    pp.file_format = file_format
    ref_of(pp).number = ExtractedValue(value="15-М42023", raw="15-М42023", confidence=confidence)
    result = run(app, docs)
    assert (("WRONG_CONTRACT_REFERENCE", "pp_102.pdf") in keys(result)) == flagged
    unverified = [f for f in result.findings if f.code == "UNVERIFIED_FIELD" and f.file == "pp_102.pdf"]
    assert bool(unverified) != flagged


def test_look_alike_letters_in_contract_numbers_are_the_same_number() -> None:
    app, docs = works_dossier()
    get(docs, "dogovor.pdf").number = value("179-ТО")  # Cyrillic Т, О
    for d in docs:
        if d.contract_ref:
            d.contract_ref.number = value("179-TO")  # Latin T, O (OCR)
    assert keys(run(app, docs)) == set()


def test_second_contract_referenced_by_a_payment_is_not_a_wrong_reference() -> None:
    app, docs = works_dossier()
    second = make_doc(
        "dogovor_2.pdf",
        DocType.CONTRACT,
        number="16/22",
        date=dt.date(2023, 3, 5),
        parties=[party("customer", APPLICANT_BIN), party("supplier", SUPPLIER_BIN)],
        total=1_120_000.0,
        vat=120_000.0,
        without_vat=1_000_000.0,
    )
    pp = make_doc(
        "pp_103.pdf",
        DocType.PAYMENT_ORDER,
        number="103",
        date=dt.date(2023, 9, 1),
        parties=[party("payer", APPLICANT_BIN), party("beneficiary", SUPPLIER_BIN)],
        total=1_120_000.0,
        vat=120_000.0,
        without_vat=1_000_000.0,
        ref=("16/22", dt.date(2023, 3, 5)),
    )
    result = run(app.model_copy(update={"claimed_eligible_costs_kzt": 11_000_000.0}), docs + [second, pp])
    assert keys(result) == set()
    assert result.computed and result.computed.eligible_costs_kzt == 11_000_000.0


# --------------------------------------------------------------------------- CAP_EXCEEDED


@pytest.mark.parametrize(
    ("costs", "claimed", "flagged"),
    [
        (10_000_000.0, 4_000_000.0, False),
        (10_000_000.0, 4_000_000.02, True),
        (200_000_000.0, 60_000_000.0, False),  # the cap
        (200_000_000.0, 60_000_001.0, True),
    ],
)
def test_claimed_reimbursement_above_rate_or_cap(costs: float, claimed: float, flagged: bool) -> None:
    app, docs = works_dossier()
    app = app.model_copy(update={"claimed_eligible_costs_kzt": costs, "claimed_reimbursement_kzt": claimed})
    assert (("CAP_EXCEEDED", None) in keys(run(app, docs))) == flagged


# --------------------------------------------------------------------------- DUPLICATE_DOCUMENT


def _photo_of(doc: DocumentExtraction, file: str) -> DocumentExtraction:
    copy = doc.model_copy(deep=True)
    copy.file = file
    return copy


def test_same_payment_twice_is_one_pair_and_counted_once() -> None:
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = value(dt.date(2023, 2, 20))  # also before the contract
    copy = _photo_of(get(docs, "pp_101.pdf"), "pp_101.jpg")
    copy.number = None  # OCR missed the number on the photo
    result = run(app, docs + [copy])
    assert keys(result) == {("PAYMENT_BEFORE_CONTRACT", "pp_101.pdf"), ("DUPLICATE_DOCUMENT", "pp_101.jpg")}
    dup = next(f for f in result.findings if f.code == "DUPLICATE_DOCUMENT")
    assert (dup.file, dup.duplicate_of) == ("pp_101.jpg", "pp_101.pdf")
    assert result.computed and result.computed.claimed_costs_kzt == 10_000_000.0


def test_three_copies_point_to_the_first() -> None:
    app, docs = works_dossier()
    copies = [_photo_of(get(docs, "akt_1.pdf"), f"akt_1_{i}.jpg") for i in (2, 3)]
    found = {
        (f.file, f.duplicate_of) for f in run(app, docs + copies).findings if f.code == "DUPLICATE_DOCUMENT"
    }
    assert found == {("akt_1_2.jpg", "akt_1.pdf"), ("akt_1_3.jpg", "akt_1.pdf")}


def test_equal_amounts_with_different_numbers_are_different_documents() -> None:
    app, docs = works_dossier()  # pp_101 and pp_102 have the same amount and parties
    assert "DUPLICATE_DOCUMENT" not in codes(run(app, docs))


# --------------------------------------------------------------------------- PAYROLL_TOTALS_MISMATCH


def test_payroll_total_row_not_equal_to_rows() -> None:
    app, docs = employee_dossier()
    bad = payroll_sheet("vedomost_2024-04.xlsx", "2024-04", extra_total_net=-4_500.0)
    docs = [bad if d.file == bad.file else d for d in docs]
    result = run(app, docs)
    assert keys(result) == {("PAYROLL_TOTALS_MISMATCH", "vedomost_2024-04.xlsx")}
    assert "к выплате" in result.findings[0].message


def test_payroll_rows_that_do_not_add_up_themselves_accuse_nobody() -> None:
    app, docs = employee_dossier()
    sheet = payroll_sheet("vedomost_2024-04.xlsx", "2024-04")
    first = sheet.payroll_rows[0]
    assert first.accrued is not None
    # A days column's "19" glued to the accrued cell: the row no longer adds up, the column sum is wrong.
    first.accrued = float(f"19{int(first.accrued)}")
    docs = [sheet if d.file == sheet.file else d for d in docs]
    result = run(app, docs)
    assert "PAYROLL_TOTALS_MISMATCH" not in codes(result)
    unverified = [f for f in result.findings if f.code == "UNVERIFIED_FIELD" and f.file == sheet.file]
    assert unverified and "строки прочитаны с ошибкой" in unverified[0].message


def test_payroll_without_rows_is_not_guessed() -> None:
    sheet = payroll_sheet("v.xlsx", "2024-04", extra_total_net=-4_500.0)
    sheet.payroll_rows = []
    assert {f.code for f in check_document(sheet)} == {"PAYROLL_TOTALS_INCONSISTENT"}
    sheet = payroll_sheet("v.xlsx", "2024-04", extra_total_net=-4_500.0)
    sheet.payroll_rows = [
        PayrollRow(name=r.name, accrued=r.accrued, withheld=r.withheld, net=None) for r in sheet.payroll_rows
    ]
    assert "PAYROLL_TOTALS_MISMATCH" not in {
        f.code for f in check_document(sheet)
    }  # the net column is unread


# --------------------------------------------------------------------------- unreadable / unknown


def test_unreadable_document_is_an_error_with_its_reason_and_nothing_else() -> None:
    app, docs = works_dossier()
    sf = get(docs, "sf_1.pdf")
    sf.unreadable_reason = "файл поврежден"
    amounts_of(sf).vat = value(5.0)  # would be a VAT error if it were read
    result = run(app, docs)
    assert codes(result) == {"UNREADABLE_DOCUMENT"}
    assert "файл поврежден" in result.findings[0].message and result.findings[0].severity == "error"
    assert next(i for i in result.checklist if i.doc_type == "invoice").status == "unreadable"
    assert keys(result) == set() and not result.clean


def test_unknown_document_type_is_a_warning_and_hinted_for_missing_types() -> None:
    app, docs = works_dossier()
    get(docs, "otchet.pdf").doc_type = DocType.UNKNOWN
    result = run(app, docs)
    assert codes(result) == {"UNKNOWN_DOCUMENT_TYPE", "MISSING_DOCUMENT"}
    missing = next(f for f in result.findings if f.code == "MISSING_DOCUMENT")
    assert "otchet.pdf" in missing.message


# --------------------------------------------------------------------------- None tolerance


def _strip_values(doc: DocumentExtraction) -> None:
    for name in ("number", "date", "amount_words", "period", "amounts", "contract_ref", "payroll_totals"):
        setattr(doc, name, None)
    for p in doc.parties:
        p.bin = None
    doc.payroll_rows = []


@pytest.mark.parametrize("build", [works_dossier, employee_dossier])
def test_nothing_read_means_no_accusation(build) -> None:
    app, docs = build()
    for d in docs:
        _strip_values(d)
    result = run(app, docs)
    assert keys(result) == set()
    assert result.computed is not None and result.computed.eligible_costs_kzt == 0.0
    assert not any("внутренняя ошибка" in f.message for f in result.findings)


def test_defects_read_with_low_confidence_become_unverified() -> None:
    app, docs = works_dossier()
    low = 0.2
    amounts_of(get(docs, "akt_1.pdf")).vat = value(1_000_000.0, low)
    get(docs, "sf_1.pdf").parties[1].bin = value(broken_bin(SUPPLIER_BIN), low)
    get(docs, "pp_101.pdf").date = value(dt.date(2023, 2, 20), low)
    ref_of(get(docs, "pp_102.pdf")).number = value("99/99", low)
    get(docs, "otchet.pdf").parties[0].bin = value(OTHER_BIN, low)
    get(docs, "dogovor.pdf").amount_words = value("Один тенге", low)
    result = run(app, docs)
    assert keys(result) == set()
    assert len([f for f in result.findings if f.code == "UNVERIFIED_FIELD"]) >= 6
    assert all(f.severity == "info" for f in result.findings)
    assert result.clean


def test_check_document_survives_an_empty_document() -> None:
    assert check_document(DocumentExtraction(file="x.pdf", doc_type=DocType.INVOICE)) == []
    odd = make_doc(
        "y.pdf", DocType.CONTRACT, total=None, vat=12.0, words="сто", parties=[party("customer", "abc")]
    )
    assert {f.code for f in check_document(odd)} <= {"UNVERIFIED_FIELD"}


def test_application_before_rules_308_still_gets_checked() -> None:
    app, docs = works_dossier()
    app = app.model_copy(update={"application_date": dt.date(2022, 3, 1)})
    result = run(app, docs)
    assert "RULES_NOT_IN_FORCE" in codes(result)
    assert result.computed is not None and result.computed.rate == 0.4


def test_documents_in_any_order_are_judged_in_dossier_order() -> None:
    app, docs = works_dossier()
    copy = _photo_of(get(docs, "pp_101.pdf"), "pp_101.jpg")
    ordered = docs + [copy]
    app = app.model_copy(update={"files": [d.file for d in ordered]})
    result = check_dossier(app, list(reversed(ordered)))
    dup = next(f for f in result.findings if f.code == "DUPLICATE_DOCUMENT")
    assert (dup.file, dup.duplicate_of) == ("pp_101.jpg", "pp_101.pdf")


def test_make_application_lists_files() -> None:
    app = make_application([make_doc("a.pdf", DocType.CONTRACT)])
    assert app.files == ["a.pdf"]


def test_a_failing_check_is_reported_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import validators.dossier as dossier_module

    def broken(ctx: object, view: object) -> None:
        raise RuntimeError("boom")

    checks = tuple(broken if c.__name__ == "check_parties" else c for c in dossier_module.DOSSIER_CHECKS)
    monkeypatch.setattr(dossier_module, "DOSSIER_CHECKS", checks)
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = value(dt.date(2023, 2, 20))
    result = run(app, docs)
    assert keys(result) == {("PAYMENT_BEFORE_CONTRACT", "pp_101.pdf")}
    assert any("внутренняя ошибка" in f.message for f in result.findings)
