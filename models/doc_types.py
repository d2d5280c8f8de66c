"""The document types the pipeline knows (SPEC §3): what the classifier says a document is, what the program rules
require of a dossier. Its own module so that the program rules (``models.program_rules``) and the domain models can
both import it.
"""

from __future__ import annotations

from enum import StrEnum


class DocType(StrEnum):
    APPLICATION_FORM = "application_form"
    STATISTICS_CONSENT = "statistics_consent"
    CONTRACT = "contract"
    PAYMENT_ORDER = "payment_order"
    ACT_OF_WORK = "act_of_work"
    INVOICE = "invoice"
    WORK_REPORT = "work_report"
    PAYROLL = "payroll"
    DIGITAL_STRATEGY = "digital_strategy"
    TRANSLATION = "translation"
    UNKNOWN = "unknown"
