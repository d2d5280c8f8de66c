"""What a finding about a document does to the reimbursement, said at the end of its message (Russian).

A reviewer reading «БИН не совпадает» must not have to guess whether the payment still counts: the
findings that leave a document out of the computation are data (``checks.yaml`` ``excluding_codes``),
and the sentence follows them.
"""

from __future__ import annotations

from models.domain import DocType, DocumentExtraction
from validators.dossier_view import DossierView

_DATE_CODES = frozenset({"OUT_OF_PERIOD", "PAYMENT_BEFORE_CONTRACT", "PAYMENT_AFTER_APPLICATION"})


def excludes(view: DossierView, code: str) -> bool:
    """True when a finding of ``code`` leaves its payment order (or payroll sheet) out of the computation."""
    return code in view.rules.checks.excluding_codes


def consequence(view: DossierView, doc: DocumentExtraction, code: str) -> str:
    """One sentence: what happens to ``doc`` in the reimbursement because of a ``code`` finding."""
    if doc.doc_type == DocType.PAYMENT_ORDER:
        if view.basis == "payroll":
            # The salary is reimbursed from the payroll sheets; the payment only shows it was paid.
            if code in _DATE_CODES:
                return "Проверьте, за какой месяц выплачена зарплата."
            return "Проверьте, кому произведена выплата."
        if excludes(view, code):
            return "Платеж не учтен в расчете возмещения."
        return "Платеж учтен в расчете возмещения; реквизит нужно исправить."
    if doc.doc_type == DocType.PAYROLL:
        if excludes(view, code):
            return "Зарплата за этот месяц не возмещается."
        return "Реквизит нужно исправить."
    if code == "PARTY_MISMATCH":
        return "Документ не подтверждает работы по договору, пока расхождение не устранено."
    return "Реквизит нужно исправить."
