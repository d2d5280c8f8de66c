"""The reimbursement computation (corpus README "Computed values"), with a step list for the report.

works (basis ``payments``): every distinct payment order contributes its amount without VAT (amount
minus the VAT stated in the order), converted at the applicant's declared rate for that file and
rounded to 0.01. Claimed costs count them all; eligible costs leave out payments flagged
OUT_OF_PERIOD / PAYMENT_BEFORE_CONTRACT / PARTY_MISMATCH and take the rest in date order only until the
contract price without VAT is reached.

foreign employee (basis ``payroll``): the specialist's accrued salary over the payroll sheets; eligible
costs leave out sheets flagged OUT_OF_PERIOD.

reimbursement Q = min(round(rate x eligible, 2), cap); counter-obligation = N + 2Q.
All money is Decimal inside; the ComputedResult carries floats (its contract with the other stages).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from models.domain import ComputedResult, DocType, DocumentExtraction, Finding, PayrollRow
from validators.context import CheckContext
from validators.contracts import contract_label
from validators.document_values import payroll_month
from validators.dossier_view import DossierView
from validators.values import KZT, as_date, as_decimal, money, norm_bin, norm_currency, raw, same_currency

EXCLUDING_CODES = frozenset({"OUT_OF_PERIOD", "PAYMENT_BEFORE_CONTRACT", "PARTY_MISMATCH"})


def _f(x: Decimal | None) -> float | None:
    return None if x is None else float(x)


def amount_without_vat(doc: DocumentExtraction) -> tuple[Decimal | None, str | None]:
    """Amount minus the VAT stated on the document, with a note when VAT was not read."""
    a = doc.amounts
    if a is None:
        return None, None
    base = as_decimal(raw(a.amount_without_vat))
    total = as_decimal(raw(a.total))
    vat = as_decimal(raw(a.vat))
    if total is not None and vat is not None:
        return total - vat, None
    if base is not None:
        return base, None
    if total is not None:
        return total, "НДС не прочитан: взята полная сумма"
    return None, None


def excluded_files(findings: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        if f.code in EXCLUDING_CODES and f.file:
            out.setdefault(f.file, []).append(f.code)
    return out


class _Rates:
    """The applicant's declared KZT rate for each foreign-currency payment (``currency_rates``)."""

    def __init__(self, view: DossierView) -> None:
        self.view = view
        self.by_file = {r.file: r for r in view.application.currency_rates}
        self.partner = {d.file: d.duplicate_of for d in view.duplicates} | {
            d.duplicate_of: d.file for d in view.duplicates
        }

    def for_payment(self, doc: DocumentExtraction) -> tuple[Decimal | None, str]:
        """(KZT per unit, currency) for a payment; None when a foreign amount has no declared rate."""
        currency = norm_currency(raw(doc.amounts.currency)) if doc.amounts else None
        declared = self.by_file.get(doc.file) or self.by_file.get(self.partner.get(doc.file, ""))
        if declared is None and currency not in (None, KZT):
            day = as_date(doc.date)
            same = [
                r
                for r in self.view.application.currency_rates
                if r.currency.upper() == currency and r.date == day
            ]
            declared = same[0] if len(same) == 1 else None
        if declared is not None and same_currency(currency, declared.currency.upper()):
            return Decimal(str(declared.rate_kzt)), declared.currency.upper()
        if currency in (None, KZT):
            return Decimal(1), KZT
        return None, currency or "?"


def compute_reimbursement(view: DossierView, findings: list[Finding], ctx: CheckContext) -> ComputedResult:
    excluded = excluded_files(findings)
    if view.basis == "payroll":
        claimed, eligible, steps = _payroll_costs(view, excluded, ctx)
        vat_note = "заработная плата НДС не облагается"
    else:
        claimed, eligible, steps = _payment_costs(view, excluded, ctx)
        vat_note = "суммы платежей без НДС (сумма минус НДС, указанный в платежном поручении)"
    rate, cap = view.measure.rate, view.measure.cap_kzt
    q = min(money(rate * eligible), cap)
    n = Decimal(str(view.application.prior_revenue_n_kzt))
    steps.append(
        {
            "kind": "summary",
            "claimed_costs_kzt": _f(claimed),
            "eligible_costs_kzt": _f(eligible),
            "rate": _f(rate),
            "cap_kzt": _f(cap),
            "reimbursement_kzt": _f(q),
            "counter_obligation_kzt": _f(n + 2 * q),
            "period_start": view.period.start.isoformat(),
            "note": f"{vat_note}; возмещение = min({rate} × {eligible}, {cap}); встречное обязательство = N + 2 × Q",
        }
    )
    return ComputedResult(
        rate=float(rate),
        cap=float(cap),
        period_months=view.period.months,
        period_start=view.period.start,
        claimed_costs_kzt=float(claimed),
        claimed_reimbursement_kzt=view.application.claimed_reimbursement_kzt,
        eligible_costs_kzt=float(eligible),
        reimbursement_kzt=float(q),
        prior_revenue_n=view.application.prior_revenue_n_kzt,
        counter_obligation_kzt=float(n + 2 * q),
        vat_basis="without_vat",
        rules_version=view.rules.version,
        steps=steps,
    )


