"""Reading is audited: opening a dossier, a document page, a page image, downloading a file or the
report each leave a row (who, what, when); the audit page filters them by person and dossier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from casework import connections as context
from models.db import AuditEventRow
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    MISREAD_FILE,
    Seeded,
    Users,
    seeded_fixture,
    sign_in,
    users_fixture,
    web_client_fixture,
)


def _reads(env: ServiceEnv) -> list[AuditEventRow]:
    with context.sessions(env.settings)() as session:
        return list(
            session.scalars(
                select(AuditEventRow).where(AuditEventRow.action.like("%view%") | AuditEventRow.action.like("%download%"))
            )
        )


@needs_services
def test_every_read_writes_who_what_and_when(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    sign_in(client, "ivanova")
    assert _reads(service_env) == []
    document = seeded.misread_document
    assert client.get(f"/dossiers/{seeded.application_id}").status_code == 200
    assert client.get(f"/documents/{document}").status_code == 200
    assert client.get(f"/documents/{document}/pages/1.png").status_code == 200
    assert client.get(f"/documents/{document}/file").status_code == 200
    assert client.get(f"/dossiers/{seeded.application_id}/report.pdf").status_code == 200
    rows = {row.action: row for row in _reads(service_env)}
    assert set(rows) == {
        "dossier.view",
        "document.view",
        "document.page_view",
        "document.download",
        "dossier.report_download",
    }
    for row in rows.values():
        assert row.user_id == users.reviewer_id and row.application_id == seeded.application_id and row.at
    for action in ("document.view", "document.page_view", "document.download"):
        assert rows[action].document_id == document and rows[action].details["file"] == MISREAD_FILE
    assert rows["document.page_view"].details["page"] == 1

    # The dossier's own log shows changes, not who looked at it.
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert "Просмотр досье" not in page.split('id="audit"', 1)[1]


@needs_services
def test_the_audit_page_filters_by_person_and_dossier_and_is_for_administrators(
    service_env: ServiceEnv, client: Any, web: Any, seeded: Seeded, users: Users
) -> None:
    sign_in(client, "ivanova")
    client.get(f"/documents/{seeded.misread_document}")
    refused = client.get("/audit")
    assert refused.status_code == 403 and "журнал действий" in refused.text

    admin = web
    sign_in(admin, "admin")
    admin.get(f"/dossiers/{seeded.application_id}")
    everything = admin.get("/audit")
    assert everything.status_code == 200
    assert "Просмотр документа" in everything.text and "Просмотр досье" in everything.text
    assert 'href="/audit"' in everything.text  # the administrator's top bar links to it

    by_reviewer = admin.get(f"/audit?person={users.reviewer_id}&kind=reads").text
    assert "Просмотр документа" in by_reviewer and "Администратор" not in by_reviewer.split('id="audit-log"', 1)[1]
    by_dossier = admin.get("/audit?dossier=web_dossier_1").text
    assert "Просмотр документа" in by_dossier and MISREAD_FILE in by_dossier
    assert "Вход в систему" not in by_dossier.split('id="audit-log"', 1)[1]  # sign-ins belong to no dossier
    nothing = admin.get("/audit?dossier=no_such_dossier").text
    assert "Записей нет" in nothing


def test_a_list_page_links_to_its_neighbours_with_the_same_filters() -> None:
    from api.web.pages.paging import Paging

    listed = Paging(total=45, page=2, pages=3, per_page=20, path="/audit", query_without_page="person=u1&kind=reads")
    assert listed.offset == 20
    assert listed.link(3) == "/audit?person=u1&kind=reads&page=3"
