"""Put an application's work on the queues: one job per unread content, then one dossier check.

Two phases, because a job must never start before the rows it reads are committed:

1. ``plan_check`` (inside the caller's transaction): a new check round for the application; every
   unfinished document either gets the cached reading of its content at once or is assigned the
   job that reads it.
2. ``enqueue_plan`` (after the commit): the document jobs (``unique``: a job that already exists for
   that content is joined, not duplicated) and the dossier job, which depends on all of them and
   runs even when some failed.

Uploads, the hot path, do neither in the request: ``start_round`` opens the round in the upload's
transaction and ``enqueue_planning_job`` queues one small job (``worker.jobs.plan_round_job``) that
does both phases in a worker. A burst of uploads to one application is planned once: the planning
job of a round that a later upload superseded exits at once.

If Redis is unreachable in phase 2 nothing is lost: the rows say ``queued`` and ``docproc requeue``
(or the next upload) puts them on the queue again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from redis import Redis
from rq import Callback, Queue
from rq.job import Dependency, Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import connections
from casework import queues as q
from casework.extraction_cache import apply_cache, find_cache
from foundation.settings import Settings
from models.db import (
    UNFINISHED_DOCUMENT_STATUSES,
    ApplicationRow,
    ApplicationStatus,
    DocumentRow,
    DocumentStatus,
    ExtractionCacheRow,
    utc_now,
)

log = logging.getLogger(__name__)

_DEAD_STATUSES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}

# The jobs, by dotted path: RQ imports them in the worker, and this layer never imports the worker.
DOCUMENT_JOB = "worker.jobs.process_document_job"
DOCUMENT_JOB_FAILED = "worker.jobs.on_document_job_failure"
DOSSIER_JOB = "worker.jobs.check_application_job"
DOSSIER_JOB_FAILED = "worker.jobs.on_dossier_job_failure"
PLANNING_JOB = "worker.jobs.plan_round_job"


@dataclass(frozen=True)
class DocumentJobSpec:
    sha256: str
    pipeline_key: str
    timeout: int
    job_id: str


@dataclass
class CheckPlan:
    """What to enqueue once the transaction that made the plan has committed."""

    application_id: str
    revision: int
    # Jobs to create (or join): contents not yet assigned to a job of this pipeline version.
    documents: list[DocumentJobSpec] = field(default_factory=list)
    # Jobs assigned in an earlier round and still running or queued: not re-created; the round's
    # dossier job waits for them too. (Not through the previous round's dossier job: with uploads
    # planned in a worker, a superseded round may never have had one.)
    assigned: list[str] = field(default_factory=list)
    # Contents whose existing jobs must run again even if finished (reprocessing).
    forced: set[str] = field(default_factory=set)


def lock_application(session: Session, app: ApplicationRow) -> None:
    """Row lock until commit: two writers of one application get rounds n and n+1, never n twice.

    FOR NO KEY UPDATE: it does not conflict with the key-share locks that inserting documents takes
    on their application (FOR UPDATE would deadlock two concurrent uploads).
    """
    session.flush()
    session.refresh(app, ["revision"], with_for_update={"key_share": True})


def start_round(session: Session, app: ApplicationRow, locked: bool = False) -> int:
    """Open a new check round of ``app`` (the caller holds or takes the row lock); returns its number."""
    if not locked:
        lock_application(session, app)
    app.revision = (app.revision or 0) + 1
    app.status = ApplicationStatus.PROCESSING.value
    app.failure_reason = None
    return app.revision


def plan_check(
    session: Session,
    app: ApplicationRow,
    settings: Settings,
    force: Iterable[str] = (),
    ensure_all: bool = False,
    locked: bool = False,
    new_round: bool = True,
) -> CheckPlan:
    """Plan a check round of ``app``: a new one, or (``new_round=False``) the current one.

    ``force``: contents (sha256) to read again, ignoring the cache. ``ensure_all``: also re-create
    the jobs of documents assigned in earlier rounds (after Redis lost them: ``docproc requeue``).
    ``locked``: the caller already read ``app`` FOR NO KEY UPDATE in this transaction.
    """
    forced = set(force)
    key = q.pipeline_key(settings)
    if new_round:
        start_round(session, app, locked=locked)
    elif not locked:
        lock_application(session, app)
    plan = CheckPlan(application_id=app.id, revision=app.revision or 0, forced=forced)

    # Only the unfinished documents are looked at, and only as a few columns: the cost of a round
    # does not grow with the application's size. Rows are loaded for the documents to assign only
    # (for an upload: the new ones, already in the session).
    unfinished = session.execute(
        select(DocumentRow.id, DocumentRow.sha256, DocumentRow.job_id, DocumentRow.pipeline_key)
        .where(DocumentRow.application_id == app.id, DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES))
        .order_by(DocumentRow.created_at)
    ).all()
    to_assign: list[DocumentRow] = []
    for row in unfinished:
        already = row.job_id is not None and row.pipeline_key == key and row.sha256 not in forced
        if already and not ensure_all:
            plan.assigned.append(row.job_id)
        else:
            doc = session.get(DocumentRow, row.id)
            if doc is not None:
                to_assign.append(doc)
    reused = reuse_cached_readings(session, [d for d in to_assign if d.sha256 not in forced], key)
    specs: dict[str, DocumentJobSpec] = {}
    for doc in to_assign:
        if doc.id in reused:
            continue
        spec = specs.get(doc.sha256)
        if spec is None:
            spec = specs[doc.sha256] = DocumentJobSpec(
                sha256=doc.sha256,
                pipeline_key=key,
                timeout=q.document_timeout(doc.page_count, settings),
                job_id=q.document_job_id(settings.service.queue_prefix, doc.sha256, key),
            )
        doc.pipeline_key = key
        doc.job_id = spec.job_id
        if doc.status == DocumentStatus.QUEUED.value:
            doc.queued_at = utc_now()
    plan.documents = list(specs.values())
    session.flush()
    return plan


def reuse_cached_readings(session: Session, docs: Sequence[DocumentRow], key: str) -> set[str]:
    """Give documents whose content this pipeline already read that reading; returns their ids."""
    shas = sorted({doc.sha256 for doc in docs})
    if not shas:
        return set()
    cached = {
        row.sha256: row
        for row in session.scalars(
            select(ExtractionCacheRow).where(
                ExtractionCacheRow.sha256.in_(shas), ExtractionCacheRow.pipeline_key == key
            )
        )
    }
    reused: set[str] = set()
    for doc in docs:
        if doc.sha256 in cached:
            apply_cache(session, doc, cached[doc.sha256])
            reused.add(doc.id)
    return reused


def enqueue_plan(
    plan: CheckPlan, settings: Settings, connection: Redis, cache_exists: Callable[[str, str], bool]
) -> list[str]:
    """Enqueue the plan's jobs; returns the document job ids the dossier job waits for."""
    created = [
        ensure_document_job(spec, settings, connection, cache_exists, force=spec.sha256 in plan.forced)
        for spec in plan.documents
    ]
    waiting = list(dict.fromkeys([*created, *plan.assigned]))
    enqueue_dossier_job(plan.application_id, plan.revision, waiting, settings, connection)
    return created


