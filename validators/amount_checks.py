"""Amounts: acts, invoices and payments against the contract; the claimed reimbursement against rate and cap."""

from __future__ import annotations

from decimal import Decimal

from models.domain import DocType, DocumentExtraction, Evidence, ExtractedValue
from validators.consistency import total_doubt
from validators.context import CheckContext
from validators.contracts import contract_label
from validators.document_values import doc_currency, doc_total, total_ev
from validators.dossier_view import DossierView
from validators.findings import fmt_money, fmt_pct, make_finding
from validators.values import (
    as_date,
    as_decimal,
    evidence,
    money,
    raw,
    same_currency,
)


def _group_by_contract(
    view: DossierView, docs: list[DocumentExtraction]
) -> dict[int, tuple[DocumentExtraction, list[DocumentExtraction]]]:
    groups: dict[int, tuple[DocumentExtraction, list[DocumentExtraction]]] = {}
    for d in docs:
        contract = view.contracts.for_document(d)
        if contract is None:
            continue
        groups.setdefault(id(contract), (contract, []))[1].append(d)
    return groups


def _base(doc: DocumentExtraction) -> tuple[Decimal | None, list[ExtractedValue | None]]:
    """Amount without VAT (printed, or total − VAT) and the values it rests on."""
    a = doc.amounts
    if a is None:
        return None, [None]
    base = as_decimal(raw(a.amount_without_vat))
    if base is not None and a.amount_without_vat is not None and a.amount_without_vat.raw:
        return base, [a.amount_without_vat]
    total, vat = as_decimal(raw(a.total)), as_decimal(raw(a.vat))
    if total is not None and vat is not None:
        return total - vat, [a.total, a.vat]
    return base, [a.amount_without_vat]


def compare_without_vat(ctx: CheckContext, docs: list[DocumentExtraction]) -> bool:
    """True when ``docs`` were issued under different VAT rates (checks.yaml
    ``compare_without_vat_across_vat_change``): their gross amounts differ by the rate change alone."""
    if not ctx.rules.checks.compare_without_vat_across_vat_change:
        return False
    rates = {ctx.rules.vat_rate_on(day) for d in docs if ctx.ok(d.date) and (day := as_date(d.date))}
    return len(rates - {None}) > 1


def _sum_against_contract(
    ctx: CheckContext, contract: DocumentExtraction, docs: list[DocumentExtraction], check: str
) -> tuple[Decimal, Decimal, str | None, bool] | None:
    """(sum, contract amount, currency, without VAT) when the comparison can be trusted, else None.

    Gross totals are compared, or amounts without VAT when the documents straddle a VAT rate change.
    When some amounts are missing the sum is a lower bound: still usable if it already exceeds.
    """
    net = compare_without_vat(ctx, [contract, *docs])

    def figure(doc: DocumentExtraction) -> tuple[Decimal | None, list[ExtractedValue | None]]:
        if net:
            return _base(doc)
        return doc_total(doc), [total_ev(doc)]

    c_total, c_evs = figure(contract)
    if not net and total_ev(contract) is None and contract.amounts is not None:
        c_evs = [contract.amounts.amount_without_vat]  # a contract may print its price without VAT only
    if c_total is None or not all(ctx.ok(ev) for ev in c_evs):
        weak = next((ev for ev in c_evs if not ctx.ok(ev)), None)
        ctx.unverified(contract, "amounts.total", check, ctx.low_confidence_reason(weak), weak)
        return None
    doubt = total_doubt(ctx, contract)
    if doubt is not None:
        ctx.unverified(contract, "amounts.total", check, doubt, total_ev(contract))
        return None
    currency = doc_currency(contract)
    summed = Decimal(0)
    complete = True
    for d in docs:
        t, evs = figure(d)
        if not same_currency(currency, doc_currency(d)):
            ctx.unverified(d, "amounts.currency", check, "валюта документа отличается от валюты договора")
            return None
        if t is None or not all(ctx.ok(ev) for ev in evs):
            weak = next((ev for ev in evs if not ctx.ok(ev)), None)
            ctx.unverified(d, "amounts.total", check, ctx.low_confidence_reason(weak), weak)
            complete = False
            continue
        doubt = total_doubt(ctx, d)
        if doubt is not None:
            ctx.unverified(d, "amounts.total", check, doubt, total_ev(d))
            complete = False
            continue
        summed += t
    if not complete and summed <= c_total + ctx.rules.checks.amount_tolerance:
        return None
    return summed, c_total, currency or next((doc_currency(d) for d in docs if doc_currency(d)), None), net


