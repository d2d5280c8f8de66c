"""Full-text search over the read text of every document (issue 13, item 6).

``search_entries`` holds each read document's text and key values (``models.search_index`` writes
it). The indexed form depends on the database:

- PostgreSQL: a generated ``tsv`` column — the text under the ``russian`` configuration (stemming:
  «договора» finds «договор») and under ``simple`` (Kazakh and other words as written, numbers) —
  with a GIN index.
- SQLite (embedded mode): an FTS5 table ``search_fts`` over ``body`` and ``digits`` whose rows are
  ``search_entries`` rows by id (external content), kept in step by triggers, so inserts, updates
  and deletes — cascades from a deleted document or application included — reach the index.

Neither the column nor the FTS5 table is in the SQLAlchemy models: ``models.search_index.
DIALECT_OBJECTS`` names them for the schema comparison. A later migration that rebuilds
``search_entries`` on SQLite (batch mode copies the table) must create the three triggers again.

Revision ID: 0010_search
Revises: 0009_open_errors
Create Date: 2026-12-07

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_search"
down_revision: str | None = "0009_open_errors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_TSV = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "to_tsvector('russian'::regconfig, body) || to_tsvector('simple'::regconfig, body)"
    " || to_tsvector('simple'::regconfig, digits)) STORED"
)

_SQLITE_FTS = (
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5(body, digits, content='search_entries', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')"
    ),
    (
        "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN"
        " INSERT INTO search_fts(rowid, body, digits) VALUES (new.id, new.body, new.digits); END"
    ),
    (
        "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN"
        " INSERT INTO search_fts(search_fts, rowid, body, digits) VALUES ('delete', old.id, old.body, old.digits); END"
    ),
    (
        "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN"
        " INSERT INTO search_fts(search_fts, rowid, body, digits) VALUES ('delete', old.id, old.body, old.digits);"
        " INSERT INTO search_fts(rowid, body, digits) VALUES (new.id, new.body, new.digits); END"
    ),
)


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("doc_type", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("digits", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.String(100), nullable=True),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("party_bin", sa.String(32), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_entries"),
        sa.UniqueConstraint("document_id", name="uq_search_entries_document_id"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_entries_document_id_documents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_search_entries_application_id_applications",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_search_entries_application_id", "search_entries", ["application_id"])
    op.create_index(
        "ix_search_entries_doc_key", "search_entries", ["doc_type", "doc_number", "doc_date", "party_bin"]
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_TSV)
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    elif dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entries_au", "search_entries_ad", "search_entries_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_entries_doc_key", table_name="search_entries")
    op.drop_index("ix_search_entries_application_id", table_name="search_entries")
    op.drop_table("search_entries")  # on PostgreSQL the tsv column and its index go with it
