"""Small hand-made dossiers for tests and demos (no corpus needed).

``works_dossier()`` is a clean technology/commissioning dossier; ``employee_dossier()`` a clean
competence/foreign_employee one with payroll rows. Tests change one thing and look for one finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from extractors.identifiers import bin_check_digit
from models.domain import (
    Amounts,
    Applicant,
    Application,
    ContractRef,
    CurrencyRate,
    DocType,
    DocumentExtraction,
    ExtractedValue,
    Party,
    PayrollRow,
    PayrollTotals,
)


def make_bin(prefix11: str) -> str:
    """A valid BIN/IIN starting with (or near) ``prefix11``."""
    n = int(prefix11)
    while True:
        digits = f"{n:011d}"
        check = bin_check_digit(digits)
        if check is not None:
            return digits + str(check)
        n += 1


def broken_bin(valid: str) -> str:
    """``valid`` with its check digit changed (fails the check-digit test)."""
    return valid[:11] + str((int(valid[11]) + 1) % 10)


APPLICANT_BIN = make_bin("10064055876")
SUPPLIER_BIN = make_bin("10094089833")
OTHER_BIN = make_bin("92072036512")
EMPLOYEE_IIN = make_bin("83121439461")


def ev(value: Any, confidence: float = 1.0) -> ExtractedValue | None:
    return None if value is None else ExtractedValue(value=value, confidence=confidence)


def party(role: str, bin_: str | None, name: str | None = None, confidence: float = 1.0) -> Party:
    return Party(role=role, bin=ev(bin_, confidence), name=ev(name))


def make_doc(
    file: str,
    doc_type: DocType,
    *,
    language: str = "ru",
    number: str | None = None,
    date: dt.date | None = None,
    parties: Iterable[Party] = (),
    total: float | None = None,
    vat: float | None = None,
    without_vat: float | None = None,
    currency: str | None = "KZT",
    words: str | None = None,
    ref: tuple[str | None, dt.date | None] | None = None,
    period: str | None = None,
    payroll_totals: tuple[float | None, float | None, float | None] | None = None,
    payroll_rows: Iterable[PayrollRow] = (),
    translation_of: str | None = None,
    knp: str | None = None,
    unreadable_reason: str | None = None,
) -> DocumentExtraction:
    amounts = None
    if total is not None or vat is not None or without_vat is not None:
        amounts = Amounts(
            total=ev(total), vat=ev(vat), amount_without_vat=ev(without_vat), currency=ev(currency)
        )
    totals = None
    if payroll_totals is not None:
        accrued, withheld, net = payroll_totals
        totals = PayrollTotals(accrued=ev(accrued), withheld=ev(withheld), net=ev(net))
    return DocumentExtraction(
        file=file,
        doc_type=doc_type,
        doc_type_confidence=1.0,
        language=language,
        number=ev(number),
        date=ev(date),
        parties=list(parties),
        amounts=amounts,
        amount_words=ev(words),
        contract_ref=ContractRef(number=ev(ref[0]), date=ev(ref[1])) if ref else None,
        translation_of=translation_of,
        period=ev(period),
        payroll_rows=list(payroll_rows),
        payroll_totals=totals,
        knp=ev(knp),
        unreadable_reason=unreadable_reason,
    )


def make_application(
    documents: list[DocumentExtraction],
    *,
    measure: str = "technology",
    cost_type: str = "commissioning",
    application_date: dt.date = dt.date(2024, 5, 17),
    claimed_costs: float = 10_000_000.0,
    claimed_reimbursement: float = 4_000_000.0,
    prior_revenue: float = 1_000_000_000.0,
    currency_rates: Iterable[CurrencyRate] = (),
) -> Application:
    return Application(
        dossier_id="sample",
        applicant=Applicant(name="ТОО «Образец»", bin=APPLICANT_BIN),
        measure=measure,  # type: ignore[arg-type]
        cost_type=cost_type,
        application_date=application_date,
        claimed_eligible_costs_kzt=claimed_costs,
        claimed_reimbursement_kzt=claimed_reimbursement,
        prior_revenue_n_kzt=prior_revenue,
        currency_rates=list(currency_rates),
        files=[d.file for d in documents],
    )


CONTRACT_NO = "15/22"
CONTRACT_DATE = dt.date(2023, 3, 1)


def works_dossier() -> tuple[Application, list[DocumentExtraction]]:
    """A clean works dossier: contract 11.2 mln incl. 12 % VAT, paid in two halves, one act, one invoice."""
    ref = (CONTRACT_NO, CONTRACT_DATE)

    def sides() -> list[Party]:  # fresh objects per document: tests edit one document at a time
        return [party("customer", APPLICANT_BIN), party("supplier", SUPPLIER_BIN)]

    def payers() -> list[Party]:
        return [party("payer", APPLICANT_BIN), party("beneficiary", SUPPLIER_BIN)]

    half_words = "Пять миллионов шестьсот тысяч тенге 00 тиын"
    docs = [
        make_doc(
            "zayavka.pdf",
            DocType.APPLICATION_FORM,
            number="1-2024",
            date=dt.date(2024, 5, 17),
            parties=[party("applicant", APPLICANT_BIN)],
            total=10_000_000.0,
            without_vat=10_000_000.0,
        ),
        make_doc(
            "soglasie.pdf",
            DocType.STATISTICS_CONSENT,
            date=dt.date(2024, 5, 10),
            parties=[party("applicant", APPLICANT_BIN)],
        ),
        make_doc(
            "dogovor.pdf",
            DocType.CONTRACT,
            number=CONTRACT_NO,
            date=CONTRACT_DATE,
            parties=sides(),
            total=11_200_000.0,
            vat=1_200_000.0,
            without_vat=10_000_000.0,
            words="Одиннадцать миллионов двести тысяч тенге 00 тиын",
        ),
        make_doc(
            "pp_101.pdf",
            DocType.PAYMENT_ORDER,
            number="101",
            date=dt.date(2023, 4, 10),
            parties=payers(),
            total=5_600_000.0,
            vat=600_000.0,
            without_vat=5_000_000.0,
            words=half_words,
            ref=ref,
        ),
        make_doc(
            "pp_102.pdf",
            DocType.PAYMENT_ORDER,
            language="kk",
            number="102",
            date=dt.date(2023, 8, 10),
            parties=payers(),
            total=5_600_000.0,
            vat=600_000.0,
            without_vat=5_000_000.0,
            words="Бес миллион алты жүз мың теңге 00 тиын",
            ref=ref,
        ),
        make_doc(
            "akt_1.pdf",
            DocType.ACT_OF_WORK,
            number="1",
            date=dt.date(2023, 7, 31),
            parties=sides(),
            total=11_200_000.0,
            vat=1_200_000.0,
            without_vat=10_000_000.0,
            ref=ref,
        ),
        make_doc(
            "sf_1.pdf",
            DocType.INVOICE,
            number="000001",
            date=dt.date(2023, 7, 31),
            parties=sides(),
            total=11_200_000.0,
            vat=1_200_000.0,
            without_vat=10_000_000.0,
            ref=ref,
        ),
        make_doc(
            "otchet.pdf", DocType.WORK_REPORT, number="7", date=dt.date(2023, 7, 31), parties=sides(), ref=ref
        ),
    ]
    return make_application(docs), docs


EMPLOYMENT_NO = "ТД-1"
EMPLOYMENT_DATE = dt.date(2024, 2, 27)
EMPLOYEE_NAME = "Smith John"
SALARY = 3_300_000.0
NET_SALARY = 2_613_600.0  # 3.3 mln less 20.8 % withholdings


def payroll_sheet(file: str, month: str, *, extra_total_net: float = 0.0) -> DocumentExtraction:
    rows = [
        PayrollRow(name=EMPLOYEE_NAME, accrued=SALARY, withheld=SALARY - NET_SALARY, net=NET_SALARY),
        PayrollRow(name="Иванов Иван", accrued=1_000_000.0, withheld=208_000.0, net=792_000.0),
    ]
    accrued = sum(r.accrued or 0 for r in rows)
    withheld = sum(r.withheld or 0 for r in rows)
    year, mon = (int(x) for x in month.split("-"))
    last_day = dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1)
    return make_doc(
        file,
        DocType.PAYROLL,
        date=last_day,
        parties=[party("employer", APPLICANT_BIN)],
        period=month,
        payroll_rows=rows,
        payroll_totals=(accrued, withheld, accrued - withheld + extra_total_net),
    )


def employee_dossier() -> tuple[Application, list[DocumentExtraction]]:
    """A clean foreign-employee dossier: 3 months of salary, sheets with rows, one payment a month."""
    ref = (EMPLOYMENT_NO, EMPLOYMENT_DATE)
    docs = [
        make_doc(
            "zayavka.pdf",
            DocType.APPLICATION_FORM,
            number="2-2024",
            date=dt.date(2024, 11, 10),
            parties=[party("applicant", APPLICANT_BIN)],
            total=3 * SALARY,
            without_vat=3 * SALARY,
        ),
        make_doc(
            "soglasie.pdf",
            DocType.STATISTICS_CONSENT,
            date=dt.date(2024, 11, 1),
            parties=[party("applicant", APPLICANT_BIN)],
        ),
        make_doc(
            "td.pdf",
            DocType.CONTRACT,
            number=EMPLOYMENT_NO,
            date=EMPLOYMENT_DATE,
            parties=[party("employer", APPLICANT_BIN), party("employee", EMPLOYEE_IIN, EMPLOYEE_NAME)],
            total=3 * SALARY,
            vat=0.0,
            without_vat=3 * SALARY,
        ),
    ]
    for i, (month, paid) in enumerate(
        (("2024-03", dt.date(2024, 4, 4)), ("2024-04", dt.date(2024, 5, 4)), ("2024-05", dt.date(2024, 6, 6)))
    ):
        docs.append(
            make_doc(
                f"pp_{200 + i}.pdf",
                DocType.PAYMENT_ORDER,
                number=str(200 + i),
                date=paid,
                parties=[party("payer", APPLICANT_BIN), party("beneficiary", EMPLOYEE_IIN)],
                total=NET_SALARY,
                vat=0.0,
                without_vat=NET_SALARY,
                ref=ref,
            )
        )
        docs.append(payroll_sheet(f"vedomost_{month}.xlsx", month))
    docs.append(
        make_doc(
            "otchet.pdf",
            DocType.WORK_REPORT,
            date=dt.date(2024, 6, 3),
            ref=ref,
            parties=[party("employee", EMPLOYEE_IIN), party("employer", APPLICANT_BIN)],
        )
    )
    app = make_application(
        docs,
        measure="competence",
        cost_type="foreign_employee",
        application_date=dt.date(2024, 11, 10),
        claimed_costs=3 * SALARY,
        claimed_reimbursement=round(0.4 * 3 * SALARY, 2),
    )
    return app, docs
