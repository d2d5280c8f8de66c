"""How every workspace page is answered: the templates, the security headers, redirects after a form,
and the router a signed-in page is declared on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.web.i18n import LANGUAGE_SWITCH, current_lang, gettext, ngettext
from api.web.page_models.formatting import amount, count_words, money
from api.web.security import CSRF_FIELD, verify_session_csrf
from validators.labels import MANUAL_CHECKS_LEFT, NO_FINDINGS

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
# {% trans %} and _() look the text up in the request's language (api.web.i18n.current_lang).
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(current_lang=current_lang, LANGUAGE_SWITCH=LANGUAGE_SWITCH)
templates.env.filters["money"] = money
templates.env.filters["amount"] = amount  # under a "…, тенге" heading
templates.env.filters["count_words"] = count_words  # {{ n|count_words("поле", "поля", "полей") }}
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals.update(NO_FINDINGS=NO_FINDINGS, MANUAL_CHECKS_LEFT=MANUAL_CHECKS_LEFT)

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


def page_router() -> APIRouter:
    """The router of a page behind sign-in: every POST's CSRF token is checked before its handler runs."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(verify_session_csrf)])


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = status.HTTP_200_OK
) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(_PAGE_HEADERS)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)

