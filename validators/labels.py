"""Russian labels of a result's own values, shared by every presentation of it: the CLI report
(``docproc.report``), the web pages (``api.web.page_models``) and the printed PDF (``api.web.report_pdf``,
through the page models). One definition each, so the three never say the same thing differently.

Beside the findings because they name what the checks produce (severities, checklist statuses, how
the reimbursement was computed). Names that are rules data (finding codes, document types, languages)
stay in ``findings.yaml`` (``validators.findings.catalogue``); these are display texts, kept out of that
file so that rewording one does not change the validators' stage fingerprint and re-check every dossier.
How a label is drawn (terminal colours, CSS classes, PDF colours) stays with each presentation.
"""

from __future__ import annotations

from foundation.gettext_marks import N_
from models.domain import Severity

# Most serious first: the order findings are listed and grouped in.
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
# One finding's severity ("ошибка") and the heading over a group of them ("Ошибки").
SEVERITY_LABELS = {Severity.ERROR: N_("ошибка"), Severity.WARNING: N_("предупреждение"), Severity.INFO: N_("сведения")}
SEVERITY_HEADINGS = {Severity.ERROR: N_("Ошибки"), Severity.WARNING: N_("Предупреждения"), Severity.INFO: N_("Сведения")}
# ChecklistItem.status
CHECKLIST_STATUS_LABELS = {
    "present": N_("есть"),
    "missing": N_("отсутствует"),
    "unreadable": N_("не читается"),
    "not_required": N_("не требуется"),
}
# ComputedResult.vat_basis, as a note after "costs" (nothing when VAT does not apply).
VAT_BASIS_NOTES = {"without_vat": N_(" (без НДС)"), "with_vat": N_(" (с НДС)")}
# ComputedResult.reimbursement_limited_by, after "определено" ("determined by …").
LIMITED_BY_LABELS = {"rate": N_("ставкой"), "cap": N_("пределом"), "claim": N_("заявленной суммой")}
# The result has no findings (the CLI's verdict line has no full stop); what the reviewer checks by hand.
NO_FINDINGS = N_("Замечаний по документам нет")
MANUAL_CHECKS_LEFT = N_("Вручную остается проверить")
# An eligibility condition the application does not declare.
NOT_DECLARED = N_("не заявлено")
