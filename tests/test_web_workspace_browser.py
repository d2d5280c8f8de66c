"""The workspace as a verification station (issue 13) in a real browser (Debian's Chromium, Playwright):
readable boxes, zoom and rotation, the field's snippet, the hotkeys overlay, neighbours by key, the
layouts at 1366, 900 and 414 px, and the list refreshing itself when a dossier's reading ends.

Screenshots (``var/screenshots/``): ``list_1366.png``, ``dossier_1366.png``, ``document_field_1366.png``,
``list_900.png``, ``dossier_900.png``, ``document_field_900.png``, ``dossier_414.png``,
``document_zoom_200.png``, ``document_rotated.png``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.browser_support import (  # noqa: F401 - fixtures
    ACTIVE,
    SCREENSHOTS,
    browser_fixture,
    live_server_fixture,
    pytestmark,
)
from tests.test_service_support import ServiceEnv
from tests.test_web_workspace import _set_status, add_processing_dossier
from tests.web_support import PASSWORD, Seeded, Users, seeded_fixture, users_fixture  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _signed_in(browser: Browser, base: str, login: str, width: int, height: int = 768) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/login")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"{base}/dossiers")
    return page, errors


def _rect(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def _images_loaded(page: Page) -> None:
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow} px at {page.viewport_size}: {wide}"


def test_boxes_are_readable_and_the_page_zooms_turns_and_shows_the_fields_place(
    live_server: str, browser: Browser, seeded: Seeded, users: Users
) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, errors = _signed_in(browser, live_server, users.reviewer, 1366)
    page.goto(f"{live_server}/documents/{seeded.misread_document}?field=amounts.vat")
    _images_loaded(page)
    box = page.locator(".box[data-row='f-amounts-vat']")
    expect(box).to_have_class(ACTIVE)

    # A 1 px outline a few px outside the words, a light fill, no halo.
    style = box.evaluate(
        "b => { const s = getComputedStyle(b); return [s.borderTopWidth, s.boxShadow, s.backgroundColor]; }"
    )
    assert style[0] == "1px" and style[1] == "none", style
    alpha = float(re.findall(r"[\d.]+", style[2])[3])
    assert 0 < alpha <= 0.2, style
    words = box.evaluate(
        "b => { const p = b.parentElement.getBoundingClientRect(); const d = b.dataset;"
        " return [p.width * d.width / 100, p.height * d.height / 100]; }"
    )
    drawn = _rect(page, ".box[data-row='f-amounts-vat']")
    assert abs(drawn["width"] - words[0] - 6) < 1.5 and abs(drawn["height"] - words[1] - 6) < 1.5

    # The field's place cut out of the page in its edit row.
    snippet = page.locator("tr.edit-row[data-for='f-amounts-vat'] .snippet")
    expect(snippet).to_be_visible()
    assert "/pages/1.png" in snippet.evaluate("s => getComputedStyle(s).backgroundImage")
    assert _rect(page, "tr.edit-row[data-for='f-amounts-vat'] .snippet")["height"] > 20
    page.screenshot(path=str(SCREENSHOTS / "document_field_1366.png"))

    # Zoom: 200 % is twice the image's own pixels, in a box of its own that scrolls; fit width is back.
    natural = page.evaluate("() => document.querySelector('.page img').naturalWidth")
    page.get_by_role("button", name="200 %").click()
    assert abs(_rect(page, ".page img")["width"] - 2 * natural) < 2
    assert page.evaluate("() => { const f = document.querySelector('.page-frame'); return f.scrollWidth > f.clientWidth; }")
    expect(box).to_be_in_viewport()  # the selected box is brought into view
    _no_sideways_scroll(page)  # the frame scrolls, not the page
    page.screenshot(path=str(SCREENSHOTS / "document_zoom_200.png"))
    page.get_by_role("button", name="По ширине").click()
    frame_width = page.evaluate("() => document.querySelector('.page-frame').clientWidth")
    assert abs(_rect(page, ".page img")["width"] - frame_width) < 2
    page.get_by_role("button", name="100 %").click()
    assert abs(_rect(page, ".page img")["width"] - natural) < 2
    # Ctrl + wheel over the page zooms; the «−» key too.
    width = _rect(page, ".page img")["width"]
    page.mouse.move(_rect(page, ".page-frame")["x"] + 50, _rect(page, ".page-frame")["y"] + 50)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_function(f"() => document.querySelector('.page img').getBoundingClientRect().width > {width + 1}")
    page.locator("body").press("-")
    page.wait_for_function(f"() => Math.abs(document.querySelector('.page img').getBoundingClientRect().width - {width}) < 2")
    page.get_by_role("button", name="По ширине").click()

    # Rotation: the page turned a quarter, its box turned with it and still on it.
    before = _rect(page, ".page-stage")
    page.get_by_role("button", name="Повернуть ↻").click()
    after = _rect(page, ".page-stage")
    aspect = before["height"] / before["width"]
    assert abs(after["height"] / after["width"] - 1 / aspect) < 0.02
    turned_box, turned_page = _rect(page, ".box[data-row='f-amounts-vat']"), _rect(page, ".page img")
    assert turned_box["height"] > turned_box["width"]  # a line of text, now upright
    assert turned_page["x"] <= turned_box["x"] and turned_box["x"] + turned_box["width"] <= turned_page["x"] + turned_page["width"] + 1
    page.screenshot(path=str(SCREENSHOTS / "document_rotated.png"))
    for _ in range(3):
        page.locator("body").press("r")
    assert abs(_rect(page, ".page-stage")["width"] - before["width"]) < 2  # four quarters: as it was

    # Boxes are no tab stops: Tab through the whole page never lands on one.
    page.locator("body").focus()
    for _ in range(120):
        page.keyboard.press("Tab")
        assert not page.evaluate("() => document.activeElement.classList.contains('box')")

    # Opened without a field chosen: the first value is a few Tab presses away (23 before issue 13),
    # or one «j».
    page.goto(f"{live_server}/documents/{seeded.misread_document}")
    tabs = 0
    while not page.evaluate("() => document.activeElement.matches('tr.field')"):
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs < 23, "the first field is as far as before issue 13"
    print(f"\nTab presses to the first field of a document: {tabs}")
    page.goto(f"{live_server}/documents/{seeded.misread_document}")
    page.locator("body").press("j")
    assert page.evaluate("() => document.activeElement.id") == "f-doc-type"

    # «?» lists the keys, Esc closes; ] and [ go to the next and previous document.
    page.locator("body").press("?")
    overlay = page.get_by_role("dialog", name="Горячие клавиши")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("следующее поле, требующее внимания")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    next_href = page.locator("a[rel='next']").get_attribute("href")
    assert next_href
    page.locator("body").press("]")
    page.wait_for_url(f"{live_server}{next_href}")
    page.locator("body").press("[")
    page.wait_for_url(f"{live_server}/documents/{seeded.misread_document}")

    # «e» puts the cursor in the selected field's input; Esc closes the editor again.
    page.locator("body").press("n")
    active = page.evaluate("() => document.activeElement.id")
    assert active.startswith("f-")
    page.keyboard.press("e")
    assert page.evaluate("() => document.activeElement.closest('tr.edit-row')?.dataset.for") == active
    page.keyboard.press("Escape")
    expect(page.locator(f"tr.edit-row[data-for='{active}']")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.id") == active

    assert errors == [], errors


def test_the_pages_fit_1366_900_and_414_px(live_server: str, browser: Browser, seeded: Seeded, users: Users) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 900):
        page, errors = _signed_in(browser, live_server, users.reviewer, width)
        _no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"list_{width}.png"))

        page.goto(f"{live_server}/dossiers/{seeded.application_id}")
        _no_sideways_scroll(page)
        main, side = _rect(page, ".col-main"), _rect(page, ".col-side")
        assert side["x"] >= main["x"] + main["width"] - 1, "two columns down to 800 px"
        assert _rect(page, "#decide")["y"] < _rect(page, "#audit")["y"]
        page.screenshot(path=str(SCREENSHOTS / f"dossier_{width}.png"), full_page=True)

        page.goto(f"{live_server}/documents/{seeded.misread_document}?field=amounts.vat")
        _images_loaded(page)
        _no_sideways_scroll(page)
        pages, fields = _rect(page, ".pages"), _rect(page, ".fields")
        assert fields["x"] >= pages["x"] + pages["width"] - 1, "the page image beside the values"
        expect(page.locator(".box[data-row='f-amounts-vat']")).to_be_in_viewport()
        page.screenshot(path=str(SCREENSHOTS / f"document_field_{width}.png"))
        assert errors == [], errors
        page.close()

    # A phone: the top bar wraps with «Выйти» in view, nothing spills sideways, the decision before the log.
    page, errors = _signed_in(browser, live_server, users.reviewer, 414, 896)
    for url in ("/dossiers", f"/dossiers/{seeded.application_id}", f"/documents/{seeded.misread_document}"):
        page.goto(f"{live_server}{url}")
        _no_sideways_scroll(page)
        expect(page.get_by_role("button", name="Выйти")).to_be_in_viewport()
        logout = _rect(page, ".who button")
        assert logout["x"] + logout["width"] <= 414
    page.goto(f"{live_server}/dossiers/{seeded.application_id}")
    assert _rect(page, "#decide")["y"] < _rect(page, "#audit")["y"]
    # A long comment without spaces wraps in the header instead of squeezing or widening it.
    page.get_by_label("Комментарий к решению по досье").fill("Нет_актов_и_счетов-фактур_" * 8)
    page.get_by_role("button", name="Некомплектно").click()
    page.wait_for_url(re.compile(r"\?event="))
    _no_sideways_scroll(page)
    expect(page.get_by_role("button", name="Выйти")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "dossier_414.png"), full_page=True)
    assert errors == [], errors


def test_the_list_and_the_dossier_refresh_themselves_when_the_reading_ends(
    live_server: str, browser: Browser, seeded: Seeded, users: Users, service_env: ServiceEnv
) -> None:
    from playwright.sync_api import expect

    second = add_processing_dossier(service_env)
    page, errors = _signed_in(browser, live_server, users.reviewer, 1366)
    row = page.locator("tr[data-dossier='web_dossier_2']")
    expect(row).to_contain_text("обрабатывается")
    expect(row.locator("[data-status-progress]")).to_contain_text("прочитано 0 из 0 документов")
    dossier = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    dossier.context.add_cookies(page.context.cookies())
    dossier.goto(f"{live_server}/dossiers/{second}")
    expect(dossier.locator("#live-status")).to_contain_text("Страница обновится сама")

    _set_status(service_env, second, "done")
    expect(row).to_contain_text("проверена", timeout=15_000)  # no reload by hand
    expect(dossier.locator("#live-status")).to_have_count(0, timeout=15_000)
    expect(dossier.locator(".dossier-head")).to_contain_text("проверена")
    assert errors == [], errors
