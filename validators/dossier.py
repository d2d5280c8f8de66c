"""``check_dossier``: every check of one dossier, the reimbursement computation and the checklist."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from functools import partial

from pydantic import BaseModel, Field

from extractors.identifiers import is_valid_bin
from models.domain import (
    Application,
    ChecklistItem,
    ComputedResult,
    DocumentExtraction,
    EligibilityCheckItem,
    Finding,
    PriorReimbursement,
    Severity,
)
from models.program_rules import Rules, RuleSet, default_rules
from validators.amount_checks import check_amounts_vs_contract, check_cap, check_payments_vs_contract
from validators.checklist import build_checklist, build_eligibility
from validators.completeness_checks import check_duplicates, check_missing_documents, check_translations
from validators.context import CheckContext
from validators.date_checks import check_payment_dates, check_payroll_period
from validators.document_checks import run_document_checks
from validators.dossier_view import DossierView, build_view
from validators.findings import catalogue, is_scored, make_finding
from validators.party_checks import check_contract_references, check_parties
from validators.program_checks import check_claimed_rate, check_prior_revenue
from validators.reimbursement import compute_reimbursement
from validators.values import norm_bin, raw

log = logging.getLogger(__name__)

# Order matters only for the order of findings in the report (completeness first).
DOSSIER_CHECKS: tuple[Callable[[CheckContext, DossierView], None], ...] = (
    check_missing_documents,
    check_translations,
    check_duplicates,
    check_amounts_vs_contract,
    check_payments_vs_contract,
    check_payment_dates,
    check_payroll_period,
    check_parties,
    check_contract_references,
    check_cap,
    check_claimed_rate,
    check_prior_revenue,
)


class DossierCheck(BaseModel):
    findings: list[Finding]
    computed: ComputedResult | None
    checklist: list[ChecklistItem]
    clean: bool  # no error or warning finding
    eligibility: list[EligibilityCheckItem] = Field(default_factory=list)
    manual_checks: list[str] = Field(default_factory=list)
    rules_version: str | None = None
    # translation file -> original file, as paired by the validators (fills DocumentExtraction.translation_of)
    translation_pairs: dict[str, str] = Field(default_factory=dict)

    @property
    def scored_findings(self) -> list[Finding]:
        """The findings that belong in the corpus ``expected.json`` shape (README codes only)."""
        return [f for f in self.findings if is_scored(f.code)]


def _resolve(application: Application, rules: RuleSet | Rules | None) -> tuple[Rules, list[Finding]]:
    if isinstance(rules, Rules):
        return rules, []
    resolved, fell_back = (rules or default_rules()).nearest(application.application_date)
    notes = [
        make_finding(
            "RULES_NOT_IN_FORCE",
            date=application.application_date.strftime("%d.%m.%Y"),
            topic=catalogue().topic_label(topic),
            version=getattr(resolved, topic).version,
        )
        for topic in fell_back
    ]
    return resolved, notes


def _guarded(ctx: CheckContext, name: str, run: Callable[[], None]) -> None:
    # A bug or an unforeseen value in one check must not lose the other checks' results.
    try:
        run()
    except Exception:
        log.exception("validator check %s failed", name)
        ctx.unverified(None, name, name, "внутренняя ошибка проверки (подробности в журнале сервиса)")


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str | None, str | None, str | None, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.file, f.doc_type, f.duplicate_of, f.message if f.code == "UNVERIFIED_FIELD" else "")
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _valid_bins(application: Application, documents: list[DocumentExtraction]) -> tuple[str, ...]:
    """Check-digit-valid BINs printed in the dossier and the applicant's, in a fixed order."""
    printed = [norm_bin(raw(p.bin)) for doc in documents for p in doc.parties] + [application.applicant.bin]
    return tuple(sorted({b for b in printed if b is not None and is_valid_bin(b)}))


def check_dossier(
    application: Application,
    documents: list[DocumentExtraction],
    *,
    rules: RuleSet | Rules | None = None,
    history: Sequence[PriorReimbursement] = (),
    dismissed: Collection[str] = (),
) -> DossierCheck:
    """All findings, the reimbursement computation and the completeness checklist of one dossier.

    ``history``: reimbursements already recorded for the same applicant (other applications), which
    count against the measure's cap within the window the rules set. ``dismissed``: keys
    (``validators.findings.finding_key``) of the findings reviewers dismissed; a dismissed finding that
    would leave a payment out of the computation does not.
    """
    resolved, notes = _resolve(application, rules)
    ctx = CheckContext(resolved)
    ctx.findings.extend(notes)
    view = build_view(application, documents, resolved, history)
    ctx.view = view
    ctx.dossier_bins = _valid_bins(application, view.documents)

    for doc in view.documents:
        if view.is_later_copy(doc.file):
            continue  # a repeated copy is reported once, as DUPLICATE_DOCUMENT
        _guarded(ctx, f"document:{doc.file}", partial(run_document_checks, ctx, doc))
    for check in DOSSIER_CHECKS:
        _guarded(ctx, check.__name__, partial(check, ctx, view))

    computed: ComputedResult | None = None
    try:
        computed = compute_reimbursement(view, ctx.findings, ctx, dismissed)
    except Exception:
        log.exception("reimbursement computation failed")
        ctx.unverified(
            None, "computed", "расчет возмещения", "внутренняя ошибка расчета (подробности в журнале сервиса)"
        )

    findings = _dedupe(ctx.findings)
    return DossierCheck(
        findings=findings,
        computed=computed,
        checklist=build_checklist(view),
        eligibility=build_eligibility(view),
        manual_checks=list(resolved.eligibility.manual_checks),
        clean=not any(f.severity in (Severity.ERROR, Severity.WARNING) for f in findings),
        rules_version=resolved.version,
        translation_pairs=view.translation_pairs,
    )
