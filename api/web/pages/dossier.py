"""The dossier page (``/dossiers/{id}``) and the reviewer's decisions on it: the dossier, each
eligibility condition, each finding."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Form, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.web import review
from api.web.assignment import assign_to, assignable_people, give_back, take_into_work
from api.web.i18n import current_lang, gettext
from api.web.page_models.audit import (
    assignment_notice,
    audit_views,
    correction_notice,
    decision_notice,
    people_names,
)
from api.web.page_models.clock import clock_view, registration_day
from api.web.page_models.computation import computation_view
from api.web.page_models.dossier import checklist_rows, doc_ids_of, document_rows, eligibility_views
from api.web.page_models.findings import finding_views, group_findings
from api.web.page_models.formatting import local_time, measure_label
from api.web.page_models.labels import APPLICATION_STATUS_LABELS, DECISION_LABELS
from api.web.page_models.search import same_document_rows
from api.web.pages.lookup import load_application, load_locked_application
from api.web.reads import DOSSIER_VIEW, READ_ACTIONS, record_read
from api.web.rendering import page_router, redirect, render
from api.web.security import ReviewerDep, UserDep, WebError, WebUser
from casework import connections, eligibility
from casework.search import same_documents
from casework.webhooks import enqueue_webhooks_after_commit
from foundation.settings import Settings
from models.db import ApplicationRow, AuditEventRow, EligibilityVerdict, FindingVerdict, ReviewDecision
from models.domain import Application, DossierResult
from models.program_rules import default_rules
from validators.finding_texts import in_language
from validators.findings import fmt_date

T = TypeVar("T")
log = logging.getLogger(__name__)

router = page_router()


def dossier_context(
    session: Session,
    app: ApplicationRow,
    user: WebUser,
    settings: Settings,
    notice: str | None = None,
    error: str | None = None,
    error_target: str | None = None,
    just_decided: bool = False,
) -> dict[str, Any]:
    result = DossierResult.model_validate(app.result) if app.result else None
    doc_ids = doc_ids_of(app)
    verdicts = review.finding_verdicts(session, app.id)
    events = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.application_id == app.id, AuditEventRow.action.not_in(READ_ACTIONS))
        .order_by(AuditEventRow.at.desc())
        .limit(settings.web.audit_entries_shown)
    ).all()
    conditions = eligibility.eligibility_states(session, app)
    people = people_names(
        session,
        [
            *(v.user_id for v in verdicts.values()),
            app.reviewed_by,
            app.assigned_to,
            *(c.decided_by_user for c in conditions),
        ],
    )
    findings = finding_views(result.findings if result else [], doc_ids, verdicts, people, settings)
    open_errors = sum(
        1 for f in findings if f.severity == "error" and f.verdict != FindingVerdict.DISMISSED.value
    )
    payload = app.payload or {}
    computation, computation_failed = None, False
    if result is not None and payload:
        try:
            computation = computation_view(result, Application.model_validate(payload), doc_ids)
        except Exception:  # an unexpected result shape must not take the whole dossier page down
            log.exception("reimbursement steps of application %s could not be shown", app.id)
            computation_failed = True
    return {
        "user": user,
        "app": app,
        "result": result,
        "measure": measure_label(app, payload),
        "cost_name": payload.get("cost_name") or app.cost_type,
        "application_date": fmt_date(app.application_date),
        "submitted": local_time(app.created_at, settings),
        "registered": fmt_date(registration_day(app, settings)),
        "checked_at": local_time(app.checked_at, settings),
        "status_label": gettext(APPLICATION_STATUS_LABELS.get(app.status, app.status)),
        "decision_label": gettext(DECISION_LABELS.get(app.review_decision, app.review_decision or "")),
        "reviewed_by": people.get(app.reviewed_by or "", ""),
        "reviewed_at": local_time(app.reviewed_at, settings) if app.reviewed_at else "",
        "clock": clock_view(app, settings),
        "checklist": checklist_rows(result, doc_ids) if result else [],
        "eligibility": eligibility_views(conditions, people, settings, result.findings if result else []),
        "eligibility_open": sum(1 for c in conditions if c.verdict is None),
        "manual_checks": [
            in_language(check, current_lang()) or check
            for check in default_rules().nearest(app.application_date)[0].eligibility.manual_checks
        ],
        "groups": group_findings(findings),
        "counts": {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")},
        # (file, code) of the dismissed findings whose payment counts again (the computation says so).
        "reincluded": {
            (str(step.get("file")), str(code))
            for step in (result.computed.steps if result is not None and result.computed is not None else [])
            for code in step.get("reincluded") or []
        },
        "open_counts": {
            s: sum(1 for f in findings if f.severity == s and f.verdict != FindingVerdict.DISMISSED.value)
            for s in ("error", "warning", "info")
        },
        "open_errors": open_errors,
        "documents": document_rows(app),
        "same_documents": same_document_rows(same_documents(session, app.id)),
        "computation": computation,
        "computation_failed": computation_failed,
        "audit": audit_views(session, list(events), settings),
        "notice": notice,
        "error": error,
        "error_target": error_target,
        "may_review": user.may("review"),
        "assignee": people.get(app.assigned_to or "", "") if app.assigned_to else "",
        "assigned_at": local_time(app.assigned_at, settings) if app.assigned_at else "",
        "assigned_to_me": app.assigned_to == user.id,
        "may_assign": user.may("assign"),
        "assignable": [(p.id, p.display_name or p.login) for p in assignable_people(session)]
        if user.may("assign")
        else [],
        "next_dossier": next_undecided(session, app) if app.review_decision else None,
        "just_decided": just_decided,
    }


def next_undecided(session: Session, app: ApplicationRow) -> ApplicationRow | None:
    """The dossier to take up after deciding this one: the undecided one registered first (the list's
    «по сроку» order, so the closest deadline)."""
    return session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.review_decision.is_(None), ApplicationRow.id != app.id)
        .order_by(ApplicationRow.created_at.asc(), ApplicationRow.id)
        .limit(1)
    ).first()


@router.get("/dossiers/{application_id}", response_class=HTMLResponse)
def dossier_page(
    request: Request,
    application_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    event: str = "",
) -> HTMLResponse:
    app = load_application(session, application_id)
    notice, just_decided = None, False
    if event:
        row = session.get(AuditEventRow, event)
        if row is not None and row.application_id == app.id:
            notice = correction_notice(row) or decision_notice(row) or assignment_notice(row) or gettext("Сохранено.")
            just_decided = row.action == review.DOSSIER_DECISION and app.review_decision is not None
    context = dossier_context(session, app, user, settings, notice, just_decided=just_decided)
    record_read(session, user, DOSSIER_VIEW, app.id)
    return render(request, "dossier.html", context)


def _dossier_refusal(
    request: Request,
    session: Session,
    app_id: str,
    user: WebUser,
    settings: Settings,
    message: str,
    target: str,
) -> HTMLResponse:
    session.rollback()
    app = load_application(session, app_id)
    context = dossier_context(session, app, user, settings, error=message, error_target=target)
    return render(request, "dossier.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _chosen(value: str, choices: Mapping[str, T | None]) -> T | None:
    """The decision a form's button names (None: withdraw the decision); an unknown one is a 422."""
    if value not in choices:
        raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, gettext("Неизвестное решение «{value}».").format(value=value))
    return choices[value]


