"""Program rules: a reviewer's verdict on each eligibility condition of an application.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02

(Another branch adds revision 0005 in parallel; on merge this one is re-chained after it.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VERDICTS = "verdict IN ('confirmed', 'refused')"


def upgrade() -> None:
    op.create_table(
        "eligibility_decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("api_key_id", sa.String(36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eligibility_decisions"),
        sa.UniqueConstraint("application_id", "item", name="uq_eligibility_decisions_application_id"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_eligibility_decisions_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_VERDICTS, name="ck_eligibility_decisions_verdict"),
    )
    op.create_index("ix_eligibility_decisions_application_id", "eligibility_decisions", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_eligibility_decisions_application_id", table_name="eligibility_decisions")
    op.drop_table("eligibility_decisions")
