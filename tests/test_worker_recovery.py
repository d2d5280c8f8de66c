"""Nothing is lost: a worker killed with SIGKILL mid-job, or Redis emptied, and the work still finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

from rq import Queue

from casework.queues import queue_names
from tests.test_service_support import (
    APPLICATION,
    ROOT,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    needs_services,
    render_pdf,
    run_planning_in_process,
    run_worker_in_process,
    worker_command,
)

pytestmark = needs_services


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _start_worker(env: ServiceEnv) -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_command(),
        env=env.env(),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants(pid: int) -> list[int]:
    """Child processes, recursively (RQ's work-horse runs in a session of its own)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_hard(process: subprocess.Popen[str]) -> None:
    """SIGKILL the worker and its work-horse at once: what a lost machine looks like."""
    for pid in [process.pid, *_descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _document(client: Any, key: str, app_id: str, name: str) -> dict[str, Any]:
    docs = client.get(f"/v1/applications/{app_id}", headers=auth(key)).json()["documents"]
    return next(d for d in docs if d["file_name"] == name)


def test_a_job_of_a_killed_worker_is_retried_and_finishes(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    # ~30 text pages: a few seconds of work, long enough to be killed in the middle of.
    long_report = render_pdf(
        [
            [f"Отчёт о выполненных работах, лист {i}, по договору № 15/22 от 01.03.2022."] * 25
            for i in range(30)
        ]
    )
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    response = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field({"otchet.pdf": long_report}),
        headers=auth(keys.portal),
    )
    assert response.status_code == 202

    first = _start_worker(service_env)
    try:
        _wait_for(
            lambda: _document(client, keys.portal, app_id, "otchet.pdf")["status"] == "processing",
            60,
            "the job to start",
        )
        _kill_hard(first)
    finally:
        _stop(first)
    killed = _document(client, keys.portal, app_id, "otchet.pdf")
    assert killed["status"] == "processing" and killed["attempts"] == 1

    second = _start_worker(service_env)
    try:
        # The dead worker's heartbeat lapses (1 s interval + 2 s grace here); the second worker's
        # maintenance pass then retries the job, and the dossier check follows.
        _wait_for(
            lambda: (
                client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()["status"] == "done"
            ),
            120,
            "the retried job and the dossier check",
        )
    finally:
        _stop(second)
    done = _document(client, keys.portal, app_id, "otchet.pdf")
    assert done["status"] == "done" and done["attempts"] == 2 and done["page_count"] == 30


def test_redis_emptied_then_requeue_finishes_everything(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    from worker.requeue import requeue_unfinished

    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    )
    run_planning_in_process(service_env)  # the upload's round is planned: its document jobs are queued
    documents = Queue(queue_names(service_env.settings).documents, connection=service_env.redis)
    assert documents.count == 4

    # FLUSHDB of the tests' own Redis database: the same loss as FLUSHALL without touching other databases.
    service_env.redis.flushdb()
    run_worker_in_process(service_env)  # nothing left to do in Redis...
    state = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert (
        state["status"] == "processing" and state["progress"]["queued"] == 4
    )  # ...but the database remembers

    report = requeue_unfinished(service_env.settings)
    assert (report.applications, report.document_jobs) == (1, 4)
    again = requeue_unfinished(service_env.settings)  # idempotent: joins the jobs already queued
    assert again.document_jobs == 4 and documents.count == 4

    run_worker_in_process(service_env)
    state = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert state["status"] == "done" and state["progress"]["done"] == 4
    assert state["checked_revision"] == state["revision"]


def test_requeue_command_and_nothing_to_do(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    result = subprocess.run(
        [*worker_command()[:3], "requeue"],
        env=service_env.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Заявок поставлено в очередь: 0" in result.stdout


def test_a_lost_dossier_job_is_recreated_by_requeue(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    from worker.requeue import requeue_unfinished
    from worker.runner import InProcessWorker

    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    )
    # Documents read, then the deferred dossier job is lost (Redis restarted without persistence).
    InProcessWorker([queue_names(service_env.settings).documents], connection=service_env.redis).work(
        burst=True, logging_level="WARNING"
    )
    service_env.redis.flushdb()
    assert (
        client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()["status"] == "processing"
    )
    assert requeue_unfinished(service_env.settings).applications == 1
    run_worker_in_process(service_env)
    result = client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal))
    assert result.status_code == 200 and result.json()["dossier_id"] == APPLICATION["dossier_id"]
    assert all(
        d["attempts"] == 1
        for d in client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()["documents"]
    )