@router.post("/dossiers/{application_id}/decision")
def decide_dossier(
    request: Request,
    application_id: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    decision: str = Form(""),
    comment: str = Form(""),
) -> Response:
    app = load_locked_application(session, application_id)
    chosen = _chosen(decision, {"complete": ReviewDecision.COMPLETE, "incomplete": ReviewDecision.INCOMPLETE, "reset": None})
    try:
        event = review.decide_dossier(session, app, user.id, chosen, comment)
    except review.ReviewError as exc:
        return _dossier_refusal(request, session, application_id, user, settings, str(exc), "decision")
    session.commit()
    # No fragment: the decision sits at the top, and Chrome moves the focus to a fragment's target
    # after loading, away from «Следующее досье →».
    return redirect(f"/dossiers/{application_id}?event={event.id}")


@router.post("/dossiers/{application_id}/eligibility/{key}")
def decide_eligibility(
    request: Request,
    application_id: str,
    key: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    verdict: str = Form(""),
    comment: str = Form(""),
) -> Response:
    app = load_locked_application(session, application_id)
    chosen = _chosen(verdict, {"confirmed": EligibilityVerdict.CONFIRMED, "refused": EligibilityVerdict.REFUSED, "reopen": None})
    try:
        event = eligibility.decide_eligibility(session, app, key, chosen, comment, user_id=user.id)
    except eligibility.EligibilityError as exc:
        return _dossier_refusal(
            request, session, application_id, user, settings, str(exc), f"eligibility-{key}"
        )
    session.commit()
    return redirect(f"/dossiers/{application_id}?event={event.id}#eligibility-{key}")


@router.post("/dossiers/{application_id}/findings/{key}")
def decide_finding(
    request: Request,
    application_id: str,
    key: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    verdict: str = Form(""),
    comment: str = Form(""),
) -> Response:
    app = load_locked_application(session, application_id)
    chosen = _chosen(verdict, {"accepted": FindingVerdict.ACCEPTED, "dismissed": FindingVerdict.DISMISSED, "reopen": None})
    try:
        event = review.decide_finding(session, app, user.id, key, chosen, comment)
    except review.ReviewError as exc:
        return _dossier_refusal(request, session, application_id, user, settings, str(exc), f"finding-{key}")
    deliveries = list((event.details.get("recomputed") or {}).get("deliveries") or [])
    session.commit()
    enqueue_webhooks_after_commit(deliveries, settings, connections.redis_connection(settings))
    return redirect(f"/dossiers/{application_id}?event={event.id}#finding-{key}")


@router.post("/dossiers/{application_id}/assignment")
def assign_dossier(
    request: Request,
    application_id: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    action: str = Form(""),
    assignee: str = Form(""),
    comment: str = Form(""),
) -> Response:
    """«Взять в работу», «Вернуть в общий список», and (administrators) «Назначить»."""
    app = load_locked_application(session, application_id)
    try:
        if action == "take":
            event = take_into_work(session, app, user)
        elif action == "release":
            event = give_back(session, app, user, comment)
        elif action == "assign":
            if not user.may("assign"):
                raise WebError(
                    status.HTTP_403_FORBIDDEN, gettext("Назначать досье другим проверяющим может только администратор."), gettext("Нет прав")
                )
            event = assign_to(session, app, user, assignee or None, comment)
        else:
            raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, gettext("Неизвестное действие «{action}».").format(action=action))
    except review.ReviewError as exc:
        return _dossier_refusal(request, session, application_id, user, settings, str(exc), "assignment")
    session.commit()
    return redirect(f"/dossiers/{application_id}?event={event.id}#assignment")
