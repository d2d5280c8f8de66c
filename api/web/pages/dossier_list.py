"""The dossier list (``/dossiers``): search, filters, sorting by deadline, pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import defer

from api.deps import SessionDep, SettingsDep
from api.web.i18n import gettext
from api.web.page_models.audit import people_names
from api.web.page_models.dossier_list import dossier_list_rows
from api.web.page_models.labels import APPLICATION_STATUS_LABELS, DECISION_LABELS
from api.web.pages.paging import paging
from api.web.rendering import page_router, render
from api.web.security import UserDep
from models.db import ApplicationRow, FindingDecisionRow, FindingVerdict, ReviewDecision
from validators.values import as_date

router = page_router()


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
    assigned: str = "",
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
    if assigned == "mine":  # «Мои досье»
        query = query.where(ApplicationRow.assigned_to == user.id)
    elif assigned == "free":
        query = query.where(ApplicationRow.assigned_to.is_(None))
    if errors == "yes":
        query = query.where(ApplicationRow.open_error_count > 0)
    elif errors == "no":
        query = query.where(ApplicationRow.open_error_count == 0)
    for raw, label, column_op in (
        (date_from, gettext("с"), lambda d: ApplicationRow.application_date >= d),
        (date_to, gettext("по"), lambda d: ApplicationRow.application_date <= d),
    ):
        if raw.strip():
            day = as_date(raw.strip())
            if day is None:
                problems.append(
                    gettext("Дата «{raw}» в поле «{label}» не распознана: фильтр не применён.").format(raw=raw, label=label)
                )
            else:
                query = query.where(column_op(day))
    filters = {
        "q": q,
        "status": status_value,
        "decision": decision,
        "errors": errors,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort,
        "assigned": assigned,
    }
    order: tuple[Any, ...]
    if sort == "deadline":  # undecided first, oldest registration (closest deadline) first
        order = (
            ApplicationRow.review_decision.is_not(None),
            ApplicationRow.created_at.asc(),
            ApplicationRow.id,
        )
    else:
        order = (ApplicationRow.created_at.desc(), ApplicationRow.id)
    listed = paging(session, query, page, settings.web.dossiers_per_page, "/dossiers", filters)
    apps = session.scalars(query.order_by(*order).limit(listed.per_page).offset(listed.offset)).all()
    extras: dict[str, tuple[Any, Any]] = {}
    dismissed: dict[str, set[str]] = {}
    if apps:
        # Only the findings and the measure's name, not whole results (which carry every reading).
        parts = session.execute(
            select(
                ApplicationRow.id, ApplicationRow.result["findings"], ApplicationRow.payload["measure_name"]
            ).where(ApplicationRow.id.in_([a.id for a in apps]))
        ).all()
        extras = {row[0]: (row[1], row[2]) for row in parts}
        for application_id, key in session.execute(
            select(FindingDecisionRow.application_id, FindingDecisionRow.finding_key).where(
                FindingDecisionRow.application_id.in_([a.id for a in apps]),
                FindingDecisionRow.verdict == FindingVerdict.DISMISSED.value,
            )
        ):
            dismissed.setdefault(application_id, set()).add(key)
    return render(
        request,
        "dossiers.html",
        {
            "user": user,
            "rows": dossier_list_rows(
                apps, extras, settings, dismissed, people_names(session, (a.assigned_to for a in apps)), user.id
            ),
            "paging": listed,
            "filters": filters,
            "problems": problems,
            "status_labels": APPLICATION_STATUS_LABELS,
            "decision_labels": {k: v for k, v in DECISION_LABELS.items() if k},
            "working_days": settings.web.review_working_days,
        },
    )
