"""The audit log in words (who did what, before and after) and the banner shown after a correction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web.assignment import ASSIGN
from api.web.fields import field_label, format_value
from api.web.i18n import current_lang, gettext
from api.web.letters import LETTER_ISSUE, LETTER_SAVE
from api.web.page_models.formatting import local_time, money
from api.web.page_models.labels import DECISION_LABELS, VERDICT_LABELS
from api.web.reads import READ_ACTION_LABELS
from api.web.review import DOSSIER_DECISION, FINDING_ACTIONS, SIGN_IN, SIGN_IN_LOCKED, SIGN_OUT
from casework.eligibility import ELIGIBILITY_ACTIONS
from casework.eligibility import VERDICT_LABELS as ELIGIBILITY_VERDICT_LABELS
from casework.search import SEARCH_ACTION
from foundation.gettext_marks import N_
from foundation.settings import Settings
from models.db import ApiKeyRow, AuditEventRow, EligibilityVerdict, FindingVerdict, UserRow
from validators.finding_texts import finding_label, in_language

AUDIT_ACTION_LABELS = {
    "application.create": N_("Заявка создана"),
    "documents.upload": N_("Загружены документы"),
    "application.reprocess": N_("Повторная обработка заявки"),
    "document.reprocess": N_("Повторное чтение документа"),
    "document.correct": N_("Исправлено значение"),
    "document.withdraw_correction": N_("Исправление отменено"),
    FINDING_ACTIONS[FindingVerdict.ACCEPTED]: N_("Замечание подтверждено"),
    FINDING_ACTIONS[FindingVerdict.DISMISSED]: N_("Замечание отклонено"),
    FINDING_ACTIONS[None]: N_("Решение по замечанию отменено"),
    DOSSIER_DECISION: N_("Решение по досье"),
    ELIGIBILITY_ACTIONS[EligibilityVerdict.CONFIRMED]: N_("Условие участия подтверждено"),
    ELIGIBILITY_ACTIONS[EligibilityVerdict.REFUSED]: N_("Условие участия не выполнено"),
    ELIGIBILITY_ACTIONS[None]: N_("Решение по условию участия отменено"),
    SIGN_IN_LOCKED: N_("Вход временно заблокирован после неудачных попыток"),
    SIGN_IN: N_("Вход в систему"),
    ASSIGN: N_("Назначение проверяющего"),
    LETTER_SAVE: N_("Уведомление о замечаниях: черновик сохранён"),
    LETTER_ISSUE: N_("Уведомление о замечаниях выдано"),
    SIGN_OUT: N_("Выход из системы"),
    SEARCH_ACTION: N_("Поиск по документам"),
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
    return {
        r.id: gettext("ключ API «{name}»").format(name=r.name) if r.name else gettext("ключ API ({role})").format(role=r.role)
        for r in rows
    }


def audit_views(session: Session, events: list[AuditEventRow], settings: Settings) -> list[AuditView]:
    assignees = [str(e.details.get(k) or "") for e in events if e.action == ASSIGN for k in ("before", "after")]
    people = people_names(session, [*(e.user_id for e in events), *assignees])
    keys = _key_names(session, (e.api_key_id for e in events))
    views = []
    for e in events:
        who = people.get(e.user_id or "") or keys.get(e.api_key_id or "") or gettext("система")
        view = _audit_view(e, who, settings)
        if e.action == ASSIGN:  # ids of people in the details: shown by name
            view.before = people.get(str(e.details.get("before") or ""), gettext("не назначено"))
            view.after = people.get(str(e.details.get("after") or ""), gettext("не назначено"))
        views.append(view)
    return views


def _audit_view(e: AuditEventRow, who: str, settings: Settings) -> AuditView:
    d: dict[str, Any] = e.details or {}
    subject = before = after = outcome = ""
    comment = str(d.get("comment") or "")
    if e.action in ("document.correct", "document.withdraw_correction"):
        if "field" in d:  # the workspace: one field, before and after
            path = str(d["field"])
            subject = f"{d.get('file', '')}: {_field_name(d, path)}"
            before, after = format_value(path, d.get("before")), format_value(path, d.get("after"))
            outcome = _recheck_text(d)
        else:  # the API: several fields at once
            fields = d.get("fields") or {}
            after = "; ".join(f"{field_label(p, shown=True)}: {format_value(p, v)}" for p, v in fields.items())
            withdrawn = d.get("withdraw") or []
            if withdrawn:
                before = gettext("отменены:") + " " + ", ".join(field_label(p, shown=True) for p in withdrawn)
    elif e.action in AUDIT_FINDING_ACTIONS:
        finding = d.get("finding") or {}
        subject = _finding_name(finding) + (f" — {finding['file']}" if finding.get("file") else "")
        before = _verdict_text(d.get("before"))
        after = _verdict_text(d.get("after"))
        outcome = recompute_text(d.get("recomputed"))
    elif e.action in AUDIT_ELIGIBILITY_ACTIONS:
        subject = in_language(str(d.get("label") or d.get("item") or ""), current_lang()) or ""
        before = gettext(ELIGIBILITY_VERDICT_LABELS.get((d.get("before") or {}).get("verdict"), ""))
        after = gettext(ELIGIBILITY_VERDICT_LABELS.get((d.get("after") or {}).get("verdict"), ""))
    elif e.action == DOSSIER_DECISION:
        before = gettext(DECISION_LABELS.get((d.get("before") or {}).get("decision"), ""))
        after = gettext(DECISION_LABELS.get((d.get("after") or {}).get("decision"), ""))
    elif e.action == "documents.upload":
        files = d.get("files") or []
        subject = ", ".join(str(f.get("name")) for f in files[:5]) + (" …" if len(files) > 5 else "")
    elif e.action in (LETTER_SAVE, LETTER_ISSUE):
        subject = gettext("на казахском языке") if d.get("lang") == "kk" else gettext("на русском языке")
        after = _first_line_of_body(d.get("body"))
    elif e.action in READ_ACTION_LABELS:
        page = ", " + gettext("стр. %(page)s") % {"page": d["page"]} if d.get("page") else ""
        subject = str(d.get("file") or "") + page
    elif e.action == SEARCH_ACTION:
        subject = f"«{d.get('query', '')}»"
        after = gettext("найдено документов: {count}").format(count=d.get("found", 0))
    elif e.action == "application.reprocess":
        subject = gettext("только проверка") if d.get("scope") == "check" else gettext("документы перечитываются")
    return AuditView(
        id=e.id,
        at=local_time(e.at, settings),
        who=who,
        action=gettext(AUDIT_ACTION_LABELS[e.action]) if e.action in AUDIT_ACTION_LABELS else e.action,
        subject=subject,
        before=before,
        after=after,
        comment=comment,
        outcome=outcome,
    )


AUDIT_FINDING_ACTIONS = frozenset(FINDING_ACTIONS.values())
AUDIT_ELIGIBILITY_ACTIONS = frozenset(ELIGIBILITY_ACTIONS.values())


def _field_name(d: dict[str, Any], path: str) -> str:
    # The label was stored in Russian with the event; other readers get the field's name in their language.
    return field_label(path, shown=True) if current_lang() != "ru" or not d.get("label") else str(d["label"])


def _finding_name(finding: dict[str, Any]) -> str:
    code, label = finding.get("code"), str(finding.get("label") or "")
    return finding_label(str(code), current_lang()) if code and current_lang() != "ru" else label


def _first_line_of_body(body: Any) -> str:
    """A letter's text is kept whole in the log; the table shows how it begins."""
    text = " ".join(str(body or "").split())
    return text if len(text) <= 120 else text[:117] + "…"


