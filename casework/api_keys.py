"""API keys: created once, shown once, stored as a SHA-256 digest, sent as ``Authorization: Bearer KEY``.

Keys are 256 random bits, so a plain SHA-256 suffices (a slow password hash protects guessable
secrets; these are not). Resolved keys are remembered briefly per process so that the upload path
does not query the key table on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import Principal
from models.db import ApiKeyRow, Role, utc_now

KEY_PREFIX = "dpk_"
_DISPLAY_PREFIX_LENGTH = 12


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    id: str
    key: str  # the only time the key itself exists outside its owner's hands
    role: Role
    applicant_bins: list[str]
    name: str


def create_key(
    session: Session, role: Role | str, applicant_bins: list[str] | None = None, name: str = ""
) -> CreatedKey:
    role = Role(role)
    bins = sorted(set(applicant_bins or []))
    key = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        name=name,
        role=role.value,
        key_prefix=key[:_DISPLAY_PREFIX_LENGTH],
        key_hash=hash_key(key),
        applicant_bins=bins,
    )
    session.add(row)
    session.flush()
    return CreatedKey(id=row.id, key=key, role=role, applicant_bins=bins, name=name)


def revoke_key(session: Session, key_id: str) -> bool:
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utc_now()
    session.flush()
    _cache.clear()
    return True


def principal_of(row: ApiKeyRow) -> Principal:
    return Principal(
        key_id=row.id, role=Role(row.role), applicant_bins=frozenset(row.applicant_bins or []), name=row.name
    )


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str, ttl: float) -> Principal | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or time.monotonic() - entry[0] > ttl:
                return None
            return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 10_000:  # bounded: a flood of bad keys never caches anyway
                self._entries.clear()
            self._entries[digest] = (time.monotonic(), principal)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _KeyCache()


def resolve_key(session: Session, key: str, cache_ttl_s: float) -> Principal | None:
    """The principal of an active key, or None."""
    digest = hash_key(key)
    if cache_ttl_s > 0:
        cached = _cache.get(digest, cache_ttl_s)
        if cached is not None:
            return cached
    row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest)).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utc_now()
    session.commit()
    principal = principal_of(row)
    if cache_ttl_s > 0:
        _cache.put(digest, principal)
    return principal


def clear_cache() -> None:
    _cache.clear()
