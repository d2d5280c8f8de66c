"""A reviewer's corrections of extracted values, applied on top of what the extractors read.

Corrections are a flat mapping of field paths to values, e.g.
``{"doc_type": "invoice", "date": "2024-03-01", "amounts.total": 1120000.0, "parties.supplier.bin": "..."}``.
A corrected value has confidence 1.0 and no provenance (a person typed it); ``null`` removes a value.
The reading itself is never overwritten, so a correction can be withdrawn and a reprocess keeps it.
Amounts the extractors derived rather than read (the amount without VAT as total − VAT, or the total
as amount without VAT + VAT) follow a corrected total or VAT. The API (``PATCH /v1/documents/{id}``)
and the reviewers' workspace both go through ``casework.correcting.correct_document``, which merges
with ``merge_corrections``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casework.errors import CorrectionError
from models.domain import (
    Amounts,
    ContractRef,
    DocType,
    DocumentExtraction,
    ExtractedValue,
    Party,
    PayrollTotals,
)

TOP_LEVEL_VALUES = ("number", "date", "amount_words", "period", "payment_purpose", "knp")
PLAIN_FIELDS = ("doc_type", "language", "translation_of")
AMOUNT_FIELDS = ("total", "vat", "amount_without_vat", "currency", "vat_rate")
CONTRACT_REF_FIELDS = ("number", "date")
PAYROLL_TOTAL_FIELDS = ("accrued", "withheld", "net")
PARTY_FIELDS = ("name", "bin", "iban", "bic")
_ROLE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_")


def correctable_paths() -> list[str]:
    paths = list(PLAIN_FIELDS) + list(TOP_LEVEL_VALUES)
    paths += [f"amounts.{f}" for f in AMOUNT_FIELDS]
    paths += [f"contract_ref.{f}" for f in CONTRACT_REF_FIELDS]
    paths += [f"payroll_totals.{f}" for f in PAYROLL_TOTAL_FIELDS]
    paths += [f"parties.<role>.{f}" for f in PARTY_FIELDS]
    return paths


def merge_corrections(
    existing: dict[str, Any] | None, fields: dict[str, Any], withdraw: Iterable[str] = ()
) -> dict[str, Any]:
    """A document's corrections after a reviewer's change: ``withdraw`` paths dropped, ``fields`` set.

    Raises ``CorrectionError`` (Russian message) when the result names an unknown field or an
    impossible value; nothing is changed then.
    """
    withdrawn = set(withdraw)
    merged = {path: value for path, value in (existing or {}).items() if path not in withdrawn}
    merged.update(fields)
    validate_corrections(merged)
    return merged


def validate_corrections(corrections: dict[str, Any]) -> None:
    """Raise ``CorrectionError`` (Russian message) for an unknown path or an impossible value."""
    probe = DocumentExtraction(file="probe")
    apply_corrections(probe, corrections)


def apply_corrections(extraction: DocumentExtraction, corrections: dict[str, Any]) -> DocumentExtraction:
    corrected = extraction.model_copy(deep=True)
    for path, value in corrections.items():
        _apply(corrected, path, value)
    _rederive_amounts(corrected, corrections)
    return corrected


def _is_derived(value: ExtractedValue | None) -> bool:
    """A figure the extractors computed from the others (nothing printed was read for it)."""
    return value is not None and value.raw is None and value.provenance is None


def _rederive_amounts(doc: DocumentExtraction, corrections: dict[str, Any]) -> None:
    """Recompute a derived amount from corrected ones, so that one correction is enough.

    E.g. a VAT misread as 320 400 left "amount without VAT" derived as total − 320 400; once the
    reviewer corrects the VAT, the derived amount must follow, or the VAT check still fails.
    """
    a = doc.amounts
    if a is None or not {"amounts.total", "amounts.vat", "amounts.amount_without_vat"} & corrections.keys():
        return

    def number(value: ExtractedValue | None) -> float | None:
        if value is None or isinstance(value.value, bool) or not isinstance(value.value, int | float):
            return None
        return float(value.value)

    total, vat, without = number(a.total), number(a.vat), number(a.amount_without_vat)
    rederive_without = "amounts.amount_without_vat" not in corrections and _is_derived(a.amount_without_vat)
    rederive_total = "amounts.total" not in corrections and _is_derived(a.total)
    if rederive_without and total is not None and vat is not None:
        a.amount_without_vat = _derived(round(total - vat, 2), a.total, a.vat)
    elif rederive_total and without is not None and vat is not None:
        a.total = _derived(round(without + vat, 2), a.amount_without_vat, a.vat)


def _derived(value: float, *sources: ExtractedValue | None) -> ExtractedValue:
    confidence = min((s.confidence for s in sources if s is not None), default=1.0)
    return ExtractedValue(value=value, raw=None, confidence=confidence, provenance=None)


def _value(value: Any) -> ExtractedValue | None:
    return None if value is None else ExtractedValue(value=value, raw=None, confidence=1.0, provenance=None)


def _apply(doc: DocumentExtraction, path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        if head == "doc_type":
            try:
                doc.doc_type = DocType(value) if value is not None else DocType.UNKNOWN
            except ValueError as exc:
                allowed = ", ".join(t.value for t in DocType)
                raise CorrectionError(f"Неизвестный тип документа «{value}». Допустимо: {allowed}.") from exc
            doc.doc_type_confidence = 1.0
            return
        if head in ("language", "translation_of"):
            setattr(doc, head, None if value is None else str(value))
            return
        if head in TOP_LEVEL_VALUES:
            setattr(doc, head, _value(value))
            return
    elif head == "amounts" and rest in AMOUNT_FIELDS:
        doc.amounts = doc.amounts or Amounts()
        setattr(doc.amounts, rest, _value(value))
        return
    elif head == "contract_ref" and rest in CONTRACT_REF_FIELDS:
        doc.contract_ref = doc.contract_ref or ContractRef()
        setattr(doc.contract_ref, rest, _value(value))
        return
    elif head == "payroll_totals" and rest in PAYROLL_TOTAL_FIELDS:
        doc.payroll_totals = doc.payroll_totals or PayrollTotals()
        setattr(doc.payroll_totals, rest, _value(value))
        return
    elif head == "parties":
        role, _, field = rest.partition(".")
        if role and set(role) <= _ROLE_CHARS and field in PARTY_FIELDS:
            party = next((p for p in doc.parties if p.role == role), None)
            if party is None:
                party = Party(role=role)
                doc.parties.append(party)
            setattr(party, field, _value(value))
            return
    raise CorrectionError(
        f"Поле «{path}» нельзя исправить. Допустимые поля: {', '.join(correctable_paths())}."
    )
