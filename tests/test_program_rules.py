"""Issue 12: the program rules as the operator applies them, on hand-made dossiers.

Q capped by the claim and by reimbursements already recorded; declared against confirmed costs; N and
the SME size limit; payments after the application date; VAT when a payment order does not state it
and across the 2026 rate change; the digital measure's rate condition; the Russian wording.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models.domain import DocType, DocumentExtraction, ExtractedValue, PriorReimbursement
from models.program_rules import load_rules
from tests.fixtures.validator_samples import (
    APPLICANT_BIN,
    CONTRACT_DATE,
    CONTRACT_NO,
    SUPPLIER_BIN,
    broken_bin,
    employee_dossier,
    make_application,
    make_doc,
    party,
    payroll_sheet,
    works_dossier,
)
from validators import check_dossier

D = dt.date


def get(docs: list[DocumentExtraction], file: str) -> DocumentExtraction:
    return next(d for d in docs if d.file == file)


def codes(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.code for f in result.findings}


def finding(result, code: str):  # type: ignore[no-untyped-def]
    return next(f for f in result.findings if f.code == code)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


# --------------------------------------------------------------------------- 1. Q never exceeds the claim


def test_q_is_the_claim_when_the_applicant_claims_less_than_the_documents_give() -> None:
    app, docs = works_dossier()  # 10 mln confirmed, 40 % -> 4 mln
    app = app.model_copy(update={"claimed_reimbursement_kzt": 1_500_000.0})
    c = check_dossier(app, docs).computed
    assert c is not None
    assert c.eligible_costs_kzt == 10_000_000.0
    assert c.reimbursement_kzt == 1_500_000.0 and c.reimbursement_limited_by == "claim"
    assert c.counter_obligation_kzt == 1_000_000_000.0 + 2 * 1_500_000.0


def test_q_set_by_the_rate_says_so() -> None:
    app, docs = works_dossier()
    c = check_dossier(app, docs).computed
    assert c is not None and c.reimbursement_kzt == 4_000_000.0 and c.reimbursement_limited_by == "rate"


def test_declared_and_confirmed_costs_side_by_side_and_the_payments_behind_the_difference() -> None:
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = ExtractedValue(value=D(2023, 2, 1))  # before the contract of 01.03.2023
    result = check_dossier(app, docs)
    c = result.computed
    assert c is not None
    assert (c.declared_costs_kzt, c.eligible_costs_kzt, c.costs_difference_kzt) == (
        10_000_000.0,
        5_000_000.0,
        5_000_000.0,
    )
    f = finding(result, "COSTS_NOT_CONFIRMED")
    assert f.severity == "warning"
    text = plain(f.message)
    assert "10 000 000,00" in text and "5 000 000,00" in text
    assert "«pp_101.pdf» — 5 000 000,00 тенге (исключён: оплата раньше даты договора)" in text
    assert "PAYMENT_BEFORE_CONTRACT" not in text  # words, not codes
    assert any(e.file == "pp_101.pdf" for e in f.evidence)


def test_a_gap_left_by_an_unread_amount_is_could_not_verify_not_an_accusation() -> None:
    app, docs = works_dossier()
    pp = get(docs, "pp_102.pdf")
    assert pp.amounts is not None
    pp.amounts.total = pp.amounts.vat = pp.amounts.amount_without_vat = None
    result = check_dossier(app, docs)
    assert "COSTS_NOT_CONFIRMED" not in codes(result)
    assert any(
        f.code == "UNVERIFIED_FIELD" and "подтверждение заявленных затрат" in f.message for f in result.findings
    )


def test_no_gap_no_finding() -> None:
    app, docs = works_dossier()
    assert "COSTS_NOT_CONFIRMED" not in codes(check_dossier(app, docs))


# --------------------------------------------------------------------------- 2. N


@pytest.mark.parametrize(("n", "state"), [(0.0, "равен нулю"), (-5.0, "отрицательный"), (None, "не указан")])
def test_missing_zero_or_negative_n_is_a_finding_and_n_plus_2q_is_not_set(n: float | None, state: str) -> None:
    app, docs = works_dossier()
    app = app.model_copy(update={"prior_revenue_n_kzt": n})
    result = check_dossier(app, docs)
    f = finding(result, "PRIOR_REVENUE_INVALID")
    assert f.severity == "error" and state in f.message and "N + 2 × Q" in f.message
    assert result.computed is not None and result.computed.counter_obligation_kzt is None
    assert result.computed.reimbursement_kzt == 4_000_000.0  # Q itself does not depend on N
    assert not result.clean


def test_the_monitoring_window_is_shown() -> None:
    app, docs = works_dossier()
    c = check_dossier(app, docs).computed
    assert c is not None and c.monitoring_months == 24


def test_n_above_the_sme_limit_in_mrp_of_the_application_year() -> None:
    # 2024: 3 000 000 МРП × 3 692 = 11 076 000 000 a year; N covers 24 months.
    app, docs = works_dossier()  # application 17.05.2024
    under = app.model_copy(update={"prior_revenue_n_kzt": 22_150_000_000.0})
    assert "SME_LIMIT_EXCEEDED" not in codes(check_dossier(under, docs))
    over = app.model_copy(update={"prior_revenue_n_kzt": 22_160_000_000.0})
    f = finding(check_dossier(over, docs), "SME_LIMIT_EXCEEDED")
    text = plain(f.message)
    assert "11 080 000 000,00" in text and "11 076 000 000,00" in text and "01.01.2024" in text
    assert "3 692,00" in text


def test_the_mrp_is_dated_data_per_year() -> None:
    rules = load_rules().for_date(D(2024, 6, 1))
    assert [rules.mrp_on(D(y, 1, 1)).mrp_kzt for y in (2022, 2023, 2024, 2025, 2026)] == [  # type: ignore[union-attr]
        3063,
        3450,
        3692,
        3932,
        4325,
    ]
    assert rules.eligibility.sme_max_annual_income_mrp == 3_000_000


# --------------------------------------------------------------------------- 3. eligibility


def test_the_eligibility_items_carry_the_applications_declarations() -> None:
    app, docs = works_dossier()
    app = type(app).model_validate(
        {**app.model_dump(), "declarations": {"is_sme": True, "priority_product": "цемент (код 2394)"}}
    )
    result = check_dossier(app, docs)
    by_key = {item.key: item for item in result.eligibility}
    assert set(by_key) == {"sme", "state_share", "priority_product", "no_tax_arrears"}
    assert by_key["sme"].declared is True and by_key["priority_product"].declared == "цемент (код 2394)"
    assert by_key["no_tax_arrears"].declared is None
    # From 2026 the Register of Kazakhstani commodity producers joins the list.
    assert "producer_register" in {i.key for i in load_rules().for_date(D(2026, 2, 1)).eligibility.items}
    assert result.manual_checks  # what must still be checked by hand


# --------------------------------------------------------------------------- 5. cap across applications


_APPLIED = D(2024, 5, 17)


def _big_works(application_date: dt.date = _APPLIED):  # type: ignore[no-untyped-def]
    """works_dossier scaled ×10: 100 mln confirmed, 40 % = 40 mln, cap 60 mln."""
    app, docs = works_dossier()
    for d in docs:
        if d.amounts is not None and d.doc_type != DocType.APPLICATION_FORM:
            for name in ("total", "vat", "amount_without_vat"):
                ev = getattr(d.amounts, name)
                setattr(d.amounts, name, ExtractedValue(value=ev.value * 10))
        d.amount_words = None
    app = app.model_copy(
        update={
            "claimed_eligible_costs_kzt": 100_000_000.0,
            "claimed_reimbursement_kzt": 40_000_000.0,
            "application_date": application_date,
        }
    )
    return app, docs


def test_reimbursements_already_recorded_count_against_the_cap() -> None:
    app, docs = _big_works()
    history = [
        PriorReimbursement(
            dossier_id="earlier", application_date=D(2023, 9, 1), measure="technology", reimbursement_kzt=35_000_000.0
        ),
        # another measure and an application outside the historical period do not count
        PriorReimbursement(
            dossier_id="other", application_date=D(2024, 1, 1), measure="digital", reimbursement_kzt=50_000_000.0
        ),
        PriorReimbursement(
            dossier_id="old", application_date=D(2022, 1, 1), measure="technology", reimbursement_kzt=50_000_000.0
        ),
    ]
    result = check_dossier(app, docs, history=history)
    c = result.computed
    assert c is not None
    assert (c.cap_used_kzt, c.cap_left_kzt, c.reimbursement_kzt) == (35_000_000.0, 25_000_000.0, 25_000_000.0)
    assert c.reimbursement_limited_by == "cap"
    f = finding(result, "CAP_EXCEEDED_ACROSS_APPLICATIONS")
    text = plain(f.message)
    assert "earlier от 01.09.2023" in text and "35 000 000,00" in text and "25 000 000,00" in text
    assert "other" not in text and "old" not in text
    without = check_dossier(app, docs).computed
    assert without is not None and without.reimbursement_kzt == 40_000_000.0


def test_the_2026_digital_cap_is_per_calendar_year() -> None:
    app, docs = _big_works(D(2026, 3, 1))
    docs.append(
        make_doc("strategy.pdf", DocType.DIGITAL_STRATEGY, date=D(2022, 12, 1), parties=[party("applicant", APPLICANT_BIN)])
    )
    app = app.model_copy(update={"measure": "digital", "cost_type": "automation_software"})
    history = [
        PriorReimbursement(
            dossier_id="same_year", application_date=D(2026, 1, 20), measure="digital", reimbursement_kzt=30_000_000.0
        ),
        PriorReimbursement(
            dossier_id="last_year", application_date=D(2025, 12, 20), measure="digital", reimbursement_kzt=30_000_000.0
        ),
    ]
    c = check_dossier(app, docs, history=history).computed
    assert c is not None and c.cap_used_kzt == 30_000_000.0 and c.reimbursement_kzt == 30_000_000.0


# --------------------------------------------------------------------------- 6. payments after the application


def test_a_payment_after_the_application_date_is_a_finding_and_not_counted() -> None:
    app, docs = works_dossier()
    get(docs, "pp_102.pdf").date = ExtractedValue(value=D(2024, 6, 3))  # application 17.05.2024
    result = check_dossier(app, docs)
    f = finding(result, "PAYMENT_AFTER_APPLICATION")
    assert f.file == "pp_102.pdf" and "03.06.2024" in f.message and "17.05.2024" in f.message
    assert "Платеж не учтен в расчете" in f.message
    c = result.computed
    assert c is not None and c.eligible_costs_kzt == 5_000_000.0
    step = next(s for s in c.steps if s.get("file") == "pp_102.pdf")
    assert step["status"] == "excluded" and step["reason"] == "исключён: оплата после даты заявки"


def test_a_salary_month_after_the_application_date_is_not_counted() -> None:
    app, docs = employee_dossier()  # application 10.11.2024, sheets 03–05.2024
    docs.append(payroll_sheet("vedomost_2024-12.xlsx", "2024-12"))
    app = app.model_copy(update={"files": [*app.files, "vedomost_2024-12.xlsx"]})
    result = check_dossier(app, docs)
    f = finding(result, "PAYMENT_AFTER_APPLICATION")
    assert f.file == "vedomost_2024-12.xlsx" and "за 12.2024" in f.message
    c = result.computed
    assert c is not None and c.eligible_costs_kzt == 3 * 3_300_000.0


# --------------------------------------------------------------------------- 8. VAT


def _vat_unread(doc: DocumentExtraction) -> None:
    """The payment order as the reader leaves it when no VAT is printed: VAT 0 assumed, not read."""
    assert doc.amounts is not None and doc.amounts.total is not None
    doc.amounts.vat = ExtractedValue(value=0.0, raw=None, confidence=0.45)
    doc.amounts.amount_without_vat = ExtractedValue(value=doc.amounts.total.value, raw=None, confidence=0.85)


def test_unread_payment_vat_is_taken_from_the_invoice_not_counted_gross() -> None:
    app, docs = works_dossier()
    _vat_unread(get(docs, "pp_101.pdf"))
    result = check_dossier(app, docs)
    c = result.computed
    assert c is not None
    step = next(s for s in c.steps if s.get("file") == "pp_101.pdf")
    assert step["amount_without_vat"] == 5_000_000.0 and step["vat"] == 600_000.0  # 12/112 of 5.6 mln
    assert "счету-фактуре «sf_1.pdf»" in step["vat_source"]
    assert c.claimed_costs_kzt == 10_000_000.0
    assert "VAT_NOT_DETERMINED" not in codes(result)


def test_unread_vat_with_nothing_to_take_it_from_is_a_warning_never_silent() -> None:
    app, docs = works_dossier()
    _vat_unread(get(docs, "pp_101.pdf"))
    for name in ("dogovor.pdf", "sf_1.pdf"):
        doc = get(docs, name)
        assert doc.amounts is not None
        doc.amounts.vat = None
    result = check_dossier(app, docs)
    f = finding(result, "VAT_NOT_DETERMINED")
    assert f.file == "pp_101.pdf" and f.severity == "warning" and "5 600 000,00" in plain(f.message)
    c = result.computed
    assert c is not None
    step = next(s for s in c.steps if s.get("file") == "pp_101.pdf")
    assert step["status"] == "unverified" and "НДС не определен" in step["reason"]


def test_a_2025_contract_paid_in_2026_takes_the_2026_rate_for_unread_payment_vat() -> None:
    app, docs = _transition_dossier()
    pp = get(docs, "pp_301.pdf")
    _vat_unread(pp)
    c = check_dossier(app, docs).computed
    assert c is not None
    step = next(s for s in c.steps if s.get("file") == "pp_301.pdf")
    assert step["vat"] == 1_600_000.0  # 16/116 of 11.6 mln: the contract's 12 % was the 2025 rate


def _transition_dossier():  # type: ignore[no-untyped-def]
    """A contract of 2025 at 12 % (10 mln + 1.2 mln), performed, invoiced and paid in 2026 at 16 %."""
    app, docs = works_dossier()
    ref = (CONTRACT_NO, D(2025, 11, 3))
    sides = [party("customer", APPLICANT_BIN), party("supplier", SUPPLIER_BIN)]
    contract = get(docs, "dogovor.pdf")
    contract.date = ExtractedValue(value=D(2025, 11, 3))
    keep = [d for d in docs if d.doc_type in (DocType.APPLICATION_FORM, DocType.STATISTICS_CONSENT, DocType.CONTRACT)]
    keep += [
        make_doc("akt_2026.pdf", DocType.ACT_OF_WORK, number="1", date=D(2026, 2, 10), parties=sides,
                 total=11_600_000.0, vat=1_600_000.0, without_vat=10_000_000.0, ref=ref),
        make_doc("sf_2026.pdf", DocType.INVOICE, number="1", date=D(2026, 2, 10), parties=sides,
                 total=11_600_000.0, vat=1_600_000.0, without_vat=10_000_000.0, ref=ref),
        make_doc("pp_301.pdf", DocType.PAYMENT_ORDER, number="301", date=D(2026, 2, 20),
                 parties=[party("payer", APPLICANT_BIN), party("beneficiary", SUPPLIER_BIN)],
                 total=11_600_000.0, vat=1_600_000.0, without_vat=10_000_000.0, ref=ref),
        make_doc("otchet.pdf", DocType.WORK_REPORT, number="7", date=D(2026, 2, 10), parties=sides, ref=ref),
    ]
    for d in keep:
        d.amount_words = None
    app = make_application(keep, application_date=D(2026, 3, 2), claimed_costs=10_000_000.0,
                           claimed_reimbursement=4_000_000.0)
    return app, keep


def test_a_2025_contract_at_12_percent_and_2026_acts_at_16_percent_raise_no_false_mismatch() -> None:
    app, docs = _transition_dossier()
    result = check_dossier(app, docs)
    assert "AMOUNT_MISMATCH" not in codes(result)
    assert "PAYMENTS_EXCEED_CONTRACT" not in codes(result)
    assert "VAT_MISCALCULATED" not in codes(result)
    c = result.computed
    assert c is not None and c.eligible_costs_kzt == 10_000_000.0 and c.reimbursement_kzt == 4_000_000.0


def test_across_the_vat_change_a_real_difference_without_vat_is_still_found() -> None:
    app, docs = _transition_dossier()
    act = get(docs, "akt_2026.pdf")
    act.amounts.total = ExtractedValue(value=12_760_000.0)  # type: ignore[union-attr]
    act.amounts.vat = ExtractedValue(value=1_760_000.0)  # type: ignore[union-attr]
    act.amounts.amount_without_vat = ExtractedValue(value=11_000_000.0)  # type: ignore[union-attr]
    f = finding(check_dossier(app, docs), "AMOUNT_MISMATCH")
    assert "без НДС" in f.message and "1 000 000,00" in plain(f.message)


# --------------------------------------------------------------------------- 9. digital 40 % or 50 %


def _digital(application_date: dt.date, condition: bool | None, claimed_q: float):  # type: ignore[no-untyped-def]
    app, docs = works_dossier()
    docs.append(
        make_doc("strategy.pdf", DocType.DIGITAL_STRATEGY, date=D(2022, 12, 1), parties=[party("applicant", APPLICANT_BIN)])
    )
    app = make_application(
        docs,
        measure="digital",
        cost_type="automation_software",
        application_date=application_date,
        claimed_reimbursement=claimed_q,
    )
    return app.model_copy(update={"increased_rate_condition_met": condition}), docs


@pytest.mark.parametrize(("condition", "rate"), [(True, 0.5), (False, 0.4), (None, 0.5)])
def test_the_digital_rate_follows_the_declared_condition(condition: bool | None, rate: float) -> None:
    app, docs = _digital(D(2024, 5, 17), condition, claimed_q=rate * 10_000_000.0)
    result = check_dossier(app, docs)
    c = result.computed
    assert c is not None and c.rate == rate and c.reimbursement_kzt == rate * 10_000_000.0
    assert c.rate_note and "условие повышенной ставки" in c.rate_note
    assert "RATE_CONDITION_MISMATCH" not in codes(result)


def test_a_claim_computed_at_the_other_rate_is_flagged() -> None:
    app, docs = _digital(D(2024, 5, 17), False, claimed_q=5_000_000.0)  # 50 % claimed, 40 % applies
    result = check_dossier(app, docs)
    f = finding(result, "RATE_CONDITION_MISMATCH")
    assert "50 %" in f.message and "40 %" in f.message
    assert "CAP_EXCEEDED" in codes(result)  # the claim is also above rate × costs
    c = result.computed
    assert c is not None and c.reimbursement_kzt == 4_000_000.0
    low = check_dossier(*_digital(D(2024, 5, 17), True, claimed_q=4_000_000.0))
    assert "RATE_CONDITION_MISMATCH" in codes(low)  # 40 % claimed where 50 % applies
    assert low.computed is not None and low.computed.reimbursement_kzt == 4_000_000.0  # never above the claim


def test_order_91_is_a_dated_version_and_order_442_sets_40_percent() -> None:
    rules = load_rules()
    assert rules.for_date(D(2024, 5, 11)).measures.version == "308-2022"
    after_91 = rules.for_date(D(2024, 5, 12))
    assert after_91.measures.version == "308-2024-order91"
    assert set(after_91.measures.measures) == {"competence", "technology", "organization", "digital"}
    assert "foreign_employee" in after_91.measure("competence").cost_types
    digital_2026 = rules.for_date(D(2026, 1, 1)).measure("digital")
    assert digital_2026.rate == Decimal("0.4") and digital_2026.rate_condition is None
    assert digital_2026.cap_window == "calendar_year"


# --------------------------------------------------------------------------- 10. wording


def test_party_mismatch_says_the_payment_is_not_counted_and_shows_the_contracts_bin() -> None:
    app, docs = works_dossier()
    other = "920720365127"
    pp = get(docs, "pp_102.pdf")
    pp.parties = [party("payer", APPLICANT_BIN), party("beneficiary", other)]
    f = finding(check_dossier(app, docs), "PARTY_MISMATCH")
    assert SUPPLIER_BIN in f.message and "Платеж не учтен в расчете возмещения." in f.message


def test_invalid_bin_shows_the_contracts_bin_and_what_happens_to_the_payment() -> None:
    app, docs = works_dossier()
    pp = get(docs, "pp_102.pdf")
    pp.parties = [party("payer", APPLICANT_BIN), party("beneficiary", broken_bin(SUPPLIER_BIN))]
    f = finding(check_dossier(app, docs), "INVALID_BIN")
    assert f"в договоре № {CONTRACT_NO} от {CONTRACT_DATE.strftime('%d.%m.%Y')} — {SUPPLIER_BIN}" in f.message
    # The corpus counts such a payment (checks.yaml excluding_codes): the message says so.
    assert "Платеж учтен в расчете возмещения; реквизит нужно исправить." in f.message


def test_payment_before_contract_and_amount_words_wording() -> None:
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = ExtractedValue(value=D(2023, 2, 1))
    get(docs, "dogovor.pdf").amount_words = ExtractedValue(value="Одиннадцать миллионов тенге 00 тиын")
    result = check_dossier(app, docs)
    before = finding(result, "PAYMENT_BEFORE_CONTRACT").message
    assert "платеж произведен раньше заключения договора" in before and "оплачено" not in before
    words = finding(result, "AMOUNT_WORDS_MISMATCH").message
    assert "Расхождение нужно устранить; в расчете использована сумма цифрами." in words
    assert "Верной считается" not in words


def test_period_dates_in_evidence_are_day_month_year() -> None:
    app, docs = works_dossier()
    get(docs, "pp_101.pdf").date = ExtractedValue(value=D(2022, 4, 1))
    f = finding(check_dossier(app, docs), "OUT_OF_PERIOD")
    assert f.evidence[0].note == "начало периода 17.05.2022"


def test_rules_topic_is_named_in_words() -> None:
    app, docs = works_dossier()
    app = app.model_copy(update={"application_date": D(2021, 1, 10)})
    f = finding(check_dossier(app, docs), "RULES_NOT_IN_FORCE")
    assert "(меры и ставки)" in f.message and "measures" not in f.message
