"""Program rules about the applicant's declaration: the prior revenue N, the SME size, the rate applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.domain import Evidence
from validators.context import CheckContext
from validators.dossier_view import DossierView
from validators.findings import fmt_money, fmt_pct, make_finding
from validators.values import money

_MONTHS_A_YEAR = 12


def check_prior_revenue(ctx: CheckContext, view: DossierView) -> None:
    """N missing, zero or negative (N + 2Q cannot be set); N's yearly average above the SME size limit."""
    counter = view.rules.measures.counter_obligation
    declared = view.application.prior_revenue_n_kzt
    if declared is None or declared <= 0:
        state = "не указан" if declared is None else ("равен нулю" if declared == 0 else f"отрицательный ({fmt_money(declared)})")
        ctx.add(
            make_finding(
                "PRIOR_REVENUE_INVALID",
                evidence=[Evidence(field="prior_revenue_n_kzt", value=declared, note="заявка")],
                months=counter.prior_revenue_months,
                state=state,
                multiplier=counter.q_multiplier,
            )
        )
        return
    n = Decimal(str(declared))
    eligibility = view.rules.eligibility
    year = view.application.application_date.year
    mrp = view.rules.mrp_on(dt.date(year, 1, 1))
    if mrp is None:
        ctx.unverified(
            None,
            "prior_revenue_n_kzt",
            "доход N против предела для МСП",
            f"в справочнике нет МРП на 01.01.{year}",
        )
        return
    limit = eligibility.sme_max_annual_income_mrp * mrp.mrp_kzt
    annual = money(n * _MONTHS_A_YEAR / counter.prior_revenue_months)
    if annual <= limit:
        return
    ctx.add(
        make_finding(
            "SME_LIMIT_EXCEEDED",
            evidence=[
                Evidence(field="prior_revenue_n_kzt", value=float(n), note="заявка"),
                Evidence(field="sme_limit_kzt", value=float(limit), note=f"{eligibility.sme_source}; {mrp.version}"),
            ],
            months=counter.prior_revenue_months,
            n=fmt_money(n),
            annual=fmt_money(annual),
            limit_mrp=f"{eligibility.sme_max_annual_income_mrp:,.0f}".replace(",", "\u00a0"),
            limit=fmt_money(limit),
            year=year,
            mrp=fmt_money(mrp.mrp_kzt),
        )
    )


def rate_note(view: DossierView) -> str | None:
    """How the rate was chosen (Russian), for a measure whose rate depends on a declared condition."""
    condition = view.measure.rate_condition
    if condition is None:
        return None
    declared = view.declared_rate_condition
    pct = fmt_pct(view.rate)
    if declared is None:
        return f"ставка {pct} %: в заявке не указано, выполнено ли {condition.label}; применена ставка по умолчанию"
    if declared:
        return f"ставка {pct} %: заявитель указал, что выполнено {condition.label}"
    return f"ставка {pct} %: заявитель указал, что не выполнено {condition.label}"


def check_claimed_rate(ctx: CheckContext, view: DossierView) -> None:
    """RATE_CONDITION_MISMATCH: the claim is the other rate of a measure whose rate depends on a condition."""
    condition = view.measure.rate_condition
    if condition is None:
        return
    app = view.application
    costs = Decimal(str(app.claimed_eligible_costs_kzt))
    claimed_q = Decimal(str(app.claimed_reimbursement_kzt))
    cap = view.measure.cap_kzt
    tolerance = view.rules.checks.amount_tolerance
    applied = view.rate
    other = next(
        (r for r in (condition.rate_if_met, condition.rate_if_not_met, view.measure.rate) if r != applied), None
    )
    if other is None or costs <= 0:
        return

    def claim_at(rate: Decimal) -> Decimal:
        return min(money(rate * costs), cap)

    if abs(claimed_q - claim_at(applied)) <= tolerance or abs(claimed_q - claim_at(other)) > tolerance:
        return  # computed at the applied rate, or at neither rate (CAP_EXCEEDED covers too much)
    ctx.add(
        make_finding(
            "RATE_CONDITION_MISMATCH",
            evidence=[
                Evidence(field="claimed_reimbursement_kzt", value=float(claimed_q), note="заявка"),
                Evidence(field="claimed_eligible_costs_kzt", value=float(costs), note="заявка"),
                Evidence(field="rate", value=float(applied), note=view.rules.measures.version),
                Evidence(field=condition.field, value=view.declared_rate_condition, note="заявка"),
            ],
            claimed_reimbursement=fmt_money(claimed_q),
            claimed_pct=fmt_pct(other),
            claimed_costs=fmt_money(costs),
            applied_pct=fmt_pct(applied),
            how=rate_note(view) or "",
        )
    )
