"""The reimbursement computation (corpus README "Computed values"), with a step list for the report.

works (basis ``payments``): every distinct payment order contributes its amount without VAT (amount
minus the VAT stated in the order; when the order's VAT was not read, the VAT its invoice or contract
shows), converted at the applicant's declared rate for that file and rounded to 0.01. Claimed costs
count them all; eligible costs leave out payments flagged by an excluding finding (checks.yaml
``excluding_codes``) and take the rest in date order only until the contract price without VAT is
reached. An excluding finding a reviewer dismissed (its ``finding_key`` among ``dismissed``) excludes
nothing: the finding stays in the result, with its verdict, and the payment counts again.

foreign employee (basis ``payroll``): the specialist's accrued salary over the payroll sheets; eligible
costs leave out sheets flagged by an excluding finding.

reimbursement Q = min(round(rate x eligible, 2), cap left, claimed reimbursement), where the cap left is
the cap less the reimbursements already recorded for the same applicant and measure in the window the
rules set; counter-obligation = N + 2Q (none when N is missing or not positive).
All money is Decimal inside; the ComputedResult carries floats (its contract with the other stages).

Why one file: the reimbursement is one computation (eligible costs → Q → N + 2Q) whose steps and their
explanations for the report must stay in one order; each step is a small function of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any, Literal

from rapidfuzz import fuzz

from models.domain import ComputedResult, DocType, DocumentExtraction, Evidence, Finding, PayrollRow
from validators.context import CheckContext
from validators.contracts import contract_label
from validators.document_values import payroll_month
from validators.dossier_view import DossierView
from validators.findings import catalogue, finding_key, fmt_date, fmt_money, fmt_pct, make_finding
from validators.program_checks import rate_note
from validators.values import KZT, as_date, as_decimal, money, norm_bin, norm_currency, raw, same_currency

# A VAT share computed from a document (VAT / amount without VAT) is taken for a rate of vat.yaml
# when it is this close to it (the VAT is rounded to the tiyn).
VAT_RATE_MATCH = Decimal("0.001")


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


def excluded_files(
    findings: list[Finding], codes: list[str] | frozenset[str], dismissed: Collection[str] = ()
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(file -> the excluding codes raised on it, file -> the excluding codes a reviewer dismissed).

    A file is left out while one excluding finding on it stands; dismissing every one brings it back.
    """
    standing: dict[str, list[str]] = {}
    waived: dict[str, list[str]] = {}
    for f in findings:
        if f.code in codes and f.file:
            target = waived if dismissed and finding_key(f) in dismissed else standing
            target.setdefault(f.file, []).append(f.code)
    return standing, {file: codes for file, codes in waived.items() if file not in standing}


def _excluded_reason(codes: list[str]) -> str:
    # Words, not codes: the reason is shown to reviewers.
    return "; ".join(catalogue().label(c).lower() for c in codes)


def _note_waived(steps: list[dict[str, Any]], waived: dict[str, list[str]]) -> None:
    """A step counted only because a reviewer dismissed what excluded it says so, and keeps the codes."""
    for step in steps:
        codes = waived.get(str(step.get("file")))
        if not codes or step.get("kind") not in ("payment", "payroll"):
            continue
        words = "; ".join(f"«{catalogue().label(c)}»" for c in codes)
        note = f"снова в расчёте: замечание {words} отклонено проверяющим"
        step["reincluded"] = list(codes)
        step["reason"] = "; ".join(x for x in (note, step.get("reason")) if x)


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


