"""Alembic migrations of the docproc database (run with ``models.db.upgrade_database``)."""
