"""``docproc batch``: reprocess archives of many dossiers quickly, safely and without repeating work.

For every dossier source (``docproc.batch_sources``) in order:

1. load it (safely: archives are checked like uploads) and hash its input — application.json and
   every file's sha256;
2. decide (``decide``) from the journal (``docproc.batch_journal``) whether it must run and why: new,
   input changed, a stage upgraded, failed or interrupted before — or skip it (unchanged and done,
   ``--since``, ``--only-failed``);
3. run it: locally, its documents spread over a process pool together with the other dossiers'
   (``docproc.pipeline.process_document``, whose stage caches make unchanged documents cost a file
   read), then the dossier check (itself cached by its inputs and versions); or, with ``--queue``,
   hand it to the service (the API's own intake functions) for the workers to do;
4. write its journal row (one transaction): a run killed at any moment resumes where it was.

Refused inputs (a hostile archive, no application.json) become ``refused`` rows with the Russian
reason; a crash of ours becomes a ``failed`` row (``--only-failed`` runs just those again); nothing
stops the rest of the batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from docproc import pipeline
from docproc.batch_journal import EntryStatus, Journal, JournalEntry, stages_json
from docproc.batch_sources import DossierSource, find_dossiers
from docproc.stage_cache import StageCache
from foundation.settings import Settings
from foundation.versions import STAGE_LABELS, STAGES, StageFingerprint, stage_fingerprints
from ingest.dossier import LoadedDossier, RejectedFile, SourceFile
from ingest.errors import IngestError
from models.domain import DossierResult, Severity
from ocr.engine import reader_detail

log = logging.getLogger(__name__)

REPORT_FORMATS = (".csv", ".json")
JOURNAL_FILE = "journal.sqlite3"


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


# --------------------------------------------------------------------------- input hash and decisions


def input_hash(loaded: LoadedDossier) -> str:
    """What a dossier's result depends on, besides the stage versions: its declaration and its files."""
    hasher = hashlib.sha256()
    if loaded.application is not None:
        hasher.update(loaded.application.model_dump_json().encode())
    else:
        hasher.update(f"invalid:{loaded.application_error}".encode())
    for source in loaded.files:
        hasher.update(f"\x1ffile\x1f{source.name}\x1f{source.sha256}".encode())
    for rejected in loaded.rejected:
        hasher.update(f"\x1frejected\x1f{rejected.name}\x1f{rejected.code}".encode())
    return hasher.hexdigest()


def _stage_changes(
    previous: JournalEntry, current: dict[str, StageFingerprint]
) -> tuple[list[str], list[str]]:
    upgraded, changed = [], []
    for stage in STAGES:
        before, now = previous.stage(stage), current[stage]
        label = STAGE_LABELS[stage]
        if before is None or before.version != now.version:
            was = "?" if before is None else str(before.version)
            upgraded.append(f"обновлён этап «{label}»: {was}→{now.version}")
        elif before.detail != now.detail:
            changed.append(f"изменились настройки или данные этапа «{label}»")
    return upgraded, changed


def decide(
    previous: JournalEntry | None,
    current_hash: str,
    fingerprints: dict[str, StageFingerprint],
    options: BatchOptions,
    application_date: dt.date | None,
    result_missing: Path | None = None,
) -> Decision:
    """Run or skip a loaded dossier, and why."""
    if options.since is not None and application_date is not None and application_date < options.since:
        return Decision(
            False,
            Reason.BEFORE_SINCE,
            f"дата заявки {application_date:%d.%m.%Y} раньше {options.since:%d.%m.%Y}",
        )
    failed_before = previous is not None and previous.status == EntryStatus.FAILED
    if options.only_failed and not failed_before:
        return Decision(False, Reason.NOT_FAILED, "сбоя в прошлый раз не было (выбран --only-failed)")
    if previous is None:
        return Decision(True, Reason.NEW, "новое досье")
    if previous.input_hash != current_hash:
        return Decision(True, Reason.INPUT_CHANGED, "изменились файлы досье или application.json")
    if failed_before:
        return Decision(
            True, Reason.FAILED_BEFORE, f"в прошлый раз — сбой: {previous.reason or 'без подробностей'}"
        )
    if previous.status == EntryStatus.STARTED:
        return Decision(True, Reason.INTERRUPTED, "прошлый запуск прервался на этом досье")
    upgraded, changed = _stage_changes(previous, fingerprints)
    if upgraded:
        return Decision(True, Reason.UPGRADED, "; ".join(upgraded + changed))
    if changed:
        return Decision(True, Reason.SETTINGS_CHANGED, "; ".join(changed))
    if result_missing is not None:
        return Decision(True, Reason.RESULT_MISSING, f"нет файла результата {result_missing}")
    return Decision(False, Reason.UNCHANGED, "без изменений — пропущено")