def compute_reimbursement(
    view: DossierView, findings: list[Finding], ctx: CheckContext, dismissed: Collection[str] = ()
) -> ComputedResult:
    """``dismissed``: the keys (``finding_key``) of findings reviewers dismissed."""
    excluded, waived = excluded_files(findings, view.rules.checks.excluding_codes, dismissed)
    if view.basis == "payroll":
        claimed, eligible, steps = _payroll_costs(view, excluded, ctx)
        vat_note = "заработная плата НДС не облагается"
    else:
        claimed, eligible, steps = _payment_costs(view, excluded, ctx)
        vat_note = "суммы платежей без НДС"
    _note_waived(steps, waived)
    app = view.application
    rate, cap = view.rate, view.measure.cap_kzt
    used = money(sum((Decimal(str(h.reimbursement_kzt)) for h in view.cap_history()), Decimal(0)))
    cap_left = max(Decimal(0), cap - used)
    by_rate = money(rate * eligible)
    claimed_q = Decimal(str(app.claimed_reimbursement_kzt))
    # Q never exceeds what the applicant claimed; ties go to the rate, then the cap (the usual reading).
    terms: list[tuple[Decimal, Literal["rate", "cap", "claim"]]] = [(by_rate, "rate"), (cap_left, "cap")]
    if claimed_q >= 0:
        terms.append((claimed_q, "claim"))
    q, limited_by = min(terms, key=lambda t: t[0])
    counter = view.rules.measures.counter_obligation
    n = Decimal(str(app.prior_revenue_n_kzt)) if app.prior_revenue_n_kzt is not None else None
    counter_obligation = n + counter.q_multiplier * q if n is not None and n > 0 else None
    declared = Decimal(str(app.claimed_eligible_costs_kzt))
    if used > 0 and min(by_rate, claimed_q if claimed_q >= 0 else by_rate) > cap_left:
        _report_cap_history(ctx, view, used, cap_left, min(by_rate, claimed_q if claimed_q >= 0 else by_rate))
    _report_unconfirmed_costs(ctx, view, declared, claimed, eligible, steps)
    steps.append(
        {
            "kind": "summary",
            "claimed_costs_kzt": _f(claimed),
            "declared_costs_kzt": _f(declared),
            "eligible_costs_kzt": _f(eligible),
            "rate": _f(rate),
            "cap_kzt": _f(cap),
            "cap_used_kzt": _f(used),
            "reimbursement_kzt": _f(q),
            "reimbursement_limited_by": limited_by,
            "counter_obligation_kzt": _f(counter_obligation),
            "period_start": view.period.start.isoformat(),
            "note": (
                f"{vat_note}; возмещение = наименьшее из {fmt_pct(rate)} % × {fmt_money(eligible)}, "
                f"остатка предела {fmt_money(cap_left)} и заявленного {fmt_money(claimed_q)}; "
                f"встречное обязательство = N + {counter.q_multiplier} × Q"
            ),
        }
    )
    return ComputedResult(
        rate=float(rate),
        cap=float(cap),
        period_months=view.period.months,
        period_start=view.period.start,
        claimed_costs_kzt=float(claimed),
        claimed_reimbursement_kzt=app.claimed_reimbursement_kzt,
        eligible_costs_kzt=float(eligible),
        reimbursement_kzt=float(q),
        prior_revenue_n=app.prior_revenue_n_kzt,
        counter_obligation_kzt=_f(counter_obligation),
        vat_basis="not_applicable" if view.basis == "payroll" else "without_vat",
        declared_costs_kzt=float(declared),
        costs_difference_kzt=float(declared - eligible),
        reimbursement_limited_by=limited_by,
        rate_note=rate_note(view),
        cap_used_kzt=float(used),
        cap_left_kzt=float(cap_left),
        monitoring_months=counter.monitoring_months,
        rules_version=view.rules.version,
        steps=steps,
    )


def _window_text(view: DossierView) -> str:
    if view.measure.cap_window == "calendar_year":
        return f"{view.application.application_date.year} год"
    return f"исторический период с {fmt_date(view.period.start)}"


def _report_cap_history(
    ctx: CheckContext, view: DossierView, used: Decimal, cap_left: Decimal, wanted: Decimal
) -> None:
    history = view.cap_history()
    ctx.add(
        make_finding(
            "CAP_EXCEEDED_ACROSS_APPLICATIONS",
            evidence=[
                Evidence(
                    field="reimbursement_kzt",
                    value=h.reimbursement_kzt,
                    note=f"заявка {h.dossier_id} от {fmt_date(h.application_date)}",
                )
                for h in history
            ]
            + [Evidence(field="cap_kzt", value=float(view.measure.cap_kzt), note=view.rules.measures.version)],
            used=fmt_money(used),
            dossiers=", ".join(f"{h.dossier_id} от {fmt_date(h.application_date)}" for h in history),
            window=_window_text(view),
            q=fmt_money(wanted),
            cap=fmt_money(view.measure.cap_kzt),
            left=fmt_money(cap_left),
        )
    )


# A step whose amount the service could not establish: the gap it leaves is not the applicant's.
_UNREAD_STATUSES = frozenset({"not_counted"})


