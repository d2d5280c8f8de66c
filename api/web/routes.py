"""The reviewers' workspace pages: sign-in, dossier list, dossier, document, actions, printable report."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer, selectinload

from api import page_images
from api.deps import SessionDep, SettingsDep
from api.heavy import heavy_work
from api.pages import NoPageImage
from api.web import review
from api.web.fields import LANGUAGE_LABELS, FieldValueError, field_label, parse_value, row_id
from api.web.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    OptionalUserDep,
    ReviewerDep,
    UserDep,
    WebError,
    WebUser,
    safe_next,
    verify_login_csrf,
    verify_session_csrf,
)
from api.web.views import (
    APPLICATION_STATUS_LABELS,
    DECISION_LABELS,
    DOCUMENT_STATUS_LABELS,
    amount,
    audit_views,
    checklist_rows,
    clock_view,
    computation_view,
    corrected_type_and_language,
    correction_notice,
    doc_ids_of,
    document_rows,
    document_view,
    dossier_list_rows,
    eligibility_views,
    finding_views,
    group_findings,
    local_time,
    measure_label,
    money,
    people_names,
    registration_day,
    translation_info,
)
from casework import connections, eligibility
from casework import user_accounts as accounts
from casework.audit import record_event
from casework.finding_keys import current_findings
from casework.webhooks import enqueue_webhooks_after_commit
from foundation.settings import Settings
from ingest.blobstore_db import load_bytes
from models.db import (
    ApplicationRow,
    AuditEventRow,
    DocumentRow,
    EligibilityVerdict,
    FindingVerdict,
    ReviewDecision,
)
from models.domain import Application, DocType, DossierResult
from validators.findings import doc_type_label, fmt_date
from validators.rules import default_rules
from validators.values import as_date

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["money"] = money
templates.env.filters["amount"] = amount  # under a "…, тенге" heading
templates.env.globals["csrf_field"] = CSRF_FIELD

# Pages are generated per user and carry CSRF tokens: never cached, never framed by another site.
# Scripts and styles come from /static only; box positions are set by the script, not inline styles.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
}
_LOGIN_CSRF_MAX_AGE_S = 3600

public_router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_login_csrf)])
router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_session_csrf)])


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = status.HTTP_200_OK
) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(_PAGE_HEADERS)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


# --------------------------------------------------------------------------- sign-in


def _login_page(
    request: Request, next_url: str, error: str | None = None, login: str = "", status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"user": None, "next": safe_next(next_url), "error": error, "login": login, "login_csrf": token},
        status_code,
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=_LOGIN_CSRF_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=settings.web.cookie_secure,
        path="/login",
    )
    return response


def _client_address(request: Request) -> str:
    """The address failed sign-ins are counted by.

    The app applies ``X-Forwarded-For`` itself (uvicorn's ProxyHeadersMiddleware in ``api.app``) only
    when the peer is one of ``DOCPROC_SERVICE__TRUSTED_PROXIES`` (default 127.0.0.1 and ::1: a reverse
    proxy on the same machine), taking the nearest address that is not itself a trusted proxy. From any
    other peer the header is ignored, so a client cannot choose the address it is counted under; a
    proxy elsewhere must be listed there, or every sign-in counts under the proxy's address.
    """
    return request.client.host if request.client is not None else ""


@public_router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUserDep, next: str = "/dossiers") -> Response:
    if user is not None:
        return redirect(safe_next(next))
    return _login_page(request, next)


@public_router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: str = Form(""),
    password: str = Form(""),
    next: str = Form("/dossiers"),
) -> Response:
    policy = accounts.ThrottlePolicy.of(settings.web)
    attempt = accounts.claim_sign_in_attempt(session, login, _client_address(request), policy)
    session.commit()  # visible to every API process before the count and the slow password check
    throttle = accounts.sign_in_throttle(session, attempt, policy)
    if throttle.locked:
        session.commit()
        page = _login_page(
            request,
            next,
            f"Слишком много неудачных попыток входа. Повторите через {throttle.retry_after_min} мин.",
            login,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        page.headers["Retry-After"] = str(throttle.retry_after_s)
        return page
    user = accounts.authenticate(session, login, password)
    if user is None:
        if throttle.completes:
            # No user_id: whoever typed the passwords is unknown, and the login may not exist.
            record_event(
                session,
                review.SIGN_IN_LOCKED,
                login=attempt.login,
                client_address=attempt.client_address,
                limits=list(throttle.completes),
                window_s=settings.web.sign_in_window_s,
            )
        session.commit()
        return _login_page(
            request, next, "Неверный логин или пароль.", login, status_code=status.HTTP_401_UNAUTHORIZED
        )
    accounts.record_successful_sign_in(session, login, attempt.client_address)
    ttl = dt.timedelta(hours=settings.web.session_ttl_hours)
    opened = accounts.open_session(session, user, ttl)
    record_event(session, review.SIGN_IN, user_id=user.id)
    session.commit()
    response = redirect(safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.web.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: UserDep, session: SessionDep) -> Response:
    accounts.end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    record_event(session, review.SIGN_OUT, user_id=user.id)
    session.commit()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: UserDep) -> Response:
    return redirect("/dossiers")


# --------------------------------------------------------------------------- dossier list


@router.get("/dossiers", response_class=HTMLResponse)
def dossier_list(
    request: Request,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    q: str = "",
    decision: str = "",
    errors: str = "",
    date_from: str = "",
    date_to: str = "",
    sort: str = "new",
    page: str = "1",
) -> HTMLResponse:
    # Filter values come from a GET form: a bad one is ignored and said so, never a 422 page.
    problems: list[str] = []
    query = select(ApplicationRow).options(defer(ApplicationRow.result), defer(ApplicationRow.payload))
    status_value = request.query_params.get("status", "")  # "status" would shadow fastapi.status
    if q.strip():
        needle = q.strip()
        query = query.where(
            or_(
                ApplicationRow.applicant_bin == needle,
                ApplicationRow.applicant_name.ilike(f"%{needle}%"),
                ApplicationRow.dossier_id.ilike(f"%{needle}%"),
            )
        )
    if status_value in APPLICATION_STATUS_LABELS:
        query = query.where(ApplicationRow.status == status_value)
    if decision == "pending":
        query = query.where(ApplicationRow.review_decision.is_(None))
    elif decision in (d.value for d in ReviewDecision):
        query = query.where(ApplicationRow.review_decision == decision)
    if errors == "yes":
        query = query.where(ApplicationRow.error_count > 0)
    elif errors == "no":
        query = query.where(ApplicationRow.error_count == 0)
    for raw, label, column_op in (
        (date_from, "с", lambda d: ApplicationRow.application_date >= d),
        (date_to, "по", lambda d: ApplicationRow.application_date <= d),
    ):
        if raw.strip():
            day = as_date(raw.strip())
            if day is None:
                problems.append(f"Дата «{raw}» в поле «{label}» не распознана: фильтр не применён.")
            else:
                query = query.where(column_op(day))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    per_page = settings.web.dossiers_per_page
    pages = max(1, -(-total // per_page))
    page_no = min(max(1, int(page) if page.isdigit() else 1), pages)
    order: tuple[Any, ...]
    if sort == "deadline":  # undecided first, oldest registration (closest deadline) first
        order = (
            ApplicationRow.review_decision.is_not(None),
            ApplicationRow.created_at.asc(),
            ApplicationRow.id,
        )
    else:
        order = (ApplicationRow.created_at.desc(), ApplicationRow.id)
    apps = session.scalars(query.order_by(*order).limit(per_page).offset((page_no - 1) * per_page)).all()
    extras: dict[str, tuple[Any, Any]] = {}
    if apps:
        # Only the findings and the measure's name, not whole results (which carry every reading).
        parts = session.execute(
            select(
                ApplicationRow.id, ApplicationRow.result["findings"], ApplicationRow.payload["measure_name"]
            ).where(ApplicationRow.id.in_([a.id for a in apps]))
        ).all()
        extras = {row[0]: (row[1], row[2]) for row in parts}
    filters = {
        "q": q,
        "status": status_value,
        "decision": decision,
        "errors": errors,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort,
    }
    return render(
        request,
        "dossiers.html",
        {
            "user": user,
            "rows": dossier_list_rows(apps, extras, settings),
            "total": total,
            "page": page_no,
            "pages": pages,
            "filters": filters,
            "query_without_page": "&".join(f"{k}={quote(str(v))}" for k, v in filters.items() if v),
            "problems": problems,
            "status_labels": APPLICATION_STATUS_LABELS,
            "decision_labels": {k: v for k, v in DECISION_LABELS.items() if k},
            "working_days": settings.web.review_working_days,
        },
    )


# --------------------------------------------------------------------------- dossier page


def _application(session: Session, application_id: str) -> ApplicationRow:
    app = session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.id == application_id)
        .options(selectinload(ApplicationRow.documents))
    ).one_or_none()
    return _found(app)


def _found(app: ApplicationRow | None) -> ApplicationRow:
    if app is None:
        raise WebError(status.HTTP_404_NOT_FOUND, "Такого досье нет.", title="Досье не найдено")
    return app


def _locked_application(session: Session, application_id: str) -> ApplicationRow:
    return _found(review.lock_application(session, application_id))


def dossier_context(
    session: Session,
    app: ApplicationRow,
    user: WebUser,
    settings: Settings,
    notice: str | None = None,
    error: str | None = None,
    error_target: str | None = None,
) -> dict[str, Any]:
    result = DossierResult.model_validate(app.result) if app.result else None
    doc_ids = doc_ids_of(app)
    verdicts = review.finding_verdicts(session, app.id)
    events = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.application_id == app.id)
        .order_by(AuditEventRow.at.desc())
        .limit(settings.web.audit_entries_shown)
    ).all()
    conditions = eligibility.eligibility_states(session, app)
    people = people_names(
        session, [*(v.user_id for v in verdicts.values()), app.reviewed_by, *(c.decided_by_user for c in conditions)]
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
        "status_label": APPLICATION_STATUS_LABELS.get(app.status, app.status),
        "decision_label": DECISION_LABELS.get(app.review_decision, app.review_decision),
        "reviewed_by": people.get(app.reviewed_by or "", ""),
        "reviewed_at": local_time(app.reviewed_at, settings) if app.reviewed_at else "",
        "clock": clock_view(app, settings),
        "checklist": checklist_rows(result, doc_ids) if result else [],
        "eligibility": eligibility_views(conditions, people, settings),
        "eligibility_open": sum(1 for c in conditions if c.verdict is None),
        "manual_checks": default_rules().nearest(app.application_date)[0].eligibility.manual_checks,
        "groups": group_findings(findings),
        "counts": {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")},
        "open_errors": open_errors,
        "documents": document_rows(app),
        "computation": computation,
        "computation_failed": computation_failed,
        "audit": audit_views(session, list(events), settings),
        "notice": notice,
        "error": error,
        "error_target": error_target,
        "may_review": user.may("review"),
    }


@router.get("/dossiers/{application_id}", response_class=HTMLResponse)
def dossier_page(
    request: Request,
    application_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    event: str = "",
) -> HTMLResponse:
    app = _application(session, application_id)
    notice = None
    if event:
        row = session.get(AuditEventRow, event)
        if row is not None and row.application_id == app.id:
            notice = correction_notice(row) or "Сохранено."
    return render(request, "dossier.html", dossier_context(session, app, user, settings, notice))


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
    app = _application(session, app_id)
    context = dossier_context(session, app, user, settings, error=message, error_target=target)
    return render(request, "dossier.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)


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
    app = _locked_application(session, application_id)
    choice = {"complete": ReviewDecision.COMPLETE, "incomplete": ReviewDecision.INCOMPLETE, "reset": None}
    if decision not in choice:
        raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Неизвестное решение «{decision}».")
    try:
        event = review.decide_dossier(session, app, user.id, choice[decision], comment)
    except review.ReviewError as exc:
        return _dossier_refusal(request, session, application_id, user, settings, str(exc), "decision")
    session.commit()
    return redirect(f"/dossiers/{application_id}?event={event.id}#decision")


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
    app = _locked_application(session, application_id)
    choice = {"confirmed": EligibilityVerdict.CONFIRMED, "refused": EligibilityVerdict.REFUSED, "reopen": None}
    if verdict not in choice:
        raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Неизвестное решение «{verdict}».")
    try:
        event = eligibility.decide_eligibility(session, app, key, choice[verdict], comment, user_id=user.id)
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
    app = _locked_application(session, application_id)
    choice = {"accepted": FindingVerdict.ACCEPTED, "dismissed": FindingVerdict.DISMISSED, "reopen": None}
    if verdict not in choice:
        raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Неизвестное решение «{verdict}».")
    try:
        event = review.decide_finding(session, app, user.id, key, choice[verdict], comment)
    except review.ReviewError as exc:
        return _dossier_refusal(request, session, application_id, user, settings, str(exc), f"finding-{key}")
    session.commit()
    return redirect(f"/dossiers/{application_id}?event={event.id}#finding-{key}")


@router.get("/dossiers/{application_id}/report.pdf")
def dossier_report(
    application_id: str, user: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    from api.web.report_pdf import dossier_report_pdf

    app = _application(session, application_id)
    context = dossier_context(session, app, user, settings)
    with heavy_work(settings):
        pdf = dossier_report_pdf(context, printed_by=user.display_name, settings=settings)
    name = f"dossier_{app.dossier_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------- document page


def _document(session: Session, document_id: str) -> DocumentRow:
    doc = session.get(DocumentRow, document_id)
    if doc is None:
        raise WebError(status.HTTP_404_NOT_FOUND, "Такого документа нет.", title="Документ не найден")
    return doc


def document_context(
    session: Session,
    doc: DocumentRow,
    user: WebUser,
    settings: Settings,
    selected: str = "",
    error: str | None = None,
    typed: str = "",
) -> dict[str, Any]:
    app = doc.application
    findings = current_findings(app)
    doc_ids = doc_ids_of(app)
    related = [
        f for f in findings if f.file == doc.file_name or any(e.file == doc.file_name for e in f.evidence)
    ]
    views = finding_views(related, doc_ids, review.finding_verdicts(session, app.id), {}, settings)
    shown_type, _ = corrected_type_and_language(doc)
    return {
        "user": user,
        "app": app,
        "doc": doc,
        "doc_type": doc_type_label(shown_type) if shown_type else "тип не определён",
        "status_label": DOCUMENT_STATUS_LABELS.get(doc.status, doc.status),
        "view": document_view(doc, findings, settings),
        "findings": views,
        "translation": translation_info(doc, app, findings),
        "selected": selected,
        "selected_row_id": row_id(selected) if selected else "",
        "error": error,
        "typed": typed,
        "may_review": user.may("review"),
        "doc_types": [(t.value, doc_type_label(t.value)) for t in DocType if t != DocType.UNKNOWN],
        "languages": list(LANGUAGE_LABELS.items()),
    }


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    document_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    field: str = "",
) -> HTMLResponse:
    doc = _document(session, document_id)
    return render(request, "document.html", document_context(session, doc, user, settings, selected=field))


@router.get("/documents/{document_id}/pages/{page_no}.png")
def page_image(
    document_id: str, page_no: int, user: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    doc = _document(session, document_id)
    try:
        # Scanned pages are shown in the frame their OCR boxes are in (turned and straightened).
        page = page_images.page_image(session, doc, page_no, settings, ocr_frame=True)
    except NoPageImage as exc:
        raise WebError(status.HTTP_404_NOT_FOUND, "У этой страницы нет изображения.") from exc
    return Response(page.png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/documents/{document_id}/file")
def document_file(document_id: str, user: UserDep, session: SessionDep) -> Response:
    from api.routes.documents import _MEDIA_TYPES

    doc = _document(session, document_id)
    return Response(
        load_bytes(session, doc.sha256),
        media_type=_MEDIA_TYPES.get(doc.kind, "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.file_name, safe='')}"},
    )


@router.post("/documents/{document_id}/corrections")
def correct_document(
    request: Request,
    document_id: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    path: str = Form(""),
    value: str = Form(""),
    comment: str = Form(""),
    action: str = Form("save"),
) -> Response:
    doc = _document(session, document_id)
    app = _locked_application(session, doc.application_id)
    try:
        if action == "withdraw":
            outcome = review.withdraw_correction(session, app, doc, user.id, path, comment)
        else:
            outcome = review.correct_value(
                session, app, doc, user.id, path, parse_value(path, value), comment
            )
    except (FieldValueError, review.ReviewError) as exc:
        session.rollback()
        doc = _document(session, document_id)
        message = f"{field_label(path)}: {exc}"
        context = document_context(session, doc, user, settings, selected=path, error=message, typed=value)
        return render(request, "document.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    session.commit()
    enqueue_webhooks_after_commit(outcome.deliveries, settings, connections.redis_connection(settings))
    return redirect(f"/dossiers/{app.id}?event={outcome.event.id}#findings")
