"""Persistence: the database is the source of truth for applications, documents and results.

Typed SQLAlchemy 2 ORM that runs unchanged on SQLite (embedded mode) and PostgreSQL via psycopg 3
(service mode). The schema is created only by the Alembic migrations in ``migrations/``
(``upgrade_database``); ``tests/test_db.py`` checks that the migrations and these models agree.

Why one file: the SQLAlchemy tables of one schema, whose foreign keys refer to one another; Alembic's
migrations are written against this one module.
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
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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


FINISHED_DOCUMENT_STATUSES = (DocumentStatus.DONE.value, DocumentStatus.FAILED.value)
UNFINISHED_DOCUMENT_STATUSES = (DocumentStatus.QUEUED.value, DocumentStatus.PROCESSING.value)


class CacheStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"


class Role(StrEnum):
    """API key roles (see casework/api_keys.py for what each may do)."""

    PORTAL = "portal"
    REVIEWER = "reviewer"
    CONSUMER = "consumer"
    ADMIN = "admin"


class UserRole(StrEnum):
    """Roles of people signed in to the reviewers' workspace (``api/web``); see api/web/permissions.py."""

    OBSERVER = "observer"  # reads dossiers, changes nothing
    REVIEWER = "reviewer"
    ADMIN = "admin"


class ReviewDecision(StrEnum):
    """A reviewer's verdict on a dossier."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


class FindingVerdict(StrEnum):
    """A reviewer's word on one finding: it stands (accepted) or it is wrong (dismissed)."""

    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class EligibilityVerdict(StrEnum):
    """A reviewer's word on one eligibility condition (validators/rules/eligibility.yaml)."""

    CONFIRMED = "confirmed"
    REFUSED = "refused"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
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
    __table_args__ = (
        # Per applicant: one applicant's dossier ids neither reveal nor block another's (migration 0005).
        UniqueConstraint("applicant_bin", "dossier_id"),
        CheckConstraint(_status_check("status", ApplicationStatus), name="status"),
        CheckConstraint(
            f"review_decision IS NULL OR {_status_check('review_decision', ReviewDecision)}",
            name="review_decision",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(String(128))
    applicant_name: Mapped[str] = mapped_column(String(500))
    applicant_bin: Mapped[str] = mapped_column(String(32), index=True)
    measure: Mapped[str] = mapped_column(String(32))
    cost_type: Mapped[str] = mapped_column(String(64))
    application_date: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.RECEIVED.value, index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Service mode: every change (upload, reprocess, correction) starts a new check round; a dossier
    # job checks one round and steps aside when a newer one exists.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checked_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Summary of ``result`` kept in columns so that lists can filter on it.
    clean: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    error_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Errors no reviewer dismissed (the workspace list filters on it); kept by casework.checking.
    open_error_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    finding_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The reviewer's decision (reviewers' workspace); the history is in audit_events.
    review_decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The reviewer the dossier is assigned to (users.id; no foreign key, like reviewed_by), and since when.
    assigned_to: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DocumentRow.created_at",
    )


class BlobRow(Base):
    """Metadata of stored bytes; the bytes themselves are in an ``ingest.blobs.BlobStore``."""

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
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.QUEUED.value, index=True)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    doc_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    file_format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The key of the reading this row holds (``casework.queues.pipeline_key``, as ``ExtractionCacheRow``).
    pipeline_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Service mode: the RQ job that reads this content, how often it was tried, and when.
    job_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A reviewer's corrections of extracted values (dotted field path -> value), applied on top of
    # ``extraction`` whenever the dossier is checked.
    corrections: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

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