def ensure_document_job(
    spec: DocumentJobSpec,
    settings: Settings,
    connection: Redis,
    cache_exists: Callable[[str, str], bool],
    force: bool = False,
) -> str:
    """The job that reads ``spec``'s content: a new one, or the one already queued or running."""
    queue = Queue(q.queue_names(settings).documents, connection=connection)

    def enqueue() -> None:
        queue.enqueue_call(
            DOCUMENT_JOB,
            args=(spec.sha256, spec.pipeline_key),
            job_id=spec.job_id,
            unique=True,
            timeout=spec.timeout,
            result_ttl=settings.service.job_result_ttl_s,
            failure_ttl=settings.service.job_failure_ttl_s,
            retry=q.retry_policy(settings.service.job_retry_intervals_s),
            on_failure=Callback(DOCUMENT_JOB_FAILED),
            description=f"read {spec.sha256[:12]}",
        )

    def stale(job: Job) -> bool:
        status = job.get_status(refresh=False)
        finished = status == JobStatus.FINISHED
        return status in _DEAD_STATUSES or (finished and (force or not cache_exists(spec.sha256, spec.pipeline_key)))

    return q.enqueue_once(spec.job_id, enqueue, stale, connection)


def enqueue_dossier_job(
    application_id: str, revision: int, waiting: list[str], settings: Settings, connection: Redis
) -> str:
    # Every plan starts a new round, so this id has never been used: no need to look for it first.
    job_id = q.dossier_job_id(settings.service.queue_prefix, application_id, revision)
    queue = Queue(q.queue_names(settings).dossiers, connection=connection)
    queue.enqueue_call(
        DOSSIER_JOB,
        args=(application_id, revision),
        job_id=job_id,
        depends_on=Dependency(jobs=list(dict.fromkeys(waiting)), allow_failure=True) if waiting else None,
        timeout=settings.service.dossier_job_timeout_s,
        result_ttl=settings.service.job_result_ttl_s,
        failure_ttl=settings.service.job_failure_ttl_s,
        retry=q.retry_policy(settings.service.job_retry_intervals_s),
        on_failure=Callback(DOSSIER_JOB_FAILED),
        description=f"check application {application_id} round {revision}",
    )
    return job_id


def enqueue_planning_job(application_id: str, revision: int, settings: Settings, connection: Redis) -> str:
    """Queue the planning of an upload's round (``worker.jobs.plan_round_job``): one cheap Redis call."""
    job_id = q.planning_job_id(settings.service.queue_prefix, application_id, revision)
    Queue(q.queue_names(settings).dossiers, connection=connection).enqueue_call(
        PLANNING_JOB,
        args=(application_id, revision),
        job_id=job_id,
        timeout=settings.service.dossier_job_timeout_s,
        result_ttl=settings.service.job_result_ttl_s,
        failure_ttl=settings.service.job_failure_ttl_s,
        retry=q.retry_policy(settings.service.job_retry_intervals_s),
        description=f"plan application {application_id} round {revision}",
    )
    return job_id


def cache_checker(settings: Settings) -> Callable[[str, str], bool]:
    """``cache_exists(sha256, key)`` reading a fresh snapshot of the database."""
    def cache_exists(sha256: str, key: str) -> bool:
        with connections.sessions(settings)() as session:
            return find_cache(session, sha256, key) is not None

    return cache_exists