# --------------------------------------------------------------------------- works: payment orders


def _payment_costs(
    view: DossierView, excluded: dict[str, list[str]], ctx: CheckContext
) -> tuple[Decimal, Decimal, list[dict[str, Any]]]:
    rates = _Rates(view)
    order = {d.file: i for i, d in enumerate(view.documents)}
    payments = sorted(view.cost_payments, key=lambda d: (as_date(d.date) or dt.date.max, order[d.file]))
    remaining: dict[int, Decimal | None] = {}
    claimed = eligible = Decimal(0)
    steps: list[dict[str, Any]] = []
    for p in payments:
        amount, vat_note = amount_without_vat(p)
        rate, currency = rates.for_payment(p)
        step: dict[str, Any] = {
            "kind": "payment",
            "file": p.file,
            "date": (d.isoformat() if (d := as_date(p.date)) else None),
            "currency": currency,
            "total": _f(as_decimal(raw(p.amounts.total)) if p.amounts else None),
            "vat": _f(as_decimal(raw(p.amounts.vat)) if p.amounts else None),
            "amount_without_vat": _f(amount),
            "rate_kzt": _f(rate),
        }
        steps.append(step)
        if amount is None:
            ctx.unverified(
                p,
                "amounts.total",
                "сумму платежа",
                "сумма не прочитана",
                p.amounts.total if p.amounts else None,
            )
            step.update(status="not_counted", reason="сумма платежа не прочитана")
            continue
        if rate is None:
            ctx.unverified(
                p,
                "amounts.currency",
                "пересчет в тенге",
                f"в заявке не указан курс {currency} для этого платежа",
            )
            step.update(status="not_counted", reason=f"не указан курс {currency}")
            continue
        kzt = money(amount * rate)
        step["amount_kzt"] = float(kzt)
        claimed += kzt
        if p.file in excluded:
            step.update(status="excluded", counted_kzt=0.0, reason="исключен: " + ", ".join(excluded[p.file]))
            continue
        counted, cap_note = _within_contract_price(view, p, amount, currency, remaining)
        counted_kzt = kzt if counted == amount else money(counted * rate)
        eligible += counted_kzt
        step.update(
            status="counted" if counted == amount else ("partly_counted" if counted > 0 else "not_counted"),
            counted_kzt=float(counted_kzt),
            reason="; ".join(x for x in (vat_note, cap_note) if x) or None,
        )
    return claimed, eligible, steps


def _within_contract_price(
    view: DossierView,
    payment: DocumentExtraction,
    amount: Decimal,
    currency: str,
    remaining: dict[int, Decimal | None],
) -> tuple[Decimal, str | None]:
    """How much of ``amount`` still fits under the contract price without VAT (same currency only)."""
    contract = view.contracts.for_document(payment)
    if contract is None:
        return amount, "договор не найден: предел цены договора не применен"
    key = id(contract)
    if key not in remaining:
        price, _ = amount_without_vat(contract)
        c_currency = norm_currency(raw(contract.amounts.currency)) if contract.amounts else None
        remaining[key] = price if price is not None and same_currency(c_currency, currency) else None
    left = remaining[key]
    if left is None:
        return amount, "цена договора без НДС не прочитана или в другой валюте: предел не применен"
    counted = max(Decimal(0), min(amount, left))
    remaining[key] = left - counted
    if counted < amount:
        return counted, f"учтено только до цены договора {contract_label(contract)} без НДС"
    return counted, None


# --------------------------------------------------------------------------- foreign employee: payroll


def _employee(view: DossierView) -> tuple[str | None, str | None]:
    main = view.contracts.main
    if main is None:
        return None, None
    for p in main.parties:
        if p.role == "employee":
            name = raw(p.name)
            return (str(name) if name else None), norm_bin(raw(p.bin))
    return None, None


def _salary_payments(view: DossierView, employee_bin: str | None) -> list[DocumentExtraction]:
    payments = view.cost_payments
    if employee_bin:
        to_employee = [
            p
            for p in payments
            if any(norm_bin(raw(x.bin)) == employee_bin for x in p.parties if x.role == "beneficiary")
        ]
        if to_employee:
            payments = to_employee
    return sorted(payments, key=lambda d: as_date(d.date) or dt.date.max)


