"""Extraction stage: classify documents, tell their language, read their fields with provenance.

Entry points: ``extract_document(text)`` for one document and ``link_translations(docs, texts)`` for
a dossier's translations, ``reconcile_contract_numbers(docs)`` for contract numbers OCR misread on
scans that a text-layer sibling prints; optionally ``fill_missing_bins(docs)`` to copy a party's BIN that a document
does not print from its sibling documents (marked as inferred).
"""

from extractors.document import extract_document
from extractors.dossier import (
    fill_missing_bins,
    inherit_contract_currency,
    reconcile_contract_numbers,
    reconcile_party_names,
)
from extractors.translation import link_translations

__all__ = [
    "extract_document",
    "fill_missing_bins",
    "inherit_contract_currency",
    "link_translations",
    "reconcile_contract_numbers",
    "reconcile_party_names",
]
