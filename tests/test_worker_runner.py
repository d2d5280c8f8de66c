"""Workers stop at once: no idle minute waiting for RQ's pub/sub thread (issue 15, item 9)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from casework.queues import queue_names
from tests.test_service_support import ServiceEnv, needs_services
from worker.runner import InProcessWorker

pytestmark = needs_services

# Long enough for the pub/sub thread to read the UNSUBSCRIBE reply before the worker goes on.
_REPLY_HANDLED_S = 0.5


@pytest.mark.timeout(20)  # RQ's own order waits out the thread's 60 s read: this fails instead of passing late
def test_the_pubsub_thread_ends_even_when_it_handles_the_unsubscribe_first(service_env: ServiceEnv) -> None:
    worker = InProcessWorker(queue_names(service_env.settings).all, connection=service_env.redis)
    worker.subscribe()
    thread = worker.pubsub_thread
    send_unsubscribe = worker.pubsub.unsubscribe

    def unsubscribe_then_dawdle(*args: Any) -> Any:
        sent = send_unsubscribe(*args)
        time.sleep(_REPLY_HANDLED_S)  # the thread has handled the reply before the worker stops it
        return sent

    worker.pubsub.unsubscribe = unsubscribe_then_dawdle  # type: ignore[method-assign]
    worker.unsubscribe()
    thread.join(timeout=5)
    assert not thread.is_alive()

