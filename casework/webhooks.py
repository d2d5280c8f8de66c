"""Webhook notifications: who is told, what they receive, and how it is signed.

Every POST carries ``X-Docproc-Signature: t=<unix time>,v1=<hex>``, where ``v1`` is
HMAC-SHA256 over ``"<t>.<raw body>"`` with the subscription's secret (the scheme Stripe uses: the
timestamp inside the signature stops replays). ``verify_signature`` is the receiver's side.
A delivery that does not get a 2xx answer is retried with backoff by RQ
(``DOCPROC_SERVICE__WEBHOOK_RETRY_INTERVALS_S``); every attempt is recorded in ``webhook_deliveries``
with a coarse outcome only. Where a webhook may be sent is decided by ``casework.webhook_targets``.

Scheduling lives here too: ``create_deliveries`` in the transaction that records a result, then
``enqueue_webhooks`` after its commit queues the worker's delivery job (by dotted path).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import queues as q
from casework.access import Action, Principal, may, sees_applicant
from foundation.settings import Settings
from models.db import ApiKeyRow, ApplicationRow, Role, WebhookDeliveryRow, WebhookRow, utc_now

log = logging.getLogger(__name__)

# The worker's jobs, by dotted path (this layer never imports the worker).
DELIVERY_JOB = "worker.jobs.deliver_webhook_job"
DELIVERY_JOB_FAILED = "worker.jobs.on_webhook_job_failure"

EVENT_CHECKED = "application.checked"
EVENT_FAILED = "application.failed"
EVENTS = (EVENT_CHECKED, EVENT_FAILED)
SIGNATURE_HEADER = "X-Docproc-Signature"
EVENT_HEADER = "X-Docproc-Event"
DELIVERY_HEADER = "X-Docproc-Delivery"
DEFAULT_TOLERANCE_S = 300

# What a failed delivery records (``last_error``): coarse on purpose. The exact answer of a receiver
# (a status code, "connection refused" versus a reset) would let a key holder map what listens where.
OUTCOME_TIMEOUT = "timeout"
OUTCOME_REFUSED = "refused"  # no connection: refused, unreachable, TLS failure
OUTCOME_FAILED = "failed"  # the connection broke in another way
OUTCOME_ADDRESS_NOT_ALLOWED = "address_not_allowed"  # the URL now resolves into an internal network


def outcome_of_status(status_code: int) -> str | None:
    """None for a 2xx answer; otherwise its class: http_3xx (redirects are not followed), http_4xx, http_5xx."""
    if 200 <= status_code < 300:
        return None
    return f"http_{min(max(status_code // 100, 1), 5)}xx"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance_s: int = DEFAULT_TOLERANCE_S, now: float | None = None
) -> bool:
    """True when ``header`` is a valid signature of ``body`` made within ``tolerance_s`` seconds."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)


def payload_for(app: ApplicationRow, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "occurred_at": utc_now().isoformat(),
        "application": {
            "id": app.id,
            "dossier_id": app.dossier_id,
            "applicant_bin": app.applicant_bin,
            "status": app.status,
            "revision": app.revision,
            "clean": app.clean,
            "error_count": app.error_count,
            "finding_count": app.finding_count,
            "failure_reason": app.failure_reason,
        },
        "links": {
            "application": f"/v1/applications/{app.id}",
            "results": f"/v1/applications/{app.id}/results",
        },
    }


def create_deliveries(session: Session, app: ApplicationRow, event: str) -> list[str]:
    """One pending delivery per active subscription whose key may see ``app``; returns their ids."""
    rows = session.execute(
        select(WebhookRow, ApiKeyRow)
        .join(ApiKeyRow, WebhookRow.api_key_id == ApiKeyRow.id)
        .where(WebhookRow.active.is_(True), ApiKeyRow.revoked_at.is_(None))
    ).all()
    created: list[str] = []
    for hook, key in rows:
        if event not in (hook.events or []):
            continue
        principal = Principal(
            key_id=key.id, role=Role(key.role), applicant_bins=frozenset(key.applicant_bins or [])
        )
        if not (may(principal, Action.READ) and sees_applicant(principal, app.applicant_bin)):
            continue
        delivery = WebhookDeliveryRow(
            webhook_id=hook.id, application_id=app.id, event=event, payload=payload_for(app, event)
        )
        session.add(delivery)
        session.flush()
        delivery.payload = {**delivery.payload, "delivery_id": delivery.id}
        created.append(delivery.id)
    session.flush()
    return created


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def enqueue_webhooks(delivery_ids: list[str], settings: Settings, connection: Redis) -> list[str]:
    """Queue one job per delivery (or join the one already there); returns the job ids."""
    return [ensure_webhook_job(delivery_id, settings, connection) for delivery_id in delivery_ids]


def enqueue_webhooks_after_commit(delivery_ids: list[str], settings: Settings, connection: Redis) -> None:
    """Queue the deliveries of a committed change; a queue outage loses nothing of the change (the
    deliveries stay recorded as pending, and the sweep or ``docproc requeue`` queues them)."""
    if not delivery_ids:
        return
    try:
        enqueue_webhooks(delivery_ids, settings, connection)
    except RedisError:
        log.exception("webhook deliveries %s not queued", delivery_ids)


def ensure_webhook_job(delivery_id: str, settings: Settings, connection: Redis) -> str:
    """The job of one delivery: created, or joined when it is queued, running or waiting to retry.

    The id is derived from the delivery, so ``docproc requeue`` and the sweep never duplicate one.
    """
    job_id = q.webhook_job_id(settings.service.queue_prefix, delivery_id)
    queue = Queue(q.queue_names(settings).webhooks, connection=connection)

    def enqueue() -> None:
        queue.enqueue_call(
            DELIVERY_JOB,
            args=(delivery_id,),
            job_id=job_id,
            unique=True,
            timeout=int(settings.service.webhook_timeout_s) + 30,
            result_ttl=settings.service.job_result_ttl_s,
            failure_ttl=settings.service.job_failure_ttl_s,
            retry=q.retry_policy(settings.service.webhook_retry_intervals_s),
            on_failure=Callback(DELIVERY_JOB_FAILED),
            description=f"webhook delivery {delivery_id}",
        )

    # Ended (finished or failed) while the delivery still waits: run it again.
    return q.enqueue_once(job_id, enqueue, lambda job: not q.job_is_alive(job), connection)
