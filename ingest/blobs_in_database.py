"""Blobs in the database: the service's store, so any worker anywhere can read any upload.

A worker on another machine needs nothing but ``DATABASE_URL`` and ``REDIS_URL``: no shared disk,
no object-store credentials. PostgreSQL keeps ``bytea`` values out of line (TOAST), so the table of
metadata stays small, and uploads are capped at ``Limits.max_file_bytes`` (50 MB by default), well
within what a bytea row handles. Content addressing makes every write idempotent: the same file
uploaded by fifty clients at once is stored once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ingest.blobs import BlobNotFound, sha256_hex
from ingest.sniff import sniff_kind
from models.db import BlobDataRow, BlobRow, make_session_factory
from models.domain import FileKind, SourceFile


def _insert_ignoring_duplicates(session: Session, row_class: Any, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: concurrent uploads of one content never collide."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(row_class).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(row_class).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"blob storage on {dialect}")


def store_source(session: Session, source: SourceFile) -> None:
    """Metadata and bytes of ``source``, inside the caller's transaction (a no-op when present)."""
    _insert_ignoring_duplicates(
        session,
        BlobRow,
        {"sha256": source.sha256, "size": source.size, "kind": source.kind.value},
    )
    _insert_ignoring_duplicates(session, BlobDataRow, {"sha256": source.sha256, "data": source.data})


def load_bytes(session: Session, sha256: str) -> bytes:
    data = session.scalar(select(BlobDataRow.data).where(BlobDataRow.sha256 == sha256))
    if data is None:
        raise BlobNotFound(sha256)
    return bytes(data)


class DatabaseBlobStore:
    """``ingest.blobs.BlobStore`` over the ``blobs`` / ``blob_data`` tables."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = make_session_factory(engine)

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        kind = sniff_kind(data) if data else FileKind.UNKNOWN
        source = SourceFile(name=digest, data=data, sha256=digest, kind=kind, size=len(data))
        with self._sessions.begin() as session:
            store_source(session, source)
        return digest

    def get(self, sha256: str) -> bytes:
        with self._sessions() as session:
            return load_bytes(session, sha256)

    def exists(self, sha256: str) -> bool:
        with self._sessions() as session:
            found = session.scalar(select(BlobDataRow.sha256).where(BlobDataRow.sha256 == sha256))
            return found is not None
