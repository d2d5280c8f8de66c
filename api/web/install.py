"""Mounting the workspace on the API's FastAPI app: every page's router, in one place, and the pages
answering a missing sign-in or a refusal."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web.i18n import LanguageMiddleware
from api.web.pages import (
    audit_log,
    document,
    dossier,
    dossier_list,
    language,
    letter,
    live_status,
    report,
    search,
    sign_in,
)
from api.web.rendering import render
from api.web.security import LoginRequired, WebError
from api.web.session_cookie import login_url

STATIC_DIR = Path(__file__).resolve().parent / "static"


def install_web(app: FastAPI) -> None:
    """Mount the pages at ``/`` (``/login``, ``/dossiers``, ``/documents/…``) and ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_middleware(LanguageMiddleware)  # chooses each request's interface language (api.web.i18n)
    app.include_router(sign_in.public_router)
    app.include_router(language.public_router)
    pages = (sign_in, language, dossier_list, live_status, dossier, report, letter, document, audit_log, search)
    for page in pages:
        app.include_router(page.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> HTMLResponse:
        user = getattr(request.state, "web_user", None)
        return render(
            request,
            "error.html",
            {"user": user, "title": exc.title, "message": exc.message, "status_code": exc.status_code},
            exc.status_code,
        )
