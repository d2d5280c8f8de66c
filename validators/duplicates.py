"""The same document submitted twice (e.g. once as a PDF and once as a phone photo)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models.domain import DocType, DocumentExtraction
from validators.values import as_date, as_decimal, as_month, norm_bin, norm_number, raw

# Types that are never "the same document" by their fields: a translation follows its original,
# an unknown document has no comparable identity.
_NOT_COMPARED = {DocType.TRANSLATION, DocType.UNKNOWN}


@dataclass(frozen=True)
class Duplicate:
    file: str  # the later one in dossier order
    duplicate_of: str  # the first one
    matched: tuple[str, ...]  # which fields agreed (or "sha256")


# value, comparison (True same / False different / None not comparable), confidence of the reading
_Field = tuple[Any, Callable[[Any, Any], bool | None], float]


def _eq(a: Any, b: Any) -> bool | None:
    return bool(a == b)


def _same_parties(a: dict[str, str], b: dict[str, str]) -> bool | None:
    # Compared role by role: a copy on which OCR missed one party's BIN is still the same document.
    # Which label a BIN sits under is the weakest part of reading a photo, so the same BINs under
    # mixed-up roles (all of one copy's BINs among the other's) still count as the same parties.
    common = a.keys() & b.keys()
    if not common:
        return None
    if all(a[r] == b[r] for r in common):
        return True
    bins_a, bins_b = set(a.values()), set(b.values())
    return bins_a <= bins_b or bins_b <= bins_a


def _identity(doc: DocumentExtraction, amount_tolerance: Decimal) -> dict[str, _Field]:
    """The fields that identify a document: value, how to compare it, how sure the reading is."""
    eq = _eq

    def close(a: Decimal, b: Decimal) -> bool | None:
        return abs(a - b) <= amount_tolerance

    fields: dict[str, _Field] = {}
    if (number := norm_number(raw(doc.number))) is not None:
        fields["number"] = (number, eq, doc.number.confidence if doc.number else 0.0)
    if (day := as_date(doc.date)) is not None:
        fields["date"] = (day, eq, doc.date.confidence if doc.date else 0.0)
    total_ev = doc.amounts.total if doc.amounts is not None else None
    if total_ev is not None and (total := as_decimal(raw(total_ev))) is not None:
        fields["total"] = (total, close, total_ev.confidence)
    if (month := as_month(doc.period)) is not None:
        fields["period"] = (month, eq, doc.period.confidence if doc.period else 0.0)
    read = [
        (p.role, b, p.bin.confidence)
        for p in doc.parties
        if p.bin is not None and (b := norm_bin(raw(p.bin)))
    ]
    if read:
        fields["parties"] = ({r: b for r, b, _ in read}, _same_parties, min(c for _, _, c in read))
    return fields


def same_document(
    a: DocumentExtraction,
    b: DocumentExtraction,
    *,
    min_matching: int,
    amount_tolerance: Decimal,
    min_confidence: float = 0.0,
) -> tuple[str, ...] | None:
    """The fields on which ``a`` and ``b`` agree when they are the same document, else None.

    A field read on both and disagreeing means two documents, unless one reading is unsure (a photo
    copy read by OCR): then the field is left out of the comparison.
    """
    if a.doc_type != b.doc_type or a.doc_type in _NOT_COMPARED:
        return None
    if a.sha256 and a.sha256 == b.sha256:
        return ("sha256",)
    ida, idb = _identity(a, amount_tolerance), _identity(b, amount_tolerance)
    matched = []
    for name in sorted(ida.keys() & idb.keys()):
        va, same, ca = ida[name]
        vb, _, cb = idb[name]
        verdict = same(va, vb)
        if verdict is None:
            continue
        if verdict:
            matched.append(name)
        elif min(ca, cb) >= min_confidence:
            return None  # one confidently disagreeing field: two different documents
    if len(matched) < min_matching:
        return None
    if not ({"number", "date"} & set(matched)):
        return None  # equal amounts and parties alone are common (monthly salary payments)
    return tuple(matched)


def find_duplicates(
    docs: list[DocumentExtraction],
    *,
    min_matching: int,
    amount_tolerance: Decimal,
    min_confidence: float = 0.0,
) -> list[Duplicate]:
    """Each later copy against the first document it repeats, in dossier order (one pair per copy)."""
    found: list[Duplicate] = []
    originals: list[DocumentExtraction] = []
    for doc in docs:
        for original in originals:
            matched = same_document(
                original,
                doc,
                min_matching=min_matching,
                amount_tolerance=amount_tolerance,
                min_confidence=min_confidence,
            )
            if matched is not None:
                found.append(Duplicate(file=doc.file, duplicate_of=original.file, matched=matched))
                break
        else:
            originals.append(doc)
    return found
