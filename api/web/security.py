"""Sign-in, permissions and CSRF for the workspace, as FastAPI dependencies.

* Every page needs a signed-in user (session cookie); without one the browser is sent to ``/login``.
* Every POST carries the session's CSRF token in a hidden ``csrf_token`` field; the router checks it
  before the handler runs, so no form can forget it. The sign-in form, which has no session yet,
  is protected by a double-submit token (a cookie and the same value in the form).
* Writing needs the reviewer (or admin) role; other roles get 403 with the reason in Russian.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, status

from api.deps import SessionDep
from api.web.i18n import gettext, use_language
from api.web.permissions import ACTION_LABELS_RU, ROLE_LABELS_RU, WebAction, user_may
from api.web.session_cookie import LOGIN_CSRF_COOKIE, SESSION_COOKIE, safe_next
from casework.user_accounts import resolve_session
from foundation.gettext_marks import N_
from models.db import UserRole

CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSRF_MESSAGE = N_(
    "Форма отклонена: в ней нет действующего проверочного кода (CSRF). Обновите страницу и повторите "
    "действие. Если вы не отправляли эту форму, закройте страницу: запрос мог прийти с чужого сайта."
)


class WebError(Exception):
    """A refusal shown as a page: status code and a Russian message."""

    def __init__(self, status_code: int, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.title = title if title is not None else gettext("Действие невозможно")


class LoginRequired(Exception):
    """No live session: the browser goes to the sign-in page and comes back to ``next_url``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class WebUser:
    id: str
    login: str
    display_name: str
    role: UserRole
    csrf_token: str
    language: str | None = None  # the interface language the user chose (api.web.i18n)

    def may(self, action: WebAction | str) -> bool:
        return user_may(self.role, WebAction(action))

    @property
    def role_label(self) -> str:
        return gettext(ROLE_LABELS_RU[self.role]) if self.role in ROLE_LABELS_RU else self.role.value


def optional_user(request: Request, session: SessionDep) -> WebUser | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    row = resolve_session(session, token) if token else None
    if row is None:
        return None
    user = row.user
    web_user = WebUser(
        id=user.id,
        login=user.login,
        display_name=user.display_name or user.login,
        role=UserRole(user.role),
        csrf_token=row.csrf_token,
        language=user.language,
    )
    use_language(user.language)  # the stored choice wins over this browser's cookie
    request.state.web_user = web_user  # for the error page's header
    return web_user


OptionalUserDep = Annotated[WebUser | None, Depends(optional_user)]


def current_user(request: Request, user: OptionalUserDep) -> WebUser:
    if user is None:
        raise LoginRequired(_back_to(request))
    return user


UserDep = Annotated[WebUser, Depends(current_user)]


def require(action: WebAction) -> Callable[[WebUser], WebUser]:
    def check(user: UserDep) -> WebUser:
        if not user.may(action):
            raise WebError(
                status.HTTP_403_FORBIDDEN,
                gettext("Пользователю с ролью «{role}» не разрешено {action}.").format(
                    role=user.role_label, action=gettext(ACTION_LABELS_RU[action])
                ),
                title=gettext("Нет прав"),
            )
        return user

    return check


ReviewerDep = Annotated[WebUser, Depends(require(WebAction.REVIEW))]
AssignerDep = Annotated[WebUser, Depends(require(WebAction.ASSIGN))]
AuditorDep = Annotated[WebUser, Depends(require(WebAction.AUDIT))]


async def verify_session_csrf(request: Request, user: OptionalUserDep) -> None:
    """Router dependency: a POST must carry the CSRF token of the session that sends it."""
    if request.method in _SAFE_METHODS:
        return
    if user is None:
        raise LoginRequired(_back_to(request, referer=True))
    form = await request.form()
    _compare(form.get(CSRF_FIELD), user.csrf_token)


async def verify_login_csrf(request: Request) -> None:
    """Router dependency of the sign-in form: the form's token must equal the cookie set with it."""
    if request.method in _SAFE_METHODS:
        return
    form = await request.form()
    _compare(form.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE))


def _compare(sent: object, expected: str | None) -> None:
    if not isinstance(sent, str) or not sent or not expected or not hmac.compare_digest(sent, expected):
        raise WebError(status.HTTP_403_FORBIDDEN, gettext(CSRF_MESSAGE), title=gettext("Форма отклонена"))


def _back_to(request: Request, referer: bool = False) -> str:
    if referer:  # after a POST the page to come back to is the one that sent it
        source = request.headers.get("referer", "")
        base = str(request.base_url)
        return safe_next(source[len(base) - 1 :] if source.startswith(base) else None)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"
