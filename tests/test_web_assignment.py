"""Work assignment and deadlines: «Взять в работу», «Мои досье», an administrator reassigns (all
audited), and an overdue dossier stands out in the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from casework import connections as context
from models.db import ApplicationRow, AuditEventRow
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    PASSWORD,
    Seeded,
    Users,
    seeded_fixture,
    sign_in,
    users_fixture,
    web_client_fixture,
)


def _app(env: ServiceEnv, application_id: str) -> ApplicationRow:
    with context.sessions(env.settings)() as session:
        app = session.get(ApplicationRow, application_id)
        assert app is not None
        return app


def _assignments(env: ServiceEnv) -> list[AuditEventRow]:
    with context.sessions(env.settings)() as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "application.assign"))
        return sorted(rows, key=lambda e: e.at)


def _listed(listing: str) -> bool:
    return 'data-dossier="web_dossier_1"' in listing


@needs_services
def test_a_reviewer_takes_a_dossier_into_work_and_finds_it_under_my_dossiers(
    service_env: ServiceEnv, client: Any, web: Any, seeded: Seeded, users: Users
) -> None:
    from casework.user_accounts import create_user

    with context.sessions(service_env.settings).begin() as session:
        petrov = create_user(session, "petrov", PASSWORD, "reviewer", "Петров В. Г.").id

    csrf = sign_in(client, "ivanova")
    target = f"/dossiers/{seeded.application_id}/assignment"
    assert not _listed(client.get("/dossiers?assigned=mine").text)
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert "Взять в работу" in page and "не назначен" in page
    taken = client.post(target, data={"action": "take", "csrf_token": csrf})
    assert taken.status_code == 200 and "Досье взято в работу" in taken.text
    assert "Иванова А. Б. (вы)" in taken.text
    assert _app(service_env, seeded.application_id).assigned_to == users.reviewer_id
    mine = client.get("/dossiers?assigned=mine").text
    assert _listed(mine) and "Мои досье" in mine and "Иванова А. Б." in mine
    assert not _listed(client.get("/dossiers?assigned=free").text)

    # A colleague cannot take it over; an administrator can reassign it.
    other = sign_in(web, "petrov")
    refused = web.post(target, data={"action": "take", "csrf_token": other})
    assert refused.status_code == 422 and "Досье уже в работе у Иванова А. Б." in refused.text
    not_admin = web.post(target, data={"action": "assign", "assignee": petrov, "csrf_token": other})
    assert not_admin.status_code == 403
    web.post("/logout", data={"csrf_token": other})
    admin = sign_in(web, "admin")
    reassigned = web.post(target, data={"action": "assign", "assignee": petrov, "comment": "отпуск", "csrf_token": admin})
    assert reassigned.status_code == 200 and "Проверяющий назначен" in reassigned.text
    assert _app(service_env, seeded.application_id).assigned_to == petrov
    assert not _listed(client.get("/dossiers?assigned=mine").text)

    taken_event, reassigned_event = _assignments(service_env)
    assert (taken_event.user_id, taken_event.details["before"], taken_event.details["after"]) == (
        users.reviewer_id,
        None,
        users.reviewer_id,
    )
    assert (reassigned_event.details["before"], reassigned_event.details["after"]) == (users.reviewer_id, petrov)
    log = web.get(f"/dossiers/{seeded.application_id}").text.split('id="audit"', 1)[1]
    assert "Назначение проверяющего" in log and "Петров В. Г." in log and "«отпуск»" in log

    # Giving back: the assignee (or an administrator) only.
    refused = client.post(target, data={"action": "release", "csrf_token": csrf})
    assert refused.status_code == 422 and "только своё досье" in refused.text
    released = web.post(target, data={"action": "release", "csrf_token": admin})
    assert "Досье возвращено в общий список" in released.text
    assert _app(service_env, seeded.application_id).assigned_to is None


@needs_services
def test_an_observer_cannot_take_a_dossier(client: Any, seeded: Seeded, users: Users) -> None:
    csrf = sign_in(client, "observer")
    assert "Взять в работу" not in client.get(f"/dossiers/{seeded.application_id}").text
    answer = client.post(f"/dossiers/{seeded.application_id}/assignment", data={"action": "take", "csrf_token": csrf})
    assert answer.status_code == 403


@needs_services
def test_an_overdue_dossier_is_highlighted_in_the_list_and_on_its_page(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    sign_in(client, "observer")
    listing = client.get("/dossiers").text
    assert 'data-dossier="web_dossier_1" class="overdue"' not in listing
    with context.sessions(service_env.settings).begin() as session:
        app = session.get(ApplicationRow, seeded.application_id)
        assert app is not None
        app.created_at = dt.datetime(2024, 5, 17, 9, 0, tzinfo=dt.UTC)  # registered 20.05.2024
    listing = client.get("/dossiers?sort=deadline").text
    assert 'data-dossier="web_dossier_1" class="overdue"' in listing and "просрочено на" in listing
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert 'class="deadline clock-overdue"' in page and "20.05.2024" in page
