"""Sign-in and sign-out: ``/login`` (before a session: its own CSRF token, double-submit) and ``/logout``."""

from __future__ import annotations

import datetime as dt
import secrets

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, SettingsDep
from api.web import review
from api.web.i18n import LANG_COOKIE, gettext, normalise
from api.web.pages.language import remember_language
from api.web.rendering import page_router, redirect, render
from api.web.security import OptionalUserDep, UserDep, verify_login_csrf
from api.web.session_cookie import LOGIN_CSRF_COOKIE, SESSION_COOKIE, safe_next
from casework import user_accounts as accounts
from casework.audit import record_event
from foundation.settings import Settings

_LOGIN_CSRF_MAX_AGE_S = 3600

public_router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_login_csrf)])
router = page_router()


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
            gettext("Слишком много неудачных попыток входа. Повторите через {minutes} мин.").format(
                minutes=throttle.retry_after_min
            ),
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
            request, next, gettext("Неверный логин или пароль."), login, status_code=status.HTTP_401_UNAUTHORIZED
        )
    accounts.record_successful_sign_in(session, login, attempt.client_address)
    # The account's language wins; a first choice made on the sign-in page becomes the account's.
    chosen = user.language or normalise(request.cookies.get(LANG_COOKIE))
    if chosen and not user.language:
        accounts.set_language(session, user.id, chosen)
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
    if chosen:
        remember_language(response, request, chosen)
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
