"""The Kazakh workspace in a real browser (Debian's Chromium, Playwright; issue 13, item 9): the ҚАЗ
button switches the page, the next pages stay Kazakh, and signing in again in a fresh browser brings
Kazakh back from the account.

Screenshots (``var/screenshots/``): ``kk_list_1366.png``, ``kk_dossier_1366.png``, ``kk_document_1366.png``,
``kk_login_1366.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser_support import (  # noqa: F401 - fixtures
    SCREENSHOTS,
    browser_fixture,
    live_server_fixture,
    pytestmark,
)
from tests.test_web_workspace_browser import _no_sideways_scroll
from tests.web_support import (  # noqa: F401 - fixtures
    MISREAD_FILE,
    PASSWORD,
    Seeded,
    Users,
    seeded_fixture,
    users_fixture,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _sign_in(page: Page, base: str, login: str, field: str, password: str, button: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(field).fill(login)
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"{base}/dossiers")


def test_switching_to_kazakh_keeps_the_workspace_kazakh_across_pages_and_sign_ins(
    live_server: str, browser: Browser, seeded: Seeded, users: Users
) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _sign_in(page, live_server, users.reviewer, "Логин", "Пароль", "Войти")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Досье на проверке")

    page.get_by_role("button", name="ҚАЗ").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page).to_have_url(f"{live_server}/dossiers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Тексерудегі досье")
    expect(page.get_by_role("button", name="ҚАЗ")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("table.dossiers thead")).to_contain_text("Өтініш беруші")
    _no_sideways_scroll(page)  # Kazakh words are longer: nothing runs out of the page
    page.screenshot(path=str(SCREENSHOTS / "kk_list_1366.png"), full_page=False)

    page.locator("table.dossiers a.strong").first.click()
    page.wait_for_url(f"{live_server}/dossiers/{seeded.application_id}")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator("#findings h2")).to_have_text("Ескертулер")
    expect(page.locator("#findings [data-code='VAT_MISCALCULATED'] .message")).to_contain_text(
        f"«{MISREAD_FILE}» құжатында ҚҚС"
    )
    _no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "kk_dossier_1366.png"), full_page=False)

    page.goto(f"{live_server}/documents/{seeded.misread_document}?field=amounts.vat")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator(".fields h2").first).to_have_text("Алынған мәндер")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "kk_document_1366.png"), full_page=False)

    page.get_by_role("button", name="Шығу").click()
    page.wait_for_url(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "kk")  # this browser's cookie
    page.screenshot(path=str(SCREENSHOTS / "kk_login_1366.png"), full_page=False)
    assert not errors, errors
    context.close()

    # A fresh browser asking for Russian: the sign-in page is Russian, the account turns it Kazakh.
    fresh = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    other = fresh.new_page()
    other.goto(f"{live_server}/login")
    expect(other.locator("html")).to_have_attribute("lang", "ru")
    _sign_in(other, live_server, users.reviewer, "Логин", "Пароль", "Войти")
    expect(other.locator("html")).to_have_attribute("lang", "kk")
    expect(other.get_by_role("heading", level=1)).to_have_text("Тексерудегі досье")

    # And back: РУС from the top bar, on the page the reader is on.
    other.goto(f"{live_server}/dossiers/{seeded.application_id}")
    other.get_by_role("button", name="РУС").click()
    expect(other.locator("html")).to_have_attribute("lang", "ru")
    expect(other).to_have_url(f"{live_server}/dossiers/{seeded.application_id}")
    expect(other.locator("#findings h2")).to_have_text("Замечания")
    fresh.close()
