"""Who may do what in the reviewers' workspace: pure rules over a user's role.

| action                                                    | observer | reviewer | admin |
|-----------------------------------------------------------|----------|----------|-------|
| read dossiers, documents, pages, the report               | yes      | yes      | yes   |
| correct values, accept / dismiss findings, decide dossier | —        | yes      | yes   |
| take a dossier into one's own work                        | —        | yes      | yes   |
| assign a dossier to another reviewer                      | —        | —        | yes   |
| read the audit log of every person and dossier (/audit)   | —        | —        | yes   |
"""

from __future__ import annotations

from enum import StrEnum

from foundation.gettext_marks import N_
from models.db import UserRole


class WebAction(StrEnum):
    READ = "read"
    REVIEW = "review"
    ASSIGN = "assign"
    AUDIT = "audit"


ALLOWED: dict[UserRole, frozenset[WebAction]] = {
    UserRole.OBSERVER: frozenset({WebAction.READ}),
    UserRole.REVIEWER: frozenset({WebAction.READ, WebAction.REVIEW}),
    UserRole.ADMIN: frozenset(WebAction),
}

ACTION_LABELS_RU: dict[WebAction, str] = {
    WebAction.READ: N_("просматривать досье"),
    WebAction.REVIEW: N_("исправлять значения и принимать решения по досье"),
    WebAction.ASSIGN: N_("назначать досье другим проверяющим"),
    WebAction.AUDIT: N_("просматривать журнал действий всех пользователей"),
}

ROLE_LABELS_RU: dict[UserRole, str] = {
    UserRole.OBSERVER: N_("наблюдатель"),
    UserRole.REVIEWER: N_("проверяющий"),
    UserRole.ADMIN: N_("администратор"),
}


def user_may(role: UserRole | str, action: WebAction) -> bool:
    try:
        return action in ALLOWED[UserRole(role)]
    except ValueError:
        return False  # a role this version does not know may do nothing
