"""The one process pool that reads documents in parallel (``docproc check`` / ``eval`` and ``docproc batch``).

``jobs`` ≤ 1 runs the work inline, at submission (no pool, no pickling); more starts a process pool
whose processes ignore Ctrl-C: the parent alone handles it and stops the pool (``stop_pool``).
Tesseract runs single-threaded wherever it is called (``ocr.engine``): parallelism comes from here.
"""

from __future__ import annotations

import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any


class InlineExecutor(Executor):
    """``--jobs 1``: the work runs in this process, at submission (no pool, no pickling)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered to the caller like a pool's failure
            future.set_exception(exc)
        return future


def _init_pool_process() -> None:
    # Ctrl-C reaches the whole process group: only the parent handles it (and stops the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def document_pool(jobs: int) -> Executor:
    """An executor for ``jobs`` parallel documents: inline for one, a process pool for more."""
    if jobs <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_init_pool_process)


def stop_pool(executor: Executor, now: bool) -> None:
    """Shut ``executor`` down; ``now`` (an interrupt) also kills the documents being read."""
    if isinstance(executor, ProcessPoolExecutor) and now:
        # An interrupted run must stop at once, not after the documents being OCR'd.
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
    else:
        executor.shutdown(wait=True, cancel_futures=True)
