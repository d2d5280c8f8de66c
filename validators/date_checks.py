"""Dates: the historical period and payments made before the contract."""

from __future__ import annotations

from models.domain import DocType
from validators.context import CheckContext
from validators.contracts import contract_date, contract_label
from validators.document_values import payroll_month
from validators.dossier_view import DossierView
from validators.findings import fmt_date, make_finding
from validators.values import (
    as_date,
    evidence,
    month_end,
)


def _payment_consequence(view: DossierView) -> str:
    if view.basis == "payroll":
        # the cost basis is the payroll sheet; the payment only shows when the salary was paid
        return "Проверьте, за какой месяц выплачена зарплата."
    return "Этот платеж не возмещается."


def check_payment_dates(ctx: CheckContext, view: DossierView) -> None:
    period = view.period
    for p in view.cost_payments:
        day = as_date(p.date)
        if day is None:
            ctx.unverified(p, "date", "дату платежа", "дата не прочитана", p.date)
            continue
        if day < period.start:
            if ctx.ok(p.date):
                ctx.add(
                    make_finding(
                        "OUT_OF_PERIOD",
                        file=p.file,
                        evidence=[
                            evidence(p, "date", p.date, note=f"начало периода {period.start.isoformat()}")
                        ],
                        subject="Платежное поручение",
                        when=f"от {fmt_date(day)}",
                        consequence=_payment_consequence(view),
                        period_start=fmt_date(period.start),
                        months=period.months,
                        anchor=period.anchor,
                    )
                )
            else:
                ctx.unverified(p, "date", "исторический период", ctx.low_confidence_reason(p.date), p.date)
        contract = view.contracts.for_document(p)
        c_day = contract_date(contract) if contract is not None else None
        if c_day is None or day >= c_day:
            continue
        if ctx.ok(p.date) and contract is not None and ctx.ok(contract.date):
            ctx.add(
                make_finding(
                    "PAYMENT_BEFORE_CONTRACT",
                    file=p.file,
                    evidence=[
                        evidence(p, "date", p.date),
                        evidence(contract, "date", contract.date, note="дата договора"),
                    ],
                    date=fmt_date(day),
                    contract=contract_label(contract),
                    consequence=_payment_consequence(view),
                )
            )
        else:
            ctx.unverified(
                p, "date", "дату платежа против даты договора", ctx.low_confidence_reason(p.date), p.date
            )


def check_payroll_period(ctx: CheckContext, view: DossierView) -> None:
    if view.basis != "payroll":
        return  # payroll sheets are a cost basis only for a hired specialist
    period = view.period
    for sheet in view.of_type(DocType.PAYROLL):
        month = payroll_month(sheet)
        if month is None:
            ctx.unverified(sheet, "period", "месяц ведомости", "месяц не прочитан", sheet.period)
            continue
        if month_end(*month) >= period.start:
            continue
        source = sheet.period if sheet.period is not None else sheet.date
        if not ctx.ok(source):
            ctx.unverified(sheet, "period", "исторический период", ctx.low_confidence_reason(source), source)
            continue
        ctx.add(
            make_finding(
                "OUT_OF_PERIOD",
                file=sheet.file,
                evidence=[
                    evidence(sheet, "period", source, note=f"начало периода {period.start.isoformat()}")
                ],
                subject="Расчетная ведомость",
                when=f"за {month[1]:02d}.{month[0]}",
                consequence="Зарплата за этот месяц не возмещается.",
                period_start=fmt_date(period.start),
                months=period.months,
                anchor=period.anchor,
            )
        )
