"""The Russian names the pages give to statuses, decisions, measures and the application's own values."""

from __future__ import annotations

from models.db import ApplicationStatus, FindingVerdict, ReviewDecision

APPLICATION_STATUS_LABELS = {
    ApplicationStatus.RECEIVED.value: "получена",
    ApplicationStatus.PROCESSING.value: "обрабатывается",
    ApplicationStatus.DONE.value: "проверена",
    ApplicationStatus.FAILED.value: "ошибка проверки",
}
DOCUMENT_STATUS_LABELS = {
    "queued": "в очереди",
    "processing": "читается",
    "done": "прочитан",
    "failed": "не прочитан",
}
DECISION_LABELS = {
    None: "решение не принято",
    ReviewDecision.COMPLETE.value: "комплектно",
    ReviewDecision.INCOMPLETE.value: "некомплектно",
}
VERDICT_LABELS = {
    None: "без решения",
    FindingVerdict.ACCEPTED.value: "подтверждено",
    FindingVerdict.DISMISSED.value: "отклонено",
}
MEASURE_LABELS = {
    "competence": "Повышение компетенций",
    "technology": "Совершенствование технологических процессов",
    "organization": "Совершенствование организации производства",
    "digital": "Цифровые технологии",
}
# Evidence that names a value of the application itself, not of a document.
APPLICATION_FIELD_LABELS = {
    "claimed_reimbursement_kzt": "Заявлено к возмещению",
    "claimed_eligible_costs_kzt": "Заявлено затрат",
    "rate": "Ставка возмещения",
    "cap_kzt": "Предельная сумма возмещения",
    "expected_bin": "БИН/ИИН по договору или заявке",
    "eligible_costs_kzt": "Подтверждено документами",
    "reimbursement_kzt": "Возмещение",
    "prior_revenue_n_kzt": "Доход N",
    "sme_limit_kzt": "Предел дохода для МСП",
    "increased_rate_condition_met": "Условие повышенной ставки",
}
STEP_STATUS_LABELS = {
    "counted": "учтён",
    "unverified": "учтён, НДС не определён",
    "partly_counted": "учтён частично",
    "excluded": "исключён",
    "not_counted": "не учтён",
}
