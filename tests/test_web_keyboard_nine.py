"""A nine-document dossier finished with the keyboard alone, in a real browser, counting key presses
and page loads (issue 13's done-when): check every field a finding names, correct one, decide every
finding and eligibility condition, issue the letter to the applicant, mark the decision.

The dossier is the fixture ``defects_kk`` without its scanned payment order (nine text PDFs: the
application, the consent, a contract, a payment order, two acts, two invoices and a work report). Its
findings: an invoice's customer BIN failing its check digit (corrected on the way: the applicant's BIN),
an act citing another contract, and costs the payments do not fully confirm.

Two copies are walked, each its own way:

- ``tab_only`` — the «before» proxy: Tab, Shift+Tab, Enter and typing, what every page allowed before
  the workspace's hotkeys (``]`` from the dossier to its documents, ``n`` the next field needing
  attention, ``e`` edit, ``j`` the next open decision, ``l`` the letter, ``d`` back to the dossier and
  to the decision);
- ``hotkeys`` — the same walk with them.

The counts are printed (``-s`` shows them); the hotkey way must take fewer key presses than the Tab way.
No mouse: signing in is typed too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser_support import browser_fixture, live_server_fixture, pytestmark  # noqa: F401 - fixtures
from tests.test_service_support import ServiceEnv, auth, dossier_zip, make_keys, run_worker_in_process
from tests.test_web_keyboard import (
    Keyboard,
    _decide_the_rest_by_hotkeys,
    _decide_the_rest_by_tab,
    _mark_incomplete,
    _mark_incomplete_by_hotkeys,
    _open_decisions,
)
from tests.web_support import PASSWORD, Users, users_fixture  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dossiers" / "defects_kk"
LEFT_OUT = "scan_0005.pdf"  # the one scan: nine text documents stay, read in seconds


def nine_documents(dossier_id: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    application = json.loads((FIXTURE / "application.json").read_text(encoding="utf-8"))
    application["dossier_id"] = dossier_id
    application["files"] = [name for name in application["files"] if name != LEFT_OUT]
    documents = {name: (FIXTURE / name).read_bytes() for name in application["files"]}
    assert len(documents) == 9
    return application, documents


@dataclass
class Nine:
    tab_only: str  # application ids
    hotkeys: str
    applicant_bin: str


@pytest.fixture(name="nine")
def nine_fixture(service_env: ServiceEnv, client: Any) -> Nine:
    keys = make_keys(service_env)
    ids = []
    for dossier_id in ("keyboard_tab_only", "keyboard_hotkeys"):  # the later one heads the list
        application, documents = nine_documents(dossier_id)
        upload = client.post(
            "/v1/dossiers",
            files={"file": (f"{dossier_id}.zip", dossier_zip(application, documents), "application/zip")},
            headers=auth(keys.admin),
        )
        assert upload.status_code == 202, upload.text
        ids.append(upload.json()["application_id"])
        run_worker_in_process(service_env)
    return Nine(ids[0], ids[1], application["applicant"]["bin"])


@dataclass
class Walk:
    """What the walk is to do: the fields the findings name, and the one to correct."""

    named: set[tuple[str, str]]  # (document id, row id)
    correct: tuple[str, str]  # (document id, row id) of the misread BIN
    value: str
    visited: set[tuple[str, str]] = field(default_factory=set)


def _walk_of(page: Page, applicant_bin: str) -> Walk:
    """Read from the dossier page, as a reviewer reads it: each finding's evidence links."""
    named = set()
    correct = None
    for finding in page.locator("article.finding").all():
        for href in finding.locator("a.evidence-link").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            found = re.match(r"/documents/([0-9a-f-]+)\?field=[^#]*#(.+)$", href)
            assert found is not None, href
            named.add((found.group(1), found.group(2)))
            if finding.get_attribute("data-code") == "INVALID_BIN" and found.group(2).endswith("-bin"):
                correct = (found.group(1), found.group(2))
    assert correct is not None and len(named) >= 3, named
    return Walk(named=named, correct=correct, value=applicant_bin)


def _document_id(page: Page) -> str:
    found = re.search(r"/documents/([0-9a-f-]+)", page.url)
    assert found is not None, page.url
    return found.group(1)


def _attention(page: Page) -> list[str]:
    return page.eval_on_selector_all("tr.field[data-attention]", "rows => rows.map(r => r.id)")


