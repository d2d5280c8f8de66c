"""Dates: the historical period, payments made before the contract or after the application."""

from __future__ import annotations

import datetime as dt

from models.domain import DocType, DocumentExtraction
from validators.consequences import consequence
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


def _after_application(ctx: CheckContext, view: DossierView, p: DocumentExtraction, day: dt.date) -> bool:
    """PAYMENT_AFTER_APPLICATION when ``p`` is dated after the application (measures.yaml ``costs_until``)."""
    applied = view.application.application_date
    if view.rules.measures.costs_until != "application_date" or day <= applied:
        return False
    if not ctx.ok(p.date):
        ctx.unverified(p, "date", "дату платежа против даты заявки", ctx.low_confidence_reason(p.date), p.date)
        return True
    ctx.add(
        make_finding(
            "PAYMENT_AFTER_APPLICATION",
            file=p.file,
            evidence=[evidence(p, "date", p.date, note=f"дата заявки {fmt_date(applied)}")],
            subject="Платежное поручение",
            when=f"от {fmt_date(day)}",
            application_date=fmt_date(applied),
            consequence=consequence(view, p, "PAYMENT_AFTER_APPLICATION"),
        )
    )
    return True


def check_payment_dates(ctx: CheckContext, view: DossierView) -> None:
    period = view.period
    for p in view.cost_payments:
        day = as_date(p.date)
        if day is None:
            ctx.unverified(p, "date", "дату платежа", "дата не прочитана", p.date)
            continue
        _after_application(ctx, view, p, day)
        if day < period.start:
            if ctx.ok(p.date):
                ctx.add(
                    make_finding(
                        "OUT_OF_PERIOD",
                        file=p.file,
                        evidence=[evidence(p, "date", p.date, note=f"начало периода {fmt_date(period.start)}")],
                        subject="Платежное поручение",
                        when=f"от {fmt_date(day)}",
                        consequence=consequence(view, p, "OUT_OF_PERIOD"),
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
                    consequence=consequence(view, p, "PAYMENT_BEFORE_CONTRACT"),
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
    applied = view.application.application_date
    for sheet in view.of_type(DocType.PAYROLL):
        month = payroll_month(sheet)
        if month is None:
            ctx.unverified(sheet, "period", "месяц ведомости", "месяц не прочитан", sheet.period)
            continue
        after = view.rules.measures.costs_until == "application_date" and dt.date(*month, 1) > applied
        if month_end(*month) >= period.start and not after:
            continue
        source = sheet.period if sheet.period is not None else sheet.date
        if not ctx.ok(source):
            ctx.unverified(sheet, "period", "исторический период", ctx.low_confidence_reason(source), source)
            continue
        if after:
            # A salary month that begins after the application date is not a cost of this application.
            ctx.add(
                make_finding(
                    "PAYMENT_AFTER_APPLICATION",
                    file=sheet.file,
                    evidence=[evidence(sheet, "period", source, note=f"дата заявки {fmt_date(applied)}")],
                    subject="Расчетная ведомость",
                    when=f"за {month[1]:02d}.{month[0]}",
                    application_date=fmt_date(applied),
                    consequence=consequence(view, sheet, "PAYMENT_AFTER_APPLICATION"),
                )
            )
            continue
        ctx.add(
            make_finding(
                "OUT_OF_PERIOD",
                file=sheet.file,
                evidence=[evidence(sheet, "period", source, note=f"начало периода {fmt_date(period.start)}")],
                subject="Расчетная ведомость",
                when=f"за {month[1]:02d}.{month[0]}",
                consequence=consequence(view, sheet, "OUT_OF_PERIOD"),
                period_start=fmt_date(period.start),
                months=period.months,
                anchor=period.anchor,
            )
        )
