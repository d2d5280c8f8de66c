"""Nothing lost (issue 15, item 4): pending webhook deliveries come back after Redis is emptied, by
``docproc requeue`` and by the periodic sweep, without duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rq import Queue

from casework.queues import queue_names
from tests.test_service_support import (
    APPLICATION,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    make_service_env,
    needs_services,
    run_worker_in_process,
)
from tests.test_worker_webhooks import Receiver
from worker.requeue import requeue_unfinished, sweep_if_due, sweep_stuck
from worker.runner import InProcessWorker

pytestmark = needs_services


@pytest.fixture(name="service_env")
def local_receivers_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    yield from make_service_env(tmp_path, webhook_require_https=False, webhook_allowed_networks=["127.0.0.0/8"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _checked_with_delivery_waiting(env: ServiceEnv, client: Any, keys: Keys, receiver: Receiver) -> str:
    """An application checked, its notification queued but not yet sent."""
    hook = client.post("/v1/webhooks", json={"url": receiver.url}, headers=auth(keys.portal))
    assert hook.status_code == 201, hook.text
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    client.post(
        f"/v1/applications/{app_id}/documents", files=files_field(dossier_documents()), headers=auth(keys.portal)
    )
    names = queue_names(env.settings)
    for _ in range(3):  # planning, reading, checking: everything but the webhooks queue
        InProcessWorker([names.dossiers, names.documents], connection=env.redis).work(
            burst=True, logging_level="WARNING"
        )
    assert client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()["status"] == "done"
    return str(hook.json()["id"])


def _webhooks_queue(env: ServiceEnv) -> Queue:
    return Queue(queue_names(env.settings).webhooks, connection=env.redis)


def _deliveries(client: Any, keys: Keys, hook_id: str) -> list[tuple[str, int]]:
    log = client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=auth(keys.portal)).json()
    return [(d["status"], d["attempts"]) for d in log]


def test_requeue_puts_pending_deliveries_back_once(
    service_env: ServiceEnv, client: Any, keys: Keys, receiver: Receiver
) -> None:
    hook_id = _checked_with_delivery_waiting(service_env, client, keys, receiver)
    assert _webhooks_queue(service_env).count == 1
    service_env.redis.flushdb()  # the tests' own Redis database: Redis lost everything
    assert _deliveries(client, keys, hook_id) == [("pending", 0)]

    report = requeue_unfinished(service_env.settings)
    assert report.webhook_deliveries == 1
    assert requeue_unfinished(service_env.settings).webhook_deliveries == 1  # run twice:
    assert _webhooks_queue(service_env).count == 1  # ...the same job, joined, not duplicated

    run_worker_in_process(service_env)
    assert _deliveries(client, keys, hook_id) == [("delivered", 1)]
    assert len(receiver.received) == 1


def test_the_sweep_requeues_what_is_past_its_deadline_and_has_no_job(
    service_env: ServiceEnv, client: Any, keys: Keys, receiver: Receiver
) -> None:
    settings = service_env.settings
    hook_id = _checked_with_delivery_waiting(service_env, client, keys, receiver)
    other = client.post(
        "/v1/applications", json={**APPLICATION, "dossier_id": "second"}, headers=auth(keys.portal)
    ).json()["id"]
    client.post(
        f"/v1/applications/{other}/documents",
        files=files_field({"akt_7.pdf": dossier_documents("sweep")["akt_7.pdf"]}),
        headers=auth(keys.portal),
    )
    service_env.redis.flushdb()  # the planning job of the second upload and the notification: gone

    assert sweep_stuck(settings).applications == 0  # within the deadline: nothing is touched yet
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.service.stuck_after_s + 60)
    report = sweep_stuck(settings, now=later)
    assert (report.applications, report.webhook_deliveries) == (1, 1)
    again = sweep_stuck(settings, now=later)  # the jobs it queued are alive: nothing more
    assert (again.applications, again.webhook_deliveries) == (0, 0)

    run_worker_in_process(service_env)
    assert client.get(f"/v1/applications/{other}", headers=auth(keys.portal)).json()["status"] == "done"
    assert ("delivered", 1) in _deliveries(client, keys, hook_id)


def test_one_worker_sweeps_per_interval(service_env: ServiceEnv, client: Any) -> None:
    assert sweep_if_due(service_env.settings) is not None
    assert sweep_if_due(service_env.settings) is None  # another worker's maintenance pass, same interval