def _verdict_text(state: Any) -> str:
    if not isinstance(state, dict):
        return gettext(VERDICT_LABELS[None])
    verdict = state.get("verdict")
    return gettext(VERDICT_LABELS[verdict]) if verdict in VERDICT_LABELS else str(verdict)


def _recheck_text(d: dict[str, Any]) -> str:
    if not d.get("rechecked"):
        return gettext("проверка досье ещё идёт: исправление будет учтено в ней")
    resolved, raised = d.get("resolved") or [], d.get("raised") or []
    parts = [gettext("досье проверено заново (раунд {revision})").format(revision=d.get("revision"))]
    if resolved:
        parts.append(gettext("снято:") + " " + "; ".join(_finding_name(f) for f in resolved))
    if raised:
        parts.append(gettext("новые:") + " " + "; ".join(_finding_name(f) for f in raised))
    if not resolved and not raised:
        parts.append(gettext("замечания не изменились"))
    return ", ".join(parts)


def recompute_text(recomputed: Any) -> str:
    """What a verdict on an excluding finding did to the computation (empty when it had nothing to do)."""
    if not isinstance(recomputed, dict):
        return ""
    if not recomputed.get("rechecked"):
        return gettext("документы досье ещё читаются: расчёт возмещения учтёт решение, когда проверка завершится")
    before, after = recomputed.get("reimbursement_before"), recomputed.get("reimbursement_after")
    change = (
        gettext("возмещение не изменилось ({amount})").format(amount=money(after))
        if before == after
        else gettext("возмещение {before} → {after}").format(before=money(before), after=money(after))
    )
    return gettext("расчёт возмещения выполнен заново (раунд {revision}): {change}").format(
        revision=recomputed.get("revision"), change=change
    )


