"""Prometheus ``/metrics``: read at scrape time from Redis (queues, workers' counters) and the database.

Nothing is counted inside the API process, so any number of API replicas show the same numbers
and the workers' numbers (stage durations, pages OCRed) appear without a push gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from casework import connections
from casework import job_metrics as m
from casework.queues import queue_names
from foundation.settings import Settings
from models.db import ApplicationRow, ApplicationStatus, DocumentRow, DocumentStatus

log = logging.getLogger(__name__)


class ServiceCollector(Collector):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "docproc_up", "Whether a backing service answered this scrape.", labels=["component"]
        )
        try:
            yield from self._redis_metrics()
            up.add_metric(["redis"], 1)
        except RedisError:
            log.warning("metrics: Redis unavailable", exc_info=True)
            up.add_metric(["redis"], 0)
        try:
            yield from self._database_metrics()
            up.add_metric(["database"], 1)
        except SQLAlchemyError:
            log.warning("metrics: database unavailable", exc_info=True)
            up.add_metric(["database"], 0)
        yield up

    def _redis_metrics(self) -> Iterator[Metric]:
        connection = connections.redis_connection(self.settings)
        depth = GaugeMetricFamily("docproc_queue_depth", "Jobs waiting in each queue.", labels=["queue"])
        jobs = GaugeMetricFamily(
            "docproc_jobs", "Jobs by queue and state (RQ registries).", labels=["queue", "state"]
        )
        for name in queue_names(self.settings).all:
            queue = Queue(name, connection=connection)
            depth.add_metric([name], queue.count)
            jobs.add_metric([name, "queued"], queue.count)
            jobs.add_metric([name, "started"], queue.started_job_registry.count)
            jobs.add_metric([name, "deferred"], queue.deferred_job_registry.count)
            jobs.add_metric([name, "scheduled"], queue.scheduled_job_registry.count)
            jobs.add_metric([name, "finished"], queue.finished_job_registry.count)
            jobs.add_metric([name, "failed"], queue.failed_job_registry.count)
        workers = GaugeMetricFamily("docproc_workers", "RQ workers alive on the service queues.")
        workers.add_metric([], Worker.count(connection=connection))
        yield from (depth, jobs, workers)

        prefix = self.settings.service.queue_prefix
        counters = m.read_counters(connection, prefix)
        documents = CounterMetricFamily(
            "docproc_documents_processed", "Documents read by workers.", labels=["outcome"]
        )
        documents.add_metric(["done"], counters["documents_done"])
        documents.add_metric(["failed"], counters["documents_failed"])
        pages = CounterMetricFamily(
            "docproc_pages", "Pages read by workers, by where their text came from.", labels=["source"]
        )
        pages.add_metric(["all"], counters["pages_read"])
        pages.add_metric(["ocr"], counters["pages_ocr"])
        dossiers = CounterMetricFamily("docproc_dossiers_checked", "Dossier checks completed.")
        dossiers.add_metric([], counters["dossiers_checked"])
        hooks = CounterMetricFamily("docproc_webhook_deliveries", "Webhook deliveries.", labels=["outcome"])
        hooks.add_metric(["delivered"], counters["webhooks_delivered"])
        hooks.add_metric(["failed"], counters["webhooks_failed"])
        yield from (documents, pages, dossiers, hooks)

        durations = HistogramMetricFamily(
            "docproc_stage_duration_seconds",
            "Time spent per stage (document: read+OCR+extract; dossier: checks).",
            labels=["stage"],
        )
        for stage in m.STAGES:
            histogram = m.read_histogram(connection, prefix, stage)
            durations.add_metric([stage], histogram.buckets, histogram.sum)
        yield durations

    def _database_metrics(self) -> Iterator[Metric]:
        with connections.sessions(self.settings)() as session:
            doc_counts = dict(
                session.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status)).all()
            )
            app_counts = dict(
                session.execute(
                    select(ApplicationRow.status, func.count()).group_by(ApplicationRow.status)
                ).all()
            )
        documents = GaugeMetricFamily(
            "docproc_documents", "Documents by status (database).", labels=["status"]
        )
        for doc_status in DocumentStatus:
            documents.add_metric([doc_status.value], doc_counts.get(doc_status.value, 0))
        applications = GaugeMetricFamily(
            "docproc_applications", "Applications by status (database).", labels=["status"]
        )
        for app_status in ApplicationStatus:
            applications.add_metric([app_status.value], app_counts.get(app_status.value, 0))
        yield from (documents, applications)


def metrics_registry(settings: Settings) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(settings))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