def _report_unconfirmed_costs(
    ctx: CheckContext,
    view: DossierView,
    declared: Decimal,
    documented: Decimal,
    eligible: Decimal,
    steps: list[dict[str, Any]],
) -> None:
    """COSTS_NOT_CONFIRMED when the declared costs exceed what the documents confirm, naming the
    payments (or payroll sheets) behind the difference; «could not verify» when a reading explains it."""
    diff = declared - eligible
    if diff <= view.rules.checks.declared_costs_tolerance:
        return
    behind: list[str] = []
    doubtful: list[str] = []
    for step in steps:
        status = step.get("status")
        if status in ("counted", None):
            continue
        amount = step.get("amount_kzt", step.get("accrued_kzt"))
        left_out = Decimal(str(amount)) - Decimal(str(step.get("counted_kzt") or 0)) if amount is not None else None
        what = f"«{step['file']}»" + (f" — {fmt_money(left_out)}" if left_out is not None else "")
        reason = step.get("reason") or ""
        behind.append(f"{what} ({reason})" if reason else what)
        if status in _UNREAD_STATUSES or status == "unverified":
            doubtful.append(step["file"])
    parts = []
    if behind:
        parts.append("Не учтено: " + "; ".join(behind) + ".")
    unexplained = declared - documented
    if unexplained > view.rules.checks.declared_costs_tolerance:
        parts.append(f"Документы об оплате в досье подтверждают всего {fmt_money(documented)}.")
    explanation = " ".join(parts)
    if doubtful:
        ctx.unverified(
            None,
            "declared_costs",
            "подтверждение заявленных затрат",
            f"заявлено {fmt_money(declared)}, подтверждено {fmt_money(eligible)} (разница {fmt_money(diff)}), "
            f"но суммы части документов не установлены ({', '.join(doubtful)}). {explanation}".rstrip(),
        )
        return
    ctx.add(
        make_finding(
            "COSTS_NOT_CONFIRMED",
            evidence=[
                Evidence(field="claimed_eligible_costs_kzt", value=float(declared), note="заявка"),
                Evidence(field="eligible_costs_kzt", value=float(eligible), note="подтверждено документами"),
            ]
            + [
                Evidence(file=s["file"], field="amounts.total", value=s.get("total"), note=s.get("reason"))
                for s in steps
                if s.get("status") not in ("counted", None) and s.get("file")
            ],
            declared=fmt_money(declared),
            confirmed=fmt_money(eligible),
            diff=fmt_money(diff),
            explanation=explanation,
        )
    )


# --------------------------------------------------------------------------- works: payment orders


def _snap_vat_rate(view: DossierView, share: Decimal) -> Decimal | None:
    """The VAT rate of vat.yaml that ``share`` (VAT / amount without VAT) is, if any."""
    return next((r for r in sorted(view.rules.all_vat_rates()) if abs(share - r) <= VAT_RATE_MATCH), None)


def _vat_from_paired(
    view: DossierView, ctx: CheckContext, payment: DocumentExtraction, total: Decimal
) -> tuple[Decimal, str] | None:
    """VAT of a payment whose order does not state it, from its invoice or contract: (VAT, how).

    The invoice of the same contract nearest in date first (it carries the VAT of the turnover), then
    the contract. A document without VAT means none; one with VAT at a rate of vat.yaml gives that
    share of the gross (12/112 at 12 %). A contract whose rate is simply the one of its own date is
    overtaken by the rate in force on the payment's date (a 2025 contract paid in 2026).
    """
    contract = view.contracts.for_document(payment)
    if contract is None:
        return None
    currency = norm_currency(raw(payment.amounts.currency)) if payment.amounts else None
    paid_on = as_date(payment.date)
    invoices = [d for d in view.of_type(DocType.INVOICE) if view.contracts.for_document(d) is contract]
    invoices.sort(key=lambda d: abs(((as_date(d.date) or dt.date.max) - (paid_on or dt.date.min)).days)
                  if as_date(d.date) and paid_on else 10**6)
    for doc in [*invoices, contract]:
        a = doc.amounts
        if a is None or not same_currency(currency, norm_currency(raw(a.currency))):
            continue
        vat, base = as_decimal(raw(a.vat)), as_decimal(raw(a.amount_without_vat))
        total_doc = as_decimal(raw(a.total))
        if base is None and total_doc is not None and vat is not None:
            base = total_doc - vat
        if vat is None or not ctx.ok(a.vat):
            continue
        label = "счету-фактуре" if doc.doc_type == DocType.INVOICE else "договору"
        if vat == 0:
            return Decimal(0), f"без НДС по {label} «{doc.file}»"
        if base is None or base <= 0:
            continue
        rate = _snap_vat_rate(view, vat / base)
        if rate is None:
            continue
        own_day = as_date(doc.date)
        if doc is contract and paid_on is not None and own_day is not None:
            then, now = view.rules.vat_rate_on(own_day), view.rules.vat_rate_on(paid_on)
            if rate == then and now is not None and now != then:
                rate = now
                label = f"договору (ставка НДС на дату платежа {fmt_pct(now)} %)"
        return money(total * rate / (1 + rate)), f"НДС {fmt_pct(rate)} % по {label} «{doc.file}»"
    return None


