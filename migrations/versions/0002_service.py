"""Service mode: blob bytes in the database, extraction cache, check rounds, API keys, webhooks, audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CACHE_STATUSES = "status IN ('done', 'failed')"
_ROLES = "role IN ('portal', 'reviewer', 'consumer', 'admin')"
_DELIVERY_STATUSES = "status IN ('pending', 'delivered', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("checked_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clean", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("error_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("finding_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("job_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("corrections", sa.JSON(), nullable=True))

    op.create_table(
        "blob_data",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blob_data"),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name="fk_blob_data_sha256_blobs", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "extraction_cache",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pipeline_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("extraction", sa.JSON(), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("failure_code", sa.String(64), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("ocr_pages", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "pipeline_key", name="pk_extraction_cache"),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name="fk_extraction_cache_sha256_blobs", ondelete="CASCADE"
        ),
        sa.CheckConstraint(_CACHE_STATUSES, name="ck_extraction_cache_status"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("applicant_bins", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        sa.CheckConstraint(_ROLES, name="ck_api_keys_role"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("api_key_id", sa.String(36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name="fk_webhooks_api_key_id_api_keys", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_webhooks_api_key_id", "webhooks", ["api_key_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name="fk_webhook_deliveries_webhook_id_webhooks",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_webhook_deliveries_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_DELIVERY_STATUSES, name="ck_webhook_deliveries_status"),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])
    op.create_index("ix_webhook_deliveries_application_id", "webhook_deliveries", ["application_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(36), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=True),
        sa.Column("document_id", sa.String(36), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_application_id", "audit_events", ["application_id"])
    # The list endpoint filters on these.
    op.create_index("ix_applications_applicant_bin", "applications", ["applicant_bin"])
    op.create_index("ix_applications_status", "applications", ["status"])
    op.create_index("ix_documents_status", "documents", ["status"])


def downgrade() -> None:
    op.drop_index("ix_documents_status", table_name="documents")
    op.drop_index("ix_applications_status", table_name="applications")
    op.drop_index("ix_applications_applicant_bin", table_name="applications")
    op.drop_index("ix_audit_events_application_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_webhook_deliveries_application_id", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_webhook_id", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhooks_api_key_id", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_table("api_keys")
    op.drop_table("extraction_cache")
    op.drop_table("blob_data")
    with op.batch_alter_table("documents") as batch:
        for column in ("corrections", "finished_at", "started_at", "queued_at", "attempts", "job_id"):
            batch.drop_column(column)
    with op.batch_alter_table("applications") as batch:
        for column in (
            "failure_reason",
            "finding_count",
            "error_count",
            "clean",
            "checked_at",
            "checked_revision",
            "revision",
        ):
            batch.drop_column(column)
