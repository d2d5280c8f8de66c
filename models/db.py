"""Persistence: the database is the source of truth for applications, documents and results.

Typed SQLAlchemy 2 ORM that runs unchanged on SQLite (embedded mode) and PostgreSQL via psycopg 3
(service mode). The schema is created only by the Alembic migrations in ``migrations/``
(``upgrade_database``); ``tests/test_db.py`` checks that the migrations and these models agree.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

# Stable constraint names, so hand-written migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant shared by all processes of this application (PostgreSQL advisory lock id).
MIGRATION_LOCK_KEY = 0x646F6370726F63  # "docproc"
_UPGRADE_LOCK = threading.Lock()


class ApplicationStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


def _status_check(column: str, statuses: type[StrEnum]) -> str:
    allowed = ", ".join(f"'{status.value}'" for status in statuses)
    return f"{column} IN ({allowed})"


def new_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class ApplicationRow(_Timestamps, Base):
    __tablename__ = "applications"
    __table_args__ = (CheckConstraint(_status_check("status", ApplicationStatus), name="status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(String(128), unique=True)
    applicant_name: Mapped[str] = mapped_column(String(500))
    applicant_bin: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(32))
    cost_type: Mapped[str] = mapped_column(String(64))
    application_date: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.RECEIVED.value)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DocumentRow.created_at",
    )


class BlobRow(Base):
    """Metadata of stored bytes; the bytes themselves are in an ``ingest.blobstore.BlobStore``."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class DocumentRow(_Timestamps, Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("application_id", "file_name"),
        CheckConstraint(_status_check("status", DocumentStatus), name="status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.QUEUED.value)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    doc_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    file_format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pipeline_version: Mapped[str | None] = mapped_column(String(64), nullable=True)

    application: Mapped[ApplicationRow] = relationship(back_populates="documents")
    pages: Mapped[list[PageRow]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PageRow.page_no",
    )


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "page_no"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    page_no: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))
    mean_confidence: Mapped[float] = mapped_column(Float)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[DocumentRow] = relationship(back_populates="pages")


# --------------------------------------------------------------------------- engines and migrations


def make_engine(url: str, **engine_options: Any) -> Engine:
    """An engine for ``url``; on SQLite, foreign keys are enforced (they are off by default there)."""
    engine = create_engine(url, **engine_options)
    if engine.dialect.name == "sqlite":
        _ensure_sqlite_directory(engine)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _ensure_sqlite_directory(engine: Engine) -> None:
    # The embedded default lives in DOCPROC_DATA_DIR, which may not exist on a first run.
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Rows stay readable after commit: the pipeline hands them on to the next stage.
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Any:
    """An Alembic ``Config`` built in code, pointing at the packaged migrations (works from any cwd)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.attributes["database_url"] = url  # not via the ini: '%' in passwords breaks interpolation
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` by running the Alembic migrations.

    Safe to call from every process at start-up: on PostgreSQL an advisory lock lets one migrate
    while the others wait; within a process a lock serialises callers (Alembic keeps global state).
    """
    with _UPGRADE_LOCK:
        _upgrade(url, revision)


def _upgrade(url: str, revision: str) -> None:
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Workers start together: one migrates, the others wait and then find it at head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
