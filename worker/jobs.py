"""The RQ jobs. Each calls the one pipeline (``docproc.pipeline``) and writes every stage to the database.

* ``process_document_job(sha256, pipeline_key)`` — ingest limits → text (OCR) → extraction for one
  content, stored in the cache and copied to every document row waiting for it.
* ``plan_round_job(application_id, revision)`` — the round an upload opened: assign the document
  jobs and queue them with the dossier check (``casework.rounds``), unless a later upload superseded it.
* ``check_application_job(application_id, revision)`` — the dossier check of one round, after all
  its document jobs (failed ones included: they are reported as unreadable documents).
* ``deliver_webhook_job(delivery_id)`` — one signed POST.
* ``render_page_images_job(application_id)`` — after a check, the page images of the application's
  documents drawn into the cache (``casework.page_images``), so a reviewer's first look is quick.

The casework queues them by dotted path (``casework.rounds``, ``casework.webhooks``): nothing here
is imported to enqueue a job, so the service layer never imports the worker.

A bad document never fails a job (the pipeline turns it into an unreadable document with a reason);
an exception here is transient (database, Redis, a killed process) and RQ retries it with backoff.
The failure callbacks record the last word in the database when the retries are spent.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rq import get_current_job
from rq.job import Job

from casework import connections
from casework import job_metrics as m
from casework.checking import application_outcomes, record_check
from casework.extraction_cache import (
    apply_cache,
    fail_documents,
    find_cache,
    save_cache,
    unfinished_documents,
)
from casework.page_images import enqueue_page_images_job, prerender_page_images
from casework.rounds import cache_checker, enqueue_plan, plan_check
from casework.webhook_targets import WebhookPolicy, WebhookTarget, WebhookTargetRefused, check_webhook_url
from casework.webhooks import (
    DELIVERY_HEADER,
    EVENT_CHECKED,
    EVENT_FAILED,
    EVENT_HEADER,
    OUTCOME_ADDRESS_NOT_ALLOWED,
    OUTCOME_FAILED,
    OUTCOME_REFUSED,
    OUTCOME_TIMEOUT,
    SIGNATURE_HEADER,
    create_deliveries,
    encode_body,
    enqueue_webhooks,
    outcome_of_status,
    sign,
)
from docproc.pipeline import NOT_CACHED_FAILURES, check_documents_cached, process_document
from ingest.blobs_in_database import load_bytes
from models.db import (
    ApplicationRow,
    ApplicationStatus,
    BlobRow,
    DeliveryStatus,
    DocumentStatus,
    WebhookDeliveryRow,
    WebhookRow,
    utc_now,
)
from models.domain import FileKind, SourceFile
from models.repository import dismissed_finding_keys, prior_reimbursements

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- one document


def process_document_job(sha256: str, pipeline_key: str) -> dict[str, Any]:
    settings = connections.current_settings()
    sessions = connections.sessions(settings)
    with sessions.begin() as session:
        waiting = unfinished_documents(session, sha256, pipeline_key)
        if not waiting:
            return {"status": "nothing_to_do"}
        for doc in waiting:
            doc.status = DocumentStatus.PROCESSING.value
            doc.started_at = utc_now()
            doc.attempts = (doc.attempts or 0) + 1
        name = waiting[0].file_name
        kind = FileKind(session.get(BlobRow, sha256).kind)  # type: ignore[union-attr]
        data = load_bytes(session, sha256)

    started = time.monotonic()
    outcome = process_document(
        SourceFile(name=name, data=data, sha256=sha256, kind=kind, size=len(data)), settings
    )
    duration = time.monotonic() - started
    timed_out = _ran_out_of_time(duration)

    with sessions.begin() as session:
        waiting = unfinished_documents(session, sha256, pipeline_key)
        code = outcome.extraction.unreadable_code
        if timed_out and outcome.extraction.unreadable_reason:
            # Not cached: with more time (another worker, fewer pages at once) it may well succeed.
            pages = outcome.extraction.pages or None
            fail_documents(session, waiting, "timeout", _timeout_reason(duration, pages))
        elif code in NOT_CACHED_FAILURES:
            # A failure of ours, not of the document: reported, but the same file uploaded again
            # (or reprocessed) is read again instead of getting this answer from the cache.
            fail_documents(session, waiting, code, outcome.extraction.unreadable_reason or "")
        else:
            cache = save_cache(session, sha256, pipeline_key, outcome, duration)
            for doc in waiting:
                apply_cache(session, doc, cache)
    failed = bool(outcome.extraction.unreadable_reason)
    pages_read = len(outcome.text.pages) if outcome.text else 0
    m.record(
        connections.redis_connection(settings),
        settings.service.queue_prefix,
        "document",
        duration,
        documents_done=0 if failed else 1,
        documents_failed=1 if failed else 0,
        pages_read=pages_read,
        pages_ocr=sum(1 for p in outcome.text.pages if p.source.value == "ocr") if outcome.text else 0,
    )
    return {
        "status": "failed" if failed else "done",
        "documents": len(waiting),
        "seconds": round(duration, 3),
    }


def _ran_out_of_time(duration: float) -> bool:
    # The pipeline turns every exception into an unreadable document, RQ's timeout exception included;
    # a reading that stopped at the job's time limit is reported as a timeout, not as a bad file.
    job = get_current_job()
    return bool(job is not None and job.timeout and duration >= 0.98 * float(job.timeout))


def _timeout_reason(duration: float, pages: int | None) -> str:
    size = f" ({pages} стр.)" if pages else ""
    return (
        f"Обработка документа{size} не уложилась в отведённое время ({duration:.0f} с). "
        "Повторите обработку или загрузите документ меньшего объёма."
    )


def on_document_job_failure(job: Job, connection: Any, exc_type: Any, exc_value: Any, traceback: Any) -> None:
    """Called after every failed attempt: back to ``queued`` while retries remain, ``failed`` after."""
    sha256, pipeline_key = job.args
    will_retry = bool(job.retries_left and job.retries_left > 0)
    sessions = connections.sessions()
    with sessions.begin() as session:
        waiting = unfinished_documents(session, sha256, pipeline_key)
        if will_retry:
            for doc in waiting:
                doc.status = DocumentStatus.QUEUED.value
            return
        what = getattr(exc_type, "__name__", "ошибка")
        fail_documents(
            session,
            waiting,
            "processing_failed",
            f"Документ не удалось обработать: обработка прерывалась несколько раз ({what}). "
            "Запустите повторную обработку; если ошибка повторится, обратитесь в поддержку.",
        )


# --------------------------------------------------------------------------- one dossier


def plan_round_job(application_id: str, revision: int) -> dict[str, Any]:
    settings = connections.current_settings()
    with connections.sessions(settings).begin() as session:
        app = session.get(ApplicationRow, application_id, with_for_update={"key_share": True})
        if app is None:
            return {"status": "gone"}
        if app.revision != revision:
            # A later upload (or a reprocess) opened a newer round; its planning covers these documents.
            return {"status": "superseded", "current_revision": app.revision}
        # ensure_all: a retry after a Redis error must re-create jobs assigned by the failed attempt.
        plan = plan_check(session, app, settings, ensure_all=True, locked=True, new_round=False)
    enqueue_plan(plan, settings, connections.redis_connection(settings), cache_checker(settings))
    return {"status": "planned", "revision": revision, "document_jobs": len(plan.documents)}


def check_application_job(application_id: str, revision: int) -> dict[str, Any]:
    settings = connections.current_settings()
    sessions = connections.sessions(settings)
    with sessions.begin() as session:
        # Locked like every writer of a round: a correction committed while this reads the outcomes
        # either comes first (and is read) or finds the documents read and starts its own round.
        app = session.get(ApplicationRow, application_id, with_for_update={"key_share": True})
        if app is None:
            return {"status": "gone"}
        if app.revision != revision:
            return {"status": "superseded", "current_revision": app.revision}
        if _catch_up(session, app):
            plan = None
            application, outcomes = application_outcomes(session, app)
            history = prior_reimbursements(session, application)
            dismissed = dismissed_finding_keys(session, app.id)
        else:
            # A document is still unread with no job behind it (Redis lost it, or it raced with a
            # finishing job): start a new round that waits for it.
            plan = plan_check(session, app, settings, ensure_all=True)
    if plan is not None:
        enqueue_plan(plan, settings, connections.redis_connection(settings), cache_checker(settings))
        return {"status": "rescheduled", "revision": plan.revision}

    started = time.monotonic()
    result = check_documents_cached(application, outcomes, settings, history, dismissed)
    duration = time.monotonic() - started

    with sessions.begin() as session:
        app = session.get(ApplicationRow, application_id, with_for_update={"key_share": True})
        if app is None or app.revision != revision:
            return {"status": "superseded"}
        record_check(session, app, result.model_dump(mode="json"), revision)
        deliveries = create_deliveries(session, app, EVENT_CHECKED)
    connection = connections.redis_connection(settings)
    enqueue_webhooks(deliveries, settings, connection)
    enqueue_page_images_job(application_id, revision, settings, connection)
    m.record(connection, settings.service.queue_prefix, "dossier", duration, dossiers_checked=1)
    return {"status": "done", "revision": revision, "findings": len(result.findings)}


def render_page_images_job(application_id: str) -> dict[str, Any]:
    settings = connections.current_settings()
    started = time.monotonic()
    with connections.sessions(settings)() as session:  # render_and_keep commits page by page
        drawn = prerender_page_images(session, application_id, settings)
    return {"status": "done", "drawn": drawn, "seconds": round(time.monotonic() - started, 3)}


def _catch_up(session: Any, app: ApplicationRow) -> bool:
    """Give unfinished documents a reading that is already cached; False if one is still unread."""
    complete = True
    for doc in app.documents:
        if doc.status not in (DocumentStatus.QUEUED.value, DocumentStatus.PROCESSING.value):
            continue
        cache = find_cache(session, doc.sha256, doc.pipeline_key) if doc.pipeline_key else None
        if cache is None:
            complete = False
        else:
            apply_cache(session, doc, cache)
    return complete


def on_dossier_job_failure(job: Job, connection: Any, exc_type: Any, exc_value: Any, traceback: Any) -> None:
    if job.retries_left and job.retries_left > 0:
        return
    application_id, revision = job.args
    settings = connections.current_settings()
    with connections.sessions(settings).begin() as session:
        app = session.get(ApplicationRow, application_id)
        if app is None or app.revision != revision:
            return
        app.status = ApplicationStatus.FAILED.value
        app.failure_reason = (
            f"Проверку досье не удалось выполнить ({getattr(exc_type, '__name__', 'ошибка')}). "
            "Запустите повторную обработку; если ошибка повторится, обратитесь в поддержку."
        )
        deliveries = create_deliveries(session, app, EVENT_FAILED)
    enqueue_webhooks(deliveries, settings, connections.redis_connection(settings))


# --------------------------------------------------------------------------- webhooks


class WebhookDeliveryError(RuntimeError):
    pass


def deliver_webhook_job(delivery_id: str) -> dict[str, Any]:
    settings = connections.current_settings()
    sessions = connections.sessions(settings)
    with sessions.begin() as session:
        delivery = session.get(WebhookDeliveryRow, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
            return {"status": "nothing_to_do"}
        hook = session.get(WebhookRow, delivery.webhook_id)
        if hook is None or not hook.active:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.last_error = "subscription removed"
            return {"status": "dropped"}
        delivery.attempts += 1
        url, secret, event, payload = hook.url, hook.secret, delivery.event, delivery.payload

    try:
        # Checked again now: the name may resolve elsewhere than at registration, or the policy changed.
        target = check_webhook_url(url, WebhookPolicy.of(settings.service))
    except WebhookTargetRefused:
        with sessions.begin() as session:
            delivery = session.get(WebhookDeliveryRow, delivery_id)
            if delivery is not None:
                delivery.status = DeliveryStatus.FAILED.value  # not retried: the address stays refused
                delivery.last_error = OUTCOME_ADDRESS_NOT_ALLOWED
        return {"status": OUTCOME_ADDRESS_NOT_ALLOWED}

    body = encode_body(payload)
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "docproc-webhooks/1",
        SIGNATURE_HEADER: sign(secret, body),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
    }
    started = time.monotonic()
    status_code, outcome = post_to_target(target, body, headers, settings.service.webhook_timeout_s)
    duration = time.monotonic() - started

    with sessions.begin() as session:
        delivery = session.get(WebhookDeliveryRow, delivery_id)
        if delivery is not None:
            # Coarse outcomes only: the log must not tell a key holder what answered at an address.
            delivery.response_status = status_code if outcome is None else None
            delivery.last_error = outcome
            if outcome is None:
                delivery.status = DeliveryStatus.DELIVERED.value
                delivery.delivered_at = utc_now()
    connection = connections.redis_connection(settings)
    m.record(
        connection, settings.service.queue_prefix, "webhook", duration, webhooks_delivered=int(outcome is None)
    )
    if outcome is not None:
        raise WebhookDeliveryError(f"delivery {delivery_id}: {outcome}")  # RQ retries with backoff
    return {"status": "delivered", "http_status": status_code}


def post_to_target(
    target: WebhookTarget, body: bytes, headers: dict[str, str], timeout_s: float
) -> tuple[int | None, str | None]:
    """POST to the checked address (never a fresh DNS answer), no redirects: (status, coarse outcome)."""
    import httpx

    address = target.addresses[0]
    # TLS: SNI and the certificate check use the name, though the connection goes to the address.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        # trust_env off: a proxy from the environment would resolve the name again, unchecked.
        with httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False) as http:
            response = http.post(target.connect_url(address), content=body, headers=headers, extensions=extensions)
    except httpx.TimeoutException:
        return None, OUTCOME_TIMEOUT
    except httpx.ConnectError:
        return None, OUTCOME_REFUSED
    except httpx.HTTPError:
        return None, OUTCOME_FAILED
    return response.status_code, outcome_of_status(response.status_code)


def on_webhook_job_failure(job: Job, connection: Any, exc_type: Any, exc_value: Any, traceback: Any) -> None:
    if job.retries_left and job.retries_left > 0:
        return
    (delivery_id,) = job.args
    settings = connections.current_settings()
    with connections.sessions(settings).begin() as session:
        delivery = session.get(WebhookDeliveryRow, delivery_id)
        if delivery is not None and delivery.status == DeliveryStatus.PENDING.value:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.last_error = delivery.last_error or str(exc_value)
    m.record(connections.redis_connection(settings), settings.service.queue_prefix, webhooks_failed=1)
