"""Conversion between the rich domain models and the corpus's ``expected.json`` shape.

The corpus shape is flat (plain values, no provenance); it is what ``--format expected``
writes and what ``../shared/tools/score.py`` compares. ``document_from_expected`` goes the
other way so that validators can be tested on ground-truth documents alone.

An output format of the application layer (it keeps only the corpus's finding codes, which the
validators name), so it lives in ``docproc`` beside the CLI and evaluation that write it.
"""

from __future__ import annotations

from typing import Any

from models.domain import (
    Amounts,
    ContractRef,
    DocType,
    DocumentExtraction,
    DossierResult,
    ExtractedValue,
    Party,
    PayrollTotals,
)
from validators import is_scored


def _v(x: ExtractedValue | None) -> Any:
    return None if x is None else x.value


def _ev(value: Any) -> ExtractedValue | None:
    return None if value is None else ExtractedValue(value=value)


def document_to_expected(doc: DocumentExtraction) -> dict[str, Any]:
    is_translation = doc.doc_type == DocType.TRANSLATION
    out: dict[str, Any] = {
        "doc_type": doc.doc_type.value if doc.doc_type != DocType.UNKNOWN else None,
        "language": doc.language,
        "number": None if is_translation else _v(doc.number),
        "date": None if is_translation else _iso(_v(doc.date)),
        "parties": []
        if is_translation
        else [{"role": p.role, "name": _v(p.name), "bin": _v(p.bin)} for p in doc.parties],
        "amounts": None,
        "amount_words": None if is_translation else _v(doc.amount_words),
        "contract_ref": None,
        "translation_of": doc.translation_of,
        "period": _v(doc.period),
        "payroll_totals": None,
        "file_format": doc.file_format,
        "pages": doc.pages,
    }
    if doc.amounts is not None and not is_translation:
        a = doc.amounts
        out["amounts"] = {
            "total": _v(a.total),
            "vat": _v(a.vat),
            "amount_without_vat": _v(a.amount_without_vat),
            "currency": _v(a.currency),
        }
    if doc.contract_ref is not None and not is_translation:
        ref = {"number": _v(doc.contract_ref.number), "date": _iso(_v(doc.contract_ref.date))}
        out["contract_ref"] = ref if any(ref.values()) else None
    if doc.payroll_totals is not None:
        t = doc.payroll_totals
        out["payroll_totals"] = {"accrued": _v(t.accrued), "withheld": _v(t.withheld), "net": _v(t.net)}
    return out


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def document_from_expected(file: str, d: dict[str, Any]) -> DocumentExtraction:
    """Build a DocumentExtraction from one ``expected.json`` document entry (values only)."""
    from datetime import date

    def as_date(s: Any) -> date | None:
        return date.fromisoformat(s) if isinstance(s, str) else s

    amounts = None
    if d.get("amounts"):
        a = d["amounts"]
        amounts = Amounts(
            total=_ev(a.get("total")),
            vat=_ev(a.get("vat")),
            amount_without_vat=_ev(a.get("amount_without_vat")),
            currency=_ev(a.get("currency")),
        )
    ref = None
    if d.get("contract_ref"):
        ref = ContractRef(
            number=_ev(d["contract_ref"].get("number")), date=_ev(as_date(d["contract_ref"].get("date")))
        )
    totals = None
    if d.get("payroll_totals"):
        t = d["payroll_totals"]
        totals = PayrollTotals(
            accrued=_ev(t.get("accrued")), withheld=_ev(t.get("withheld")), net=_ev(t.get("net"))
        )
    return DocumentExtraction(
        file=file,
        doc_type=DocType(d["doc_type"]) if d.get("doc_type") else DocType.UNKNOWN,
        doc_type_confidence=1.0,
        language=d.get("language"),
        number=_ev(d.get("number")),
        date=_ev(as_date(d.get("date"))),
        parties=[
            Party(role=p["role"], name=_ev(p.get("name")), bin=_ev(p.get("bin"))) for p in d.get("parties") or []
        ],
        amounts=amounts,
        amount_words=_ev(d.get("amount_words")),
        contract_ref=ref,
        translation_of=d.get("translation_of"),
        period=_ev(d.get("period")),
        payroll_totals=totals,
        file_format=d.get("file_format"),
        pages=d.get("pages") or 0,
    )


def dossier_to_expected(result: DossierResult) -> dict[str, Any]:
    findings = []
    # The expected.json shape carries only the corpus's finding codes; the service's own extra codes
    # (unreadable document, unverified field, …) stay in the full result.
    for f in result.findings:
        if not is_scored(f.code):
            continue
        item: dict[str, Any] = {"code": f.code}
        if f.file is not None:
            item["file"] = f.file
        if f.doc_type is not None:
            item["doc_type"] = f.doc_type
        if f.duplicate_of is not None:
            item["duplicate_of"] = f.duplicate_of
        findings.append(item)
    computed = None
    if result.computed is not None:
        c = result.computed
        computed = {
            "rate": c.rate,
            "cap": c.cap,
            "period_months": c.period_months,
            "period_start": c.period_start.isoformat(),
            "claimed_costs_kzt": c.claimed_costs_kzt,
            "claimed_reimbursement_kzt": c.claimed_reimbursement_kzt,
            "eligible_costs_kzt": c.eligible_costs_kzt,
            "reimbursement_kzt": c.reimbursement_kzt,
            "prior_revenue_n": c.prior_revenue_n,
            "counter_obligation_kzt": c.counter_obligation_kzt,
        }
    return {
        "dossier_id": result.dossier_id,
        "measure": result.measure,
        "cost_type": result.cost_type,
        "application_date": result.application_date.isoformat(),
        "clean": result.clean,
        "documents": {d.file: document_to_expected(d) for d in result.documents},
        "findings": findings,
        "computed": computed,
    }
