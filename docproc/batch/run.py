"""Running a batch: dossiers loaded in order, decided, their documents spread over one process pool
(``docproc.pool``) with the other dossiers', checked, and written to the journal one by one."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docproc import pipeline
from docproc.batch.decide import decide, input_hash
from docproc.batch.journal import EntryStatus, Journal, JournalEntry, JournalError, stages_json
from docproc.batch.model import (
    BatchError,
    BatchObserver,
    BatchOptions,
    BatchRow,
    BatchSummary,
    Decision,
    Mode,
    Outcome,
    Reason,
)
from docproc.batch.service_queue import QueueTarget
from docproc.batch.sources import DossierSource, find_dossiers
from docproc.document_outcome import DocumentOutcome
from docproc.pool import document_pool, stop_pool
from foundation.settings import Settings
from foundation.versions import stage_fingerprints
from ingest.dossier import LoadedDossier
from ingest.errors import IngestError
from models.domain import Severity, SourceFile
from ocr.engine import reader_detail

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.sqlite3"


def _timed_process(source: SourceFile, settings: Settings) -> tuple[DocumentOutcome, float]:
    started = time.monotonic()
    outcome = pipeline.process_document(source, settings)
    return outcome, time.monotonic() - started


# --------------------------------------------------------------------------- the run


@dataclass
class _Running:
    """A dossier whose documents are being read."""

    source: DossierSource
    loaded: LoadedDossier
    decision: Decision
    entry: JournalEntry
    outcomes: list[DocumentOutcome | None]
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
        self.jobs = max(1, options.jobs)
        self.executor: Executor | None = None
        self.in_flight: dict[Future[Any], tuple[_Running, int]] = {}
        self.queue_target: QueueTarget | None = None
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
            stop_pool(self.executor, now=interrupted)
            self.executor = None

    def _pool(self) -> Executor:
        if self.executor is None:
            self.executor = document_pool(self.jobs)
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
            stop_pool(self.executor, now=True)
        self.executor = None

    # ------------------------------------------------------------------ one dossier's end

    def _finish(self, running: _Running) -> None:
        application = running.loaded.application
        assert application is not None
        processed = [o for o in running.outcomes if o is not None]
        outcomes = pipeline.dossier_outcomes(running.loaded, processed)
        check_started = time.monotonic()
        transient = pipeline.transient_failures(outcomes)
        try:
            result = pipeline.check_documents_cached(application, outcomes, self.settings)
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
            self.queue_target = QueueTarget(self.settings)
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


def _crashed(name: str, detail: str) -> DocumentOutcome:
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
