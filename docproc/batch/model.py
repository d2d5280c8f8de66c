"""What a batch run is made of: its options, the decision on each dossier, the report's rows and summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

REPORT_FORMATS = (".csv", ".json")


class Mode(StrEnum):
    LOCAL = "local"
    QUEUE = "queue"


class Reason(StrEnum):
    """Why a dossier runs or is skipped (stable codes; the Russian text goes beside them)."""

    NEW = "new"
    INPUT_CHANGED = "input_changed"
    UPGRADED = "upgraded"
    SETTINGS_CHANGED = "settings_changed"
    INTERRUPTED = "interrupted"
    FAILED_BEFORE = "failed_before"
    RESULT_MISSING = "result_missing"
    UNCHANGED = "unchanged"
    NOT_FAILED = "not_failed"
    BEFORE_SINCE = "before_since"
    REFUSED = "refused"
    UNREADABLE_INPUT = "unreadable_input"


class Outcome(StrEnum):
    """What this run did with a dossier (the report's ``status``)."""

    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    QUEUED = "queued"
    SKIPPED = "skipped"
    WOULD_RUN = "would_run"  # --dry-run


@dataclass(frozen=True)
class BatchOptions:
    jobs: int = 1
    mode: Mode = Mode.LOCAL
    since: dt.date | None = None
    only_failed: bool = False
    dry_run: bool = False
    out_dir: Path | None = None  # full result JSON per dossier
    journal_path: Path | None = None


@dataclass(frozen=True)
class Decision:
    run: bool
    reason: Reason
    text: str  # Russian


@dataclass
class BatchRow:
    """One dossier in the report."""

    dossier_id: str
    source: str
    status: Outcome
    reason_code: Reason
    reason: str  # Russian: why it ran or was skipped; for a refusal or a failure, what happened
    documents: int = 0
    pages: int = 0
    errors: int = 0
    warnings: int = 0
    reimbursement_kzt: float | None = None
    seconds: float = 0.0


@dataclass
class BatchSummary:
    rows: list[BatchRow] = field(default_factory=list)
    elapsed_s: float = 0.0
    interrupted: bool = False
    journal: Path | None = None

    def count(self, status: Outcome) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def documents_read(self) -> int:
        return sum(r.documents for r in self.rows if r.status in (Outcome.DONE, Outcome.FAILED))

    @property
    def pages_read(self) -> int:
        return sum(r.pages for r in self.rows if r.status in (Outcome.DONE, Outcome.FAILED))


class BatchObserver:
    """Progress callbacks (the CLI draws bars with them); every method is optional."""

    def on_start(self, total: int) -> None: ...

    def on_skipped(self, row: BatchRow) -> None: ...

    def on_document(self, name: str, pages: int) -> None: ...

    def on_dossier(self, row: BatchRow) -> None: ...


class BatchError(Exception):
    """The batch cannot start (bad options, no database for --queue, unusable journal). Russian text."""
