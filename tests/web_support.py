"""Fixtures of the reviewers' workspace tests (test_web_*): a processed dossier with a misread value,
users of each role, and signing in through the real forms.

The dossier goes through the real service path (API upload, RQ worker in process, PostgreSQL), then
one reading is made to look like an OCR slip on a scan: the act's VAT 302 400,00 read as 320 400,00
(the amount without VAT derived from it, as the extractor derives it). The check then raises
VAT_MISCALCULATED on the act, which a reviewer resolves by correcting the VAT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.test_service_support import (
    APPLICATION,
    ServiceEnv,
    auth,
    dossier_documents,
    dossier_zip,
    make_keys,
    run_worker_in_process,
)

# Real BINs that pass the check digit (shared/reference/kz_facts.md), so that the dossier's only
# findings are the misread VAT and the documents a works dossier lacks here.
APPLICANT_BIN = "141140001547"
SUPPLIER_BIN = "090840000906"
APPLICANT: str = APPLICATION["applicant"]["name"]  # type: ignore[index]
MISREAD_FILE = "akt_7.pdf"
PASSWORD = "correct horse battery"

WEB_APPLICATION: dict[str, Any] = {
    **APPLICATION,
    "dossier_id": "web_dossier_1",
    "applicant": {**APPLICATION["applicant"], "bin": APPLICANT_BIN},  # type: ignore[dict-item]
    "declarations": {"is_sme": True, "state_share_below_50": True},
}


def web_documents() -> dict[str, bytes]:
    """Contract, payment order, act and invoice of one works contract (text PDFs, Russian)."""
    return dossier_documents(applicant_bin=APPLICANT_BIN, supplier_bin=SUPPLIER_BIN)


@dataclass
class Seeded:
    application_id: str
    documents: dict[str, str]  # file name -> document id

    @property
    def misread_document(self) -> str:
        return self.documents[MISREAD_FILE]


def seed_dossier(env: ServiceEnv, client: Any) -> Seeded:
    """Upload, read (worker in process), then the VAT misread and a re-check."""
    keys = make_keys(env)
    upload = client.post(
        "/v1/dossiers",
        files={
            "file": ("web_dossier_1.zip", dossier_zip(WEB_APPLICATION, web_documents()), "application/zip")
        },
        headers=auth(keys.admin),
    )
    assert upload.status_code == 202, upload.text
    application_id = upload.json()["application_id"]
    run_worker_in_process(env)
    simulate_vat_misread(env, application_id)
    from casework import connections

    with connections.sessions(env.settings)() as session:
        from models.db import ApplicationRow

        app = session.get(ApplicationRow, application_id)
        assert app is not None and app.status == "done", app and app.status
        codes = {(f["code"], f.get("file")) for f in app.result["findings"]}  # type: ignore[index]
        assert ("VAT_MISCALCULATED", MISREAD_FILE) in codes, codes
        return Seeded(application_id, {d.file_name: d.id for d in app.documents})


def simulate_vat_misread(env: ServiceEnv, application_id: str) -> None:
    """The act's VAT as OCR would misread it on a scan: 302 400,00 → 320 400,00."""
    from models.domain import ExtractedValue

    def misread(reading: Any) -> None:
        assert reading.amounts is not None and reading.amounts.vat is not None
        assert reading.amounts.vat.value == 302400.0, reading.amounts.vat
        reading.amounts.vat = reading.amounts.vat.model_copy(update={"value": 320400.0, "raw": "320 400,00"})
        reading.amounts.amount_without_vat = ExtractedValue(value=2502000.0, raw=None, confidence=0.85)

    change_reading(env, application_id, MISREAD_FILE, misread)


def change_reading(env: ServiceEnv, application_id: str, file: str, edit: Callable[[Any], None]) -> None:
    """What the reader read in ``file`` changed in place by ``edit`` (a ``DocumentExtraction``), as if
    read so, then a re-check of the dossier."""
    from casework import connections
    from casework.checking import recheck_now
    from models.db import ApplicationRow, DocumentRow
    from models.domain import DocumentExtraction

    with connections.sessions(env.settings).begin() as session:
        app = session.get(ApplicationRow, application_id, with_for_update={"key_share": True})
        assert app is not None
        doc = next(d for d in app.documents if d.file_name == file)
        reading = DocumentExtraction.model_validate(doc.extraction)
        edit(reading)
        row = session.get(DocumentRow, doc.id)
        assert row is not None
        row.extraction = reading.model_dump(mode="json")
        session.flush()
        assert recheck_now(session, app) is not None


def confirm_eligibility(client: Any, application_id: str, csrf: str, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Confirm every eligibility condition of the application in the workspace (except ``skip``)."""
    from casework import connections
    from casework.eligibility import items_for
    from models.db import ApplicationRow

    with connections.sessions(connections.current_settings())() as session:
        app = session.get(ApplicationRow, application_id)
        assert app is not None
        keys = [item.key for item in items_for(app)]
    for key in keys:
        if key in skip:
            continue
        answer = client.post(
            f"/dossiers/{application_id}/eligibility/{key}", data={"verdict": "confirmed", "csrf_token": csrf}
        )
        assert answer.status_code == 200, answer.text


# --------------------------------------------------------------------------- users and signing in


@dataclass
class Users:
    reviewer: str
    observer: str
    admin: str
    reviewer_id: str


def make_users(env: ServiceEnv) -> Users:
    from casework import connections
    from casework.user_accounts import create_user

    with connections.sessions(env.settings).begin() as session:
        reviewer = create_user(session, "ivanova", PASSWORD, "reviewer", "Иванова А. Б.")
        create_user(session, "observer", PASSWORD, "observer", "Наблюдатель")
        create_user(session, "admin", PASSWORD, "admin", "Администратор")
        return Users(reviewer="ivanova", observer="observer", admin="admin", reviewer_id=reviewer.id)


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF_RE.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(client: Any, login: str, password: str = PASSWORD) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    form = client.get("/login")
    assert form.status_code == 200
    answer = client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": csrf_of(form.text), "next": "/dossiers"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    page = client.get("/dossiers")
    assert page.status_code == 200
    return csrf_of(page.text)


@pytest.fixture(name="seeded")
def seeded_fixture(service_env: ServiceEnv, client: Any) -> Seeded:
    return seed_dossier(service_env, client)


@pytest.fixture(name="users")
def users_fixture(service_env: ServiceEnv, client: Any) -> Users:
    return make_users(service_env)


@pytest.fixture(name="web")
def web_client_fixture(service_env: ServiceEnv, client: Any) -> Iterator[Any]:
    """A second client of the same app for browser-like use (cookies of its own)."""
    from fastapi.testclient import TestClient

    with TestClient(client.app, base_url="https://testserver") as web_client:
        yield web_client
