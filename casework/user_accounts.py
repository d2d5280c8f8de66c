"""Reviewer accounts and browser sessions (no web framework here: the CLI and the tests use it too).

Passwords are hashed with scrypt from the standard library (``hashlib.scrypt``, a memory-hard KDF
recommended by OWASP beside argon2id): no compiled dependency to install, parameters stored with
each hash so they can be raised later without invalidating existing accounts.

A session is a random 256-bit token in an HttpOnly cookie; the database keeps only its SHA-256
(a stolen database gives no usable cookie) plus the session's CSRF token, which forms carry.

Failed sign-ins are counted in the database (every API process sees them): per login from one client
address, per login from all addresses that are not the login's usual ones (where it signed in
successfully before), and per client address across logins. At a limit the password is not even
checked until the window lets one through; only the addresses a limit covers are refused, so a
stranger guessing a reviewer's password cannot lock the reviewer out at their usual address.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from foundation.settings import WebSettings
from models.db import (
    CLIENT_ADDRESS_MAX_LENGTH,
    SignInAddressRow,
    SignInFailureRow,
    UserRole,
    UserRow,
    UserSessionRow,
    utc_now,
)

# scrypt cost: N=2^14, r=8, p=1 (16 MiB; ~0.1 s a hash on the 2-core CI machine): the
# interactive-login figure of the scrypt paper and of OWASP's password storage cheat sheet.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_SCHEME = "scrypt"
MIN_PASSWORD_LENGTH = 10
LOGIN_MAX_LENGTH = 64


class AccountError(ValueError):
    """A user cannot be created or changed as asked (Russian message)."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join([_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem above the 128·N·r bytes scrypt needs (the default 32 MiB would refuse larger N).
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES, maxmem=256 * n * r + 2**20
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# Verified against when the login does not exist, so that a wrong login takes as long as a wrong
# password and the timing does not tell which logins exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def normalise_login(login: str) -> str:
    return login.strip().lower()


def create_user(
    session: Session, login: str, password: str, role: UserRole | str, display_name: str = ""
) -> UserRow:
    login = normalise_login(login)
    if not login or len(login) > LOGIN_MAX_LENGTH or any(c.isspace() for c in login):
        raise AccountError(
            f"Логин должен быть непустым, без пробелов, не длиннее {LOGIN_MAX_LENGTH} символов."
        )
    try:
        role = UserRole(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in UserRole)
        raise AccountError(f"Неизвестная роль «{role}». Допустимо: {allowed}.") from exc
    check_password_strength(password)
    if session.scalars(select(UserRow).where(UserRow.login == login)).first() is not None:
        raise AccountError(f"Пользователь «{login}» уже существует.")
    user = UserRow(
        login=login,
        display_name=display_name.strip() or login,
        role=role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Пароль слишком короткий: нужно не меньше {MIN_PASSWORD_LENGTH} символов.")


def set_password(session: Session, user: UserRow, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(session, user.id)  # a changed password signs every browser out


def set_language(session: Session, user_id: str, lang: str) -> None:
    """Remember the workspace language a user chose (kept across browsers and sign-ins)."""
    user = session.get(UserRow, user_id)
    if user is not None:
        user.language = lang


def disable_user(session: Session, user: UserRow) -> None:
    user.disabled_at = utc_now()
    end_all_sessions(session, user.id)


def find_user(session: Session, login: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.login == normalise_login(login))).first()


def authenticate(session: Session, login: str, password: str) -> UserRow | None:
    """The active user with this login and password, or None (same work either way)."""
    user = find_user(session, login)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash) or user.disabled_at is not None:
        return None
    return user


# --------------------------------------------------------------------------- sign-in throttling

LIMIT_LOGIN = "login"  # this login from this address
LIMIT_LOGIN_EVERYWHERE = "login_everywhere"  # this login from addresses that are not its usual ones
LIMIT_ADDRESS = "address"  # this address, any login
# Recorded for a request without a peer address (never the case over TCP, as ``docproc serve`` runs):
# such requests share one per-address count rather than escaping it.
UNKNOWN_ADDRESS = "unknown"
_SECONDS_PER_MINUTE = 60


@dataclass(frozen=True)
class ThrottlePolicy:
    window: dt.timedelta
    max_per_login: int
    max_per_address: int
    max_per_login_everywhere: int | None = None  # None: no limit across addresses
    usual_address_for: dt.timedelta = dt.timedelta(days=90)

    @classmethod
    def of(cls, web: WebSettings) -> ThrottlePolicy:
        return cls(
            window=dt.timedelta(seconds=web.sign_in_window_s),
            max_per_login=web.sign_in_max_failures_per_login,
            max_per_address=web.sign_in_max_failures_per_address,
            max_per_login_everywhere=web.sign_in_max_failures_per_login_everywhere,
            usual_address_for=dt.timedelta(days=web.sign_in_usual_address_days),
        )


@dataclass(frozen=True)
class SignInThrottle:
    """What the earlier failures say about one sign-in attempt."""

    locked: tuple[str, ...] = ()  # limits already reached: refuse without checking the password
    retry_after_s: int = 0  # when locked: seconds until an attempt is let through again
    completes: tuple[str, ...] = ()  # limits this attempt reaches if its password is wrong

    @property
    def retry_after_min(self) -> int:
        return max(1, math.ceil(self.retry_after_s / _SECONDS_PER_MINUTE))