class PageImageRow(Base):
    """A page image rendered once (``api.page_images``): by content, page and rendering variant."""

    __tablename__ = "page_images"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True)
    page_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the image depends on besides the content (renderer version, resolution, OCR frame).
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    scale: Mapped[float] = mapped_column(Float)  # image pixels per page unit
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class BlobDataRow(Base):
    """The bytes of a blob, in the database (``ingest.blobs_in_database``): every worker can reach them."""

    __tablename__ = "blob_data"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ExtractionCacheRow(Base):
    """What one pipeline version read from one content: the same file uploaded again costs nothing."""

    __tablename__ = "extraction_cache"
    __table_args__ = (CheckConstraint(_status_check("status", CacheStatus), name="status"),)

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True)
    pipeline_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON)
    # DocumentText (words with boxes) as zlib-compressed JSON: the dossier check needs it to pair
    # translations with their originals; None when the document could not be read.
    text: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ApiKeyRow(Base):
    """An API key: only its SHA-256 is stored; the key itself is shown once, when it is created."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_status_check("role", Role), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # portal keys: the applicant BINs whose applications the key may create and see.
    applicant_bins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebhookRow(Base):
    """A subscription: POST to ``url``, signed with ``secret`` (HMAC-SHA256), when checks finish."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    # Kept in clear: the service must sign with it (like GitHub's and Stripe's webhook secrets).
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class WebhookDeliveryRow(_Timestamps, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (CheckConstraint(_status_check("status", DeliveryStatus), name="status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEventRow(Base):
    """Who changed what through the API (uploads, reprocessing, corrections, keys, webhooks)."""

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    api_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # A person signed in to the reviewers' workspace (users.id); no foreign key: the log outlives accounts.
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    document_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UserRow(Base):
    """A person who signs in to the reviewers' workspace; the password is kept as a scrypt hash."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_status_check("role", UserRole), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The workspace language the user chose ("ru" or "kk"; api.web.i18n); None until they choose.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)


class UserSessionRow(Base):
    """A signed-in browser: only the SHA-256 of its cookie token is stored, with its CSRF token."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[UserRow] = relationship()


# Longest client address kept (an IPv6 address with a zone id fits); longer values are cut to it.
CLIENT_ADDRESS_MAX_LENGTH = 64


class SignInFailureRow(Base):
    """A failed sign-in to the workspace, counted by ``casework.user_accounts`` to throttle password guessing.

    Written before the password is checked (a request in flight counts, so parallel guesses cannot all
    slip under the limit) and deleted when the password proves right; rows older than the window are
    deleted whenever one is written.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # The login as typed (normalised), whether or not such a user exists: the count tells nothing.
    login: Mapped[str] = mapped_column(String(64), index=True)
    client_address: Mapped[str] = mapped_column(String(CLIENT_ADDRESS_MAX_LENGTH), index=True)
    failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class SignInAddressRow(Base):
    """Where a login last signed in successfully: its usual addresses (``casework.user_accounts``).

    Failed sign-ins from other addresses cannot lock a reviewer out at these.
    """

    __tablename__ = "sign_in_addresses"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_address: Mapped[str] = mapped_column(String(CLIENT_ADDRESS_MAX_LENGTH), primary_key=True)
    last_success_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class FindingDecisionRow(Base):
    """A reviewer's verdict on one finding of an application (keyed by ``api.web.review.finding_key``)."""

    __tablename__ = "finding_decisions"
    __table_args__ = (
        UniqueConstraint("application_id", "finding_key"),
        CheckConstraint(_status_check("verdict", FindingVerdict), name="verdict"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    finding_key: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    file: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ApplicantLetterRow(Base):
    """«Уведомление о замечаниях» to the applicant (``api.web.letters``): a draft the reviewer edits
    (``issued_at`` empty; at most one per application and language), or a letter issued, kept as sent."""

    __tablename__ = "applicant_letters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    issued_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class EligibilityDecisionRow(Base):
    """A reviewer's verdict on one eligibility condition of an application (the history is in audit_events)."""

    __tablename__ = "eligibility_decisions"
    __table_args__ = (
        UniqueConstraint("application_id", "item"),
        CheckConstraint(_status_check("verdict", EligibilityVerdict), name="verdict"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Who decided: a person in the workspace, or an API key (reviewer / admin).
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    api_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SearchEntryRow(Base):
    """What full-text search finds of one read document (``models.search_index``): its text and key values.

    One row per document, replaced whenever the document's reading is stored. The indexed form is
    dialect-specific and made by migration 0009, outside these models: on PostgreSQL a generated
    ``tsv`` column (``russian`` and ``simple`` configurations) with a GIN index, on SQLite the FTS5
    table ``search_fts`` kept in step by triggers. The key columns find the same payment order or
    invoice in other applications.
    """

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_doc_key", "doc_type", "doc_number", "doc_date", "party_bin"),)

    # An integer key: SQLite's FTS5 table refers to rows by it (a rowid that VACUUM never renumbers).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    # Every number of the document as one token each, digit groups joined ("1 250 000" -> 1250000).
    digits: Mapped[str] = mapped_column(Text)
    # The document's own number, date and the BIN that identifies it (payer of a payment order,
    # supplier of an invoice), normalised.
    doc_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    doc_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    party_bin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    indexed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


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
