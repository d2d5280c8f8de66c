"""Rows and results turned into what the pages (and the printed report) show, in Russian.

Nothing here writes: the routes load rows, these functions shape them, the templates render them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web.fields import (
    ADDABLE_PATHS,
    LABELS,
    field_label,
    format_value,
    input_text,
    is_value_path,
    language_label,
    raw_differs,
    row_id,
    value_at,
    value_paths,
)
from api.web.review import DOSSIER_DECISION, FINDING_ACTIONS, SIGN_IN_LOCKED
from casework.corrections import apply_corrections
from casework.eligibility import ELIGIBILITY_ACTIONS, EligibilityItemState
from casework.eligibility import VERDICT_LABELS as ELIGIBILITY_VERDICT_LABELS
from casework.finding_keys import finding_key
from docproc.report import SEVERITY_LABEL, STATUS_LABEL
from foundation.settings import Settings
from models.db import (
    ApiKeyRow,
    ApplicationRow,
    ApplicationStatus,
    AuditEventRow,
    DocumentRow,
    EligibilityVerdict,
    FindingDecisionRow,
    FindingVerdict,
    PageRow,
    ReviewDecision,
    UserRow,
)
from models.domain import (
    Application,
    ComputedResult,
    DocType,
    DocumentExtraction,
    DossierResult,
    Evidence,
    FileKind,
    Finding,
    Severity,
)
from validators.dossier_view import build_view
from validators.findings import catalogue, doc_type_label, fmt_date, fmt_money, fmt_pct
from validators.rules import default_rules
from validators.working_days import ReviewClock, default_calendar, review_clock

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
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
SEVERITY_HEADINGS = {Severity.ERROR: "Ошибки", Severity.WARNING: "Предупреждения", Severity.INFO: "Сведения"}
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
AUDIT_ACTION_LABELS = {
    "application.create": "Заявка создана",
    "documents.upload": "Загружены документы",
    "application.reprocess": "Повторная обработка заявки",
    "document.reprocess": "Повторное чтение документа",
    "document.correct": "Исправлено значение",
    "document.withdraw_correction": "Исправление отменено",
    FINDING_ACTIONS[FindingVerdict.ACCEPTED]: "Замечание подтверждено",
    FINDING_ACTIONS[FindingVerdict.DISMISSED]: "Замечание отклонено",
    FINDING_ACTIONS[None]: "Решение по замечанию отменено",
    DOSSIER_DECISION: "Решение по досье",
    ELIGIBILITY_ACTIONS[EligibilityVerdict.CONFIRMED]: "Условие участия подтверждено",
    ELIGIBILITY_ACTIONS[EligibilityVerdict.REFUSED]: "Условие участия не выполнено",
    ELIGIBILITY_ACTIONS[None]: "Решение по условию участия отменено",
    SIGN_IN_LOCKED: "Вход временно заблокирован после неудачных попыток",
}


# --------------------------------------------------------------------------- small formatting


def local_time(moment: dt.datetime | None, settings: Settings) -> str:
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(settings.web.display_timezone)).strftime("%d.%m.%Y %H:%M")


def local_date(moment: dt.datetime, settings: Settings) -> dt.date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(settings.web.display_timezone)).date()


def today(settings: Settings) -> dt.date:
    return dt.datetime.now(ZoneInfo(settings.web.display_timezone)).date()


def money(value: float | None) -> str:
    return fmt_money(value) if value is not None else "—"


def amount(value: float | None) -> str:
    """Money under a heading that already says "тенге"."""
    return money(value).removesuffix(" тенге")


def confidence_class(confidence: float | None, settings: Settings) -> str:
    if confidence is None:
        return "conf-none"
    if confidence >= settings.web.high_confidence:
        return "conf-high"
    if confidence >= settings.web.medium_confidence:
        return "conf-medium"
    return "conf-low"


def finding_label(code: str) -> str:
    spec = catalogue().codes.get(code)
    return spec.label if spec is not None else code


def measure_label(app: ApplicationRow, payload: dict[str, Any] | None = None) -> str:
    name = (payload or {}).get("measure_name")
    return str(name) if name else MEASURE_LABELS.get(app.measure, app.measure)


# --------------------------------------------------------------------------- review deadline


@dataclass(frozen=True)
class ClockView:
    clock: ReviewClock
    text: str
    css: str  # ok | soon | overdue | decided


def registration_day(app: ApplicationRow, settings: Settings) -> dt.date:
    """The day the application is registered: the working day after the day it was submitted."""
    return default_calendar().registration_date(local_date(app.created_at, settings))


def clock_view(app: ApplicationRow, settings: Settings) -> ClockView:
    registered = registration_day(app, settings)
    clock = review_clock(default_calendar(), registered, today(settings), settings.web.review_working_days)
    approx = " (приблизительно: переносы выходных дней на этот год ещё не известны)" if clock.approximate else ""
    deadline = fmt_date(clock.deadline)
    if app.review_decision is not None:
        return ClockView(clock, f"решение принято; срок был до {deadline}", "decided")
    if clock.days_left > 0:
        css = "soon" if clock.days_left <= 3 else "ok"
        return ClockView(clock, f"осталось {clock.days_left} раб. дн. (до {deadline}){approx}", css)
    if clock.days_left == 0:
        return ClockView(clock, f"сегодня последний день ({deadline}){approx}", "soon")
    return ClockView(clock, f"просрочено на {-clock.days_left} раб. дн. (срок {deadline}){approx}", "overdue")


# --------------------------------------------------------------------------- dossier list


@dataclass
class DossierListRow:
    id: str
    dossier_id: str
    applicant: str
    bin: str
    measure: str
    application_date: str
    status: str
    status_css: str
    decision: str
    decision_css: str
    errors: int | None
    warnings: int | None
    clock: ClockView


def dossier_list_rows(
    apps: Iterable[ApplicationRow], extras: dict[str, tuple[Any, Any]], settings: Settings
) -> list[DossierListRow]:
    """``extras``: application id -> (findings list, measure name) read as JSON parts, not whole results."""
    rows = []
    for app in apps:
        findings, measure_name = extras.get(app.id, (None, None))
        severities = [f.get("severity") for f in findings] if isinstance(findings, list) else None
        rows.append(
            DossierListRow(
                id=app.id,
                dossier_id=app.dossier_id,
                applicant=app.applicant_name,
                bin=app.applicant_bin,
                measure=str(measure_name) if measure_name else MEASURE_LABELS.get(app.measure, app.measure),
                application_date=fmt_date(app.application_date),
                status=APPLICATION_STATUS_LABELS.get(app.status, app.status),
                status_css=app.status,
                decision=DECISION_LABELS.get(app.review_decision, app.review_decision or ""),
                decision_css=app.review_decision or "pending",
                errors=severities.count(Severity.ERROR.value) if severities is not None else None,
                warnings=severities.count(Severity.WARNING.value) if severities is not None else None,
                clock=clock_view(app, settings),
            )
        )
    return rows


# --------------------------------------------------------------------------- dossier page


@dataclass
class EvidenceView:
    label: str
    value: str
    note: str | None
    link: str | None
    file: str | None


@dataclass
class FindingView:
    key: str
    code: str
    label: str
    severity: str
    severity_label: str
    message: str
    file: str | None
    file_link: str | None
    evidence: list[EvidenceView]
    verdict: str | None
    verdict_label: str
    verdict_comment: str
    verdict_by: str
    verdict_at: str


@dataclass
class FindingGroup:
    severity: str
    heading: str
    findings: list[FindingView]

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.verdict != FindingVerdict.DISMISSED.value)


def document_link(document_id: str, path: str | None = None) -> str:
    if not path:
        return f"/documents/{document_id}"
    return f"/documents/{document_id}?field={path}#{row_id(path)}"


def evidence_view(ev: Evidence, doc_ids: dict[str, str]) -> EvidenceView:
    doc_id = doc_ids.get(ev.file or "")
    path = ev.field or ""
    on_document = bool(ev.file) and path not in APPLICATION_FIELD_LABELS
    if on_document:
        label = field_label(path) if path else "Документ"
        value = format_value(path, ev.value) if ev.value is not None else "не прочитано"
    else:
        label = APPLICATION_FIELD_LABELS.get(path) or (field_label(path) if path else "Досье")
        if isinstance(ev.value, bool):
            value = "да" if ev.value else "нет"
        elif path.endswith("_kzt") and isinstance(ev.value, int | float):
            value = money(float(ev.value))
        elif path == "rate" and isinstance(ev.value, int | float):
            value = f"{fmt_pct(ev.value)} %"
        else:
            value = format_value(path, ev.value) if ev.value is not None else ""
    link = None
    if doc_id is not None:
        link = document_link(doc_id, path if on_document and is_value_path(path) else None)
    return EvidenceView(label=label, value=value, note=ev.note, link=link, file=ev.file)


def finding_views(
    findings: list[Finding],
    doc_ids: dict[str, str],
    verdicts: dict[str, FindingDecisionRow],
    people: dict[str, str],
    settings: Settings,
) -> list[FindingView]:
    views = []
    for f in findings:
        key = finding_key(f)
        verdict = verdicts.get(key)
        views.append(
            FindingView(
                key=key,
                code=f.code,
                label=finding_label(f.code),
                severity=f.severity.value,
                severity_label=SEVERITY_LABEL[f.severity],
                message=f.message,
                file=f.file,
                file_link=document_link(doc_ids[f.file]) if f.file in doc_ids else None,
                evidence=[evidence_view(e, doc_ids) for e in f.evidence],
                verdict=verdict.verdict if verdict else None,
                verdict_label=VERDICT_LABELS.get(verdict.verdict if verdict else None, ""),
                verdict_comment=verdict.comment if verdict else "",
                verdict_by=people.get(verdict.user_id or "", "") if verdict else "",
                verdict_at=local_time(verdict.decided_at, settings) if verdict else "",
            )
        )
    return views


def group_findings(views: list[FindingView]) -> list[FindingGroup]:
    return [
        FindingGroup(s.value, SEVERITY_HEADINGS[s], [v for v in views if v.severity == s.value])
        for s in SEVERITY_ORDER
        if any(v.severity == s.value for v in views)
    ]


@dataclass
class ChecklistRow:
    label: str
    required: bool
    status: str
    status_label: str
    files: list[tuple[str, str | None]]  # (file name, link)


def checklist_rows(result: DossierResult, doc_ids: dict[str, str]) -> list[ChecklistRow]:
    rows = []
    for item in result.checklist:
        if not item.required and item.status == "not_required":
            continue
        rows.append(
            ChecklistRow(
                label=item.label,
                required=item.required,
                status=item.status,
                status_label=STATUS_LABEL.get(item.status, (item.status, ""))[0],
                files=[
                    (name, document_link(doc_ids[name]) if name in doc_ids else None) for name in item.files
                ],
            )
        )
    return rows


@dataclass
class EligibilityView:
    """One condition of participation as the page shows it: the state plus who decided, and when."""

    state: EligibilityItemState
    decided_by: str
    decided_at: str


def eligibility_views(
    states: list[EligibilityItemState], people: dict[str, str], settings: Settings
) -> list[EligibilityView]:
    return [
        EligibilityView(
            state=state,
            decided_by=people.get(state.decided_by_user or "", "") or ("ключ API" if state.decided_by_key else ""),
            decided_at=local_time(dt.datetime.fromisoformat(state.decided_at), settings) if state.decided_at else "",
        )
        for state in states
    ]


@dataclass
class ChainDocument:
    doc_type: str
    role: str  # договор / акт / счет-фактура / платежное поручение / ведомость
    file: str
    link: str | None
    number: str
    date: str
    total: str
    without_vat: str
    unit: str = "тенге"  # "" when the amounts name their own (foreign) currency
    step: dict[str, Any] | None = None  # the computation step of a payment or payroll sheet
    step_status: str = ""
    counted: str = ""


@dataclass
class Chain:
    title: str
    contract: ChainDocument | None
    documents: list[ChainDocument] = field(default_factory=list)
    counted_kzt: float = 0.0


@dataclass(frozen=True)
class ComputationLine:
    what: str
    value: str
    result: bool = False  # Q and N + 2Q: what the computation is for


@dataclass(frozen=True)
class CostsComparison:
    """Declared costs (application.json), confirmed costs and the difference, side by side."""

    declared: str
    confirmed: str
    difference: str
    shortfall: bool  # the documents confirm less than declared


@dataclass
class ComputationView:
    computed: ComputedResult
    chains: list[Chain]
    lines: list[ComputationLine]  # in the order of the computation
    costs: CostsComparison | None = None


def _chain_document(
    doc: DocumentExtraction, doc_ids: dict[str, str], step: dict[str, Any] | None = None
) -> ChainDocument:
    def shown(path: str) -> str:
        # The table's headings say "тенге": only a foreign currency is named in the cell.
        found = value_at(doc, path)
        currency = value_at(doc, "amounts.currency")
        text = format_value(path, found.value, str(currency.value) if currency else None) if found else "—"
        return text.removesuffix(" тенге")

    counted = ""
    if step is not None and step.get("counted_kzt") is not None:
        counted = amount(step["counted_kzt"])
    return ChainDocument(
        doc_type=doc.doc_type.value,
        role=doc_type_label(doc.doc_type.value),
        file=doc.file,
        link=document_link(doc_ids[doc.file]) if doc.file in doc_ids else None,
        number=shown("number"),
        date=shown("date"),
        total=shown("amounts.total"),
        without_vat=shown("amounts.amount_without_vat"),
        unit="тенге"
        if str(getattr(value_at(doc, "amounts.currency"), "value", None) or "KZT") == "KZT"
        else "",
        step=step,
        step_status=STEP_STATUS_LABELS.get(str((step or {}).get("status")), ""),
        counted=counted,
    )


def computation_view(
    result: DossierResult, application: Application, doc_ids: dict[str, str]
) -> ComputationView | None:
    """The reimbursement step by step: each contract with its acts, invoices and payments (or payroll
    sheets), what each payment contributed, then rate, cap, period, Q and N + 2Q."""
    computed = result.computed
    if computed is None:
        return None
    rules, _ = default_rules().nearest(application.application_date)
    view = build_view(application, result.documents, rules)
    steps = {
        s["file"]: s for s in computed.steps if s.get("kind") in ("payment", "payroll") and s.get("file")
    }
    chains: dict[int, Chain] = {}
    loose = Chain(title="Документы без договора", contract=None)
    for contract in view.contracts.contracts:
        label = doc_type_label(DocType.CONTRACT.value)
        number = value_at(contract, "number")
        chains[id(contract)] = Chain(
            title=f"{label} № {number.value}" if number else f"{label} «{contract.file}»",
            contract=_chain_document(contract, doc_ids),
        )
    chained_types = (DocType.ACT_OF_WORK, DocType.INVOICE, DocType.PAYMENT_ORDER, DocType.PAYROLL)
    for doc in view.distinct:
        if doc.doc_type not in chained_types:
            continue
        if doc.doc_type == DocType.PAYMENT_ORDER and doc.file not in steps:
            continue  # taxes and other payments that are not costs of the measure
        owner = view.contracts.for_document(doc)
        chain = chains.get(id(owner), loose) if owner is not None else loose
        item = _chain_document(doc, doc_ids, steps.get(doc.file))
        chain.documents.append(item)
        chain.counted_kzt += float((item.step or {}).get("counted_kzt") or 0.0)
    order = {t.value: i for i, t in enumerate(chained_types)}
    ordered = [*chains.values(), *([loose] if loose.documents else [])]
    for chain in ordered:
        chain.documents.sort(key=lambda d: order[d.doc_type])  # acts, invoices, then what was paid
    costs = CostsComparison(
        declared=money(computed.declared_costs_kzt),
        confirmed=money(computed.eligible_costs_kzt),
        difference=money(computed.costs_difference_kzt),
        shortfall=(computed.costs_difference_kzt or 0.0) > 0,
    )
    return ComputationView(computed=computed, chains=ordered, lines=computation_lines(computed), costs=costs)


def computation_lines(computed: ComputedResult) -> list[ComputationLine]:
    """The computation in words and figures, in its order (web page and printed report)."""
    basis = {"without_vat": " (без НДС)", "with_vat": " (с НДС)"}.get(computed.vat_basis, "")
    q = computed.reimbursement_kzt
    rate = f"{fmt_pct(computed.rate)} %"
    cap_text = money(computed.cap)
    if computed.cap_used_kzt:
        cap_text += f" − учтено по другим заявкам {money(computed.cap_used_kzt)} = остаток {money(computed.cap_left_kzt)}"
    limited = {"rate": "ставкой", "cap": "пределом", "claim": "заявленной суммой"}.get(
        computed.reimbursement_limited_by or "", ""
    )
    cap_left = computed.cap_left_kzt if computed.cap_left_kzt is not None else computed.cap
    lines = [
        ComputationLine("Сумма платежных документов" + basis, money(computed.claimed_costs_kzt)),
        ComputationLine("Подтверждённые затраты" + basis, money(computed.eligible_costs_kzt)),
        ComputationLine("Ставка возмещения", rate + (f" — {computed.rate_note}" if computed.rate_note else "")),
        ComputationLine("Предельная сумма возмещения", cap_text),
        ComputationLine(
            "Исторический период", f"{computed.period_months} мес., с {fmt_date(computed.period_start)}"
        ),
        ComputationLine("Заявлено к возмещению", money(computed.claimed_reimbursement_kzt)),
        ComputationLine(
            "Возмещение Q = min(ставка × затраты; остаток предела; заявлено)",
            f"min({rate} × {money(computed.eligible_costs_kzt)}; {money(cap_left)}; "
            f"{money(computed.claimed_reimbursement_kzt)}) = {money(q)}"
            + (f" (определено {limited})" if limited else ""),
            result=True,
        ),
        ComputationLine("Доход от реализации за 2 года до меры N", money(computed.prior_revenue_n)),
    ]
    if computed.counter_obligation_kzt is None:
        lines.append(
            ComputationLine("Встречное обязательство N + 2Q", "не определено: доход N не указан или не положителен")
        )
    else:
        lines.append(
            ComputationLine(
                "Встречное обязательство N + 2Q",
                f"{money(computed.prior_revenue_n)} + 2 × {money(q)} = {money(computed.counter_obligation_kzt)}",
                result=True,
            )
        )
    if computed.monitoring_months:
        lines.append(
            ComputationLine(
                "Мониторинг встречного обязательства",
                f"{computed.monitoring_months} мес. после заключения соглашения о возмещении",
            )
        )
    return lines



@dataclass
class DocumentListRow:
    id: str
    file: str
    doc_type: str
    language: str
    status: str
    status_css: str
    pages: int | None
    corrected: int
    reason: str | None
    translation_of: str | None = None  # a translation: its original's file


def corrected_type_and_language(doc: DocumentRow) -> tuple[str | None, str | None]:
    """The document's type and language as the checks see them: a reviewer's correction wins."""
    corrections = doc.corrections or {}
    return corrections.get("doc_type", doc.doc_type), corrections.get("language", doc.language)


def document_rows(app: ApplicationRow) -> list[DocumentListRow]:
    # Whether a document is a translation, and of which, is decided with the dossier: the last check says.
    checked = {d.get("file"): d for d in (app.result or {}).get("documents") or [] if isinstance(d, dict)}
    rows = []
    for doc in app.documents:
        doc_type, language = corrected_type_and_language(doc)
        seen = checked.get(doc.file_name) or {}
        if "doc_type" not in (doc.corrections or {}) and seen.get("doc_type") == DocType.TRANSLATION.value:
            doc_type = DocType.TRANSLATION.value
        rows.append(_document_row(doc, doc_type, language, seen.get("translation_of")))
    return rows


def _document_row(
    doc: DocumentRow, doc_type: str | None, language: str | None, translation_of: str | None = None
) -> DocumentListRow:
    return DocumentListRow(
        id=doc.id,
        file=doc.file_name,
        doc_type=doc_type_label(doc_type) if doc_type else "—",
        translation_of=translation_of if doc_type == DocType.TRANSLATION.value else None,
        language=language_label(language) if language else "—",
        status=DOCUMENT_STATUS_LABELS.get(doc.status, doc.status),
        status_css=doc.status,
        pages=doc.page_count,
        corrected=len(doc.corrections or {}),
        reason=doc.failure_reason,
    )


# --------------------------------------------------------------------------- audit log


@dataclass
class AuditView:
    id: str
    at: str
    who: str
    action: str
    subject: str
    before: str
    after: str
    comment: str
    outcome: str


def people_names(session: Session, user_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in user_ids if u}
    if not wanted:
        return {}
    rows = session.scalars(select(UserRow).where(UserRow.id.in_(sorted(wanted))))
    return {row.id: row.display_name or row.login for row in rows}


def _key_names(session: Session, key_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {k for k in key_ids if k}
    if not wanted:
        return {}
    rows = session.scalars(select(ApiKeyRow).where(ApiKeyRow.id.in_(sorted(wanted))))
    return {r.id: f"ключ API «{r.name}»" if r.name else f"ключ API ({r.role})" for r in rows}


def audit_views(session: Session, events: list[AuditEventRow], settings: Settings) -> list[AuditView]:
    people = people_names(session, (e.user_id for e in events))
    keys = _key_names(session, (e.api_key_id for e in events))
    views = []
    for e in events:
        who = people.get(e.user_id or "") or keys.get(e.api_key_id or "") or "система"
        views.append(_audit_view(e, who, settings))
    return views


def _audit_view(e: AuditEventRow, who: str, settings: Settings) -> AuditView:
    d: dict[str, Any] = e.details or {}
    subject = before = after = outcome = ""
    comment = str(d.get("comment") or "")
    if e.action in ("document.correct", "document.withdraw_correction"):
        if "field" in d:  # the workspace: one field, before and after
            path = str(d["field"])
            subject = f"{d.get('file', '')}: {d.get('label') or field_label(path)}"
            before, after = format_value(path, d.get("before")), format_value(path, d.get("after"))
            outcome = _recheck_text(d)
        else:  # the API: several fields at once
            fields = d.get("fields") or {}
            after = "; ".join(f"{field_label(p)}: {format_value(p, v)}" for p, v in fields.items())
            withdrawn = d.get("withdraw") or []
            if withdrawn:
                before = "отменены: " + ", ".join(field_label(p) for p in withdrawn)
    elif e.action in AUDIT_FINDING_ACTIONS:
        finding = d.get("finding") or {}
        subject = f"{finding.get('label', '')}" + (f" — {finding['file']}" if finding.get("file") else "")
        before = _verdict_text(d.get("before"))
        after = _verdict_text(d.get("after"))
    elif e.action in AUDIT_ELIGIBILITY_ACTIONS:
        subject = str(d.get("label") or d.get("item") or "")
        before = ELIGIBILITY_VERDICT_LABELS.get((d.get("before") or {}).get("verdict"), "")
        after = ELIGIBILITY_VERDICT_LABELS.get((d.get("after") or {}).get("verdict"), "")
    elif e.action == DOSSIER_DECISION:
        before = DECISION_LABELS.get((d.get("before") or {}).get("decision"), "")
        after = DECISION_LABELS.get((d.get("after") or {}).get("decision"), "")
    elif e.action == "documents.upload":
        files = d.get("files") or []
        subject = ", ".join(str(f.get("name")) for f in files[:5]) + (" …" if len(files) > 5 else "")
    elif e.action == "application.reprocess":
        subject = "только проверка" if d.get("scope") == "check" else "документы перечитываются"
    return AuditView(
        id=e.id,
        at=local_time(e.at, settings),
        who=who,
        action=AUDIT_ACTION_LABELS.get(e.action, e.action),
        subject=subject,
        before=before,
        after=after,
        comment=comment,
        outcome=outcome,
    )


AUDIT_FINDING_ACTIONS = frozenset(FINDING_ACTIONS.values())
AUDIT_ELIGIBILITY_ACTIONS = frozenset(ELIGIBILITY_ACTIONS.values())


def _verdict_text(state: Any) -> str:
    if not isinstance(state, dict):
        return VERDICT_LABELS[None]
    return VERDICT_LABELS.get(state.get("verdict"), str(state.get("verdict")))


def _recheck_text(d: dict[str, Any]) -> str:
    if not d.get("rechecked"):
        return "проверка досье ещё идёт: исправление будет учтено в ней"
    resolved, raised = d.get("resolved") or [], d.get("raised") or []
    parts = [f"досье проверено заново (раунд {d.get('revision')})"]
    if resolved:
        parts.append("снято: " + "; ".join(str(f.get("label")) for f in resolved))
    if raised:
        parts.append("новые: " + "; ".join(str(f.get("label")) for f in raised))
    if not resolved and not raised:
        parts.append("замечания не изменились")
    return ", ".join(parts)


def correction_notice(event: AuditEventRow) -> str | None:
    """The banner shown after a correction: what changed and what the re-check found."""
    d: dict[str, Any] = event.details or {}
    if event.action not in ("document.correct", "document.withdraw_correction") or "field" not in d:
        return None
    path = str(d["field"])
    what = "исправлено" if event.action == "document.correct" else "возвращено к прочитанному"
    head = (
        f"«{d.get('label') or field_label(path)}» в «{d.get('file')}» {what}: "
        f"{format_value(path, d.get('before'))} → {format_value(path, d.get('after'))}."
    )
    outcome = _recheck_text(d)
    return f"{head} {outcome[:1].upper()}{outcome[1:]}."


# --------------------------------------------------------------------------- document page


@dataclass
class Box:
    row_id: str  # the first field read at this place; rows lists every one (a total and its currency)
    page: int
    left: float  # percent of the page image
    top: float
    width: float
    height: float
    css: str
    title: str
    rows: list[str] = field(default_factory=list)


def merge_same_place(boxes: list[Box]) -> list[Box]:
    """One box per place: fields read from the same words share it instead of hiding each other."""
    merged: dict[tuple[float, ...], Box] = {}
    for box in boxes:
        place = tuple(round(v, 2) for v in (box.left, box.top, box.width, box.height))
        found = merged.get(place)
        if found is None:
            merged[place] = Box(**{**box.__dict__, "rows": [box.row_id]})
        else:
            found.rows.append(box.row_id)
            found.title = f"{found.title}; {box.title}"
    return list(merged.values())


@dataclass
class FieldRow:
    path: str
    row_id: str
    label: str
    value: str
    read_value: str
    raw: str | None
    raw_note: str | None  # the printed text, when it says more than the value shows
    confidence: float | None
    confidence_text: str
    css: str
    page: int | None
    corrected: bool
    input_value: str
    in_findings: list[str]


@dataclass
class PageView:
    page_no: int
    image_url: str | None  # None for spreadsheets, DOCX and XML: their "pages" are text only
    text: str
    source: str
    mean_confidence: str
    boxes: list[Box]
    aspect: float  # height / width, so the frame keeps its shape before the image loads


@dataclass
class DocumentView:
    rows: list[FieldRow]
    pages: list[PageView]
    payroll_rows: list[dict[str, Any]]
    language: str
    foreign: bool
    addable: list[tuple[str, str]]


# File kinds whose pages exist as images (api/pages.py renders them).
IMAGE_KINDS = frozenset({FileKind.PDF.value, FileKind.JPEG.value, FileKind.PNG.value, FileKind.TIFF.value})
_PAGE_SOURCE_LABELS = {
    "text_layer": "текстовый слой PDF",
    "ocr": "распознавание (OCR)",
    "structured": "таблица / XML",
}


def _box(path_id: str, page: PageRow, bbox: Any, css: str, title: str) -> Box | None:
    if bbox is None or not page.width or not page.height:
        return None
    return Box(
        row_id=path_id,
        page=page.page_no,
        left=100 * bbox.x0 / page.width,
        top=100 * bbox.y0 / page.height,
        width=max(0.4, 100 * (bbox.x1 - bbox.x0) / page.width),
        height=max(0.4, 100 * (bbox.y1 - bbox.y0) / page.height),
        css=css,
        title=title,
    )


def document_view(doc: DocumentRow, findings: list[Finding], settings: Settings) -> DocumentView:
    read = DocumentExtraction.model_validate(doc.extraction) if doc.extraction else None
    corrections = doc.corrections or {}
    shown = apply_corrections(read, corrections) if read is not None and corrections else read
    pages = {p.page_no: p for p in doc.pages}
    by_field: dict[str, list[str]] = {}
    for f in findings:
        for e in f.evidence:
            if e.file == doc.file_name and e.field:
                by_field.setdefault(e.field, []).append(finding_label(f.code))
    rows: list[FieldRow] = []
    boxes: dict[int, list[Box]] = {}
    if read is not None and shown is not None:
        paths = list(dict.fromkeys([*value_paths(read), *value_paths(shown), *corrections]))
        currency_ev = value_at(shown, "amounts.currency")
        currency = str(currency_ev.value) if currency_ev and currency_ev.value else None
        for path in ["doc_type", "language", *paths]:
            rows.append(_field_row(path, read, shown, corrections, currency, by_field, settings))
            original = value_at(read, path)
            prov = original.provenance if original is not None else None
            if prov is not None and prov.page in pages:
                row = rows[-1]
                box = _box(row.row_id, pages[prov.page], prov.bbox, row.css, f"{row.label}: {row.value}")
                if box is not None:
                    boxes.setdefault(prov.page, []).append(box)
        for index, payroll in enumerate(read.payroll_rows):
            prov = payroll.provenance
            if prov is not None and prov.page in pages:
                css = confidence_class(payroll.confidence, settings)
                box = _box(f"payroll-{index}", pages[prov.page], prov.bbox, css, payroll.name)
                if box is not None:
                    boxes.setdefault(prov.page, []).append(box)
    has_images = doc.kind in IMAGE_KINDS
    page_views = [
        PageView(
            page_no=p.page_no,
            image_url=f"/documents/{doc.id}/pages/{p.page_no}.png" if has_images else None,
            text=p.text,
            source=_PAGE_SOURCE_LABELS.get(p.source, p.source),
            mean_confidence=f"{p.mean_confidence:.0%}",
            boxes=merge_same_place(boxes.get(p.page_no, [])),
            aspect=(p.height / p.width) if p.width else 1.414,
        )
        for p in doc.pages
    ]
    language = (shown.language if shown else None) or doc.language
    no_translation_needed = {"ru", "kk"}
    present = {r.path for r in rows}
    return DocumentView(
        rows=rows,
        pages=page_views,
        payroll_rows=[
            {
                "name": r.name,
                "accrued": money(r.accrued),
                "withheld": money(r.withheld),
                "net": money(r.net),
                "css": confidence_class(r.confidence, settings),
                "row_id": f"payroll-{i}",
            }
            for i, r in enumerate(read.payroll_rows if read else [])
        ],
        language=language_label(language) if language else "не определён",
        foreign=bool(language) and language not in no_translation_needed,
        addable=[(p, LABELS[p]) for p in ADDABLE_PATHS if p not in present],
    )


def _field_row(
    path: str,
    read: DocumentExtraction,
    shown: DocumentExtraction,
    corrections: dict[str, Any],
    currency: str | None,
    by_field: dict[str, list[str]],
    settings: Settings,
) -> FieldRow:
    if path in ("doc_type", "language"):
        read_value: Any = read.doc_type.value if path == "doc_type" else read.language
        value: Any = shown.doc_type.value if path == "doc_type" else shown.language
        confidence: float | None = read.doc_type_confidence if path == "doc_type" else None
        raw, page = None, None
    else:
        original, current = value_at(read, path), value_at(shown, path)
        read_value = original.value if original else None
        value = current.value if current else None
        confidence = original.confidence if original else None
        raw = original.raw if original else None
        page = original.provenance.page if original and original.provenance else None
    corrected = path in corrections
    return FieldRow(
        path=path,
        row_id=row_id(path),
        label=field_label(path),
        value=format_value(path, value, currency),
        read_value=format_value(path, read_value, currency) if read_value is not None else "не прочитано",
        raw=raw,
        raw_note=raw if raw_differs(path, raw, read_value) else None,
        confidence=confidence,
        confidence_text=f"{confidence:.0%}" if confidence is not None else "—",
        css="corrected" if corrected else confidence_class(confidence, settings),
        page=page,
        corrected=corrected,
        input_value=input_text(path, value),
        in_findings=by_field.get(path, []),
    )


@dataclass
class TranslationInfo:
    translation: tuple[str, str] | None  # (file, link) of the translation of this document
    original: tuple[str, str] | None  # (file, link) of the original, when this is a translation
    missing: Finding | None  # MISSING_TRANSLATION about this document


def translation_info(doc: DocumentRow, app: ApplicationRow, findings: list[Finding]) -> TranslationInfo:
    result_docs = [DocumentExtraction.model_validate(d) for d in (app.result or {}).get("documents") or []]
    ids = {d.file_name: d.id for d in app.documents}
    translation = next((d.file for d in result_docs if d.translation_of == doc.file_name), None)
    this = next((d for d in result_docs if d.file == doc.file_name), None)
    original = this.translation_of if this is not None else None
    missing = next((f for f in findings if f.code == "MISSING_TRANSLATION" and f.file == doc.file_name), None)
    return TranslationInfo(
        translation=(translation, document_link(ids[translation])) if translation in ids else None,
        original=(original, document_link(ids[original])) if original and original in ids else None,
        missing=missing,
    )


def doc_ids_of(app: ApplicationRow) -> dict[str, str]:
    return {doc.file_name: doc.id for doc in app.documents}
