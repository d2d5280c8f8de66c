"""``docproc requeue``: put everything unfinished in the database back on the queues.

Redis only carries work; the database knows what is unfinished. After Redis lost its data (a
restart without persistence, FLUSHALL, a failover) this re-creates every document job whose rows
still wait and a dossier check for every application still in progress. Job ids are derived from
content and round, so running it while the queues are intact duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from docproc.settings import Settings
from models.db import (
    UNFINISHED_DOCUMENT_STATUSES,
    ApplicationRow,
    ApplicationStatus,
    DocumentRow,
)
from worker import context
from worker.scheduling import CheckPlan, cache_checker, enqueue_plan, plan_check


@dataclass
class RequeueReport:
    applications: int
    document_jobs: int


def requeue_unfinished(settings: Settings) -> RequeueReport:
    unfinished_docs = select(DocumentRow.application_id).where(
        DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES)
    )
    plans: list[CheckPlan] = []
    with context.sessions(settings).begin() as session:
        apps = session.scalars(
            select(ApplicationRow)
            .where(
                or_(
                    ApplicationRow.status == ApplicationStatus.PROCESSING.value,
                    ApplicationRow.id.in_(unfinished_docs),
                )
            )
            .order_by(ApplicationRow.created_at)
        ).all()
        for app in apps:
            plans.append(plan_check(session, app, settings, ensure_all=True))
    connection = context.redis_connection(settings)
    checker = cache_checker(settings)
    jobs: set[str] = set()
    for plan in plans:
        jobs.update(enqueue_plan(plan, settings, connection, checker))
    return RequeueReport(applications=len(plans), document_jobs=len(jobs))