def _focused(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.id"))


def _sign_in_by_keyboard(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Логин").focus()
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/dossiers")


# --------------------------------------------------------------------------- the hotkey way


def _documents_by_hotkeys(keys: Keyboard, walk: Walk) -> None:
    """``]`` into the first document; in each, ``n`` through the fields needing attention (``e``, the
    value, Enter where the BIN is misread); ``]`` on; ``d`` back from the last."""
    page = keys.page
    keys.submit_and_wait("]")
    while True:
        doc_id = _document_id(page)
        while pending := [r for r in _attention(page) if (doc_id, r) not in walk.visited]:
            keys.press("n")
            row = _focused(page)
            assert row in _attention(page), row
            walk.visited.add((doc_id, row))
            if (doc_id, row) == walk.correct:
                keys.press("e")
                keys.type(walk.value)
                keys.submit_and_wait()
                assert "снято: Неверный БИН/ИИН" in page.locator("#notice").inner_text()
            assert len(pending) < 20
        if page.locator("a[rel='next']").count() == 0:
            break
        keys.submit_and_wait("]")
    keys.submit_and_wait("d")


def _letter_by_hotkeys(keys: Keyboard) -> None:
    """``l`` to the letter (the cursor in its text), Tab Tab to «Выдать уведомление», Enter; ``d`` back."""
    page = keys.page
    keys.submit_and_wait("l")
    assert page.evaluate("() => document.activeElement.classList.contains('letter-body')")
    keys.press("Tab")
    keys.press("Tab")
    assert page.evaluate("() => document.activeElement.value") == "issue"
    keys.submit_and_wait()
    assert "Уведомление выдано" in page.locator("#notice").inner_text()
    keys.submit_and_wait("d")


def _walk_by_hotkeys(keys: Keyboard, walk: Walk) -> None:
    keys.press("j")  # the first dossier of the list
    keys.submit_and_wait()
    _documents_by_hotkeys(keys, walk)
    _decide_the_rest_by_hotkeys(keys)
    _letter_by_hotkeys(keys)
    _mark_incomplete_by_hotkeys(keys)


# --------------------------------------------------------------------------- the Tab way


def _documents_by_tab(keys: Keyboard, walk: Walk, application_id: str) -> None:
    page = keys.page
    keys.tab_to("el => el.tagName === 'A' && !!el.closest('#documents') && el.getAttribute('href').startsWith('/documents/')", "the first document")
    keys.submit_and_wait()
    while True:
        doc_id = _document_id(page)
        while pending := [r for r in _attention(page) if (doc_id, r) not in walk.visited]:
            row = pending[0]
            keys.tab_to(f"el => el.id === '{row}'", f"the field {row}")
            walk.visited.add((doc_id, row))
            if (doc_id, row) == walk.correct:
                keys.press("Enter")
                keys.tab_to(f"el => el.classList.contains('value-input') && !!el.closest(\"[data-for='{row}']\")", "the BIN input")
                keys.press("Control+A")
                keys.type(walk.value)
                keys.submit_and_wait()
                assert "снято: Неверный БИН/ИИН" in page.locator("#notice").inner_text()
        if page.locator("a[rel='next']").count() == 0:
            break
        keys.tab_to("el => el.tagName === 'A' && el.rel === 'next'", "the next document")
        keys.submit_and_wait()
    keys.tab_to(f"el => el.tagName === 'A' && el.getAttribute('href') === '/dossiers/{application_id}'", "the dossier")
    keys.submit_and_wait()


def _letter_by_tab(keys: Keyboard, application_id: str) -> None:
    page = keys.page
    keys.tab_to("el => el.tagName === 'A' && el.classList.contains('letter-link')", "the letter link")
    keys.submit_and_wait()
    keys.tab_to("el => el.tagName === 'BUTTON' && el.value === 'issue'", "«Выдать уведомление»")
    keys.submit_and_wait()
    assert "Уведомление выдано" in page.locator("#notice").inner_text()
    keys.tab_to(f"el => el.tagName === 'A' && el.getAttribute('href') === '/dossiers/{application_id}'", "the dossier")
    keys.submit_and_wait()


def _walk_by_tab(keys: Keyboard, walk: Walk, application_id: str) -> None:
    keys.tab_to(f"el => el.tagName === 'A' && el.getAttribute('href') === '/dossiers/{application_id}'", "the dossier link")
    keys.submit_and_wait()
    _documents_by_tab(keys, walk, application_id)
    _decide_the_rest_by_tab(keys)
    _letter_by_tab(keys, application_id)
    _mark_incomplete(keys)


# --------------------------------------------------------------------------- both


def _finished(keys: Keyboard, walk: Walk, service_env: ServiceEnv, application_id: str) -> None:
    from casework import connections
    from models.db import ApplicantLetterRow, ApplicationRow

    page = keys.page
    assert walk.named <= walk.visited, walk.named - walk.visited  # every field a finding named, looked at
    assert _open_decisions(page) == []
    assert page.locator("article.finding[data-code='INVALID_BIN']").count() == 0  # corrected away
    assert "некомплектно" in page.locator("#decision").inner_text().lower()
    with connections.sessions(service_env.settings)() as session:
        app = session.get(ApplicationRow, application_id)
        assert app is not None and app.review_decision == "incomplete"
        issued = session.query(ApplicantLetterRow).filter(
            ApplicantLetterRow.application_id == application_id, ApplicantLetterRow.issued_at.is_not(None)
        )
        assert issued.count() == 1


def _reviewer(browser: Browser, base: str, users: Users) -> Keyboard:
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU").new_page()
    _sign_in_by_keyboard(page, base, users.reviewer)
    return Keyboard(page)


def _start(keys: Keyboard, base: str, application_id: str, applicant_bin: str) -> Walk:
    """The findings' fields as the dossier page lists them (read by the test, not walked: no keys)."""
    probe = keys.page.context.new_page()
    probe.goto(f"{base}/dossiers/{application_id}")
    walk = _walk_of(probe, applicant_bin)
    probe.close()
    return walk


def test_a_nine_document_dossier_is_finished_with_the_keyboard_alone(
    live_server: str, browser: Browser, nine: Nine, users: Users, service_env: ServiceEnv
) -> None:
    counts = {}
    for way, application_id in (("tab_only", nine.tab_only), ("hotkeys", nine.hotkeys)):
        keys = _reviewer(browser, live_server, users)
        walk = _start(keys, live_server, application_id, nine.applicant_bin)
        if way == "hotkeys":
            _walk_by_hotkeys(keys, walk)
        else:
            _walk_by_tab(keys, walk, application_id)
        _finished(keys, walk, service_env, application_id)
        counts[way] = keys
        print(
            f"\n9 documents, {way}: {keys.presses} key presses (+{keys.typed} typed characters), "
            f"{keys.loads} page loads; fields checked: {len(walk.visited)} (named by findings: {len(walk.named)})"
        )
        if keys.log:
            print("; ".join(keys.log))
        keys.page.context.close()
    assert counts["hotkeys"].presses < counts["tab_only"].presses
