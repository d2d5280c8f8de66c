"""Nothing lost: put unfinished work from the database back on the queues.

Redis only carries work; the database knows what is unfinished. After Redis lost its data (a
restart without persistence, FLUSHALL, a failover) ``docproc requeue`` re-creates every document job
whose rows still wait, a dossier check for every application still in progress and a job for every
webhook delivery still pending. Job ids are derived from content, round and delivery, so running it
while the queues are intact duplicates nothing.

``sweep_stuck`` does the same without an operator, for what is stuck only: every unfinished item
older than ``stuck_after_s`` (its deadline) whose job Redis no longer has, or has only as ended. The
workers run it from their maintenance pass, one worker per ``sweep_interval_s``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from redis import Redis
from sqlalchemy import func, or_, select

from casework import connections
from casework import queues as q
from casework.rounds import CheckPlan, cache_checker, enqueue_plan, plan_check
from casework.webhooks import enqueue_webhooks
from foundation.settings import Settings
from models.db import (
    UNFINISHED_DOCUMENT_STATUSES,
    ApplicationRow,
    ApplicationStatus,
    DeliveryStatus,
    DocumentRow,
    WebhookDeliveryRow,
    utc_now,
)

log = logging.getLogger(__name__)


@dataclass
class RequeueReport:
    applications: int
    document_jobs: int
    webhook_deliveries: int = 0


def requeue_unfinished(settings: Settings) -> RequeueReport:
    unfinished_docs = select(DocumentRow.application_id).where(
        DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES)
    )
    with connections.sessions(settings)() as session:
        app_ids = list(
            session.scalars(
                select(ApplicationRow.id)
                .where(
                    or_(
                        ApplicationRow.status == ApplicationStatus.PROCESSING.value,
                        ApplicationRow.id.in_(unfinished_docs),
                    )
                )
                .order_by(ApplicationRow.created_at)
            )
        )
        deliveries = list(
            session.scalars(
                select(WebhookDeliveryRow.id)
                .where(WebhookDeliveryRow.status == DeliveryStatus.PENDING.value)
                .order_by(WebhookDeliveryRow.created_at)
            )
        )
    return _requeue(settings, app_ids, deliveries)


def _requeue(settings: Settings, app_ids: list[str], delivery_ids: list[str]) -> RequeueReport:
    plans: list[CheckPlan] = []
    with connections.sessions(settings).begin() as session:
        for app_id in app_ids:
            app = session.get(ApplicationRow, app_id)
            if app is not None:
                plans.append(plan_check(session, app, settings, ensure_all=True))
    connection = connections.redis_connection(settings)
    checker = cache_checker(settings)
    jobs: set[str] = set()
    for plan in plans:
        jobs.update(enqueue_plan(plan, settings, connection, checker))
    enqueue_webhooks(delivery_ids, settings, connection)
    return RequeueReport(applications=len(plans), document_jobs=len(jobs), webhook_deliveries=len(delivery_ids))


def sweep_stuck(settings: Settings, now: dt.datetime | None = None) -> RequeueReport:
    """Re-queue what is past its deadline (``stuck_after_s``) and has no live job in Redis."""
    deadline = (now or utc_now()) - dt.timedelta(seconds=settings.service.stuck_after_s)
    connection = connections.redis_connection(settings)
    prefix = settings.service.queue_prefix
    with connections.sessions(settings)() as session:
        docs = session.execute(
            select(DocumentRow.application_id, DocumentRow.job_id).where(
                DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES),
                func.coalesce(DocumentRow.started_at, DocumentRow.queued_at, DocumentRow.updated_at) < deadline,
            )
        ).all()
        apps = session.execute(
            select(ApplicationRow.id, ApplicationRow.revision).where(
                ApplicationRow.status == ApplicationStatus.PROCESSING.value, ApplicationRow.updated_at < deadline
            )
        ).all()
        deliveries = list(
            session.scalars(
                select(WebhookDeliveryRow.id).where(
                    WebhookDeliveryRow.status == DeliveryStatus.PENDING.value,
                    WebhookDeliveryRow.updated_at < deadline,
                )
            )
        )
    stuck_apps = {app_id for app_id, job_id in docs if not q.job_id_is_alive(job_id, connection)}
    stuck_apps |= {
        app_id
        for app_id, revision in apps
        if not _round_is_alive(app_id, revision or 0, prefix, connection)
    }
    stuck_deliveries = [
        d for d in deliveries if not q.job_id_is_alive(q.webhook_job_id(prefix, d), connection)
    ]
    if not stuck_apps and not stuck_deliveries:
        return RequeueReport(applications=0, document_jobs=0)
    report = _requeue(settings, sorted(stuck_apps), stuck_deliveries)
    log.warning(
        "sweep re-queued %d applications (%d document jobs) and %d webhook deliveries stuck since before %s",
        report.applications,
        report.document_jobs,
        report.webhook_deliveries,
        deadline.isoformat(timespec="seconds"),
    )
    return report


def _round_is_alive(application_id: str, revision: int, prefix: str, connection: Redis) -> bool:
    """The round's planning job or dossier job is still to run (or running)."""
    return q.job_id_is_alive(q.dossier_job_id(prefix, application_id, revision), connection) or q.job_id_is_alive(
        q.planning_job_id(prefix, application_id, revision), connection
    )


def sweep_if_due(settings: Settings) -> RequeueReport | None:
    """Run ``sweep_stuck`` unless another worker did within ``sweep_interval_s`` (a Redis lock)."""
    service = settings.service
    connection = connections.redis_connection(settings)
    if not connection.set(f"{service.queue_prefix}:sweep", "1", nx=True, ex=service.sweep_interval_s):
        return None
    return sweep_stuck(settings)
