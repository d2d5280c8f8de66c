"""The reimbursement computation on hand-made dossiers: currencies, contract price, period, payroll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models.domain import CurrencyRate, DocType, DocumentExtraction, ExtractedValue
from tests.fixtures.validator_samples import (
    APPLICANT_BIN,
    NET_SALARY,
    SALARY,
    employee_dossier,
    make_application,
    make_doc,
    party,
    payroll_sheet,
    works_dossier,
)
from validators import check_dossier
from validators.findings import finding_key
from validators.reimbursement import specialist_accrued
from validators.values import money, subtract_months


def get(docs: list[DocumentExtraction], file: str) -> DocumentExtraction:
    return next(d for d in docs if d.file == file)


def _usd_dossier(rates: list[CurrencyRate]) -> tuple:
    ref = ("KZ-1", dt.date(2024, 1, 10))
    foreign = [party("customer", APPLICANT_BIN), party("supplier", None)]
    docs = [
        make_doc(
            "zayavka.pdf",
            DocType.APPLICATION_FORM,
            date=dt.date(2024, 11, 1),
            parties=[party("applicant", APPLICANT_BIN)],
        ),
        make_doc(
            "soglasie.pdf",
            DocType.STATISTICS_CONSENT,
            date=dt.date(2024, 10, 1),
            parties=[party("applicant", APPLICANT_BIN)],
        ),
        make_doc(
            "contract.pdf",
            DocType.CONTRACT,
            language="en",
            number="KZ-1",
            date=ref[1],
            parties=foreign,
            total=100_000.0,
            vat=0.0,
            without_vat=100_000.0,
            currency="USD",
        ),
        make_doc("perevod.pdf", DocType.TRANSLATION, translation_of="contract.pdf"),
        make_doc(
            "pp_1.pdf",
            DocType.PAYMENT_ORDER,
            number="1",
            date=dt.date(2024, 2, 1),
            currency="USD",
            parties=[party("payer", APPLICANT_BIN), party("beneficiary", None)],
            total=30_000.0,
            vat=0.0,
            ref=ref,
        ),
        make_doc(
            "pp_2.pdf",
            DocType.PAYMENT_ORDER,
            number="2",
            date=dt.date(2024, 6, 1),
            currency="USD",
            parties=[party("payer", APPLICANT_BIN), party("beneficiary", None)],
            total=80_000.0,
            vat=0.0,
            ref=ref,
        ),
        make_doc(
            "akt.pdf",
            DocType.ACT_OF_WORK,
            number="A1",
            date=dt.date(2024, 5, 30),
            parties=foreign,
            total=100_000.0,
            vat=0.0,
            currency="USD",
            ref=ref,
        ),
        make_doc(
            "inv.pdf",
            DocType.INVOICE,
            number="I1",
            date=dt.date(2024, 5, 30),
            parties=foreign,
            language="ru",
            total=100_000.0,
            vat=0.0,
            currency="USD",
            ref=ref,
        ),
        make_doc("otchet.pdf", DocType.WORK_REPORT, date=dt.date(2024, 5, 30), parties=foreign, ref=ref),
    ]
    app = make_application(
        docs,
        application_date=dt.date(2024, 11, 1),
        claimed_costs=50_543_600.0,
        claimed_reimbursement=18_395_440.0,
        currency_rates=rates,
    )
    return app, docs


def test_foreign_payments_are_converted_at_declared_rates_and_capped_at_the_contract_price() -> None:
    app, docs = _usd_dossier(
        [
            CurrencyRate(file="pp_1.pdf", date=dt.date(2024, 2, 1), currency="USD", rate_kzt=470.12),
            CurrencyRate(file="pp_2.pdf", date=dt.date(2024, 6, 1), currency="USD", rate_kzt=455.5),
        ]
    )
    result = check_dossier(app, docs)
    assert {f.code for f in result.scored_findings} == {"PAYMENTS_EXCEED_CONTRACT"}
    c = result.computed
    assert c is not None
    assert c.claimed_costs_kzt == 14_103_600.0 + 36_440_000.0
    # the second payment counts only for the 70 000 USD left under the contract price
    assert c.eligible_costs_kzt == 14_103_600.0 + 31_885_000.0
    assert c.reimbursement_kzt == 18_395_440.0
    statuses = {s.get("file"): s.get("status") for s in c.steps}
    assert statuses["pp_1.pdf"] == "counted" and statuses["pp_2.pdf"] == "partly_counted"


def test_foreign_payment_without_a_declared_rate_is_not_counted_and_said_so() -> None:
    app, docs = _usd_dossier([CurrencyRate(file="pp_1.pdf", currency="USD", rate_kzt=470.12)])
    result = check_dossier(app, docs)
    assert result.computed is not None and result.computed.claimed_costs_kzt == 14_103_600.0
    assert any(f.code == "UNVERIFIED_FIELD" and f.file == "pp_2.pdf" for f in result.findings)


def test_each_payment_is_rounded_to_the_tiyn_half_up() -> None:
    assert money(Decimal("1234.5") * Decimal("63.45")) == Decimal("78329.03")


@pytest.mark.parametrize(
    ("day", "months", "start"),
    [
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2024, 3, 31), 24, dt.date(2022, 3, 31)),
        (dt.date(2024, 5, 31), 3, dt.date(2024, 2, 29)),
        (dt.date(2024, 1, 15), 1, dt.date(2023, 12, 15)),
    ],
)
def test_period_start_is_calendar_month_arithmetic(day: dt.date, months: int, start: dt.date) -> None:
    assert subtract_months(day, months) == start


def _digital(application_date: dt.date):
    app, docs = works_dossier()
    docs.append(
        make_doc(
            "strategy.pdf",
            DocType.DIGITAL_STRATEGY,
            date=dt.date(2022, 12, 1),
            parties=[party("applicant", APPLICANT_BIN)],
        )
    )
    app = make_application(
        docs,
        measure="digital",
        cost_type="automation_software",
        application_date=application_date,
        claimed_reimbursement=4_000_000.0,
    )
    return app, docs


def test_2025_digital_rules_count_back_from_the_application_date() -> None:
    app, docs = _digital(dt.date(2025, 11, 2))
    result = check_dossier(app, docs)
    c = result.computed
    assert c is not None and (c.rate, c.period_start) == (0.5, dt.date(2023, 11, 2))
    assert {(f.code, f.file) for f in result.scored_findings} == {
        ("OUT_OF_PERIOD", "pp_101.pdf"),
        ("OUT_OF_PERIOD", "pp_102.pdf"),
    }
    assert c.eligible_costs_kzt == 0.0 and c.reimbursement_kzt == 0.0


def test_a_dismissed_excluding_finding_brings_its_payment_back_and_the_step_says_so() -> None:
    app, docs = _digital(dt.date(2025, 11, 2))
    first = check_dossier(app, docs)
    out_of_period = {f.file: f for f in first.findings if f.code == "OUT_OF_PERIOD"}
    dismissed = {finding_key(out_of_period["pp_101.pdf"])}

    again = check_dossier(app, docs, dismissed=dismissed)
    # The finding stays (with its verdict, elsewhere); only the exclusion goes.
    assert {(f.code, f.file) for f in again.scored_findings} == {(f.code, f.file) for f in first.scored_findings}
    assert finding_key(next(f for f in again.findings if f.file == "pp_101.pdf" and f.code == "OUT_OF_PERIOD")) in dismissed
    c = again.computed
    assert c is not None and c.eligible_costs_kzt > 0.0 and c.reimbursement_kzt > 0.0
    steps = {s.get("file"): s for s in c.steps}
    assert steps["pp_101.pdf"]["status"] != "excluded" and steps["pp_101.pdf"]["reincluded"] == ["OUT_OF_PERIOD"]
    assert "отклонено проверяющим" in steps["pp_101.pdf"]["reason"] and "OUT_OF_PERIOD" not in steps["pp_101.pdf"]["reason"]
    assert steps["pp_102.pdf"]["status"] == "excluded"  # its own finding still stands


def test_2026_digital_rules_use_40_percent_counted_back_from_the_last_payment() -> None:
    app, docs = _digital(dt.date(2026, 3, 1))
    result = check_dossier(app, docs)
    c = result.computed
    assert c is not None and (c.rate, c.period_start) == (0.4, dt.date(2021, 8, 10))
    assert result.scored_findings == []
    assert c.reimbursement_kzt == 4_000_000.0
    assert c.rules_version and "order442" in c.rules_version


def test_reimbursement_is_capped_and_counter_obligation_is_n_plus_2q() -> None:
    app, docs = works_dossier()
    for d in docs:
        if d.amounts is not None and d.doc_type != DocType.APPLICATION_FORM:
            for field in ("total", "vat", "amount_without_vat"):
                ev = getattr(d.amounts, field)
                setattr(d.amounts, field, ExtractedValue(value=ev.value * 20, confidence=1.0))
    get(docs, "dogovor.pdf").amount_words = None
    get(docs, "pp_101.pdf").amount_words = None
    get(docs, "pp_102.pdf").amount_words = None
    app = app.model_copy(
        update={"claimed_eligible_costs_kzt": 200_000_000.0, "claimed_reimbursement_kzt": 60_000_000.0}
    )
    result = check_dossier(app, docs)
    c = result.computed
    assert result.scored_findings == []
    assert c is not None and c.eligible_costs_kzt == 200_000_000.0 and c.reimbursement_kzt == 60_000_000.0
    assert c.counter_obligation_kzt == 1_000_000_000.0 + 120_000_000.0
    assert c.vat_basis == "without_vat"
    assert c.steps[-1]["kind"] == "summary"


def test_specialist_salary_from_the_row_matched_by_name() -> None:
    sheet = payroll_sheet("v.xlsx", "2024-03")
    accrued, how = specialist_accrued(sheet, "John Smith", None, 85)
    assert accrued == Decimal(str(SALARY)) and "строка" in how


def test_specialist_salary_grossed_up_from_the_payment_when_rows_are_unread() -> None:
    app, docs = employee_dossier()
    for d in docs:
        d.payroll_rows = []
    result = check_dossier(app, docs)
    c = result.computed
    assert result.scored_findings == []
    assert c is not None and c.claimed_costs_kzt == 3 * SALARY and c.eligible_costs_kzt == 3 * SALARY
    assert all("расчет" in s["source"] for s in c.steps if s["kind"] == "payroll")


def test_unknown_specialist_salary_is_reported_not_invented() -> None:
    sheet = payroll_sheet("v.xlsx", "2024-03")
    sheet.payroll_rows = []
    accrued, how = specialist_accrued(sheet, None, None, 85)
    assert accrued is None and how
    payment = make_doc("p.pdf", DocType.PAYMENT_ORDER, total=NET_SALARY)
    accrued, _ = specialist_accrued(sheet, None, payment, 85)
    assert accrued == Decimal(str(SALARY))


def test_a_doubted_row_is_not_the_salary_the_payment_is() -> None:
    sheet = payroll_sheet("v.pdf", "2024-03")
    for row in sheet.payroll_rows:
        if row.accrued == SALARY:  # the specialist's row
            row.accrued, row.confidence = SALARY * 100, 0.3  # an OCR misparse the reader flagged
    payment = make_doc("p.pdf", DocType.PAYMENT_ORDER, total=NET_SALARY)
    accrued, how = specialist_accrued(sheet, "John Smith", payment, 85, min_row_confidence=0.5)
    assert accrued == Decimal(str(SALARY)) and "расчет" in how