def throttle_login(login: str) -> str:
    # A longer login cannot exist (create_user refuses it); cut, it still counts against its prefix.
    return normalise_login(login)[:LOGIN_MAX_LENGTH]


def claim_sign_in_attempt(
    session: Session, login: str, client_address: str, policy: ThrottlePolicy, now: dt.datetime | None = None
) -> SignInFailureRow:
    """Record the attempt as a failure before its password is checked, and drop rows past the window.

    The caller commits before ``sign_in_throttle``: counting only after one's own row is visible to
    every process means that of many parallel guesses no more than the limit get their password checked.
    """
    now = now or utc_now()
    # Rows another sign-in is deleting right now are skipped (PostgreSQL; SQLite ignores the clause),
    # so parallel sign-ins never wait for each other here; the next sign-in deletes what is left.
    stale = (
        select(SignInFailureRow.id)
        .where(SignInFailureRow.failed_at < now - policy.window)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.id.in_(stale)))
    row = SignInFailureRow(
        login=throttle_login(login),
        client_address=_address(client_address),
        failed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def sign_in_throttle(
    session: Session, attempt: SignInFailureRow, policy: ThrottlePolicy, now: dt.datetime | None = None
) -> SignInThrottle:
    """The limits the other failures within the window reach. A locked attempt's own row is deleted:
    refused attempts do not prolong the lock, which ends when the oldest counted failure leaves the window."""
    now = now or utc_now()
    since = now - policy.window
    locked: list[str] = []
    completes: list[str] = []
    retry_at = now
    checks: list[tuple[str, list[Any], int]] = [
        (
            LIMIT_LOGIN,
            [SignInFailureRow.login == attempt.login, SignInFailureRow.client_address == attempt.client_address],
            policy.max_per_login,
        ),
        (LIMIT_ADDRESS, [SignInFailureRow.client_address == attempt.client_address], policy.max_per_address),
    ]
    if policy.max_per_login_everywhere is not None and not is_usual_address(
        session, attempt.login, attempt.client_address, now - policy.usual_address_for
    ):
        checks.append(
            (LIMIT_LOGIN_EVERYWHERE, [SignInFailureRow.login == attempt.login], policy.max_per_login_everywhere)
        )
    for name, conditions, limit in checks:
        newest = session.scalars(
            select(SignInFailureRow.failed_at)
            .where(*conditions, SignInFailureRow.failed_at >= since, SignInFailureRow.id != attempt.id)
            .order_by(SignInFailureRow.failed_at.desc())
            .limit(limit)
        ).all()
        if len(newest) >= limit:
            locked.append(name)
            # The count drops below the limit when the limit-th newest failure leaves the window.
            retry_at = max(retry_at, _as_utc(newest[-1]) + policy.window)
        elif len(newest) == limit - 1:
            completes.append(name)
    if not locked:
        return SignInThrottle(completes=tuple(completes))
    session.delete(attempt)
    session.flush()
    wait_s = max(1, math.ceil((retry_at - now).total_seconds()))
    return SignInThrottle(locked=tuple(locked), retry_after_s=wait_s)


def is_usual_address(session: Session, login: str, client_address: str, since: dt.datetime) -> bool:
    """Whether ``login`` signed in successfully from ``client_address`` since ``since``."""
    row = session.get(SignInAddressRow, (throttle_login(login), _address(client_address)))
    return row is not None and _as_utc(row.last_success_at) >= since


def record_successful_sign_in(
    session: Session, login: str, client_address: str, now: dt.datetime | None = None
) -> None:
    """After a successful sign-in: the address becomes (stays) a usual one of the login, and the
    login's failures from this address are forgotten (those from elsewhere still count)."""
    login, address = throttle_login(login), _address(client_address)
    row = session.get(SignInAddressRow, (login, address))
    if row is None:
        session.add(SignInAddressRow(login=login, client_address=address, last_success_at=now or utc_now()))
    else:
        row.last_success_at = now or utc_now()
    session.execute(
        delete(SignInFailureRow).where(SignInFailureRow.login == login, SignInFailureRow.client_address == address)
    )


def _address(client_address: str) -> str:
    return (client_address or UNKNOWN_ADDRESS)[:CLIENT_ADDRESS_MAX_LENGTH]


# --------------------------------------------------------------------------- sessions


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OpenedSession:
    token: str  # goes into the cookie; only its hash is stored
    row: UserSessionRow


def open_session(session: Session, user: UserRow, ttl: dt.timedelta) -> OpenedSession:
    token = secrets.token_urlsafe(32)
    now = utc_now()
    row = UserSessionRow(
        user_id=user.id,
        token_hash=hash_token(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    user.last_login_at = now
    # Expired sessions of this user are dropped here, so the table does not grow without bound.
    session.execute(
        delete(UserSessionRow).where(UserSessionRow.user_id == user.id, UserSessionRow.expires_at < now)
    )
    session.flush()
    return OpenedSession(token=token, row=row)


def resolve_session(session: Session, token: str) -> UserSessionRow | None:
    """The live session of this cookie token (its user active), or None."""
    if not token:
        return None
    row = session.scalars(
        select(UserSessionRow).where(UserSessionRow.token_hash == hash_token(token))
    ).first()
    if row is None or _as_utc(row.expires_at) <= utc_now() or row.user.disabled_at is not None:
        return None
    return row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSessionRow).where(UserSessionRow.token_hash == hash_token(token)))


def end_all_sessions(session: Session, user_id: str) -> None:
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == user_id))


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone-aware columns.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
