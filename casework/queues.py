"""Queue names, job ids and job options: everything that must agree between the API and the workers.

Job ids are derived, never random, so that the same work is never queued twice:

* ``<prefix>_doc_<sha256>_<pipeline key>`` — reading one content with one pipeline version. The
  same file uploaded to ten applications is read once; a new pipeline version (or other OCR
  settings) reads it again.
* ``<prefix>_dossier_<application id>_<revision>`` — one check round of one application.
* ``<prefix>_plan_<application id>_<revision>`` — planning the round an upload opened.
* ``<prefix>_webhook_<delivery id>`` — one notification.
* ``<prefix>_pages_<application id>_<revision>`` — rendering a checked round's page images ahead.

The prefix is the queue prefix: deployments (and test runs) sharing one Redis never meet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from foundation.settings import Settings
from foundation.versions import document_stages_key, stage_fingerprints
from ocr.engine import reader_detail

log = logging.getLogger(__name__)
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class QueueNames:
    documents: str
    dossiers: str
    webhooks: str
    pages: str

    @property
    def all(self) -> list[str]:
        # Order is priority for a worker listening on all of them: short dossier checks and
        # notifications first, so a finished application is never stuck behind long OCR jobs; page
        # images drawn ahead last, when nothing is waiting to be read (a request draws them anyway).
        return [self.dossiers, self.webhooks, self.documents, self.pages]


def queue_names(settings: Settings) -> QueueNames:
    prefix = settings.service.queue_prefix
    return QueueNames(
        documents=f"{prefix}-documents",
        dossiers=f"{prefix}-dossiers",
        webhooks=f"{prefix}-webhooks",
        pages=f"{prefix}-pages",
    )


def queues(settings: Settings, connection: Redis) -> dict[str, Queue]:
    names = queue_names(settings)
    return {name: Queue(name, connection=connection) for name in names.all}


def pipeline_key(settings: Settings) -> str:
    """What a cached reading depends on: the reader and extractor stage fingerprints (versions, data,
    OCR settings, limits, OCR engine and its version; ``foundation.versions.document_stages_key``)."""
    return document_stages_key(stage_fingerprints(reader_detail(settings)))


def _safe(part: str) -> str:
    return _UNSAFE_ID_CHARS.sub("-", part)


def document_job_id(prefix: str, sha256: str, key: str) -> str:
    return f"{_safe(prefix)}_doc_{sha256}_{_safe(key)}"


def dossier_job_id(prefix: str, application_id: str, revision: int) -> str:
    return f"{_safe(prefix)}_dossier_{_safe(application_id)}_{revision}"


def planning_job_id(prefix: str, application_id: str, revision: int) -> str:
    return f"{_safe(prefix)}_plan_{_safe(application_id)}_{revision}"


def webhook_job_id(prefix: str, delivery_id: str) -> str:
    return f"{_safe(prefix)}_webhook_{_safe(delivery_id)}"


def pages_job_id(prefix: str, application_id: str, revision: int) -> str:
    return f"{_safe(prefix)}_pages_{_safe(application_id)}_{revision}"


def document_timeout(pages: int | None, settings: Settings) -> int:
    """Seconds a document job may run: a base plus a budget per page, capped."""
    service = settings.service
    budget = service.job_timeout_base_s + service.job_timeout_per_page_s * max(pages or 1, 1)
    return min(budget, service.job_timeout_max_s)


def retry_policy(intervals: list[int]) -> Retry | None:
    """RQ retries with backoff: one retry per interval (intervals need a worker with the scheduler)."""
    if not intervals:
        return None
    return Retry(max=len(intervals), interval=list(intervals))


# A job in any other state will still run (or is running): joining it loses nothing.
ENDED_STATUSES = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


def job_is_alive(job: Job) -> bool:
    status = job.get_status(refresh=False)
    return status is not None and status not in ENDED_STATUSES


def job_id_is_alive(job_id: str | None, connection: Redis) -> bool:
    """Whether Redis still has the job ``job_id`` in a state that will run it."""
    if not job_id:
        return False
    try:
        return job_is_alive(Job.fetch(job_id, connection=connection))
    except NoSuchJobError:
        return False


def enqueue_once(job_id: str, enqueue: Callable[[], object], stale: Callable[[Job], bool], connection: Redis) -> str:
    """Create the job ``job_id`` (``enqueue`` with ``unique=True``), or join the one already there —
    unless ``stale`` says it will not do the work any more: then it is deleted and created again."""
    for _ in range(3):  # another process may create or delete the job between our calls
        try:
            enqueue()
            return job_id
        except DuplicateJobError:
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if not stale(job):
                return job_id  # queued, running or scheduled for a retry: join it
            job.delete()
    log.warning("could not (re)create job %s; it is left to `docproc requeue`", job_id)
    return job_id
