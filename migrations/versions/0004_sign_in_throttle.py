"""Sign-in throttling of the reviewers' workspace: recent failed sign-ins by login and client address.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXED = ("login", "client_address", "failed_at")


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failures"),
    )
    for column in _INDEXED:
        op.create_index(f"ix_sign_in_failures_{column}", "sign_in_failures", [column])


def downgrade() -> None:
    for column in reversed(_INDEXED):
        op.drop_index(f"ix_sign_in_failures_{column}", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
