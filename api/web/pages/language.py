"""The interface language switch (ҚАЗ / РУС): ``/language`` for a signed-in user, who keeps the choice in
their account, and ``/login/language`` on the sign-in page, where only the browser's cookie keeps it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.web.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE_S, normalise
from api.web.rendering import page_router, redirect
from api.web.security import UserDep, verify_login_csrf
from api.web.session_cookie import login_url, safe_next
from casework import user_accounts as accounts

router = page_router()
public_router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_login_csrf)])


def remember_language(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.web.cookie_secure,
        path="/",
    )


@router.post("/language")
def choose_language(
    request: Request, user: UserDep, session: SessionDep, lang: str = Form(""), next: str = Form("/dossiers")
) -> Response:
    response = redirect(safe_next(next))
    code = normalise(lang)
    if code is not None:
        accounts.set_language(session, user.id, code)
        session.commit()
        remember_language(response, request, code)
    return response


@public_router.post("/login/language")
def choose_language_signed_out(request: Request, lang: str = Form(""), next: str = Form("/dossiers")) -> Response:
    response = redirect(login_url(next))
    code = normalise(lang)
    if code is not None:
        remember_language(response, request, code)
    return response
