"""A turn for heavy work in an API process: at most ``heavy_concurrency`` at a time.

An API process serves many requests from one thread pool. Checking an upload (decoding images,
unpacking a ZIP, scanning PDF streams), rendering a page image and printing a report each take
a core and up to hundreds of megabytes for a while: without a bound, a handful of such requests at
once would starve every other request of CPU and the process of memory. Past the bound a request
waits ``heavy_wait_s`` for a turn, then gets 503 with Retry-After (the client retries; nothing is lost).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import status

from api.errors import ApiError
from foundation.settings import Settings

_lock = threading.Lock()
_turns: dict[int, threading.BoundedSemaphore] = {}


def turns(settings: Settings) -> threading.BoundedSemaphore:
    """This process's semaphore for ``settings.service.heavy_concurrency`` turns."""
    size = settings.service.heavy_concurrency
    with _lock:
        found = _turns.get(size)
        if found is None:
            found = _turns[size] = threading.BoundedSemaphore(size)
        return found


@contextmanager
def heavy_work(settings: Settings) -> Iterator[None]:
    semaphore = turns(settings)
    if not semaphore.acquire(timeout=settings.service.heavy_wait_s):
        wait_s = max(1, round(settings.service.heavy_wait_s))
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "busy",
            "Сервер сейчас занят обработкой других тяжёлых запросов. Повторите запрос через несколько секунд.",
            headers={"Retry-After": str(wait_s)},
        )
    try:
        yield
    finally:
        semaphore.release()
