"""The reviewers' workspace in a real browser: Debian's Chromium driven by Playwright, headless.

The app runs in this process under uvicorn on a free localhost port, against a throwaway PostgreSQL
schema holding a processed dossier whose act has a misread VAT (``tests/web_support.py``). A reviewer
signs in, opens the dossier, follows the finding's evidence to the page where the field is boxed,
corrects the value and sees the finding resolved and the audit entry. Screenshots of the dossier and
document pages go to ``var/screenshots/`` (the closing note of issue 5 cites them).

Skipped with the reason when Chromium (``/usr/bin/chromium``) or the ``playwright`` package is
missing; ``scripts/setup.sh`` installs both, so CI runs it. Nothing is downloaded at run time.
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
from tests.web_support import (  # noqa: F401 - fixtures
    APPLICANT,
    APPLICANT_BIN,
    PASSWORD,
    Seeded,
    Users,
    seeded_fixture,
    users_fixture,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _inside(inner: dict[str, float] | None, outer: dict[str, float] | None) -> bool:
    assert inner is not None and outer is not None
    return (
        inner["width"] > 2
        and inner["height"] > 2
        and outer["x"] <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and outer["y"] <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


def test_reviewer_follows_the_evidence_corrects_the_value_and_sees_the_finding_resolved(
    live_server: str, browser: Browser, seeded: Seeded, users: Users
) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="ru-RU")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # Sign in: the list sends a stranger to the sign-in page and back.
    page.goto(f"{live_server}/dossiers")
    expect(page).to_have_url(re.compile(r"/login\?next=/dossiers$"))
    page.get_by_label("Логин").fill(users.reviewer)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Досье на проверке")).to_be_visible()

    # The list: applicant, BIN, counts, days left.
    row = page.locator("tr[data-dossier='web_dossier_1']")
    expect(row).to_contain_text(APPLICANT_BIN)
    expect(row).to_contain_text("проверена")
    expect(row).to_contain_text(re.compile(r"осталось \d+ раб\. дн\."))
    page.screenshot(path=str(SCREENSHOTS / "dossiers.png"))
    row.get_by_role("link", name=APPLICANT).click()

    # The dossier: the finding with its message and evidence.
    expect(page).to_have_url(f"{live_server}/dossiers/{seeded.application_id}")
    finding = page.locator("article.finding[data-code='VAT_MISCALCULATED']")
    expect(finding).to_contain_text("НДС рассчитан неверно")
    expect(finding).to_contain_text("320 400,00")
    expect(page.locator("#checklist")).to_contain_text("отсутствует")
    expect(page.locator("#computation")).to_contain_text("Встречное обязательство N + 2Q")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "dossier_before.png"), full_page=True)

    # Follow the evidence: the document page with the VAT boxed and its row selected.
    finding.get_by_role("link", name="НДС — показать на странице", exact=True).click()
    expect(page).to_have_url(
        re.compile(rf"/documents/{seeded.misread_document}\?field=amounts\.vat#f-amounts-vat$")
    )
    vat_row, vat_box = page.locator("#f-amounts-vat"), page.locator(".box[data-row='f-amounts-vat']")
    expect(vat_row).to_have_class(ACTIVE)
    expect(vat_box).to_have_class(ACTIVE)
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert _inside(vat_box.bounding_box(), page.locator("#page-1 .page img").bounding_box())

    # And the other way: a box selects its row; a row selects its box.
    page.locator(".box[data-row='f-amounts-total']").click()
    expect(page.locator("#f-amounts-total")).to_have_class(ACTIVE)
    expect(vat_row).not_to_have_class(ACTIVE)
    vat_row.locator("td.label").click()
    expect(vat_box).to_have_class(ACTIVE)
    page.evaluate("window.scrollTo(0, 0)")  # the header, the boxed VAT and its selected row in one view
    expect(vat_box).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "document.png"))

    # Correct the value.
    editor = page.locator("tr.edit-row[data-for='f-amounts-vat']")
    expect(editor).to_be_visible()
    editor.get_by_label("Новое значение: НДС").fill("302 400,00")
    editor.get_by_label("Комментарий к исправлению").fill("по скану: 302 400,00")
    editor.get_by_role("button", name="Сохранить исправление").click()

    # Still on the document (issue 13): the notice says what the re-check found, the field stays selected.
    expect(page).to_have_url(re.compile(rf"/documents/{seeded.misread_document}\?field=amounts\.vat"))
    expect(page.locator("#notice")).to_contain_text("снято: НДС рассчитан неверно")
    expect(page.locator("#notice")).to_be_in_viewport()
    expect(vat_row).to_have_class(ACTIVE)
    expect(page.locator(".doc-findings [data-code='VAT_MISCALCULATED']")).to_have_count(0)

    # On the dossier: the finding is gone, the audit log has the entry.
    page.locator("#notice").get_by_role("link", name="К досье →").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{seeded.application_id}#findings$"))
    expect(page.locator("article.finding[data-code='VAT_MISCALCULATED']")).to_have_count(0)
    entry = page.locator("#audit tbody tr", has_text="Исправлено значение")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Иванова А. Б.")
    expect(entry).to_contain_text("akt_7.pdf: НДС")
    expect(entry).to_contain_text("320 400,00")
    expect(entry).to_contain_text("302 400,00")
    expect(entry).to_contain_text("по скану: 302 400,00")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top of a full-page shot
    page.screenshot(path=str(SCREENSHOTS / "dossier.png"), full_page=True)

    # The corrected field shows what was read beside the correction.
    page.goto(f"{live_server}/documents/{seeded.misread_document}?field=amounts.vat")
    expect(page.locator("#f-amounts-vat")).to_contain_text("прочитано: 320 400,00")

    # The printable report for the case file.
    report = page.request.get(f"{live_server}/dossiers/{seeded.application_id}/report.pdf")
    assert report.ok and report.headers["content-type"] == "application/pdf"
    assert report.body()[:5] == b"%PDF-"
    (SCREENSHOTS / "dossier_report.pdf").write_bytes(report.body())

    assert errors == [], errors  # no script errors, no refused resources (CSP) on any page


def test_an_observer_sees_the_dossier_without_action_forms(
    live_server: str, browser: Browser, seeded: Seeded, users: Users
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{live_server}/login")
    page.get_by_label("Логин").fill(users.observer)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server}/dossiers/{seeded.application_id}")
    expect(page.get_by_text("Режим просмотра")).to_be_visible()
    expect(page.get_by_role("button", name="Подтвердить")).to_have_count(0)
    page.goto(f"{live_server}/documents/{seeded.misread_document}?field=amounts.vat")
    expect(page.locator("#f-amounts-vat")).to_have_class(ACTIVE)
    expect(page.get_by_role("button", name="Сохранить исправление")).to_have_count(0)
