"""Search in a real browser (Debian's Chromium, Playwright): a word typed in the top bar's box, the
results with the words marked, a result's dossier opened, and there the same payment order and invoice
found in another application, with a link to it — at 1366 and 900 px.

Screenshots (``var/screenshots/``): ``search_1366.png``, ``search_900.png``, ``search_dossier_1366.png``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser_support import (  # noqa: F401 - fixtures
    SCREENSHOTS,
    browser_fixture,
    live_server_fixture,
    pytestmark,
)
from tests.test_service_support import ServiceEnv
from tests.test_web_search import add_second_application
from tests.test_web_workspace_browser import _no_sideways_scroll, _signed_in
from tests.web_support import Seeded, Users, seeded_fixture, users_fixture  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.mark.parametrize("width", [1366, 900])
def test_search_from_the_top_bar_leads_to_the_dossier_and_the_other_application(
    live_server: str, browser: Browser, service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users, width: int
) -> None:
    from playwright.sync_api import expect

    second = add_second_application(service_env, client)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, errors = _signed_in(browser, live_server, users.reviewer, width)

    box = page.get_by_role("searchbox", name="Поиск по документам")
    expect(box).to_be_visible()
    box.fill("платежного поручения 1284")
    box.press("Enter")
    page.wait_for_url(f"{live_server}/search?q=*")
    results = page.locator("#search-results li")
    expect(results).to_have_count(2)
    expect(page.locator("#search-results mark").first).to_be_visible()
    expect(box).to_have_value("платежного поручения 1284")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / f"search_{width}.png"), full_page=True)

    results.filter(has=page.locator(f"a[href='/dossiers/{seeded.application_id}']")).get_by_role(
        "link", name="web_dossier_1"
    ).click()
    page.wait_for_url(f"{live_server}/dossiers/{seeded.application_id}")
    section = page.locator("#same-documents")
    expect(section).to_be_visible()
    expect(section.get_by_role("heading")).to_have_text("Этот же документ в других заявках")
    expect(section.locator("li")).to_have_count(2)  # the payment order and the invoice
    expect(section).to_contain_text("№ 1284 от 10.01.2023")
    _no_sideways_scroll(page)
    if width == 1366:
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "search_dossier_1366.png"))

    section.get_by_role("link", name="web_dossier_2").first.click()
    page.wait_for_url(f"{live_server}/dossiers/{second}")
    expect(page.locator("#same-documents")).to_contain_text("web_dossier_1")
    assert errors == [], errors
