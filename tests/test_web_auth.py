"""Reviewers' workspace: sign-in, sessions, permissions by role, CSRF on every form.

Against the real app, PostgreSQL and Redis (throwaway schema and queue prefix per test).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlalchemy import select, update

from api.web.permissions import WebAction, user_may
from casework import connections
from casework.user_accounts import hash_password, verify_password
from models.db import AuditEventRow, DocumentRow, UserRow, UserSessionRow
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    PASSWORD,
    Seeded,
    Users,
    csrf_of,
    seeded_fixture,
    sign_in,
    users_fixture,
    web_client_fixture,
)

CORRECT_VAT = {"path": "amounts.vat", "value": "302 400,00", "comment": "по скану: 302 400,00"}


def _rows(env: ServiceEnv, model: Any) -> list[Any]:
    with connections.sessions(env.settings)() as session:
        return list(session.scalars(select(model)))


def _corrections(env: ServiceEnv, document_id: str) -> Any:
    with connections.sessions(env.settings)() as session:
        doc = session.get(DocumentRow, document_id)
        assert doc is not None
        return doc.corrections


def _audit_actions(env: ServiceEnv) -> list[str]:
    return [row.action for row in _rows(env, AuditEventRow)]


# --------------------------------------------------------------------------- pure rules


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second  # per-user salt
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", first)
    assert not verify_password("correct horse batterY", first)
    assert not verify_password("correct horse battery", "garbage")


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("observer", WebAction.READ, True),
        ("observer", WebAction.REVIEW, False),
        ("reviewer", WebAction.READ, True),
        ("reviewer", WebAction.REVIEW, True),
        ("admin", WebAction.REVIEW, True),
        ("portal", WebAction.READ, False),  # an API key role is no workspace role
    ],
)
def test_role_table(role: str, action: WebAction, allowed: bool) -> None:
    assert user_may(role, action) is allowed


# --------------------------------------------------------------------------- signing in


@needs_services
def test_pages_need_a_signed_in_user(client: Any, seeded: Seeded) -> None:
    for path in (
        "/dossiers",
        f"/dossiers/{seeded.application_id}",
        f"/documents/{seeded.misread_document}",
        f"/documents/{seeded.misread_document}/pages/1.png",
        f"/dossiers/{seeded.application_id}/report.pdf",
    ):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=/"), answer.headers["location"]


@needs_services
def test_sign_in_sets_an_http_only_lax_cookie_and_stores_only_its_hash(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"login": "IVANOVA ", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dossiers"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("docproc_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    sessions = _rows(service_env, UserSessionRow)
    assert [s.token_hash for s in sessions] == [hashlib.sha256(token.encode()).hexdigest()]
    assert all(token not in (s.token_hash, s.csrf_token) for s in sessions)
    assert "user.login" in _audit_actions(service_env)


@needs_services
def test_a_wrong_password_or_login_is_refused_alike(client: Any, users: Users) -> None:
    for login, password in (("ivanova", "wrong password!"), ("nobody", PASSWORD)):
        form = client.get("/login")
        answer = client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert answer.status_code == 401
        assert "Неверный логин или пароль." in answer.text
        assert "docproc_session" not in answer.headers.get("set-cookie", "")


@needs_services
def test_the_sign_in_form_needs_its_csrf_token(client: Any, users: Users) -> None:
    client.get("/login")  # sets the form's cookie
    missing = client.post("/login", data={"login": "ivanova", "password": PASSWORD}, follow_redirects=False)
    forged = client.post(
        "/login",
        data={"login": "ivanova", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    for answer in (missing, forged):
        assert answer.status_code == 403
        assert "Форма отклонена" in answer.text and "CSRF" in answer.text


@needs_services
def test_next_cannot_lead_off_the_site(client: Any, users: Users) -> None:
    form = client.get("/login?next=//evil.example/x")
    assert 'value="/dossiers"' in form.text  # the form carries the sanitised target
    answer = client.post(
        "/login",
        data={
            "login": "ivanova",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/dossiers"


@needs_services
def test_expired_sessions_and_disabled_users_are_signed_out(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    sign_in(client, "ivanova")
    with connections.sessions(service_env.settings).begin() as session:
        session.execute(
            update(UserSessionRow).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client.get("/dossiers", follow_redirects=False).status_code == 303

    sign_in(client, "ivanova")
    from casework.user_accounts import disable_user, find_user

    with connections.sessions(service_env.settings).begin() as session:
        user = find_user(session, "ivanova")
        assert user is not None
        disable_user(session, user)
    assert client.get("/dossiers", follow_redirects=False).status_code == 303
    form = client.get("/login")
    refused = client.post(
        "/login", data={"login": "ivanova", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert refused.status_code == 401


@needs_services
def test_sign_out_needs_csrf_and_ends_the_session(service_env: ServiceEnv, client: Any, users: Users) -> None:
    csrf = sign_in(client, "ivanova")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    answer = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert _rows(service_env, UserSessionRow) == []
    assert client.get("/dossiers", follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------- CSRF on actions


@needs_services
def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    service_env: ServiceEnv, client: Any, web: Any, seeded: Seeded, users: Users
) -> None:
    own = sign_in(client, "ivanova")
    other = sign_in(web, "admin")  # a valid token, but of another session
    target = f"/documents/{seeded.misread_document}/corrections"
    for token in (None, "", "forged-token", other, own.upper()):
        data = dict(CORRECT_VAT) | ({"csrf_token": token} if token is not None else {})
        answer = client.post(target, data=data, follow_redirects=False)
        assert answer.status_code == 403, token
        assert "Форма отклонена" in answer.text
    for target, data in (
        (f"/dossiers/{seeded.application_id}/decision", {"decision": "incomplete"}),
        (f"/dossiers/{seeded.application_id}/findings/x", {"verdict": "accepted"}),
    ):
        assert client.post(target, data=data | {"csrf_token": "forged"}).status_code == 403
    assert _corrections(service_env, seeded.misread_document) is None
    assert not {"document.correct", "application.review", "finding.accept"} & set(_audit_actions(service_env))


@needs_services
def test_an_observer_reads_but_may_not_act(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "observer")
    page = client.get(f"/dossiers/{seeded.application_id}")
    assert page.status_code == 200 and "Режим просмотра" in page.text
    assert 'action="/dossiers/' not in page.text  # no action forms are offered
    document = client.get(f"/documents/{seeded.misread_document}")
    assert document.status_code == 200 and "/corrections" not in document.text
    for target, data in (
        (f"/documents/{seeded.misread_document}/corrections", CORRECT_VAT),
        (f"/dossiers/{seeded.application_id}/decision", {"decision": "complete", "comment": "ок"}),
        (f"/dossiers/{seeded.application_id}/findings/x", {"verdict": "dismissed", "comment": "нет"}),
    ):
        answer = client.post(target, data=data | {"csrf_token": csrf}, follow_redirects=False)
        assert answer.status_code == 403, target
        assert "не разрешено" in answer.text and "наблюдатель" in answer.text
    assert _corrections(service_env, seeded.misread_document) is None
    assert not {"document.correct", "application.review"} & set(_audit_actions(service_env))


@needs_services
def test_a_reviewer_correction_rechecks_keeps_the_reading_and_is_audited(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    answer = client.post(
        f"/documents/{seeded.misread_document}/corrections",
        data=CORRECT_VAT | {"csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:1000]
    # The reviewer stays on the corrected document (issue 13), the field selected, the outcome shown.
    assert answer.headers["location"].startswith(f"/documents/{seeded.misread_document}?field=amounts.vat&event=")
    page = client.get(answer.headers["location"])
    notice = page.text.split('id="notice">', 1)[1].split("</p>", 1)[0]
    assert "Досье проверено заново" in notice and "снято: НДС рассчитан неверно" in notice
    assert 'data-code="VAT_MISCALCULATED"' not in page.text

    with connections.sessions(service_env.settings)() as session:
        doc = session.get(DocumentRow, seeded.misread_document)
        assert doc is not None
        assert doc.corrections == {"amounts.vat": 302400.0}
        assert doc.extraction["amounts"]["vat"]["value"] == 320400.0  # the reading stays recorded
        findings = {f["code"] for f in doc.application.result["findings"]}
        assert "VAT_MISCALCULATED" not in findings
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "document.correct")).one()
    assert event.user_id == users.reviewer_id and event.document_id == seeded.misread_document
    assert event.details["before"] == 320400.0 and event.details["after"] == 302400.0
    assert event.details["comment"] == "по скану: 302 400,00"
    assert [f["code"] for f in event.details["resolved"]] == ["VAT_MISCALCULATED"]


@needs_services
def test_a_value_that_does_not_parse_is_refused_with_a_message_and_nothing_changes(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    answer = client.post(
        f"/documents/{seeded.misread_document}/corrections",
        data={"path": "amounts.vat", "value": "триста", "csrf_token": csrf},
    )
    assert answer.status_code == 422
    assert "НДС: «триста» — не сумма" in answer.text
    assert 'value="триста"' in answer.text  # what was typed is kept in the form
    unknown = client.post(
        f"/documents/{seeded.misread_document}/corrections",
        data={"path": "amounts.nonsense", "value": "1", "csrf_token": csrf},
    )
    assert unknown.status_code == 422 and "нельзя исправить" in unknown.text
    assert _corrections(service_env, seeded.misread_document) is None


@needs_services
def test_user_rows_never_hold_a_password(service_env: ServiceEnv, users: Users) -> None:
    for user in _rows(service_env, UserRow):
        assert PASSWORD not in user.password_hash
        assert verify_password(PASSWORD, user.password_hash)


@needs_services
def test_the_cli_creates_a_reviewer_who_can_sign_in(service_env: ServiceEnv, client: Any) -> None:
    import subprocess
    import sys

    from tests.test_service_support import ROOT

    def users(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "docproc.cli", "users", *args],
            input=password,
            env=service_env.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    made = users(
        "create",
        "Petrov",
        "--role",
        "reviewer",
        "--name",
        "Петров В.",
        "--password-stdin",
        password=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert "Пользователь «petrov» (reviewer) создан" in made.stdout
    again = users("create", "petrov", "--password-stdin", password=PASSWORD + "\n")
    assert again.returncode == 2 and "уже существует" in again.stderr
    short = users("create", "sidorov", "--password-stdin", password="short\n")
    assert short.returncode == 2 and "слишком короткий" in short.stderr
    wrong_role = users("create", "sidorov", "--role", "boss", "--password-stdin", password=PASSWORD + "\n")
    assert wrong_role.returncode == 2 and "Неизвестная роль" in wrong_role.stderr
    sign_in(client, "petrov")
    assert "Петров В." in client.get("/dossiers").text
    assert "petrov" in users("list").stdout
    assert users("disable", "petrov").returncode == 0
    assert client.get("/dossiers", follow_redirects=False).status_code == 303
