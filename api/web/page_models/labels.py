"""The Russian names the pages give to statuses, decisions, measures and the application's own values."""

from __future__ import annotations

from foundation.gettext_marks import N_
from models.db import ApplicationStatus, FindingVerdict, ReviewDecision

APPLICATION_STATUS_LABELS = {
    ApplicationStatus.RECEIVED.value: N_("получена"),
    ApplicationStatus.PROCESSING.value: N_("обрабатывается"),
    ApplicationStatus.DONE.value: N_("проверена"),
    ApplicationStatus.FAILED.value: N_("ошибка проверки"),
}
DOCUMENT_STATUS_LABELS = {
    "queued": N_("в очереди"),
    "processing": N_("читается"),
    "done": N_("прочитан"),
    "failed": N_("не прочитан"),
}
DECISION_LABELS = {
    None: N_("решение не принято"),
    ReviewDecision.COMPLETE.value: N_("комплектно"),
    ReviewDecision.INCOMPLETE.value: N_("некомплектно"),
}
VERDICT_LABELS = {
    None: N_("без решения"),
    FindingVerdict.ACCEPTED.value: N_("подтверждено"),
    FindingVerdict.DISMISSED.value: N_("отклонено"),
}
MEASURE_LABELS = {
    "competence": N_("Повышение компетенций"),
    "technology": N_("Совершенствование технологических процессов"),
    "organization": N_("Совершенствование организации производства"),
    "digital": N_("Цифровые технологии"),
}
# Evidence that names a value of the application itself, not of a document.
APPLICATION_FIELD_LABELS = {
    "claimed_reimbursement_kzt": N_("Заявлено к возмещению"),
    "claimed_eligible_costs_kzt": N_("Заявлено затрат"),
    "rate": N_("Ставка возмещения"),
    "cap_kzt": N_("Предельная сумма возмещения"),
    "expected_bin": N_("БИН/ИИН по договору или заявке"),
    "eligible_costs_kzt": N_("Подтверждено документами"),
    "reimbursement_kzt": N_("Возмещение"),
    "prior_revenue_n_kzt": N_("Доход N"),
    "sme_limit_kzt": N_("Предел дохода для МСП"),
    "increased_rate_condition_met": N_("Условие повышенной ставки"),
}
STEP_STATUS_LABELS = {
    "counted": N_("учтён"),
    "unverified": N_("учтён, НДС не определён"),
    "partly_counted": N_("учтён частично"),
    "excluded": N_("исключён"),
    "not_counted": N_("не учтён"),
}
