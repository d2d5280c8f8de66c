"""Machine-readable inputs: an ЭСФ e-invoice's parsed fields become an invoice extraction directly."""

from __future__ import annotations

from typing import Any

from extractors.dates import parse_date
from extractors.found import Found, ev
from extractors.language import detect_language
from extractors.values import parse_amount
from models.domain import (
    Amounts,
    ContractRef,
    DocType,
    DocumentExtraction,
    DocumentText,
    ExtractedValue,
    Party,
)

# Values read from XML elements are exact: full confidence, no page geometry to point at.
STRUCTURED_FACTOR = 1.0


def _v(value: Any) -> ExtractedValue | None:
    if value in (None, ""):
        return None
    return ev(Found(value=value, raw=str(value), words=[], factor=STRUCTURED_FACTOR))


def _amount(raw: Any) -> float | None:
    return parse_amount(str(raw)) if raw not in (None, "") else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def extraction_from_structured(text: DocumentText, base: DocumentExtraction) -> DocumentExtraction:
    data = text.structured or {}
    if data.get("format") != "esf":
        base.unreadable_reason = base.unreadable_reason or "Структурированный документ не распознан как ЭСФ."
        return base
    base.doc_type = DocType.INVOICE
    base.doc_type_confidence = 1.0
    # The XML's tags are English; the document's language is that of its values (names, addresses).
    base.language = detect_language(" ".join(_strings(data))).language
    base.number = _v(data.get("num"))
    base.date = _v(parse_date(data.get("date")))
    seller, customer = data.get("seller") or {}, data.get("customer") or {}
    parties = [
        Party(role="supplier", name=_v(seller.get("name")), bin=_v(seller.get("tin")), iban=_v(seller.get("iik")),
              bic=_v(seller.get("bik"))),
        Party(role="customer", name=_v(customer.get("name")), bin=_v(customer.get("tin"))),
    ]
    base.parties = [p for p in parties if p.name is not None or p.bin is not None]
    totals = data.get("totals") or {}
    total, vat, without = (_amount(totals.get(k)) for k in ("priceWithTax", "ndsAmount", "priceWithoutTax"))
    if total is not None or without is not None:
        base.amounts = Amounts(
            total=_v(total),
            vat=_v(vat if vat is not None else 0.0),
            amount_without_vat=_v(without),
            currency=_v(data.get("currency") or "KZT"),
        )
    contract = data.get("contract") or {}
    if contract.get("num") or contract.get("date"):
        base.contract_ref = ContractRef(number=_v(contract.get("num")), date=_v(parse_date(contract.get("date"))))
    return base
