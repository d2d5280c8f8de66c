"""Extraction stage: classify documents, tell their language, read their fields with provenance.

Entry points: ``extract_document(text)`` for one document and ``link_translations(docs, texts)`` for
a dossier's translations; optionally ``fill_missing_bins(docs)`` to copy a party's BIN that a document
does not print from its sibling documents (marked as inferred).
"""

from extractors.document import extract_document
from extractors.dossier import fill_missing_bins
from extractors.translation import link_translations

__all__ = ["extract_document", "fill_missing_bins", "link_translations"]
