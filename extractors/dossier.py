"""Dossier-level completion of what one document does not print but its siblings do.

``fill_missing_bins``: a party whose BIN is not printed on a document (work reports and strategies
often carry it only inside the seal) gets the BIN that other documents of the same dossier print
for the same name. The value is marked as inferred: confidence ``INFERRED_CONFIDENCE``, no raw
text, no provenance; only check-digit-valid BINs are copied, so a defect on one document never
spreads to another.
"""

from __future__ import annotations

from collections import Counter

from extractors.identifiers import is_valid_bin
from extractors.names import normalise_for_compare
from models.domain import DocType, DocumentExtraction, ExtractedValue

INFERRED_CONFIDENCE = 0.5
# Documents whose parties' BINs are most authoritative come first.
_AUTHORITY = {DocType.CONTRACT: 0, DocType.APPLICATION_FORM: 1, DocType.INVOICE: 2, DocType.PAYMENT_ORDER: 3}


def fill_missing_bins(docs: list[DocumentExtraction]) -> None:
    votes: dict[str, Counter[str]] = {}
    rank: dict[tuple[str, str], int] = {}
    for doc in docs:
        for p in doc.parties:
            if p.name is None or p.bin is None or not is_valid_bin(str(p.bin.value)):
                continue
            key = normalise_for_compare(str(p.name.value))
            value = str(p.bin.value)
            votes.setdefault(key, Counter())[value] += 1
            r = _AUTHORITY.get(doc.doc_type, 9)
            rank[(key, value)] = min(rank.get((key, value), 9), r)
    for doc in docs:
        if doc.doc_type == DocType.TRANSLATION:
            continue
        for p in doc.parties:
            if p.bin is not None or p.name is None:
                continue
            key = normalise_for_compare(str(p.name.value))
            if key not in votes:
                continue
            # The most authoritative document's value, then the most frequent one.
            value = min(votes[key], key=lambda v: (rank[(key, v)], -votes[key][v]))
            p.bin = ExtractedValue(value=value, raw=None, confidence=INFERRED_CONFIDENCE, provenance=None)