def _payment_amount(
    view: DossierView, ctx: CheckContext, p: DocumentExtraction
) -> tuple[Decimal | None, Decimal | None, str | None, bool]:
    """(amount without VAT, VAT, how the VAT was found, VAT established) of one payment order."""
    a = p.amounts
    if a is None:
        return None, None, None, False
    total = as_decimal(raw(a.total))
    vat = as_decimal(raw(a.vat))
    if total is not None and vat is not None and ctx.ok(a.vat):
        return total - vat, vat, None, True
    base = as_decimal(raw(a.amount_without_vat))
    if base is not None and a.amount_without_vat is not None and a.amount_without_vat.raw and ctx.ok(
        a.amount_without_vat
    ):
        return base, (total - base if total is not None else None), None, True  # printed, not derived
    if total is None:
        return base, vat, None, base is not None
    # The order does not state its VAT (or it was not read with confidence): never count the gross
    # amount silently.
    paired = _vat_from_paired(view, ctx, p, total)
    if paired is not None:
        derived, how = paired
        return total - derived, derived, how, True
    if vat is not None and a.vat is not None and a.vat.raw:
        # A VAT figure was read, only not confidently, and nothing in the dossier contradicts it.
        ctx.unverified(p, "amounts.vat", "НДС платежа", ctx.low_confidence_reason(a.vat), a.vat)
        return total - vat, vat, "НДС прочитан неуверенно", True
    return total, None, None, False


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
        amount, vat, vat_source, vat_known = _payment_amount(view, ctx, p)
        rate, currency = rates.for_payment(p)
        step: dict[str, Any] = {
            "kind": "payment",
            "file": p.file,
            "date": (d.isoformat() if (d := as_date(p.date)) else None),
            "currency": currency,
            "total": _f(as_decimal(raw(p.amounts.total)) if p.amounts else None),
            "vat": _f(vat),
            "vat_source": vat_source,
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
            step.update(status="excluded", counted_kzt=0.0, reason="исключён: " + _excluded_reason(excluded[p.file]))
            continue
        vat_note = None
        if not vat_known:
            vat_note = "НДС не определен: учтена полная сумма"
            ctx.add(
                make_finding(
                    "VAT_NOT_DETERMINED",
                    file=p.file,
                    evidence=[
                        Evidence(file=p.file, field="amounts.vat", value=raw(p.amounts.vat) if p.amounts else None,
                                 note="не прочитан"),
                        Evidence(file=p.file, field="amounts.total", value=float(amount)),
                    ],
                    amount=fmt_money(amount, currency),
                )
            )
        counted, cap_note = _within_contract_price(view, p, amount, currency, remaining)
        counted_kzt = kzt if counted == amount else money(counted * rate)
        eligible += counted_kzt
        status = "counted" if counted == amount else ("partly_counted" if counted > 0 else "not_counted")
        if not vat_known and counted > 0:
            status = "unverified"
        step.update(
            status=status,
            counted_kzt=float(counted_kzt),
            reason="; ".join(x for x in (vat_note, vat_source, cap_note) if x) or None,
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
            step.update(status="excluded", counted_kzt=0.0, reason="исключена: " + _excluded_reason(excluded[s.file]))
            continue
        eligible += accrued
        step.update(status="counted", counted_kzt=float(accrued))
    return claimed, eligible, steps
