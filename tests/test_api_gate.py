"""Authentication before the body, and a deadline for the body (issue 15, item 3), on a served API.

The requests are written on a raw socket so that a body can be left unfinished: a server that reads
the body before it answers never answers these, and the socket's timeout (a hang guard, not a speed
figure) turns that into a failure.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_service_support import (
    ServiceEnv,
    auth,
    make_keys,
    make_service_env,
    needs_services,
    serve_api,
)

pytestmark = needs_services

FIFTY_MB = 50 * 1024 * 1024
_HANG_GUARD_S = 20.0


@pytest.fixture(name="service_env")
def slow_body_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    # A short grace and a modest rate, so that a stalled body is cut within the hang guard.
    yield from make_service_env(tmp_path, body_grace_s=1.0, body_min_rate_bytes_s=1000)


@pytest.fixture
def server(service_env: ServiceEnv) -> Iterator[str]:
    yield from serve_api(service_env)


def _partial_post(base: str, path: str, declared: int, sent: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST declaring ``declared`` body bytes, send only ``sent``, and read the answer."""
    host, port = base.removeprefix("http://").split(":")
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {declared}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=_HANG_GUARD_S) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + sent)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.decode("latin-1").partition("\r\n")
    return int(status_line.split()[1]), rest


def test_an_upload_without_a_key_is_refused_before_its_body(server: str) -> None:
    status, rest = _partial_post(
        server,
        "/v1/applications/some-id/documents",
        FIFTY_MB,
        b"x" * 65536,  # 64 KiB of a declared 50 MB: the rest never comes
        {"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert status == 401 and "www-authenticate: bearer" in rest.lower()


def test_an_unknown_key_is_refused_before_the_body(server: str) -> None:
    status, _ = _partial_post(
        server, "/v1/applications", FIFTY_MB, b"{", {"Authorization": "Bearer dpk_not-a-key", "Content-Type": "application/json"}
    )
    assert status == 401


def test_a_body_that_stalls_is_cut_off(service_env: ServiceEnv, server: str) -> None:
    keys = make_keys(service_env)
    status, _ = _partial_post(
        server,
        "/v1/applications",
        100_000,
        b'{"dossier_id": ',  # then nothing: one byte every few seconds would fare the same
        {**auth(keys.portal), "Content-Type": "application/json"},
    )
    assert status == 408


def test_a_workspace_form_without_a_session_goes_to_sign_in_before_its_body(server: str) -> None:
    status, rest = _partial_post(
        server,
        "/dossiers/some-id/decision",
        FIFTY_MB,
        b"decision=complete",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303 and "location: /login" in rest.lower()


def test_nul_bytes_in_a_path_or_query_are_refused(client: Any, keys: Any) -> None:
    for url in ("/v1/applications/abc%00def", "/v1/applications?applicant=%00", "/v1/documents/x%00/file"):
        response = client.get(url, headers=auth(keys.admin))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"]["code"] == "invalid_text"
