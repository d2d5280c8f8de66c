"""The batch journal: what ``docproc batch`` did with each dossier, so that a re-run resumes.

One SQLite file (default ``<data_dir>/batch/journal.sqlite3``; ``--journal`` for another), one row per
(dossier source, mode), written in its own transaction when the dossier starts and when it ends.
SQLite's journal makes each write all-or-nothing, so a run killed at any instant (Ctrl-C, SIGKILL,
power cut) leaves every row either as it was or as written: finished dossiers say so, and a dossier
that was running says ``started`` and is run again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from foundation.versions import StageFingerprint

SCHEMA_VERSION = 1


class EntryStatus(StrEnum):
    STARTED = "started"  # running, or interrupted while running
    DONE = "done"
    FAILED = "failed"  # our fault (a crash, a timeout): run again
    REFUSED = "refused"  # the input itself was refused (archive, application.json)
    QUEUED = "queued"  # --queue: handed to the service's workers


@dataclass
class JournalEntry:
    source: str
    mode: str
    status: EntryStatus
    dossier_id: str | None = None
    application_date: str | None = None
    input_hash: str | None = None
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: int = 0
    pages: int = 0
    errors: int = 0
    warnings: int = 0
    reimbursement_kzt: float | None = None
    seconds: float = 0.0
    reason: str | None = None
    result_path: str | None = None
    updated_at: str = ""

    def stage(self, name: str) -> StageFingerprint | None:
        raw = self.stages.get(name)
        if not isinstance(raw, dict):
            return None
        try:
            return StageFingerprint(version=int(raw["version"]), detail=str(raw["detail"]))
        except (KeyError, TypeError, ValueError):
            return None


def stages_json(fingerprints: dict[str, StageFingerprint]) -> dict[str, dict[str, Any]]:
    return {name: asdict(fp) for name, fp in fingerprints.items()}


_COLUMNS = [
    "source",
    "mode",
    "status",
    "dossier_id",
    "application_date",
    "input_hash",
    "stages",
    "documents",
    "pages",
    "errors",
    "warnings",
    "reimbursement_kzt",
    "seconds",
    "reason",
    "result_path",
    "updated_at",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    source TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    dossier_id TEXT,
    application_date TEXT,
    input_hash TEXT,
    stages TEXT NOT NULL DEFAULT '{}',
    documents INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    reimbursement_kzt REAL,
    seconds REAL NOT NULL DEFAULT 0,
    reason TEXT,
    result_path TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, mode)
)
"""


class JournalError(Exception):
    """The journal file cannot be used (not SQLite, a newer schema, no access)."""


class Journal:
    def __init__(self, path: Path | None) -> None:
        """``path`` None: a journal in memory (planning only)."""
        self.path = Path(path) if path is not None else Path(":memory:")
        try:
            if path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # Several runs may share a journal; a writer waits for another's short transaction.
            self._db = sqlite3.connect(
                path if path is not None else ":memory:", timeout=30, isolation_level=None
            )
            self._db.row_factory = sqlite3.Row
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(f"журнал {self.path} создан более новой версией docproc (схема {version})")
            if version < SCHEMA_VERSION:  # a new journal (an open one is left untouched: --dry-run)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(_SCHEMA)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise JournalError(f"журнал {self.path} не открывается: {exc}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def get(self, source: str, mode: str) -> JournalEntry | None:
        row = self._db.execute(
            "SELECT * FROM dossiers WHERE source = ? AND mode = ?", (source, mode)
        ).fetchone()
        return None if row is None else _entry(row)

    def entries(self, mode: str | None = None) -> list[JournalEntry]:
        query = "SELECT * FROM dossiers" + (" WHERE mode = ?" if mode else "") + " ORDER BY source"
        return [_entry(row) for row in self._db.execute(query, (mode,) if mode else ())]

    def write(self, entry: JournalEntry) -> None:
        """Insert or replace ``entry``'s row: one transaction, committed when this returns."""
        entry.updated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        values = asdict(entry)
        values["status"] = entry.status.value
        values["stages"] = json.dumps(entry.stages, sort_keys=True)
        placeholders = ", ".join("?" for _ in _COLUMNS)
        self._db.execute(
            f"INSERT OR REPLACE INTO dossiers ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            [values[name] for name in _COLUMNS],
        )


def _entry(row: sqlite3.Row) -> JournalEntry:
    values = {name: row[name] for name in _COLUMNS}
    try:
        values["stages"] = json.loads(values["stages"] or "{}")
    except json.JSONDecodeError:
        values["stages"] = {}
    try:
        values["status"] = EntryStatus(values["status"])
    except ValueError:
        values["status"] = EntryStatus.STARTED  # unknown: run it again
    return JournalEntry(**values)
