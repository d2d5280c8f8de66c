"""Reviewer workspace (issue 13): who a dossier is assigned to and since when; the letters to the
applicant («Уведомление о замечаниях»), drafts and issued.

Revision ID: 0008_workspace
Revises: 0007
Create Date: 2026-12-07

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_workspace"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(36), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_applications_assigned_to", "applications", ["assigned_to"])
    op.create_table(
        "applicant_letters",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(36), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_applicant_letters"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_applicant_letters_application_id_applications",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_applicant_letters_application_id", "applicant_letters", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_applicant_letters_application_id", table_name="applicant_letters")
    op.drop_table("applicant_letters")
    op.drop_index("ix_applications_assigned_to", table_name="applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("assigned_at")
        batch.drop_column("assigned_to")