# --------------------------------------------------------------------------- executors


def _init_pool_worker() -> None:
    # Ctrl-C reaches the whole process group: only the parent handles it (and stops the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # OCR parallelism comes from processes; threads inside tesseract only oversubscribe the cores.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _timed_process(source: SourceFile, settings: Settings) -> tuple[pipeline.DocumentOutcome, float]:
    started = time.monotonic()
    outcome = pipeline.process_document(source, settings)
    return outcome, time.monotonic() - started


class _InlineExecutor(Executor):
    """``--jobs 1``: the work runs in this process, at submission (no pool, no pickling)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered to the caller like a pool's failure
            future.set_exception(exc)
        return future


def _new_executor(jobs: int) -> Executor:
    if jobs <= 1:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        return _InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_init_pool_worker)


def _stop_executor(executor: Executor, now: bool) -> None:
    if isinstance(executor, ProcessPoolExecutor) and now:
        # An interrupted run must stop at once, not after the documents being OCR'd: the journal
        # already says which dossiers are unfinished.
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
    else:
        executor.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- the run


@dataclass
class _Running:
    """A dossier whose documents are being read."""

    source: DossierSource
    loaded: LoadedDossier
    decision: Decision
    entry: JournalEntry
    outcomes: list[pipeline.DocumentOutcome | None]
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return all(o is not None for o in self.outcomes)


def default_journal(settings: Settings) -> Path:
    return settings.data_dir / "batch" / JOURNAL_FILE


def run_batch(
    inputs: Sequence[Path],
    settings: Settings,
    options: BatchOptions,
    observer: BatchObserver | None = None,
) -> BatchSummary:
    """Run (or with ``dry_run`` only plan) the batch. ``KeyboardInterrupt`` stops it cleanly: the
    summary says ``interrupted`` and a new run resumes."""
    from docproc.batch_journal import JournalError

    observer = observer or BatchObserver()
    if options.mode == Mode.QUEUE and not settings.database_url:
        raise BatchError("Для --queue нужна база сервиса: задайте DATABASE_URL (и REDIS_URL).")
    journal_path = options.journal_path or default_journal(settings)
    try:
        # A dry run with no journal yet plans against an empty one, and leaves no file behind.
        journal = Journal(journal_path if journal_path.exists() or not options.dry_run else None)
    except JournalError as exc:
        raise BatchError(f"Журнал пакета недоступен: {exc}") from exc
    summary = BatchSummary(journal=journal_path)
    started = time.monotonic()
    with journal:
        run = _BatchRun(settings, options, journal, observer, summary)
        try:
            run.execute(list(inputs))
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            run.close(interrupted=summary.interrupted)
    summary.elapsed_s = time.monotonic() - started
    return summary


class _BatchRun:
    def __init__(
        self,
        settings: Settings,
        options: BatchOptions,
        journal: Journal,
        observer: BatchObserver,
        summary: BatchSummary,
    ) -> None:
        self.settings = settings
        self.options = options
        self.journal = journal
        self.observer = observer
        self.summary = summary
        self.mode = options.mode.value
        self.fingerprints = stage_fingerprints(reader_detail(settings))
        self.stage_cache = StageCache(settings, self.fingerprints) if settings.stage_cache else None
        self.jobs = max(1, options.jobs)
        self.executor: Executor | None = None
        self.in_flight: dict[Future[Any], tuple[_Running, int]] = {}
        self.queue_target: _QueueTarget | None = None
        # dossier_id -> the source that first carried it in this run: results (--out files, the
        # database's application rows) are keyed by dossier_id, so a second dossier with the same id
        # would silently overwrite the first one's.
        self.first_source_of: dict[str, str] = {}

    # ------------------------------------------------------------------ main loop

    def execute(self, inputs: list[Path]) -> None:
        with find_dossiers(inputs, self.settings) as sources:
            self.observer.on_start(len(sources))
            order = {source.key: index for index, source in enumerate(sources)}
            pending = deque(sources)
            capacity = self.jobs * self.settings.batch.documents_ahead_per_process
            try:
                while pending or self.in_flight:
                    while pending and len(self.in_flight) < capacity:
                        self._start(pending.popleft())
                    if self.in_flight:
                        self._collect()
            finally:
                # Dossiers finish in any order in a pool; the report follows the archive's order.
                self.summary.rows.sort(key=lambda row: order.get(row.source, len(order)))

    def close(self, interrupted: bool) -> None:
        if self.executor is not None:
            _stop_executor(self.executor, now=interrupted)
            self.executor = None

    def _pool(self) -> Executor:
        if self.executor is None:
            self.executor = _new_executor(self.jobs)
        return self.executor

    def _start(self, source: DossierSource) -> None:
        try:
            loaded = source.load()
        except IngestError as exc:
            self._refused(source, None, exc.reason)
            return
        except OSError as exc:
            self._failed_to_load(source, f"досье не прочитано: ошибка чтения ({exc})")
            return
        except Exception as exc:  # e.g. the archive changed since it was listed
            log.exception("loading %s failed", source.key)
            self._failed_to_load(source, f"досье не прочитано: внутренняя ошибка ({type(exc).__name__})")
            return
        if loaded.application is None:
            self._refused(source, loaded, loaded.application_error or "нет корректного application.json")
            return
        first = self.first_source_of.setdefault(loaded.application.dossier_id, source.key)
        if first != source.key:
            self._refused(
                source,
                loaded,
                f"dossier_id «{loaded.application.dossier_id}» уже встречался в этом запуске ({first}); "
                "второе досье с тем же номером не проверяется, чтобы не перезаписать результаты первого — "
                "проверьте его отдельным запуском или исправьте dossier_id",
            )
            return
        current_hash = input_hash(loaded)
        previous = self.journal.get(source.key, self.mode)
        result_path = self._result_path(loaded)
        missing = result_path if result_path is not None and not result_path.is_file() else None
        decision = decide(
            previous,
            current_hash,
            self.fingerprints,
            self.options,
            loaded.application.application_date,
            missing,
        )
        if not decision.run:
            row = _skipped_row(source, loaded, decision, previous, current_hash)
            self.summary.rows.append(row)
            self.observer.on_skipped(row)
            return
        if self.options.dry_run:
            row = BatchRow(
                dossier_id=loaded.application.dossier_id,
                source=source.key,
                status=Outcome.WOULD_RUN,
                reason_code=decision.reason,
                reason=decision.text,
                documents=len(loaded.files),
            )
            self.summary.rows.append(row)
            self.observer.on_dossier(row)
            return
        entry = JournalEntry(
            source=source.key,
            mode=self.mode,
            status=EntryStatus.STARTED,
            dossier_id=loaded.application.dossier_id,
            application_date=loaded.application.application_date.isoformat(),
            input_hash=current_hash,
            stages=stages_json(self.fingerprints),
            documents=len(loaded.files) + len(loaded.rejected),
        )
        self.journal.write(entry)
        if self.options.mode == Mode.QUEUE:
            self._enqueue(source, loaded, decision, entry)
            return
        running = _Running(source, loaded, decision, entry, [None] * len(loaded.files))
        if not loaded.files:
            self._finish(running)
            return
        for index, document in enumerate(loaded.files):
            self._submit(running, index, document)

    def _submit(self, running: _Running, index: int, document: SourceFile) -> None:
        try:
            future = self._pool().submit(_timed_process, document, self.settings)
        except BrokenProcessPool:
            self._replace_broken_pool()
            future = self._pool().submit(_timed_process, document, self.settings)
        self.in_flight[future] = (running, index)
        if future.done():  # inline executor: collect at once, keeping memory flat
            self._collect()

    def _collect(self) -> None:
        done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            running, index = self.in_flight.pop(future)
            document = running.loaded.files[index]
            try:
                outcome, seconds = future.result()
            except BrokenProcessPool:
                broken = True
                outcome, seconds = _crashed(document.name, "процесс обработки аварийно завершился"), 0.0
            except Exception as exc:
                log.exception("processing %s failed", document.name)
                outcome, seconds = _crashed(document.name, type(exc).__name__), 0.0
            running.outcomes[index] = outcome
            running.seconds += seconds
            self.observer.on_document(document.name, outcome.extraction.pages)
            if running.finished:
                self._finish(running)
        if broken:
            self._replace_broken_pool()

    def _replace_broken_pool(self) -> None:
        # Every document still in the dead pool is lost with it: reported as crashed (the dossier is
        # "failed" and --only-failed retries it); the rest of the batch gets a new pool.
        for future, (running, index) in list(self.in_flight.items()):
            self.in_flight.pop(future)
            running.outcomes[index] = _crashed(
                running.loaded.files[index].name, "процесс обработки аварийно завершился"
            )
            if running.finished:
                self._finish(running)
        if self.executor is not None:
            _stop_executor(self.executor, now=True)
        self.executor = None

    # ------------------------------------------------------------------ one dossier's end

    def _finish(self, running: _Running) -> None:
        from worker.jobs import NOT_CACHED_FAILURES

        application = running.loaded.application
        assert application is not None
        processed = [o for o in running.outcomes if o is not None]
        outcomes = pipeline.dossier_outcomes(running.loaded, processed)
        check_started = time.monotonic()
        transient = [o.extraction for o in outcomes if o.extraction.unreadable_code in NOT_CACHED_FAILURES]
        try:
            result = self._check(application, outcomes, cache=not transient)
        except Exception as exc:
            log.exception("checking %s failed", running.source.key)
            self._write_failed(
                running, f"проверка досье прервалась: внутренняя ошибка ({type(exc).__name__})"
            )
            return
        running.seconds += time.monotonic() - check_started
        entry = running.entry
        entry.pages = sum(o.extraction.pages for o in outcomes)
        entry.errors = sum(1 for f in result.findings if f.severity == Severity.ERROR)
        entry.warnings = sum(1 for f in result.findings if f.severity == Severity.WARNING)
        entry.reimbursement_kzt = result.computed.reimbursement_kzt if result.computed else None
        entry.seconds = round(running.seconds, 3)
        if transient:
            entry.status = EntryStatus.FAILED
            entry.reason = "; ".join(f"{d.file}: {d.unreadable_reason}" for d in transient)
        else:
            entry.status = EntryStatus.DONE
            entry.reason = None
        result_path = self._result_path(running.loaded)
        if result_path is not None:
            try:
                _write_json(result_path, result.model_dump(mode="json"))
                entry.result_path = str(result_path)
            except OSError as exc:
                entry.status = EntryStatus.FAILED
                entry.reason = f"результат не записан в {result_path}: {exc}"
        self.journal.write(entry)
        self._report(running.source, entry, running.decision)

    def _check(
        self, application: Any, outcomes: list[pipeline.DocumentOutcome], cache: bool
    ) -> DossierResult:
        if self.stage_cache is None:
            return pipeline.check_documents(application, outcomes)
        key = self.stage_cache.check_key(
            application, [o.extraction for o in outcomes], [o.text_digest for o in outcomes]
        )
        hit = self.stage_cache.get_check(key)
        if hit is not None:
            return hit
        result = pipeline.check_documents(application, outcomes)
        if cache:
            self.stage_cache.put_check(key, result)
        return result

    def _result_path(self, loaded: LoadedDossier) -> Path | None:
        if self.options.out_dir is None or loaded.application is None or self.options.mode == Mode.QUEUE:
            return None
        return self.options.out_dir / f"{_safe_file_name(loaded.application.dossier_id)}.json"

    def _write_failed(self, running: _Running, reason: str) -> None:
        entry = running.entry
        entry.status = EntryStatus.FAILED
        entry.reason = reason
        entry.seconds = round(running.seconds, 3)
        self.journal.write(entry)
        self._report(running.source, entry, running.decision)

    def _refused(self, source: DossierSource, loaded: LoadedDossier | None, reason: str) -> None:
        """A refusal costs nothing to find again, so a refused dossier is examined on every run."""
        dossier_id = loaded.source_name if loaded is not None else source.label
        row = BatchRow(
            dossier_id=dossier_id,
            source=source.key,
            status=Outcome.REFUSED,
            reason_code=Reason.REFUSED,
            reason=reason,
            documents=len(loaded.files) + len(loaded.rejected) if loaded is not None else 0,
        )
        if not self.options.dry_run:
            self.journal.write(
                JournalEntry(
                    source=source.key,
                    mode=self.mode,
                    status=EntryStatus.REFUSED,
                    dossier_id=dossier_id,
                    stages=stages_json(self.fingerprints),
                    documents=row.documents,
                    reason=reason,
                )
            )
        self.summary.rows.append(row)
        self.observer.on_dossier(row)

    def _failed_to_load(self, source: DossierSource, reason: str) -> None:
        entry = JournalEntry(
            source=source.key,
            mode=self.mode,
            status=EntryStatus.FAILED,
            dossier_id=source.label,
            reason=reason,
        )
        if not self.options.dry_run:
            self.journal.write(entry)
        self._report(source, entry, Decision(True, Reason.UNREADABLE_INPUT, reason))

    def _report(self, source: DossierSource, entry: JournalEntry, decision: Decision) -> None:
        status = {
            EntryStatus.DONE: Outcome.DONE,
            EntryStatus.QUEUED: Outcome.QUEUED,
            EntryStatus.REFUSED: Outcome.REFUSED,
        }.get(entry.status, Outcome.FAILED)
        row = BatchRow(
            dossier_id=entry.dossier_id or source.label,
            source=source.key,
            status=status,
            reason_code=decision.reason,
            reason=entry.reason if status == Outcome.FAILED and entry.reason else decision.text,
            documents=entry.documents,
            pages=entry.pages,
            errors=entry.errors,
            warnings=entry.warnings,
            reimbursement_kzt=entry.reimbursement_kzt,
            seconds=entry.seconds,
        )
        self.summary.rows.append(row)
        self.observer.on_dossier(row)

    # ------------------------------------------------------------------ --queue

    def _enqueue(
        self, source: DossierSource, loaded: LoadedDossier, decision: Decision, entry: JournalEntry
    ) -> None:
        if self.queue_target is None:
            self.queue_target = _QueueTarget(self.settings)
        started = time.monotonic()
        try:
            accepted, notes = self.queue_target.submit(loaded)
        except Exception as exc:
            log.exception("enqueueing %s failed", source.key)
            entry.status = EntryStatus.FAILED
            entry.reason = f"не поставлено в очередь: {_describe(exc)}"
        else:
            entry.status = EntryStatus.QUEUED
            entry.documents = accepted
            entry.reason = "; ".join(notes) or None
        entry.seconds = round(time.monotonic() - started, 3)
        self.journal.write(entry)
        if entry.status == EntryStatus.QUEUED and entry.reason:
            decision = Decision(decision.run, decision.reason, f"{decision.text}; {entry.reason}")
        self._report(source, entry, decision)


def _crashed(name: str, detail: str) -> pipeline.DocumentOutcome:
    return pipeline.rejected_outcome(name, "worker_crashed", f"Обработка документа прервалась ({detail}).")


def _skipped_row(
    source: DossierSource,
    loaded: LoadedDossier,
    decision: Decision,
    previous: JournalEntry | None,
    current_hash: str,
) -> BatchRow:
    assert loaded.application is not None
    row = BatchRow(
        dossier_id=loaded.application.dossier_id,
        source=source.key,
        status=Outcome.SKIPPED,
        reason_code=decision.reason,
        reason=decision.text,
        documents=len(loaded.files) + len(loaded.rejected),
    )
    if previous is not None and previous.input_hash == current_hash:
        # What is known about the dossier from its last run, for the report.
        row.pages, row.errors, row.warnings = previous.pages, previous.errors, previous.warnings
        row.reimbursement_kzt = previous.reimbursement_kzt
    return row


def _describe(exc: BaseException) -> str:
    detail = getattr(exc, "message", None) or getattr(exc, "reason", None) or str(exc)
    return f"{type(exc).__name__}: {detail}"[:300]


def _safe_file_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return cleaned or "dossier"


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the service (--queue)


class _QueueTarget:
    """Hands dossiers to the service exactly as the API does: application row, documents, a check round."""

    def __init__(self, settings: Settings) -> None:
        from casework import connections
        from models.db import upgrade_database

        self.settings = settings
        upgrade_database(settings.effective_database_url)
        self.sessions = connections.sessions(settings)
        self.redis = connections.redis_connection(settings)

    def submit(self, loaded: LoadedDossier) -> tuple[int, list[str]]:
        """The number of documents handed over, and notes (Russian) on files that were not."""
        from casework.access import Principal, Role
        from casework.intake import add_documents, create_application, enqueue_or_explain
        from ingest.limits import check_limits
        from ingest.uploads import AcceptedDocument, UploadCheck
        from models import repository as repo

        assert loaded.application is not None
        check = UploadCheck()
        for document in loaded.files:
            try:
                check.accepted.append(
                    AcceptedDocument(
                        source=document,
                        pages=check_limits(document.data, document.kind, self.settings.limits),
                    )
                )
            except IngestError as exc:
                check.rejected.append(_rejected(document.name, exc))
        check.rejected.extend(loaded.rejected)
        principal = Principal(key_id="docproc-batch", role=Role.ADMIN, name="docproc batch")
        with self.sessions() as session:
            app = repo.find_application(
                session, loaded.application.dossier_id, loaded.application.applicant.bin
            )
            if app is None:
                app = create_application(session, loaded.application, principal)
            else:
                repo.upsert_application(session, loaded.application)
            plan, _ = add_documents(session, app, check, self.settings, principal)
            session.commit()
        enqueue_or_explain(plan, self.settings, self.redis)
        notes = [f"{r.name}: {r.reason}" for r in check.rejected]
        return len(check.accepted), notes


def _rejected(name: str, exc: IngestError) -> RejectedFile:
    return RejectedFile(name=name, code=exc.code, reason=exc.reason)


# --------------------------------------------------------------------------- report


REPORT_COLUMNS = [
    "dossier_id",
    "status",
    "errors",
    "warnings",
    "reimbursement_kzt",
    "seconds",
    "documents",
    "pages",
    "reason_code",
    "reason",
    "source",
]


def write_report(path: Path, summary: BatchSummary) -> None:
    """CSV or JSON by the extension; written whole to a temporary file first."""
    rows = [{name: _report_value(asdict(row)[name]) for name in REPORT_COLUMNS} for row in summary.rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.casefold() == ".json":
        payload = {"summary": summary_counts(summary), "dossiers": rows}
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel opens it as UTF-8
            writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    os.replace(tmp, path)


def _report_value(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def summary_counts(summary: BatchSummary) -> dict[str, Any]:
    return {
        "dossiers": len(summary.rows),
        **{status.value: summary.count(status) for status in Outcome},
        "documents_read": summary.documents_read,
        "pages_read": summary.pages_read,
        "elapsed_s": round(summary.elapsed_s, 3),
        "interrupted": summary.interrupted,
        "journal": str(summary.journal) if summary.journal else None,
    }


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``) stops the batch like Ctrl-C: pool stopped, journal consistent, summary printed."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
