"""Fixtures of the workspace's browser tests: Debian's Chromium driven by Playwright, headless, and the
app under uvicorn on a free localhost port (``test_web_browser``, ``test_web_keyboard``,
``test_web_workspace``).

Skipped with the reason (``pytestmark``) when Chromium (``/usr/bin/chromium``) or the ``playwright``
package is missing; ``scripts/setup.sh`` installs both, so CI runs them. Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.test_service_support import ROOT, ServiceEnv, needs_services

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
# Root in CI needs --no-sandbox; the rest keeps Chromium off the network (closed here anyway).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
ACTIVE = re.compile(r"\bactive\b")


def _browser_unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"Debian chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it)"
    if importlib.util.find_spec("playwright") is None:
        return "the python package playwright is not installed (pip install -e '.[dev]')"
    return None


pytestmark = [
    needs_services,
    pytest.mark.skipif(_browser_unavailable() is not None, reason=str(_browser_unavailable())),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _plain_http(settings: Any) -> Any:
    """Plain-HTTP development on one machine: the one case for session cookies without Secure."""
    return settings.model_copy(update={"web": settings.web.model_copy(update={"cookie_secure": False})})


@pytest.fixture(name="live_server")
def live_server_fixture(service_env: ServiceEnv) -> Iterator[str]:
    import uvicorn

    from api.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(_plain_http(service_env.settings)), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(name="browser")
def browser_fixture() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
