"""Process-wide handles that jobs and API requests share: settings, database engine, Redis.

Both are created lazily and per process id: an RQ worker forks a work-horse for every job, and a
connection pool must never cross a fork (two processes on one socket corrupt each other's traffic).
"""

from __future__ import annotations

import os
import threading

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from foundation.settings import Settings, get_settings
from models.db import make_engine, make_session_factory

_override: Settings | None = None
_lock = threading.Lock()
_engines: dict[tuple[int, str], Engine] = {}
_sessions: dict[tuple[int, str], sessionmaker[Session]] = {}
_redis: dict[tuple[int, str], Redis] = {}


def configure(settings: Settings | None) -> None:
    """Use ``settings`` in this process instead of the environment's (the CLI's --options, tests)."""
    global _override
    _override = settings


def current_settings() -> Settings:
    return _override if _override is not None else get_settings()


def engine(settings: Settings | None = None) -> Engine:
    settings = settings or current_settings()
    url = settings.effective_database_url
    key = (os.getpid(), url)
    with _lock:
        found = _engines.get(key)
        if found is None:
            # pre_ping: a worker idle for hours finds its connections closed by the server.
            options: dict[str, object] = {"pool_pre_ping": True}
            if url.startswith("postgresql"):
                options.update(
                    pool_size=settings.service.db_pool_size, max_overflow=settings.service.db_max_overflow
                )
            found = _engines[key] = make_engine(url, **options)
        return found


def sessions(settings: Settings | None = None) -> sessionmaker[Session]:
    settings = settings or current_settings()
    key = (os.getpid(), settings.effective_database_url)
    factory = _sessions.get(key)
    if factory is None:
        factory = _sessions[key] = make_session_factory(engine(settings))
    return factory


def redis_connection(settings: Settings | None = None) -> Redis:
    url = (settings or current_settings()).redis_url
    key = (os.getpid(), url)
    with _lock:
        found = _redis.get(key)
        if found is None:
            found = _redis[key] = Redis.from_url(url, health_check_interval=30)
        return found


def reset() -> None:
    """Drop every cached handle of this process (tests switch databases between cases)."""
    with _lock:
        for key, eng in list(_engines.items()):
            if key[0] == os.getpid():
                eng.dispose()
        _engines.clear()
        _sessions.clear()
        for key, conn in list(_redis.items()):
            if key[0] == os.getpid():
                conn.close()
        _redis.clear()