def decision_notice(event: AuditEventRow) -> str | None:
    """The banner shown after a verdict on a finding: the verdict, and what it did to the computation."""
    d: dict[str, Any] = event.details or {}
    if event.action not in AUDIT_FINDING_ACTIONS:
        return None
    label = _finding_name(d.get("finding") or {})
    head = {
        FINDING_ACTIONS[FindingVerdict.ACCEPTED]: gettext("Замечание «{label}» подтверждено."),
        FINDING_ACTIONS[FindingVerdict.DISMISSED]: gettext("Замечание «{label}» отклонено."),
        FINDING_ACTIONS[None]: gettext("Решение по замечанию «{label}» отменено."),
    }[event.action].format(label=label)
    recomputed = d.get("recomputed")
    file = (d.get("finding") or {}).get("file")
    if not isinstance(recomputed, dict):
        if d.get("excludes_payment"):
            return head + " " + gettext("Документ «{file}» по-прежнему не учитывается в расчёте возмещения.").format(
                file=file
            )
        return head + " " + gettext("Расчёт возмещения от этого решения не зависит.")
    counted = event.action == FINDING_ACTIONS[FindingVerdict.DISMISSED]
    if counted:
        what = gettext("Документ «{file}» снова учитывается в расчёте").format(file=file)
    else:
        what = gettext("Документ «{file}» снова исключён из расчёта").format(file=file)
    outcome = recompute_text(recomputed)
    return f"{head} {what}; {outcome}."


def assignment_notice(event: AuditEventRow) -> str | None:
    """The banner shown after the dossier was taken, given back or assigned."""
    if event.action != ASSIGN:
        return None
    after = (event.details or {}).get("after")
    if after is None:
        return gettext("Досье возвращено в общий список.")
    if after == event.user_id:
        return gettext("Досье взято в работу: оно в вашем списке «Мои досье».")
    return gettext("Проверяющий назначен.")


def correction_notice(event: AuditEventRow) -> str | None:
    """The banner shown after a correction: what changed and what the re-check found."""
    d: dict[str, Any] = event.details or {}
    if event.action not in ("document.correct", "document.withdraw_correction") or "field" not in d:
        return None
    path = str(d["field"])
    if event.action == "document.correct":
        text = gettext("«{field}» в «{file}» исправлено: {before} → {after}.")
    else:
        text = gettext("«{field}» в «{file}» возвращено к прочитанному: {before} → {after}.")
    head = text.format(
        field=_field_name(d, path),
        file=d.get("file"),
        before=format_value(path, d.get("before")),
        after=format_value(path, d.get("after")),
    )
    outcome = _recheck_text(d)
    return f"{head} {outcome[:1].upper()}{outcome[1:]}."
