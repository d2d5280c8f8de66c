"""Webhooks go to public HTTPS addresses only (issue 15, item 1): no SSRF into the service's own network."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.webhook_targets import WebhookPolicy, WebhookTargetRefused, check_webhook_url, is_public
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

STRICT = WebhookPolicy(require_https=True)
# What a key holder tried against the service: loopback in every spelling, the metadata service,
# private, CGNAT, multicast, unique-local, unspecified and IPv4-mapped addresses, internal names.
INTERNAL_URLS = [
    "https://127.0.0.1:8000/v1/keys",
    "https://[::1]/",
    "https://0x7f000001/",
    "https://2130706433/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/",
    "https://172.16.3.4/",
    "https://192.168.1.10/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:7f00:1::]/",
    "https://localhost/",
    f"https://{socket.gethostname()}/",  # this machine's own name: an internal host name
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_targets_are_refused(url: str) -> None:
    with pytest.raises(WebhookTargetRefused):
        check_webhook_url(url, STRICT)


def test_a_public_https_target_is_accepted_and_http_only_in_development() -> None:
    target = check_webhook_url("https://93.184.215.14:8443/hooks?x=1", STRICT)
    assert [str(a) for a in target.addresses] == ["93.184.215.14"]
    assert target.connect_url(target.addresses[0]) == "https://93.184.215.14:8443/hooks?x=1"
    with pytest.raises(WebhookTargetRefused) as refused:
        check_webhook_url("http://93.184.215.14/hooks", STRICT)
    assert refused.value.code == "webhook_https_required"
    assert check_webhook_url("http://93.184.215.14/hooks", WebhookPolicy(require_https=False)).port == 80
    with pytest.raises(WebhookTargetRefused):
        check_webhook_url("https://user:secret@93.184.215.14/", STRICT)


def test_on_premises_networks_are_allowed_only_when_listed() -> None:
    on_premises = WebhookPolicy(require_https=True, allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))
    assert check_webhook_url("https://10.20.1.2/hook", on_premises).addresses
    with pytest.raises(WebhookTargetRefused):
        check_webhook_url("https://10.21.1.2/hook", on_premises)


def test_a_name_is_refused_if_any_of_its_addresses_is_internal() -> None:
    def round_robin(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    with pytest.raises(WebhookTargetRefused):
        check_webhook_url("https://hooks.example.kz/", STRICT, resolve=round_robin)


def test_embedded_ipv4_forms_are_not_public() -> None:
    assert is_public(ipaddress.ip_address("93.184.215.14"))
    assert not is_public(ipaddress.ip_address("::ffff:93.184.215.14"))  # mapped: refused whatever it maps to


# --------------------------------------------------------------------------- through the API and the worker


@pytest.fixture(name="service_env")
def capped_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    yield from make_service_env(tmp_path, max_webhooks_per_key=2)


@needs_services
@pytest.mark.parametrize("url", INTERNAL_URLS[:7] + INTERNAL_URLS[-2:])
def test_registering_an_internal_target_is_answered_422(client: Any, keys: Keys, url: str) -> None:
    response = client.post("/v1/webhooks", json={"url": url}, headers=auth(keys.portal))
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["code"].startswith("webhook_")
    assert client.get("/v1/webhooks", headers=auth(keys.portal)).json() == []


@needs_services
def test_plain_http_is_refused_and_a_key_has_a_cap(client: Any, keys: Keys) -> None:
    http = client.post("/v1/webhooks", json={"url": "http://93.184.215.14/h"}, headers=auth(keys.portal))
    assert http.status_code == 422 and http.json()["detail"]["code"] == "webhook_https_required"
    for n in range(2):
        ok = client.post("/v1/webhooks", json={"url": f"https://93.184.215.14/h{n}"}, headers=auth(keys.portal))
        assert ok.status_code == 201, ok.text
    third = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/h3"}, headers=auth(keys.portal))
    assert third.status_code == 409 and third.json()["detail"]["code"] == "too_many_webhooks"


def _resolving(monkeypatch: pytest.MonkeyPatch, answer: Callable[[], str]) -> list[str]:
    """``hooks.example.kz`` resolves to ``answer()`` at each lookup; returns the lookups made."""
    calls: list[str] = []
    real = socket.getaddrinfo

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.example.kz":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer(), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return calls


def _subscribe_and_check(
    tmp_path: Path, receiver: Receiver, after_subscribing: Callable[[], None] = lambda: None
) -> list[dict[str, Any]]:
    """Subscribe to ``http://hooks.example.kz:<receiver port>/hook``, check a dossier, return the log."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.test_service_support import make_keys

    env_iter = make_service_env(tmp_path, webhook_require_https=False, webhook_allowed_networks=["127.0.0.0/8"])
    env = next(env_iter)
    try:
        with TestClient(create_app(env.settings), base_url="https://testserver") as client:
            keys = make_keys(env)
            port = receiver.server.server_address[1]
            hook = client.post(
                "/v1/webhooks", json={"url": f"http://hooks.example.kz:{port}/hook"}, headers=auth(keys.portal)
            )
            assert hook.status_code == 201, hook.text
            after_subscribing()
            app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
            client.post(
                f"/v1/applications/{app_id}/documents",
                files=files_field(dossier_documents()),
                headers=auth(keys.portal),
            )
            run_worker_in_process(env)
            return list(
                client.get(f"/v1/webhooks/{hook.json()['id']}/deliveries", headers=auth(keys.portal)).json()
            )
    finally:
        next(env_iter, None)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@needs_services
def test_a_name_that_later_resolves_inside_is_not_delivered_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    """DNS rebinding: allowed at registration, internal at delivery: refused then, nothing is sent."""
    answers = ["127.0.0.1"]
    _resolving(monkeypatch, lambda: answers[-1])
    # After subscribing, the name points at the metadata service.
    log = _subscribe_and_check(tmp_path, receiver, lambda: answers.append("169.254.169.254"))
    assert [(d["status"], d["last_error"], d["attempts"]) for d in log] == [("failed", "address_not_allowed", 1)]
    assert receiver.received == []


@needs_services
def test_delivery_connects_to_the_checked_address_with_the_name_as_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    """The name is resolved once per delivery; the POST goes to that address, Host and SNI carry the name."""
    # The first answers (registration, delivery) are checked and used; a later lookup would lead to
    # a closed port.
    calls = _resolving(monkeypatch, lambda: "127.0.0.1" if len(calls) <= 2 else "127.0.0.2")
    log = _subscribe_and_check(tmp_path, receiver)
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 1)]
    assert len(calls) == 2  # registration, delivery: the connection itself asked no resolver
    headers, _ = receiver.received[0]
    assert headers["Host"] == f"hooks.example.kz:{receiver.server.server_address[1]}"
