"""Validators: rules as versioned data, document and dossier checks, the reimbursement computation.

Entry points: ``check_dossier`` (everything for one dossier) and ``check_document`` (one document).
"""

from extractors.amount_words import words_to_number
from models.program_rules import Rules, RuleSet, default_rules, load_rules
from validators.document_checks import check_document
from validators.dossier import DossierCheck, check_dossier
from validators.findings import doc_type_label, is_scored, scored_only

__all__ = [
    "DossierCheck",
    "RuleSet",
    "Rules",
    "check_document",
    "check_dossier",
    "default_rules",
    "doc_type_label",
    "is_scored",
    "load_rules",
    "scored_only",
    "words_to_number",
]
