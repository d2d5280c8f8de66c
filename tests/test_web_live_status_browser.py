"""Live status in a real browser (issue 13): when the reading of a dossier ends, the dossier page and
its row in the list are brought up to date in place, not reloaded: a script's state survives, and so
do the text a reviewer is typing, the focus and the scroll position."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.browser_support import browser_fixture, live_server_fixture, pytestmark  # noqa: F401 - fixtures
from tests.test_service_support import ServiceEnv
from tests.web_support import PASSWORD, Seeded, Users, seeded_fixture, users_fixture  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TYPED = "Жду от заявителя оригинал акта"


def _reading_again(env: ServiceEnv, application_id: str) -> dict[str, Any]:
    """The dossier as while its documents are read: no result yet, one document in the reader.
    Returns what ``_reading_done`` puts back."""
    from casework import connections
    from models.db import ApplicationRow

    with connections.sessions(env.settings).begin() as session:
        row = session.get(ApplicationRow, application_id)
        assert row is not None and row.result is not None
        kept = {"result": row.result, "status": row.status, "document": row.documents[0].status}
        row.result, row.status = None, "processing"
        row.documents[0].status = "processing"
        return kept


def _reading_done(env: ServiceEnv, application_id: str, kept: dict[str, Any]) -> None:
    from casework import connections
    from models.db import ApplicationRow

    with connections.sessions(env.settings).begin() as session:
        row = session.get(ApplicationRow, application_id)
        assert row is not None
        row.result, row.status = kept["result"], kept["status"]
        row.documents[0].status = kept["document"]


def _navigations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    return seen


def test_the_dossier_and_the_list_update_in_place_when_the_reading_ends(
    live_server: str, browser: Browser, seeded: Seeded, users: Users, service_env: ServiceEnv
) -> None:
    from playwright.sync_api import expect

    kept = _reading_again(service_env, seeded.application_id)
    context = browser.new_context(viewport={"width": 1366, "height": 700}, locale="ru-RU")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.get_by_label("Логин").fill(users.reviewer)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"{live_server}/dossiers")
    row = page.locator("tr[data-dossier='web_dossier_1']")
    expect(row).to_contain_text("обрабатывается")
    expect(row.locator("td.num").first).to_have_text("—")
    listing = context.new_page()
    listing.goto(f"{live_server}/dossiers")
    listing.evaluate("() => { window.liveMarker = 'list'; }")
    listed_row = listing.locator("tr[data-dossier='web_dossier_1']")

    page.goto(f"{live_server}/dossiers/{seeded.application_id}")
    expect(page.locator("#live-status")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("Проверка ещё не выполнена")
    page.keyboard.press("d")  # the decision's comment, scrolled into view
    comment = page.get_by_label("Комментарий к решению по досье")
    expect(comment).to_be_focused()
    page.keyboard.type(TYPED)
    page.evaluate("() => { window.liveMarker = 'dossier'; }")
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0  # the form is below the fold: the scroll position is worth keeping
    dossier_loads = _navigations(page)
    list_loads = _navigations(listing)

    _reading_done(service_env, seeded.application_id, kept)
    expect(page.locator("#live-status")).to_have_count(0, timeout=15_000)
    expect(page.locator("#findings article.finding").first).to_be_visible()
    expect(page.locator(".dossier-head")).to_contain_text("проверена")
    expect(page.locator("[data-document-status]").first).to_contain_text("прочитан")
    expect(listed_row.locator("td.num").first).not_to_have_text("—", timeout=15_000)
    expect(listed_row).to_contain_text("проверена")

    assert page.evaluate("() => window.liveMarker") == "dossier"  # the same page: not reloaded
    assert listing.evaluate("() => window.liveMarker") == "list"
    assert dossier_loads == [] and list_loads == []
    expect(comment).to_have_value(TYPED)
    expect(comment).to_be_focused()
    assert abs(page.evaluate("() => window.scrollY") - scrolled) <= 1
    page.keyboard.type(", копию приложил")  # typing goes on where it was
    expect(comment).to_have_value(TYPED + ", копию приложил")
    assert errors == [], errors
    context.close()
