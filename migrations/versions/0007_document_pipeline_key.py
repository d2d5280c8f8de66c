"""Documents name the reading they hold by its pipeline key: ``documents.pipeline_version`` -> ``pipeline_key``.

The column has always stored ``casework.queues.pipeline_key`` (the key of the per-content cache,
``extraction_cache.pipeline_key``), never ``PIPELINE_VERSION``; it now carries the name of what it holds.
The key itself is now derived from the reader and extractor stage fingerprints (tesseract version
included): readings stored under the old keys are simply read again when next needed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("pipeline_version", new_column_name="pipeline_key")


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("pipeline_key", new_column_name="pipeline_version")
