"""The audit page (``/audit``, administrators): every audit row — changes and reads — filtered by
person, dossier and kind, newest first, in pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import or_, select

from api.deps import SessionDep, SettingsDep
from api.web.i18n import gettext
from api.web.page_models.audit import audit_views
from api.web.pages.paging import paging
from api.web.reads import READ_ACTIONS
from api.web.rendering import page_router, render
from api.web.security import AuditorDep
from foundation.gettext_marks import N_
from models.db import ApplicationRow, AuditEventRow, UserRow

router = page_router()

AUDIT_KINDS = {"": N_("любые"), "reads": N_("только просмотры"), "changes": N_("только изменения")}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: AuditorDep,
    session: SessionDep,
    settings: SettingsDep,
    person: str = "",
    dossier: str = "",
    kind: str = "",
    page: str = "1",
) -> HTMLResponse:
    query = select(AuditEventRow)
    if person:
        query = query.where(AuditEventRow.user_id == person)
    dossier = dossier.strip()
    if dossier:
        # An application id, a dossier id, a BIN or part of the applicant's name.
        matching = select(ApplicationRow.id).where(
            or_(
                ApplicationRow.id == dossier,
                ApplicationRow.dossier_id == dossier,
                ApplicationRow.applicant_bin == dossier,
                ApplicationRow.applicant_name.ilike(f"%{dossier}%"),
            )
        )
        query = query.where(AuditEventRow.application_id.in_(matching))
    if kind == "reads":
        query = query.where(AuditEventRow.action.in_(READ_ACTIONS))
    elif kind == "changes":
        query = query.where(AuditEventRow.action.not_in(READ_ACTIONS))
    filters = {"person": person, "dossier": dossier, "kind": kind}
    listed = paging(session, query, page, settings.web.audit_entries_shown, "/audit", filters)
    events = list(
        session.scalars(
            query.order_by(AuditEventRow.at.desc(), AuditEventRow.id).limit(listed.per_page).offset(listed.offset)
        )
    )
    applications = {
        row.id: row
        for row in session.execute(
            select(ApplicationRow.id, ApplicationRow.dossier_id, ApplicationRow.applicant_name).where(
                ApplicationRow.id.in_({e.application_id for e in events if e.application_id})
            )
        )
    }
    people = session.execute(select(UserRow.id, UserRow.display_name, UserRow.login).order_by(UserRow.login)).all()
    rows: list[dict[str, Any]] = []
    for event, view in zip(events, audit_views(session, events, settings), strict=True):
        app = applications.get(event.application_id or "")
        rows.append(
            {
                "view": view,
                "application_id": event.application_id if app is not None else None,
                "dossier": f"{app.applicant_name} ({app.dossier_id})" if app is not None else "",
            }
        )
    return render(
        request,
        "audit.html",
        {
            "user": user,
            "rows": rows,
            "paging": listed,
            "filters": filters,
            "people": [(p.id, p.display_name or p.login) for p in people],
            "kinds": {value: gettext(label) for value, label in AUDIT_KINDS.items()},
        },
    )
