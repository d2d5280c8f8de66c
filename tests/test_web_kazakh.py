"""The workspace in Kazakh (issue 13, item 9), at the HTML level with the test client: the ҚАЗ / РУС
switch, the choice kept in the user's account (and so after signing in again, in another browser), the
sign-in page's own switch, ``Accept-Language`` on a first visit, and the printed report in Kazakh.
The same in a real browser, with screenshots: ``test_web_kazakh_browser``."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
from fastapi.testclient import TestClient

from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    MISREAD_FILE,
    PASSWORD,
    Seeded,
    Users,
    csrf_of,
    seeded_fixture,
    sign_in,
    users_fixture,
)

pytestmark = needs_services

_HTML_LANG = re.compile(r'<html lang="(\w+)">')


def _lang(html: str) -> str:
    found = _HTML_LANG.search(html)
    assert found, html[:200]
    return found.group(1)


def _stored_language(env: ServiceEnv, login: str) -> str | None:
    from casework import connections
    from casework.user_accounts import find_user

    with connections.sessions(env.settings)() as session:
        user = find_user(session, login)
        assert user is not None
        return user.language


def _switch(client: Any, csrf: str, lang: str, next_url: str) -> Any:
    answer = client.post(
        "/language", data={"lang": lang, "next": next_url, "csrf_token": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["location"] == next_url
    return answer


def test_the_switch_turns_the_workspace_kazakh_and_the_account_keeps_it(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, users.reviewer)
    listing = client.get("/dossiers")
    assert _lang(listing.text) == "ru" and "Досье на проверке" in listing.text
    assert _stored_language(service_env, users.reviewer) is None

    _switch(client, csrf, "kk", "/dossiers?sort=deadline")
    listing = client.get("/dossiers?sort=deadline")
    assert _lang(listing.text) == "kk"
    for kazakh in ("Тексерудегі досье", "Өтініш беруші", "Қарау мерзімі", "Барлық досье", "тексерілді"):
        assert kazakh in listing.text, kazakh
    assert "Досье на проверке" not in listing.text
    assert _stored_language(service_env, users.reviewer) == "kk"

    # The next page too: the dossier with its findings, the computation and the checklist in Kazakh.
    dossier = client.get(f"/dossiers/{seeded.application_id}").text
    assert _lang(dossier) == "kk"
    for kazakh in ("ҚҚС дұрыс есептелмеген", f"«{MISREAD_FILE}» құжатында ҚҚС", "Өтеуді есептеу", "Толықтығы", "Шешім"):
        assert kazakh in dossier, kazakh
    assert "НДС рассчитан неверно" not in dossier
    assert "320 400,00 теңге" in dossier.replace("\u00a0", " ")  # the currency word in Kazakh spelling
    document = client.get(f"/documents/{seeded.misread_document}").text
    assert _lang(document) == "kk" and "Алынған мәндер" in document and "Құжат бойынша ескертулер" in document

    # Signed out, then signed in again from another browser (no cookies): the account says Kazakh.
    client.post("/logout", data={"csrf_token": csrf})
    with TestClient(client.app, base_url="https://testserver") as other_browser:
        login_page = other_browser.get("/login")
        assert _lang(login_page.text) == "ru"  # nobody is known yet
        sign_in(other_browser, users.reviewer)
        again = other_browser.get("/dossiers")
        assert _lang(again.text) == "kk" and "Тексерудегі досье" in again.text
        assert other_browser.cookies.get("docproc_lang") == "kk"

        # And back to Russian the same way.
        _switch(other_browser, csrf_of(again.text), "ru", "/dossiers")
        assert _lang(other_browser.get("/dossiers").text) == "ru"
    assert _stored_language(service_env, users.reviewer) == "ru"


def test_an_unknown_language_changes_nothing(service_env: ServiceEnv, client: Any, users: Users) -> None:
    csrf = sign_in(client, users.reviewer)
    _switch(client, csrf, "xx", "/dossiers")
    assert _lang(client.get("/dossiers").text) == "ru"
    assert _stored_language(service_env, users.reviewer) is None


def test_the_sign_in_page_switches_by_cookie_and_a_first_choice_becomes_the_accounts(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    page = client.get("/login")
    assert _lang(page.text) == "ru" and 'value="kk"' in page.text
    answer = client.post(
        "/login/language",
        data={"lang": "kk", "next": "/dossiers", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    page = client.get("/login")
    assert _lang(page.text) == "kk" and "Тексерушілер үшін кіру" in page.text and "Кіру" in page.text
    client.post(
        "/login",
        data={"login": users.observer, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/dossiers"},
        follow_redirects=False,
    )
    assert _lang(client.get("/dossiers").text) == "kk"
    assert _stored_language(service_env, users.observer) == "kk"


def test_a_first_visit_follows_the_browsers_language(client: Any) -> None:
    kazakh = client.get("/login", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    assert _lang(kazakh.text) == "kk"
    russian = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,kk;q=0.5"})
    assert _lang(russian.text) == "ru"
    other = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(other.text) == "ru"
    # The API is not the workspace: it answers in Russian whatever the browser asks for.
    api = client.get("/v1/applications", headers={"Accept-Language": "kk", "Cookie": "docproc_lang=kk"})
    assert api.status_code == 401 and "Нужен ключ API" in api.text


def _pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())


def test_the_printed_report_in_kazakh_by_query_and_by_the_users_choice(
    client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, users.reviewer)
    russian = _pdf_text(client.get(f"/dossiers/{seeded.application_id}/report.pdf").content)
    assert "Отчёт о проверке досье" in russian and "НДС рассчитан неверно" in russian

    asked = client.get(f"/dossiers/{seeded.application_id}/report.pdf?lang=kk")
    assert asked.status_code == 200 and asked.headers["content-type"] == "application/pdf"
    kazakh = _pdf_text(asked.content)
    for text in (
        "Шығындарды өтеуге арналған досьені тексеру туралы есеп",
        "Толықтығы",
        "Ескертулер",
        "ҚҚС дұрыс есептелмеген",
        f"«{MISREAD_FILE}» құжатында ҚҚС",
        "Өтеуді және қарсы міндеттемені есептеу",
        "Қарсы міндеттеме N + 2Q",
        "Әрекеттер журналы",
    ):
        assert text in kazakh, text
    assert "Отчёт о проверке досье" not in kazakh and "НДС рассчитан неверно" not in kazakh
    # ?lang= is for this print only: the page stays in the reader's language.
    assert _lang(client.get("/dossiers").text) == "ru"

    _switch(client, csrf, "kk", "/dossiers")
    chosen = _pdf_text(client.get(f"/dossiers/{seeded.application_id}/report.pdf").content)
    assert "Шығындарды өтеуге арналған досьені тексеру туралы есеп" in chosen
    russian_again = _pdf_text(client.get(f"/dossiers/{seeded.application_id}/report.pdf?lang=ru").content)
    assert "Отчёт о проверке досье" in russian_again
