"""Open errors (issue 13): the count of a dossier's errors no reviewer dismissed, which the
workspace list's «Ошибки: есть/нет» filter reads (``error_count`` keeps counting every error the
check raised, as the API and webhooks report it).

Revision ID: 0009_open_errors
Revises: 0008_workspace
Create Date: 2026-12-07

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_open_errors"
down_revision: str | None = "0008_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("open_error_count", sa.Integer(), nullable=True))
    op.execute("UPDATE applications SET open_error_count = error_count")
    _count_dismissed_out()


def _count_dismissed_out() -> None:
    """Dossiers with dismissed findings: their open errors counted the way the service counts them
    (``casework.checking.open_error_count``), keys being computed in Python."""
    from casework.checking import open_error_count

    bind = op.get_bind()
    applications = sa.table(
        "applications", sa.column("id"), sa.column("result", sa.JSON), sa.column("open_error_count")
    )
    decisions = sa.table("finding_decisions", sa.column("application_id"), sa.column("finding_key"), sa.column("verdict"))
    dismissed: dict[str, set[str]] = {}
    for application_id, key in bind.execute(
        sa.select(decisions.c.application_id, decisions.c.finding_key).where(decisions.c.verdict == "dismissed")
    ):
        dismissed.setdefault(application_id, set()).add(key)
    for application_id, keys in dismissed.items():
        result = bind.execute(sa.select(applications.c.result).where(applications.c.id == application_id)).scalar()
        findings = (result or {}).get("findings")
        if isinstance(findings, list):
            bind.execute(
                applications.update()
                .where(applications.c.id == application_id)
                .values(open_error_count=open_error_count(findings, keys))
            )


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("open_error_count")
