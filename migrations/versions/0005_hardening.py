"""Hardening (issue 15): dossier ids per applicant, page image cache, sign-in addresses.

* ``applications.dossier_id`` is unique per applicant (``applicant_bin``), no longer across all
  applicants: one applicant's id says nothing about, and cannot block, another's.
* ``page_images``: page images rendered once per content, page and rendering (api/page_images.py).
* ``sign_in_addresses``: where each login last signed in successfully (casework/user_accounts.py), so that
  failures from strangers' addresses do not lock a reviewer out at their usual one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("uq_applications_dossier_id", type_="unique")
        batch.create_unique_constraint("uq_applications_applicant_bin", ["applicant_bin", "dossier_id"])
    op.create_table(
        "page_images",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name="fk_page_images_sha256_blobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("sha256", "page_no", "variant", name="pk_page_images"),
    )
    op.create_table(
        "sign_in_addresses",
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", "client_address", name="pk_sign_in_addresses"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_addresses")
    op.drop_table("page_images")
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("uq_applications_applicant_bin", type_="unique")
        batch.create_unique_constraint("uq_applications_dossier_id", ["dossier_id"])
