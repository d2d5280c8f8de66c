"""The one pipeline that the CLI, the API and the worker all call.

Two levels, like the service's jobs:

* ``process_document`` — one file: limits → text (text layer / OCR / structured) → extraction.
  Pure function of the bytes and the settings; safe to run in another process.
* ``check_documents`` — one dossier: pair translations, run the validators, assemble the result;
  ``check_documents_cached`` the same through the stage cache (``docproc check``, ``batch``, the worker).

``run_dossier`` strings them together for the embedded (CLI) mode, with a process pool
for the per-document work and SQLite for the record.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, as_completed
from pathlib import Path

from docproc.document_outcome import DocumentOutcome
from docproc.dossier_history import load_history, record_dossier
from docproc.pool import document_pool, stop_pool
from docproc.stage_cache import StageCache, digest_of_text
from foundation.settings import Settings
from foundation.versions import PIPELINE_VERSION, stage_fingerprints
from ingest.dossier import LoadedDossier, load_dossier
from ingest.errors import IngestError
from ingest.limits import check_limits
from models.domain import (
    Application,
    DocType,
    DocumentExtraction,
    DossierResult,
    PriorReimbursement,
    SourceFile,
)
from ocr.engine import reader_detail

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, DocumentExtraction], None]


# --------------------------------------------------------------------------- one document


def _unreadable(name: str, sha256: str | None, error: IngestError, file_format: str | None = None) -> DocumentOutcome:
    return DocumentOutcome(
        extraction=DocumentExtraction(
            file=name,
            sha256=sha256,
            doc_type=DocType.UNKNOWN,
            unreadable_reason=error.reason,
            unreadable_code=error.code,
            file_format=file_format,
        ),
        text=None,
    )


def process_document(source: SourceFile, settings: Settings) -> DocumentOutcome:
    """Read one document to an extraction. Never raises for a bad document: it becomes unreadable.

    With ``settings.stage_cache`` the text and the extraction come from the stage caches when this
    content was read (and extracted) before by the same stage versions (``docproc.stage_cache``).
    """
    from extractors import extract_document
    from ocr.cache import OcrCache
    from ocr.reader import file_format_of, read_document

    stages = _stage_cache(settings)
    digest: str | None = None
    try:
        page_count = check_limits(source.data, source.kind, settings.limits)
        cached = stages.get_text(source.sha256, source.name) if stages is not None else None
        if cached is not None:
            text, digest = cached.text, cached.digest
        else:
            text = read_document(
                source.name, source.data, source.kind, settings, cache=OcrCache(settings.effective_ocr_cache_dir)
            )
            digest = stages.put_text(text) if stages is not None else None
    except IngestError as exc:
        return _unreadable(source.name, source.sha256, exc)
    except Exception as exc:
        log.exception("reading %s failed", source.name)
        return _unreadable(
            source.name,
            source.sha256,
            IngestError("read_failed", f"Документ не удалось прочитать: внутренняя ошибка ({type(exc).__name__})."),
        )
    try:
        extraction = stages.get_extraction(digest) if stages is not None and digest else None
        if extraction is None:
            extraction = extract_document(text)
            if stages is not None and digest:
                extraction = stages.put_extraction(digest, extraction)
    except Exception as exc:
        log.exception("extracting %s failed", source.name)
        return _unreadable(
            source.name,
            source.sha256,
            IngestError("extract_failed", f"Не удалось извлечь данные из документа ({type(exc).__name__})."),
            file_format_of(text),
        )
    extraction.sha256 = source.sha256
    extraction.file_format = file_format_of(text)
    extraction.pages = len(text.pages) or page_count
    return DocumentOutcome(extraction=extraction, text=text, text_digest=digest)


def _stage_cache(settings: Settings) -> StageCache | None:
    if not settings.stage_cache:
        return None
    try:
        return StageCache(settings, stage_fingerprints(reader_detail(settings)))
    except Exception:  # e.g. an unknown OCR engine: reading reports it; no caching meanwhile
        log.exception("stage cache unavailable")
        return None


def rejected_outcome(name: str, code: str, reason: str) -> DocumentOutcome:
    return _unreadable(name, None, IngestError(code, reason))


# --------------------------------------------------------------------------- one dossier


def check_documents(
    application: Application,
    outcomes: Sequence[DocumentOutcome],
    history: Sequence[PriorReimbursement] = (),
    dismissed: Collection[str] = (),
) -> DossierResult:
    """Dossier-level work on documents already read: translations, validators, result.

    ``history``: reimbursements already recorded for the applicant's other applications for the same
    measure (``models.repository.prior_reimbursements``), counted against the cap. ``dismissed``: keys
    of the findings reviewers dismissed (``models.repository.dismissed_finding_keys``).
    """
    from extractors import (
        fill_missing_bins,
        inherit_contract_currency,
        link_translations,
        reconcile_contract_numbers,
        reconcile_party_names,
    )
    from validators import check_dossier

    extractions = [o.extraction for o in outcomes]
    texts = {o.extraction.file: o.text for o in outcomes if o.text is not None}
    link_translations(extractions, texts)
    reconcile_contract_numbers(extractions, texts)
    fill_missing_bins(extractions)
    reconcile_party_names(extractions)
    inherit_contract_currency(extractions)
    check = check_dossier(application, extractions, history=history, dismissed=dismissed)
    return DossierResult(
        dossier_id=application.dossier_id,
        applicant=application.applicant,
        measure=application.measure,
        measure_name=application.measure_name,
        cost_type=application.cost_type,
        cost_name=application.cost_name,
        application_date=application.application_date,
        clean=check.clean,
        documents=extractions,
        findings=check.findings,
        computed=check.computed,
        checklist=check.checklist,
        eligibility=check.eligibility,
        manual_checks=check.manual_checks,
        pipeline_version=PIPELINE_VERSION,
    )


# Failure codes that say something went wrong in the service (a bug, a crashed or slow OCR engine),
# not that the document is unreadable: neither such a reading nor a dossier check that includes one
# is cached (the worker's per-content cache, the stage caches).
NOT_CACHED_FAILURES = frozenset({"read_failed", "extract_failed", "worker_crashed", "ocr_timeout"})


def transient_failures(outcomes: Sequence[DocumentOutcome]) -> list[DocumentExtraction]:
    """The documents whose reading failed for a reason of ours (``NOT_CACHED_FAILURES``)."""
    return [o.extraction for o in outcomes if o.extraction.unreadable_code in NOT_CACHED_FAILURES]


def check_documents_cached(
    application: Application,
    outcomes: Sequence[DocumentOutcome],
    settings: Settings,
    history: Sequence[PriorReimbursement] = (),
    dismissed: Collection[str] = (),
) -> DossierResult:
    """``check_documents`` through the stage cache (``settings.stage_cache``): the same application,
    documents (extractions and texts), history, dismissed findings and extractor and validator versions
    give the stored result without checking again. ``docproc check``, ``docproc batch`` and the worker
    call this."""
    stages = _stage_cache(settings)
    if stages is None:
        return check_documents(application, outcomes, history, dismissed)
    digests = [
        o.text_digest if o.text_digest is not None or o.text is None else digest_of_text(o.text) for o in outcomes
    ]
    key = stages.check_key(application, [o.extraction for o in outcomes], digests, history, dismissed)
    hit = stages.get_check(key)
    if hit is not None:
        return hit
    result = check_documents(application, outcomes, history, dismissed)
    if not transient_failures(outcomes):
        stages.put_check(key, result)
    return result


# --------------------------------------------------------------------------- embedded mode


def process_documents(
    sources: Sequence[SourceFile],
    settings: Settings,
    jobs: int = 1,
    on_done: ProgressCallback | None = None,
) -> list[DocumentOutcome]:
    """Process documents, in a process pool (``docproc.pool``) when ``jobs`` > 1; results keep the input order."""
    outcomes: list[DocumentOutcome | None] = [None] * len(sources)

    def collect(index: int, future: Future[DocumentOutcome]) -> None:
        try:
            outcomes[index] = future.result()
        except Exception as exc:  # noqa: BLE001 - a crashed worker process loses no document
            outcomes[index] = rejected_outcome(
                sources[index].name, "worker_crashed", f"Обработка документа прервалась ({type(exc).__name__})."
            )
        if on_done:
            on_done(sources[index].name, outcomes[index].extraction)  # type: ignore[union-attr]

    executor = document_pool(jobs if len(sources) > 1 else 1)
    interrupted = True
    try:
        pending: dict[Future[DocumentOutcome], int] = {}
        for index, source in enumerate(sources):
            future = executor.submit(process_document, source, settings)
            if future.done():  # inline: reported as it is read
                collect(index, future)
            else:
                pending[future] = index
        for future in as_completed(pending):
            collect(pending[future], future)
        interrupted = False
    finally:
        stop_pool(executor, now=interrupted)
    return [o for o in outcomes if o is not None]


def dossier_outcomes(loaded: LoadedDossier, processed: Iterable[DocumentOutcome]) -> list[DocumentOutcome]:
    """Processed documents plus the files refused at ingest, in dossier order."""
    outcomes = list(processed)
    outcomes.extend(rejected_outcome(r.name, r.code, r.reason) for r in loaded.rejected)
    return outcomes


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def run_dossier(
    path: Path,
    settings: Settings,
    jobs: int = 1,
    on_loaded: Callable[[LoadedDossier], None] | None = None,
    on_done: ProgressCallback | None = None,
    record: bool = True,
) -> DossierResult:
    """Check one dossier folder or .zip end to end (embedded mode)."""
    loaded = load_dossier(path, settings.limits)
    if loaded.application is None:
        raise IngestError(
            "application_invalid",
            loaded.application_error or "В досье нет файла application.json с декларацией заявителя.",
        )
    if on_loaded:
        on_loaded(loaded)
    outcomes = dossier_outcomes(loaded, process_documents(loaded.files, settings, jobs, on_done))
    history = load_history(settings, loaded.application)
    result = check_documents_cached(loaded.application, outcomes, settings, history)
    if record:
        record_dossier(settings, loaded, outcomes, result)
    return result


def read_single_file(path: Path, settings: Settings) -> DocumentOutcome:
    """``docproc extract``: one file alone."""
    from ingest.dossier import ingest_bytes

    data = path.read_bytes()
    try:
        source = ingest_bytes(path.name, data, settings.limits)
    except IngestError as exc:
        return rejected_outcome(path.name, exc.code, exc.reason)
    return process_document(source, settings)


__all__ = [
    "NOT_CACHED_FAILURES",
    "check_documents",
    "check_documents_cached",
    "process_document",
    "process_documents",
    "read_single_file",
    "run_dossier",
]
