"""Reviewers' workspace: user accounts and sessions, finding verdicts, dossier decisions, who in the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USER_ROLES = "role IN ('observer', 'reviewer', 'admin')"
_VERDICTS = "verdict IN ('accepted', 'dismissed')"
_REVIEW_DECISIONS = "review_decision IS NULL OR review_decision IN ('complete', 'incomplete')"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("login", name="uq_users_login"),
        sa.CheckConstraint(_USER_ROLES, name="ck_users_role"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "finding_decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("finding_key", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("file", sa.String(1000), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_finding_decisions"),
        sa.UniqueConstraint("application_id", "finding_key", name="uq_finding_decisions_application_id"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_finding_decisions_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_VERDICTS, name="ck_finding_decisions_verdict"),
    )
    op.create_index("ix_finding_decisions_application_id", "finding_decisions", ["application_id"])
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("review_decision", sa.String(16), nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("ck_applications_review_decision", _REVIEW_DECISIONS)
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("user_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("user_id")
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("ck_applications_review_decision", type_="check")
        for column in ("reviewed_at", "reviewed_by", "review_comment", "review_decision"):
            batch.drop_column(column)
    op.drop_index("ix_finding_decisions_application_id", table_name="finding_decisions")
    op.drop_table("finding_decisions")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("users")
