"""Who works on which dossier: a reviewer takes a dossier into work («Взять в работу») or gives it
back; an administrator assigns it to any reviewer (or to nobody). Each change is audited with the
assignee before and after.

The caller locks the application row first (``review.lock_application``) and commits afterwards.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web import review
from api.web.i18n import gettext
from api.web.permissions import WebAction, user_may
from api.web.security import WebUser
from casework.audit import record_event
from models.db import ApplicationRow, AuditEventRow, UserRole, UserRow, utc_now

ASSIGN = "application.assign"


def assignable_people(session: Session) -> list[UserRow]:
    """Active users who may review (the people a dossier can be assigned to), by name."""
    reviewing = [role.value for role in UserRole if user_may(role, WebAction.REVIEW)]
    rows = session.scalars(
        select(UserRow).where(UserRow.role.in_(reviewing), UserRow.disabled_at.is_(None)).order_by(UserRow.login)
    )
    return list(rows)


def take_into_work(session: Session, app: ApplicationRow, user: WebUser) -> AuditEventRow:
    """«Взять в работу»: the dossier becomes the user's. Taking one from a colleague is for administrators."""
    if app.assigned_to == user.id:
        raise review.ReviewError(gettext("Досье уже у вас в работе."))
    if app.assigned_to is not None and not user.may(WebAction.ASSIGN):
        holder = session.get(UserRow, app.assigned_to)
        name = (holder.display_name or holder.login) if holder is not None else gettext("другого проверяющего")
        raise review.ReviewError(
            gettext("Досье уже в работе у {name}. Передать его другому проверяющему может администратор.").format(name=name)
        )
    return _assign(session, app, user.id, user.id, "")


def give_back(session: Session, app: ApplicationRow, user: WebUser, comment: str = "") -> AuditEventRow:
    """The reviewer gives their dossier back to the common list (an administrator may do it for anyone)."""
    if app.assigned_to is None:
        raise review.ReviewError(gettext("Досье ни за кем не закреплено."))
    if app.assigned_to != user.id and not user.may(WebAction.ASSIGN):
        raise review.ReviewError(gettext("Вернуть в общий список можно только своё досье."))
    return _assign(session, app, None, user.id, comment)


def assign_to(
    session: Session, app: ApplicationRow, admin: WebUser, assignee_id: str | None, comment: str = ""
) -> AuditEventRow:
    """An administrator assigns the dossier to ``assignee_id`` (None: to nobody)."""
    if assignee_id is not None and assignee_id not in {p.id for p in assignable_people(session)}:
        raise review.ReviewError(gettext("Назначить досье можно только действующему проверяющему."))
    if assignee_id == app.assigned_to:
        raise review.ReviewError(gettext("Досье уже назначено этому проверяющему."))
    return _assign(session, app, assignee_id, admin.id, comment)


def _assign(
    session: Session, app: ApplicationRow, assignee_id: str | None, actor_id: str, comment: str
) -> AuditEventRow:
    before = app.assigned_to
    app.assigned_to = assignee_id
    app.assigned_at = utc_now() if assignee_id is not None else None
    return record_event(
        session, ASSIGN, app.id, user_id=actor_id, before=before, after=assignee_id, comment=comment.strip()
    )
