"""Webhooks: signed POSTs when checks finish, retried with backoff, only to keys that may see the application."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from casework.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign, verify_signature
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


class Receiver:
    """A local HTTP endpoint that records what it receives and fails the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(500 if len(receiver.received) <= receiver.failures else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="service_env")
def local_receivers_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    """The receivers here listen on 127.0.0.1 over plain HTTP: allowed as an on-premises network."""
    yield from make_service_env(
        tmp_path, webhook_require_https=False, webhook_allowed_networks=["127.0.0.0/8"]
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(failures=1)
    yield r
    r.close()


def _subscribe(client: Any, key: str, url: str) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url}, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()


@needs_services
def test_checked_application_is_notified_signed_and_retried(
    service_env: ServiceEnv, client: Any, keys: Keys, receiver: Receiver
) -> None:
    mine = _subscribe(client, keys.portal, receiver.url)
    assert mine["secret"].startswith("whsec_")
    others = Receiver()
    try:
        _subscribe(client, keys.other_portal, others.url)  # another applicant's portal: must hear nothing
        dead = _subscribe(client, keys.consumer, "http://127.0.0.1:9/unreachable")
        app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
        client.post(
            f"/v1/applications/{app_id}/documents",
            files=files_field(dossier_documents()),
            headers=auth(keys.portal),
        )
        run_worker_in_process(service_env)
    finally:
        others.close()

    assert len(receiver.received) == 2  # the first answer was 500: retried
    headers, body = receiver.received[-1]
    assert verify_signature(mine["secret"], headers[SIGNATURE_HEADER], body)
    assert headers[EVENT_HEADER] == "application.checked"
    payload = json.loads(body)
    assert payload["event"] == "application.checked" and payload["application"]["id"] == app_id
    assert payload["application"]["status"] == "done" and payload["delivery_id"] == headers[DELIVERY_HEADER]
    assert payload["links"]["results"] == f"/v1/applications/{app_id}/results"
    assert others.received == []

    log = client.get(f"/v1/webhooks/{mine['id']}/deliveries", headers=auth(keys.portal)).json()
    assert [(d["status"], d["attempts"], d["response_status"]) for d in log] == [("delivered", 2, 200)]
    failed = client.get(f"/v1/webhooks/{dead['id']}/deliveries", headers=auth(keys.consumer)).json()
    assert [(d["status"], d["attempts"]) for d in failed] == [("failed", 3)]
    assert failed[0]["last_error"] == "refused" and failed[0]["response_status"] is None

    # Another key cannot read or delete this subscription.
    assert client.get(f"/v1/webhooks/{mine['id']}/deliveries", headers=auth(keys.consumer)).status_code == 404
    assert client.delete(f"/v1/webhooks/{mine['id']}", headers=auth(keys.portal)).status_code == 204
    assert client.get("/v1/webhooks", headers=auth(keys.portal)).json()[0]["active"] is False


def test_signature_verification() -> None:
    secret, body = "whsec_test-secret-0123456789", b'{"event":"application.checked"}'
    header = sign(secret, body)
    assert verify_signature(secret, header, body)
    assert not verify_signature(secret, header, body + b" ")
    assert not verify_signature("whsec_other-secret-012345678", header, body)
    assert not verify_signature(secret, sign(secret, body, timestamp=int(time.time()) - 3600), body)
    assert not verify_signature(secret, "v1=deadbeef", body)
