"""The workspace language each user chose (issue 13, item 9: Russian or Kazakh interface).

Revision ID: 0010_user_language
Revises: 0009_open_errors, 0009_search
Create Date: 2026-12-07

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_user_language"
# Both 0009s (open error counts, the search index) were written in parallel on 0008: this joins them.
down_revision: str | tuple[str, ...] | None = ("0009_open_errors", "0009_search")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
