"""Run RQ workers for the service: one process, or a pool of them (``docproc worker -n N``).

Each worker forks a work-horse per job (RQ's default): a document that exhausts memory or a
tesseract that hangs takes down only its horse, and the job is retried. Models are loaded once in
the parent before the first fork (``warm_up``), so every horse starts warm.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from rq import SimpleWorker, Worker
from rq.job import Job
from rq.worker_pool import WorkerPool

from casework import connections
from casework.queues import queue_names
from foundation.settings import Settings
from models.db import upgrade_database

log = logging.getLogger(__name__)


# The pub/sub thread ends as soon as the UNSUBSCRIBE reply arrives; this only bounds a lost reply.
_PUBSUB_STOP_WAIT_S = 5.0


class PromptShutdown:
    """A worker that stops at once, instead of up to a minute after its last job.

    RQ listens for commands (``rq.command``) on a pub/sub channel in a thread that waits up to 60 s
    per read. At teardown RQ unsubscribes first and stops the thread after: when the thread sees the
    reply to UNSUBSCRIBE before it is told to stop, it goes back to waiting for a subscription, and
    redis-py's ``stop()`` (which joins the thread) waits out the whole minute. Telling the thread to
    stop *before* unsubscribing lets the reply end its loop: a burst worker or a stopped service
    worker exits in milliseconds.
    """

    pubsub: Any
    pubsub_thread: Any

    def unsubscribe(self) -> None:
        thread = self.pubsub_thread
        if thread is None:
            return
        thread._running.clear()  # redis-py's stop flag (PubSubWorkerThread), before the reply arrives
        self.pubsub.unsubscribe()
        thread.join(timeout=_PUBSUB_STOP_WAIT_S)
        self.pubsub.close()


class DocprocWorker(PromptShutdown, Worker):
    """RQ's worker with the service's timing: how soon a dead worker's job is retried elsewhere.

    RQ keeps a started job alive with heartbeats every ``job_monitoring_interval``; when they stop
    for ``interval + grace`` seconds (kill -9, machine lost), the next maintenance pass of any worker
    retries the job. RQ's grace is a fixed 60 s; here it is a setting, and the idle wait between
    maintenance passes follows ``maintenance_interval_s`` instead of RQ's 10 minutes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        service = connections.current_settings().service
        kwargs.setdefault("job_monitoring_interval", service.job_monitoring_interval_s)
        kwargs.setdefault("maintenance_interval", service.maintenance_interval_s)
        # The blocking dequeue waits worker_ttl - 15 s: keep it near the maintenance interval.
        kwargs.setdefault("worker_ttl", max(service.maintenance_interval_s + 15, 20))
        super().__init__(*args, **kwargs)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        from worker.requeue import sweep_if_due

        try:
            sweep_if_due(connections.current_settings())
        except Exception:  # the sweep must never take the worker down; the next pass tries again
            log.exception("the sweep for stuck work failed")
        finally:
            connections.reset()  # no connection of the parent may be inherited by the next job's fork

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        grace = connections.current_settings().service.heartbeat_grace_s
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + grace
        return int(self.job_monitoring_interval) + grace


class InProcessWorker(PromptShutdown, SimpleWorker):
    """Runs jobs in its own process, no fork (the tests; debugging a job with a debugger)."""


def prepare_process(settings: Settings) -> None:
    """Environment every worker process needs before its first job."""
    connections.configure(settings)
    upgrade_database(settings.effective_database_url)
    connections.reset()  # no connection opened by the migration may survive into a fork


def warm_up(settings: Settings) -> None:
    """Load the pipeline's code and models once, in the parent, by reading one small document."""
    try:
        from docproc.pipeline import process_document
        from ingest.dossier import ingest_bytes

        data = _warm_up_pdf()
        process_document(ingest_bytes("warm-up.pdf", data, settings.limits), settings)
        import validators  # noqa: F401 - rules and vocabularies
    except Exception:
        log.warning("warm-up failed; the first jobs will load the models themselves", exc_info=True)


def _warm_up_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if os.path.exists(font):
        pdf.add_font("DejaVu", fname=font)
        pdf.set_font("DejaVu", size=11)
        text = "ДОГОВОР № 1 от 10 января 2024 г. ТОО «Пример», БИН 000000000000. Итого: 1 000,00 тенге."
    else:
        pdf.set_font("Helvetica", size=11)
        text = "CONTRACT No 1 dated 10 January 2024. Total: 1 000.00 KZT."
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def run_workers(
    settings: Settings, processes: int = 1, burst: bool = False, queues: list[str] | None = None
) -> bool:
    """Run ``processes`` workers on the service queues until stopped (or until empty with ``burst``)."""
    prepare_process(settings)
    if settings.service.worker_warmup:
        warm_up(settings)
    names = queues or queue_names(settings).all
    connection = connections.redis_connection(settings)
    if processes <= 1:
        worker = DocprocWorker(names, connection=connection)
        return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))
    connections.reset()  # the pool forks: each worker opens its own connections
    pool = WorkerPool(
        names,
        connection=connections.redis_connection(settings),
        num_workers=processes,
        worker_class=DocprocWorker,
    )
    pool.start(burst=burst, logging_level="INFO")
    return True
