"""Reviewer workspace: who a dossier is assigned to, and since when (issue 13, work assignment).

Revision ID: 0008_assignment
Revises: 0006
Create Date: 2026-12-07

(Another branch adds revision 0007 in parallel; on merge this one is re-chained after it.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_assignment"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(36), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_applications_assigned_to", "applications", ["assigned_to"])


def downgrade() -> None:
    op.drop_index("ix_applications_assigned_to", table_name="applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("assigned_at")
        batch.drop_column("assigned_to")
