"""Throttling of failed sign-ins to the reviewers' workspace (casework/user_accounts.py, POST /login).

The counting rules run on SQLite and PostgreSQL (throwaway schema), with the clock passed in; the
sign-in form runs against the real app, PostgreSQL and Redis like the other workspace tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text, update

from casework import connections
from casework.user_accounts import (
    LIMIT_ADDRESS,
    LIMIT_LOGIN,
    ThrottlePolicy,
    claim_sign_in_attempt,
    record_successful_sign_in,
    sign_in_throttle,
)
from foundation.settings import WebSettings
from models.db import (
    AuditEventRow,
    SignInFailureRow,
    alembic_config,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from tests.test_db import database_url, engine, schema_drift  # noqa: F401 - fixtures (SQLite and PostgreSQL)
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    PASSWORD,
    Users,
    csrf_of,
    users_fixture,
)

POLICY = ThrottlePolicy(window=dt.timedelta(minutes=15), max_per_login=3, max_per_address=5)
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
LOCKED_MESSAGE = "Слишком много неудачных попыток входа. Повторите через"
WRONG = "wrong password!"


# --------------------------------------------------------------------------- migration


def test_the_throttle_migration_goes_down_and_up_again(database_url: str) -> None:  # noqa: F811
    upgrade_database(database_url)
    db = make_engine(database_url)
    try:
        assert "sign_in_failures" in inspect(db).get_table_names()
        command.downgrade(alembic_config(database_url), "0003")
        assert "sign_in_failures" not in inspect(db).get_table_names()
        assert "users" in inspect(db).get_table_names()  # 0003's tables stay
        with db.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003"
        upgrade_database(database_url)
        with db.connect() as connection:
            assert schema_drift(connection) == []
    finally:
        db.dispose()


# --------------------------------------------------------------------------- counting rules


def _try(db: Engine, login: str, address: str, at: dt.datetime, policy: ThrottlePolicy = POLICY) -> Any:
    """One attempt whose password turns out wrong, like POST /login does it: claim, commit, count."""
    factory = make_session_factory(db)
    with factory() as session:
        attempt = claim_sign_in_attempt(session, login, address, policy, now=at)
        session.commit()
        verdict = sign_in_throttle(session, attempt, policy, now=at)
        session.commit()
        return verdict


def _stored(db: Engine) -> list[tuple[str, str]]:
    with make_session_factory(db)() as session:
        rows = session.execute(select(SignInFailureRow.login, SignInFailureRow.client_address)).all()
        return sorted((r[0], r[1]) for r in rows)


def test_a_login_is_locked_at_its_limit_until_the_oldest_failure_leaves_the_window(
    engine: Engine,  # noqa: F811
) -> None:
    typed = ["petrov", " Petrov", "PETROV "]  # one login as typed, after normalise_login
    verdicts = [
        _try(engine, login, "10.0.0.1", T0 + dt.timedelta(minutes=i)) for i, login in enumerate(typed)
    ]
    assert [v.locked for v in verdicts] == [(), (), ()]
    assert [v.completes for v in verdicts] == [(), (), (LIMIT_LOGIN,)]  # the third reaches the limit
    locked = _try(engine, "petrov", "10.0.0.1", T0 + dt.timedelta(minutes=5))
    assert locked.locked == (LIMIT_LOGIN,)
    assert locked.retry_after_s == 10 * 60 and locked.retry_after_min == 10  # T0 + 15 min - (T0 + 5 min)
    assert _stored(engine) == [("petrov", "10.0.0.1")] * 3  # a refused attempt does not prolong the lock
    # One second after the oldest failure left the window one attempt goes through, and that
    # attempt's claim deletes the rows past the window.
    freed = _try(engine, "petrov", "10.0.0.1", T0 + dt.timedelta(minutes=15, seconds=1))
    assert freed.locked == () and freed.completes == (LIMIT_LOGIN,)
    assert len(_stored(engine)) == 3
    assert _try(engine, "petrov", "10.0.0.1", T0 + dt.timedelta(minutes=15, seconds=2)).locked == (
        LIMIT_LOGIN,
    )


def test_an_address_is_locked_across_logins_and_other_addresses_are_not(engine: Engine) -> None:  # noqa: F811
    at = T0
    for n in range(POLICY.max_per_address):
        assert _try(engine, f"user{n}", "192.0.2.7", at).locked == ()
    refused = _try(engine, "someone-else", "192.0.2.7", at)
    assert refused.locked == (LIMIT_ADDRESS,) and refused.retry_after_s == 15 * 60
    assert _try(engine, "someone-else", "192.0.2.8", at).locked == ()


def test_a_success_clears_the_login_and_old_rows_are_deleted_when_recording(engine: Engine) -> None:  # noqa: F811
    for minute in range(2):
        _try(engine, "sidorova", "10.0.0.2", T0 + dt.timedelta(minutes=minute))
    _try(engine, "other", "10.0.0.3", T0)
    with make_session_factory(engine)() as session:
        record_successful_sign_in(session, "  SIDOROVA", "10.0.0.2")
        session.commit()
    assert _stored(engine) == [("other", "10.0.0.3")]
    _try(engine, "third", "10.0.0.4", T0 + dt.timedelta(hours=1))  # the window has long passed
    assert _stored(engine) == [("third", "10.0.0.4")]


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(engine: Engine) -> None:  # noqa: F811
    # Every guess is recorded and committed before any counts (the worst interleaving of processes).
    factory = make_session_factory(engine)
    sessions = [factory() for _ in range(POLICY.max_per_login * 2)]
    try:
        attempts = []
        for session in sessions:
            attempts.append(claim_sign_in_attempt(session, "petrov", "10.0.0.9", POLICY, now=T0))
            session.commit()
        verdicts = []
        for session, attempt in zip(sessions, attempts, strict=True):
            verdicts.append(sign_in_throttle(session, attempt, POLICY, now=T0))
            session.commit()
        assert sum(1 for v in verdicts if not v.locked) <= POLICY.max_per_login
    finally:
        for session in sessions:
            session.close()


def test_the_policy_comes_from_the_web_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_WEB_SIGN_IN_WINDOW_S", "60")
    monkeypatch.setenv("DOCPROC_WEB_SIGN_IN_MAX_FAILURES_PER_LOGIN", "2")
    policy = ThrottlePolicy.of(WebSettings())
    assert policy == ThrottlePolicy(
        window=dt.timedelta(seconds=60),
        max_per_login=2,
        max_per_address=30,
        max_per_login_everywhere=20,
        usual_address_for=dt.timedelta(days=90),
    )


# --------------------------------------------------------------------------- the sign-in form


def _post_login(client: Any, login: str, password: str) -> Any:
    form = client.get("/login")
    assert form.status_code == 200, form.text[:300]
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": csrf_of(form.text), "next": "/dossiers"},
        follow_redirects=False,
    )


def _failure_rows(env: ServiceEnv, login: str | None = None) -> int:
    with connections.sessions(env.settings)() as session:
        query = select(func.count()).select_from(SignInFailureRow)
        if login is not None:
            query = query.where(SignInFailureRow.login == login)
        return int(session.scalar(query) or 0)


def _lock_events(env: ServiceEnv) -> list[AuditEventRow]:
    with connections.sessions(env.settings)() as session:
        return list(session.scalars(select(AuditEventRow).where(AuditEventRow.action == "user.login_locked")))


def _set_web(client: Any, **changes: Any) -> None:
    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(update={"web": settings.web.model_copy(update=changes)})


@needs_services
def test_after_the_limit_the_form_answers_429_and_refuses_even_the_right_password(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    limit = service_env.settings.web.sign_in_max_failures_per_login
    for n in range(limit):
        answer = _post_login(client, "Ivanova" if n % 2 else "ivanova ", WRONG)
        assert answer.status_code == 401, n
    locked = _post_login(client, "ivanova", PASSWORD)
    assert locked.status_code == 429
    assert f"{LOCKED_MESSAGE} 15 мин." in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= service_env.settings.web.sign_in_window_s
    assert "docproc_session" not in locked.headers.get("set-cookie", "")
    assert 'name="csrf_token"' in locked.text  # the form is there to try again later
    assert _failure_rows(service_env, "ivanova") == limit
    events = _lock_events(service_env)
    assert len(events) == 1
    assert events[0].user_id is None
    assert events[0].details["login"] == "ivanova" and events[0].details["limits"] == ["login"]
    assert events[0].details["client_address"] == "testclient"  # TestClient's peer address

    # The window passes (the stored failures are made older than it): the right password works.
    with connections.sessions(service_env.settings).begin() as session:
        session.execute(
            update(SignInFailureRow).values(
                failed_at=SignInFailureRow.failed_at
                - dt.timedelta(seconds=service_env.settings.web.sign_in_window_s)
            )
        )
    answer = _post_login(client, "ivanova", PASSWORD)
    assert answer.status_code == 303, answer.text[:500]
    assert _failure_rows(service_env) == 0  # the success cleared the login, the claim deleted old rows


@needs_services
def test_a_success_clears_the_count(service_env: ServiceEnv, client: Any, users: Users) -> None:
    limit = service_env.settings.web.sign_in_max_failures_per_login
    for _ in range(limit - 1):
        assert _post_login(client, "ivanova", WRONG).status_code == 401
    assert _post_login(client, "ivanova", PASSWORD).status_code == 303
    assert _failure_rows(service_env, "ivanova") == 0
    client.cookies.clear()  # signed out in this browser: the sign-in form is shown again
    for _ in range(limit - 1):
        assert _post_login(client, "ivanova", WRONG).status_code == 401
    assert _post_login(client, "ivanova", PASSWORD).status_code == 303
    assert _lock_events(service_env) == []


@needs_services
def test_an_unknown_login_is_throttled_exactly_like_an_existing_one(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    limit = service_env.settings.web.sign_in_max_failures_per_login
    answers = {
        login: [_post_login(client, login, WRONG) for _ in range(limit + 1)]
        for login in ("ivanova", "nobody")
    }
    codes = {login: [a.status_code for a in seq] for login, seq in answers.items()}
    assert codes["ivanova"] == codes["nobody"] == [401] * limit + [429]
    for login in ("ivanova", "nobody"):
        assert int(answers[login][-1].headers["Retry-After"]) > 0
        assert LOCKED_MESSAGE in answers[login][-1].text
    assert sorted(e.details["login"] for e in _lock_events(service_env)) == ["ivanova", "nobody"]


@needs_services
def test_one_address_cannot_spray_many_logins(service_env: ServiceEnv, client: Any, users: Users) -> None:
    _set_web(client, sign_in_max_failures_per_address=3)
    for login in ("anna", "boris", "vera"):  # one failure each: far below the per-login limit
        assert _post_login(client, login, WRONG).status_code == 401
    refused = _post_login(client, "observer", PASSWORD)  # the right password of yet another login
    assert refused.status_code == 429 and LOCKED_MESSAGE in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    events = _lock_events(service_env)
    assert [(e.details["login"], e.details["limits"]) for e in events] == [("vera", ["address"])]