def check_amounts_vs_contract(ctx: CheckContext, view: DossierView) -> None:
    tolerance = ctx.rules.checks.amount_tolerance
    what = {DocType.ACT_OF_WORK: "актов выполненных работ", DocType.INVOICE: "счетов-фактур"}
    for doc_type in (DocType.ACT_OF_WORK, DocType.INVOICE):
        for contract, docs in _group_by_contract(view, view.of_type(doc_type)).values():
            result = _sum_against_contract(ctx, contract, docs, "сумму документов против договора")
            if result is None:
                continue
            summed, c_total, currency, net = result
            if abs(summed - c_total) <= tolerance:
                continue
            suffix = " без НДС" if net else ""
            ctx.add(
                make_finding(
                    "AMOUNT_MISMATCH",
                    doc_type=doc_type.value,
                    evidence=[evidence(d, "amounts.total", total_ev(d)) for d in docs]
                    + [evidence(contract, "amounts.total", total_ev(contract), note="сумма договора")],
                    what=what[doc_type] + suffix,
                    files=", ".join(d.file for d in docs),
                    total=fmt_money(summed, currency),
                    contract=contract_label(contract),
                    contract_total=fmt_money(c_total, currency) + suffix,
                    diff=fmt_money(abs(summed - c_total), currency),
                )
            )
            break  # one finding per document type


def check_payments_vs_contract(ctx: CheckContext, view: DossierView) -> None:
    if view.basis != "payments":
        return  # an employment contract's total is a salary estimate, not a price to pay off
    tolerance = ctx.rules.checks.amount_tolerance
    for contract, docs in _group_by_contract(view, view.cost_payments).values():
        result = _sum_against_contract(ctx, contract, docs, "сумму платежей против договора")
        if result is None:
            continue
        summed, c_total, currency, net = result
        if summed <= c_total + tolerance:
            continue
        suffix = " без НДС" if net else ""
        ctx.add(
            make_finding(
                "PAYMENTS_EXCEED_CONTRACT",
                evidence=[evidence(d, "amounts.total", total_ev(d)) for d in docs]
                + [evidence(contract, "amounts.total", total_ev(contract), note="сумма договора")],
                total=fmt_money(summed, currency) + suffix,
                contract=contract_label(contract),
                contract_total=fmt_money(c_total, currency) + suffix,
                diff=fmt_money(summed - c_total, currency),
            )
        )
        return


def check_cap(ctx: CheckContext, view: DossierView) -> None:
    app = view.application
    rate, cap = view.rate, view.measure.cap_kzt
    claimed_costs = Decimal(str(app.claimed_eligible_costs_kzt))
    claimed_q = Decimal(str(app.claimed_reimbursement_kzt))
    by_rate = money(rate * claimed_costs)
    allowed = min(by_rate, cap)
    if claimed_q <= allowed + ctx.rules.checks.amount_tolerance:
        return
    ctx.add(
        make_finding(
            "CAP_EXCEEDED",
            evidence=[
                Evidence(field="claimed_reimbursement_kzt", value=float(claimed_q), note="заявка"),
                Evidence(field="claimed_eligible_costs_kzt", value=float(claimed_costs), note="заявка"),
                Evidence(field="rate", value=float(rate), note=view.rules.measures.version),
                Evidence(field="cap_kzt", value=float(cap), note=view.rules.measures.version),
            ],
            claimed_reimbursement=fmt_money(claimed_q),
            allowed=fmt_money(allowed),
            rate_pct=fmt_pct(rate),
            claimed_costs=fmt_money(claimed_costs),
            by_rate=fmt_money(by_rate),
            cap=fmt_money(cap),
        )
    )
