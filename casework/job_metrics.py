"""Counters and stage-duration histograms that workers on any machine add to, kept in Redis.

Every worker process (and every forked job) adds to the same Redis hashes, so the API's
``/metrics`` shows the whole fleet without a Prometheus push gateway or a shared directory. The
numbers are cumulative like any Prometheus counter; if Redis is emptied they restart from zero,
which Prometheus treats as a counter reset.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

DURATION_BUCKETS_S: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, math.inf)
STAGES = ("document", "dossier", "webhook")
COUNTERS = (
    "documents_done",
    "documents_failed",
    "pages_read",
    "pages_ocr",
    "dossiers_checked",
    "webhooks_delivered",
    "webhooks_failed",
)


def _bucket_field(bound: float) -> str:
    return "le_+Inf" if math.isinf(bound) else f"le_{bound:g}"


def counters_key(prefix: str) -> str:
    return f"{prefix}:metrics:counters"


def histogram_key(prefix: str, stage: str) -> str:
    return f"{prefix}:metrics:duration:{stage}"


def record(
    connection: Redis, prefix: str, stage: str | None = None, seconds: float | None = None, **counts: int
) -> None:
    """Add one observation of ``stage`` lasting ``seconds`` and the given counter increments.

    Never raises: losing a metric must not fail a job that has done its work.
    """
    try:
        with connection.pipeline(transaction=False) as pipe:
            if stage is not None and seconds is not None:
                key = histogram_key(prefix, stage)
                for bound in DURATION_BUCKETS_S:
                    if seconds <= bound:
                        pipe.hincrby(key, _bucket_field(bound), 1)
                pipe.hincrbyfloat(key, "sum", seconds)
                pipe.hincrby(key, "count", 1)
            for name, value in counts.items():
                if value:
                    pipe.hincrby(counters_key(prefix), name, value)
            pipe.execute()
    except RedisError:
        log.warning("metrics not recorded (Redis unavailable)", exc_info=True)


@dataclass
class Histogram:
    buckets: list[tuple[str, float]]  # (upper bound as Prometheus writes it, cumulative count)
    sum: float
    count: float


def read_counters(connection: Redis, prefix: str) -> dict[str, float]:
    raw = connection.hgetall(counters_key(prefix))
    values = {name: 0.0 for name in COUNTERS}
    for name, value in raw.items():
        values[name.decode() if isinstance(name, bytes) else name] = float(value)
    return values


def read_histogram(connection: Redis, prefix: str, stage: str) -> Histogram:
    raw = {
        (k.decode() if isinstance(k, bytes) else k): float(v)
        for k, v in connection.hgetall(histogram_key(prefix, stage)).items()
    }
    buckets = [
        ("+Inf" if math.isinf(bound) else f"{bound:g}", raw.get(_bucket_field(bound), 0.0))
        for bound in DURATION_BUCKETS_S
    ]
    return Histogram(buckets=buckets, sum=raw.get("sum", 0.0), count=raw.get("count", 0.0))
