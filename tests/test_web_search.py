"""Search in the service (PostgreSQL, RQ worker in process): ``GET /v1/search`` scoped to a key's
applicants and audited, the workspace's ``/search`` page, and the dossier page's «Этот же документ в
других заявках» for a payment order and an invoice submitted in two applications. The same in a real
browser: ``test_web_search_browser``."""

from __future__ import annotations

from typing import Any

from tests.test_service_support import (
    APPLICANT_BIN,
    APPLICATION,
    OTHER_BIN,
    ServiceEnv,
    auth,
    dossier_documents,
    dossier_zip,
    make_keys,
    needs_services,
    run_worker_in_process,
)
from tests.web_support import (  # noqa: F401 - fixtures
    WEB_APPLICATION,
    Seeded,
    Users,
    seeded_fixture,
    sign_in,
    users_fixture,
    web_client_fixture,
    web_documents,
)

pytestmark = needs_services


def submit(client: Any, key: str, application: dict[str, Any], documents: dict[str, bytes]) -> str:
    answer = client.post(
        "/v1/dossiers",
        files={"file": ("d.zip", dossier_zip(application, documents), "application/zip")},
        headers=auth(key),
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["application_id"])


def add_second_application(env: ServiceEnv, client: Any) -> str:
    """The seeded dossier's applicant applies again with the same payment order and invoice."""
    second = {**WEB_APPLICATION, "dossier_id": "web_dossier_2"}
    application_id = submit(client, make_keys(env).admin, second, web_documents())
    run_worker_in_process(env)
    return application_id


def test_the_api_finds_only_what_a_key_may_see_and_logs_the_search(service_env: ServiceEnv, client: Any) -> None:
    keys = make_keys(service_env)
    mine = submit(client, keys.portal, {**APPLICATION, "dossier_id": "s1"}, dossier_documents())
    theirs_app = {**APPLICATION, "dossier_id": "s2", "applicant": {**APPLICATION["applicant"], "bin": OTHER_BIN}}  # type: ignore[dict-item]
    theirs = submit(client, keys.other_portal, theirs_app, dossier_documents(applicant_bin=OTHER_BIN))
    run_worker_in_process(service_env)

    def found(key: str, query: str) -> list[tuple[str, str]]:
        answer = client.get("/v1/search", params={"q": query}, headers=auth(key))
        assert answer.status_code == 200, answer.text
        return sorted((item["application_id"], item["file_name"]) for item in answer.json()["items"])

    assert found(keys.reviewer, "платежного поручения 1284") == sorted([(mine, "pp_1284.pdf"), (theirs, "pp_1284.pdf")])
    assert found(keys.portal, "платежного поручения 1284") == [(mine, "pp_1284.pdf")]
    assert found(keys.other_portal, "1284") == [(theirs, "pp_1284.pdf")]
    assert found(keys.portal, OTHER_BIN) == []  # the other applicant's BIN: nothing of theirs
    assert found(keys.reviewer, "2822400") and found(keys.reviewer, APPLICANT_BIN)
    item = client.get("/v1/search", params={"q": "розлива"}, headers=auth(keys.portal)).json()["items"][0]
    assert "[[розлива]]" in item["snippet"].lower(), item["snippet"]
    assert client.get("/v1/search", params={"q": "1284"}).status_code == 401

    # A reviewer's correction is what the index holds from then on.
    (pp,) = client.get("/v1/search", params={"q": "1284"}, headers=auth(keys.portal)).json()["items"]
    patched = client.patch(
        f"/v1/documents/{pp['document_id']}", json={"fields": {"number": "98765"}}, headers=auth(keys.reviewer)
    )
    assert patched.status_code == 202, patched.text
    assert found(keys.portal, "98765") == [(mine, "pp_1284.pdf")]

    from casework import connections
    from models.db import AuditEventRow

    with connections.sessions(service_env.settings)() as session:
        events = session.query(AuditEventRow).filter(AuditEventRow.action == "search").all()
        assert {e.details["query"] for e in events} >= {"1284", OTHER_BIN, "розлива"}


def test_the_search_page_finds_documents_and_the_dossier_page_shows_the_other_application(
    service_env: ServiceEnv, client: Any, web: Any, seeded: Seeded, users: Users
) -> None:
    second = add_second_application(service_env, client)
    sign_in(web, users.observer)

    page = web.get("/search", params={"q": "платежное поручение 1284"})
    assert page.status_code == 200
    assert page.text.count('class="strong">pp_1284.pdf</a>') == 2
    assert f'href="/dossiers/{seeded.application_id}"' in page.text and f'href="/dossiers/{second}"' in page.text
    assert "<mark>" in page.text
    assert 'value="платежное поручение 1284"' in page.text  # the top bar's box keeps the query
    nothing = web.get("/search", params={"q": "несуществующееслово"})
    assert "Ничего не найдено." in nothing.text

    dossier = web.get(f"/dossiers/{seeded.application_id}")
    assert "Этот же документ в других заявках" in dossier.text
    section = dossier.text.split('id="same-documents"')[1].split("</section>")[0]
    assert f'href="/dossiers/{second}">web_dossier_2</a>' in section
    assert "№ 1284 от 10.01.2023" in section and "№ 7 от 20.01.2023" in section  # payment order, invoice
    assert "не вывод о нарушении" in section

    from casework import connections
    from models.db import AuditEventRow, UserRow

    with connections.sessions(service_env.settings)() as session:
        observer = session.query(UserRow).filter(UserRow.login == users.observer).one()
        searches = session.query(AuditEventRow).filter(AuditEventRow.action == "search").order_by(AuditEventRow.at).all()
        assert [(e.user_id, e.details["query"], e.details["found"]) for e in searches] == [
            (observer.id, "платежное поручение 1284", 2),
            (observer.id, "несуществующееслово", 0),
        ]
    from fastapi.testclient import TestClient

    with TestClient(client.app, base_url="https://testserver") as admin_web:  # the whole log: the admin's
        sign_in(admin_web, users.admin)
        log = admin_web.get("/audit").text
        assert "Поиск по документам" in log and "«платежное поручение 1284»" in log and "найдено документов: 2" in log
