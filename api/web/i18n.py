"""The workspace's two interface languages, Russian and Kazakh: gettext catalogues and the reader's choice.

Message ids are the Russian texts, so the ``ru`` catalogue is the identity and ``kk`` carries the
translations (``api/web/locale/<lang>/LC_MESSAGES/messages.po``; how to add a string: README, «Interface
languages»). ``scripts/setup.sh`` compiles the ``.mo`` files with ``pybabel compile``; a checkout where
they are missing or older than the ``.po`` compiles the ``.po`` in memory here, so a forgotten compile
never shows Russian to a Kazakh reader.

The language of a request (``current_lang``) is chosen once, before any page code runs
(``LanguageMiddleware``): the ``docproc_lang`` cookie, else the browser's ``Accept-Language``, else
Russian. A signed-in user's stored choice overrides it (``api.web.security.optional_user`` calls
``use_language``): the cookie only remembers the choice on pages without a user, such as sign-in.
"""

from __future__ import annotations

import gettext as _gettext
import io
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.types import ASGIApp, Receive, Scope, Send

from validators.finding_texts import doc_type_name

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("ru", "kk")
DEFAULT_LANG = "ru"
LANG_COOKIE = "docproc_lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600
# The switch's own names: each language in itself, so that a reader finds theirs whatever is shown.
LANGUAGE_SWITCH = (("kk", "ҚАЗ", "Қазақша"), ("ru", "РУС", "Русский"))


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def normalise(lang: str | None) -> str | None:
    """A supported language code from a cookie, a form or a query, or None."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header, by its q weights."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = normalise(tag)
        if code is not None and quality > 0:
            weighted.append((-quality, position, code))
    return min(weighted)[2] if weighted else DEFAULT_LANG


@dataclass
class _Choice:
    # Mutable on purpose: FastAPI runs each dependency and the endpoint in its own copy of the request's
    # context, so a dependency cannot set the variable for the endpoint, but it can change this object.
    lang: str = DEFAULT_LANG


_CHOICE: ContextVar[_Choice | None] = ContextVar("docproc_web_lang", default=None)


def current_lang() -> str:
    choice = _CHOICE.get()
    return choice.lang if choice is not None else DEFAULT_LANG


def use_language(lang: str | None) -> None:
    """Switch the current request to ``lang`` (a signed-in user's stored choice)."""
    code = normalise(lang)
    choice = _CHOICE.get()
    if code is None:
        return
    if choice is None:
        _CHOICE.set(_Choice(code))
    else:
        choice.lang = code


def gettext(message: str) -> str:
    if not message:  # gettext("") is the catalogue's header, never a text to show
        return message
    return translations(current_lang()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural forms by the catalogue's rule: Russian has three, Kazakh one (no agreement after numerals)."""
    return translations(current_lang()).ngettext(singular, plural, n)


_ = gettext


class LanguageMiddleware:
    """Chooses the request's language before the app runs (cookie, then ``Accept-Language``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        lang = _cookie_lang(headers.get("cookie", "")) or from_accept_language(headers.get("accept-language"))
        token = _CHOICE.set(_Choice(lang))
        try:
            await self.app(scope, receive, send)
        finally:
            _CHOICE.reset(token)


def _cookie_lang(cookie_header: str) -> str | None:
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANG_COOKIE:
            return normalise(value)
    return None


def tenge(text: str) -> str:
    """An amount as ``fmt_money`` writes it («… тенге»), with the currency word of the request's language."""
    return text.removesuffix(" тенге") + " теңге" if current_lang() == "kk" and text.endswith(" тенге") else text


def doc_type_title(doc_type: str | None) -> str:
    """A document type's name in the request's language, capitalised as a title ("Платежное поручение")."""
    name = doc_type_name(doc_type, current_lang())
    return name[:1].upper() + name[1:]
