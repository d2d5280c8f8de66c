"""Figures of a document as the checks use them (derived where a part was not read)."""

from __future__ import annotations

from decimal import Decimal

from models.domain import DocumentExtraction, ExtractedValue
from validators.values import as_decimal, as_month, norm_currency, raw


def doc_total(doc: DocumentExtraction) -> Decimal | None:
    """Gross total; derived from the amount without VAT plus VAT when the total was not read."""
    a = doc.amounts
    if a is None:
        return None
    total = as_decimal(raw(a.total))
    if total is None:
        base, vat = as_decimal(raw(a.amount_without_vat)), as_decimal(raw(a.vat))
        if base is not None and vat is not None:
            total = base + vat
    return total


def doc_currency(doc: DocumentExtraction) -> str | None:
    return norm_currency(raw(doc.amounts.currency)) if doc.amounts else None


def total_ev(doc: DocumentExtraction) -> ExtractedValue | None:
    return doc.amounts.total if doc.amounts else None


def payroll_month(doc: DocumentExtraction) -> tuple[int, int] | None:
    return as_month(doc.period) or as_month(doc.date)
