"""The audit log in words (who did what, before and after) and the banner shown after a correction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web.assignment import ASSIGN
from api.web.fields import field_label, format_value
from api.web.letters import LETTER_ISSUE, LETTER_SAVE
from api.web.page_models.formatting import local_time, money
from api.web.page_models.labels import DECISION_LABELS, VERDICT_LABELS
from api.web.reads import READ_ACTION_LABELS
from api.web.review import DOSSIER_DECISION, FINDING_ACTIONS, SIGN_IN, SIGN_IN_LOCKED, SIGN_OUT
from casework.eligibility import ELIGIBILITY_ACTIONS
from casework.eligibility import VERDICT_LABELS as ELIGIBILITY_VERDICT_LABELS
from casework.search import SEARCH_ACTION
from foundation.settings import Settings
from models.db import ApiKeyRow, AuditEventRow, EligibilityVerdict, FindingVerdict, UserRow

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
    SIGN_IN: "Вход в систему",
    ASSIGN: "Назначение проверяющего",
    LETTER_SAVE: "Уведомление о замечаниях: черновик сохранён",
    LETTER_ISSUE: "Уведомление о замечаниях выдано",
    SIGN_OUT: "Выход из системы",
    SEARCH_ACTION: "Поиск по документам",
    **READ_ACTION_LABELS,
}


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
    assignees = [str(e.details.get(k) or "") for e in events if e.action == ASSIGN for k in ("before", "after")]
    people = people_names(session, [*(e.user_id for e in events), *assignees])
    keys = _key_names(session, (e.api_key_id for e in events))
    views = []
    for e in events:
        who = people.get(e.user_id or "") or keys.get(e.api_key_id or "") or "система"
        view = _audit_view(e, who, settings)
        if e.action == ASSIGN:  # ids of people in the details: shown by name
            view.before = people.get(str(e.details.get("before") or ""), "не назначено")
            view.after = people.get(str(e.details.get("after") or ""), "не назначено")
        views.append(view)
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
        outcome = recompute_text(d.get("recomputed"))
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
    elif e.action in (LETTER_SAVE, LETTER_ISSUE):
        subject = "на казахском языке" if d.get("lang") == "kk" else "на русском языке"
        after = _first_line_of_body(d.get("body"))
    elif e.action in READ_ACTION_LABELS:
        subject = str(d.get("file") or "") + (f", стр. {d['page']}" if d.get("page") else "")
    elif e.action == SEARCH_ACTION:
        subject = f"«{d.get('query', '')}»"
        after = f"найдено документов: {d.get('found', 0)}"
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


def _first_line_of_body(body: Any) -> str:
    """A letter's text is kept whole in the log; the table shows how it begins."""
    text = " ".join(str(body or "").split())
    return text if len(text) <= 120 else text[:117] + "…"


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


def recompute_text(recomputed: Any) -> str:
    """What a verdict on an excluding finding did to the computation (empty when it had nothing to do)."""
    if not isinstance(recomputed, dict):
        return ""
    if not recomputed.get("rechecked"):
        return "документы досье ещё читаются: расчёт возмещения учтёт решение, когда проверка завершится"
    before, after = recomputed.get("reimbursement_before"), recomputed.get("reimbursement_after")
    change = (
        f"возмещение не изменилось ({money(after)})"
        if before == after
        else f"возмещение {money(before)} → {money(after)}"
    )
    return f"расчёт возмещения выполнен заново (раунд {recomputed.get('revision')}): {change}"


def decision_notice(event: AuditEventRow) -> str | None:
    """The banner shown after a verdict on a finding: the verdict, and what it did to the computation."""
    d: dict[str, Any] = event.details or {}
    if event.action not in AUDIT_FINDING_ACTIONS:
        return None
    label = str((d.get("finding") or {}).get("label") or "")
    head = {
        FINDING_ACTIONS[FindingVerdict.ACCEPTED]: f"Замечание «{label}» подтверждено.",
        FINDING_ACTIONS[FindingVerdict.DISMISSED]: f"Замечание «{label}» отклонено.",
        FINDING_ACTIONS[None]: f"Решение по замечанию «{label}» отменено.",
    }[event.action]
    recomputed = d.get("recomputed")
    file = (d.get("finding") or {}).get("file")
    if not isinstance(recomputed, dict):
        if d.get("excludes_payment"):
            return f"{head} Документ «{file}» по-прежнему не учитывается в расчёте возмещения."
        return f"{head} Расчёт возмещения от этого решения не зависит."
    counted = event.action == FINDING_ACTIONS[FindingVerdict.DISMISSED]
    what = f"Документ «{file}» " + ("снова учитывается в расчёте" if counted else "снова исключён из расчёта")
    outcome = recompute_text(recomputed)
    return f"{head} {what}; {outcome}."


def assignment_notice(event: AuditEventRow) -> str | None:
    """The banner shown after the dossier was taken, given back or assigned."""
    if event.action != ASSIGN:
        return None
    after = (event.details or {}).get("after")
    if after is None:
        return "Досье возвращено в общий список."
    if after == event.user_id:
        return "Досье взято в работу: оно в вашем списке «Мои досье»."
    return "Проверяющий назначен."


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
