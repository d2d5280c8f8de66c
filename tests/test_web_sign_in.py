"""Sign-in hardening (issue 15, item 5): a stranger cannot lock a reviewer out; Secure cookies by
default; X-Forwarded-For / -Proto believed from the configured proxies only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_service_support import ServiceEnv, make_service_env, needs_services
from tests.web_support import PASSWORD, Users, csrf_of, users_fixture  # noqa: F401 - fixtures

pytestmark = needs_services

WRONG = "not the password at all"
OFFICE = "203.0.113.10"  # the reviewer's usual address
STRANGER = "198.51.100.66"


@pytest.fixture(name="service_env")
def behind_a_proxy_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    # TestClient's peer is "testclient": here it plays the reverse proxy that sets X-Forwarded-For.
    yield from make_service_env(tmp_path, trusted_proxies=["testclient"])


def _sign_in(client: Any, login: str, password: str, address: str | None = None) -> Any:
    headers = {"X-Forwarded-For": address} if address else {}
    form = client.get("/login", headers=headers)
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": csrf_of(form.text), "next": "/dossiers"},
        headers=headers,
        follow_redirects=False,
    )


def test_a_stranger_cannot_lock_a_reviewer_out_at_their_usual_address(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    web = service_env.settings.web
    assert _sign_in(client, users.reviewer, PASSWORD, OFFICE).status_code == 303  # an earlier working day
    client.cookies.clear()
    per_address = web.sign_in_max_failures_per_login
    # One stranger: refused after a handful of guesses (at their address only).
    answers = [_sign_in(client, users.reviewer, WRONG, STRANGER).status_code for _ in range(per_address + 1)]
    assert answers == [401] * per_address + [429]
    # Many machines guessing together, a handful each: enough to shut the login everywhere else.
    machines = -(-web.sign_in_max_failures_per_login_everywhere // per_address)
    for n in range(machines):
        for _ in range(per_address):
            _sign_in(client, users.reviewer, WRONG, f"198.51.100.{n + 1}")

    # The reviewer, at the office, with the right password: in.
    assert _sign_in(client, users.reviewer, PASSWORD, OFFICE).status_code == 303
    client.cookies.clear()
    # From an address the login has never signed in from, the guessing still holds the login shut.
    assert _sign_in(client, users.reviewer, PASSWORD, "192.0.2.44").status_code == 429


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    from sqlalchemy import select

    from api.app import create_app
    from casework import connections
    from models.db import SignInFailureRow

    env_iter = make_service_env(tmp_path)  # trusted proxies: 127.0.0.1 and ::1 only
    env = next(env_iter)
    try:
        with TestClient(create_app(env.settings), base_url="https://testserver") as client:
            _sign_in(client, "nobody", WRONG, STRANGER)
            with connections.sessions(env.settings)() as session:
                addresses = list(session.scalars(select(SignInFailureRow.client_address)))
    finally:
        next(env_iter, None)
    assert addresses == ["testclient"]  # the peer, not the address the client claimed


def test_the_session_cookie_is_secure_by_default_and_https_is_taken_from_the_proxy(
    service_env: ServiceEnv, users: Users
) -> None:
    from api.app import create_app

    with TestClient(create_app(service_env.settings), base_url="http://testserver") as client:
        # Behind nginx the app is spoken to over plain HTTP; the proxy says the browser used https.
        form = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        # The sign-in form's cookie is Secure too: this plain-http client would not send it back itself.
        client.cookies.set("docproc_login_csrf", form.cookies.get("docproc_login_csrf", ""))
        answer = client.post(
            "/login",
            data={"login": users.reviewer, "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "/"},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
    assert answer.status_code == 303, answer.text[:300]
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "docproc_session" in v)
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
