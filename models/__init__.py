"""Domain models (pydantic) and persistence (SQLAlchemy)."""