def _pair_sheets_with_payments(
    sheets: list[DocumentExtraction], payments: list[DocumentExtraction]
) -> dict[str, DocumentExtraction]:
    """Salary payment for each sheet: one per month in order, else the payment of that or the next month."""
    if len(sheets) == len(payments):
        return {s.file: p for s, p in zip(sheets, payments)}
    paired: dict[str, DocumentExtraction] = {}
    used: set[str] = set()
    for s in sheets:
        month = payroll_month(s)
        if month is None:
            continue
        y, m = month
        following = (y + m // 12, m % 12 + 1)
        for wanted in (following, month):
            hit = next(
                (
                    p
                    for p in payments
                    if p.file not in used and (d := as_date(p.date)) and (d.year, d.month) == wanted
                ),
                None,
            )
            if hit is not None:
                paired[s.file] = hit
                used.add(hit.file)
                break
    return paired


def _row_for_employee(
    rows: list[PayrollRow], name: str | None, min_score: float, net_paid: Decimal | None
) -> PayrollRow | None:
    if name:
        scored = [(fuzz.token_set_ratio(name.lower(), r.name.lower()), r) for r in rows if r.name]
        scored = [x for x in scored if x[0] >= min_score]
        if scored:
            return max(scored, key=lambda x: x[0])[1]
    if len(rows) == 1:
        return rows[0]
    if net_paid is not None:
        hits = [
            r for r in rows if r.net is not None and abs(Decimal(str(r.net)) - net_paid) <= Decimal("0.01")
        ]
        if len(hits) == 1:
            return hits[0]
    return None


def specialist_accrued(
    sheet: DocumentExtraction,
    employee_name: str | None,
    salary_payment: DocumentExtraction | None,
    min_name_score: float,
    min_row_confidence: float = 0.0,
) -> tuple[Decimal | None, str]:
    """The specialist's accrued salary on one sheet, and how it was obtained (Russian)."""
    net_paid = None
    if salary_payment is not None and salary_payment.amounts is not None:
        net_paid = as_decimal(raw(salary_payment.amounts.total))
    row = _row_for_employee(sheet.payroll_rows, employee_name, min_name_score, net_paid)
    # A row the reader itself doubts (accrued − withheld ≠ net on a scan) is not a salary figure.
    if row is not None and row.accrued is not None and row.confidence >= min_row_confidence:
        return money(Decimal(str(row.accrued))), f"строка ведомости «{row.name}»"
    totals = sheet.payroll_totals
    if net_paid is None or totals is None:
        return None, "строка работника не прочитана и выплата не найдена"
    accrued, withheld = as_decimal(raw(totals.accrued)), as_decimal(raw(totals.withheld))
    if not accrued or withheld is None or not (0 <= withheld < accrued):
        return None, "строка работника не прочитана, итоги ведомости неполны"
    # Rows not read: the net salary paid, grossed up by the sheet's own share of withholdings.
    share = withheld / accrued
    return money(net_paid / (1 - share)), (
        f"расчет: выплата {salary_payment.file if salary_payment else ''} {net_paid} / (1 − доля удержаний "
        f"по ведомости {share:.4f}); строки работников не прочитаны"
    )


def _payroll_costs(
    view: DossierView, excluded: dict[str, list[str]], ctx: CheckContext
) -> tuple[Decimal, Decimal, list[dict[str, Any]]]:
    name, employee_bin = _employee(view)
    sheets = sorted(view.of_type(DocType.PAYROLL), key=lambda s: payroll_month(s) or (9999, 12))
    payments = _salary_payments(view, employee_bin)
    paired = _pair_sheets_with_payments(sheets, payments)
    claimed = eligible = Decimal(0)
    steps: list[dict[str, Any]] = []
    for s in sheets:
        month = payroll_month(s)
        accrued, how = specialist_accrued(
            s,
            name,
            paired.get(s.file),
            view.rules.checks.employee_name_min_score,
            view.rules.checks.min_confidence_for_finding,
        )
        step: dict[str, Any] = {
            "kind": "payroll",
            "file": s.file,
            "period": f"{month[0]}-{month[1]:02d}" if month else None,
            "accrued_kzt": _f(accrued),
            "source": how,
        }
        steps.append(step)
        if accrued is None:
            ctx.unverified(s, "payroll_rows", "начисленную зарплату специалиста", how)
            step.update(status="not_counted", counted_kzt=0.0, reason=how)
            continue
        claimed += accrued
        if s.file in excluded:
            step.update(
                status="excluded", counted_kzt=0.0, reason="исключена: " + ", ".join(excluded[s.file])
            )
            continue
        eligible += accrued
        step.update(status="counted", counted_kzt=float(accrued))
    return claimed, eligible, steps
