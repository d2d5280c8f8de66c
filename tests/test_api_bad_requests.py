"""Every bad request gets a clear 4xx with a Russian reason, and nothing of it is stored or queued."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rq import Queue

from api.app import create_app
from api.multipart import BodySizeLimit
from casework.queues import queue_names
from tests.test_service_support import (
    APPLICATION,
    FONT,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    make_keys,
    make_service_env,
    needs_services,
    render_pdf,
    zip_bytes,
)

pytestmark = needs_services

MAX_FILE_BYTES = 60_000
MAX_REQUEST_BYTES = 400_000
MAX_PAGES = 2


@pytest.fixture(scope="module")
def small_limits(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServiceEnv, TestClient, Keys, str]]:
    tmp = tmp_path_factory.mktemp("bad_requests")
    for env in make_service_env(
        tmp,
        limits={"max_file_bytes": MAX_FILE_BYTES, "max_pdf_pages": MAX_PAGES},
        max_request_bytes=MAX_REQUEST_BYTES,
    ):
        with TestClient(create_app(env.settings)) as client:
            keys = make_keys(env)
            response = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal))
            assert response.status_code == 201
            yield env, client, keys, response.json()["id"]


def _upload(client: TestClient, app_id: str, key: str, documents: dict[str, bytes]) -> Any:
    return client.post(
        f"/v1/applications/{app_id}/documents", files=files_field(documents), headers=auth(key)
    )


def _encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.cell(text="Договор № 1")
    return bytes(pdf.output())


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("scan.pdf", b"%PDF-1.4\n" + b"\0" * (8 * 1024 * 1024))
    return out.getvalue()


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
CONTRACT = dossier_documents()["dogovor.pdf"]

CASES: list[tuple[str, dict[str, bytes], int, str]] = [
    ("wrong type, sniffed by content", {"scan.pdf": GIF}, 415, "unsupported_format"),
    ("empty file", {"empty.pdf": b""}, 422, "empty_file"),
    ("file too large", {"big.pdf": CONTRACT + b"%" * MAX_FILE_BYTES}, 413, "file_too_large"),
    ("too many pages", {"long.pdf": render_pdf([["стр. 1"], ["стр. 2"], ["стр. 3"]])}, 422, "too_many_pages"),
    ("encrypted PDF", {"secret.pdf": _encrypted_pdf()}, 422, "encrypted_pdf"),
    ("corrupt PDF", {"broken.pdf": CONTRACT[: len(CONTRACT) // 3]}, 422, "corrupt_pdf"),
    ("zip bomb", {"docs.zip": _zip_bomb()}, 413, "zip_bomb"),
    (
        "path traversal in a ZIP",
        {"docs.zip": zip_bytes({"../../etc/evil.pdf": CONTRACT})},
        422,
        "zip_traversal",
    ),
    ("absolute path in a ZIP", {"docs.zip": zip_bytes({"/tmp/evil.pdf": CONTRACT})}, 422, "zip_traversal"),
    (
        "ZIP mixed with files",
        {"docs.zip": zip_bytes({"a.pdf": CONTRACT}), "b.pdf": CONTRACT},
        422,
        "zip_with_other_files",
    ),
]


@pytest.mark.parametrize(("label", "documents", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_refused_upload(
    small_limits: tuple[ServiceEnv, TestClient, Keys, str],
    label: str,
    documents: dict[str, bytes],
    status: int,
    code: str,
) -> None:
    env, client, keys, app_id = small_limits
    response = _upload(client, app_id, keys.portal, documents)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail["code"] == code
    assert any("а" <= ch <= "я" for ch in detail["message"].lower()), "the reason must be in Russian"
    if "files" in detail:
        assert all(f["reason"] for f in detail["files"])
    state = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert state["documents"] == [] and state["status"] == "received"
    assert Queue(queue_names(env.settings).documents, connection=env.redis).count == 0


def test_one_bad_file_refuses_the_whole_upload_with_every_reason(
    small_limits: tuple[ServiceEnv, TestClient, Keys, str],
) -> None:
    _, client, keys, app_id = small_limits
    response = _upload(client, app_id, keys.portal, {"ok.pdf": CONTRACT, "scan.pdf": GIF, "empty.pdf": b""})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "files_rejected"
    assert {f["name"]: f["code"] for f in detail["files"]} == {
        "scan.pdf": "unsupported_format",
        "empty.pdf": "empty_file",
    }


def test_request_larger_than_the_limit(small_limits: tuple[ServiceEnv, TestClient, Keys, str]) -> None:
    _, client, keys, app_id = small_limits
    parts = {f"part{i}.pdf": CONTRACT for i in range(MAX_REQUEST_BYTES // len(CONTRACT) + 2)}
    response = _upload(client, app_id, keys.portal, parts)
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "request_too_large"


def test_streamed_body_is_cut_off_at_the_limit() -> None:
    """A chunked body (no Content-Length) is counted as it arrives; the app's own answer is replaced."""
    reached: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            reached.append(total)
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(5)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(BodySizeLimit(app, max_bytes=1000)({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 413 and b"request_too_large" in sent[1]["body"]
    assert max(reached) <= 1000


def test_unknown_application_wrong_role_and_bad_body(
    small_limits: tuple[ServiceEnv, TestClient, Keys, str],
) -> None:
    _, client, keys, app_id = small_limits
    missing = _upload(client, "no-such-application", keys.portal, {"ok.pdf": CONTRACT})
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found"
    wrong_role = _upload(client, app_id, keys.consumer, {"ok.pdf": CONTRACT})
    assert wrong_role.status_code == 403 and "consumer" in wrong_role.json()["detail"]["message"]
    no_files = client.post(f"/v1/applications/{app_id}/documents", headers=auth(keys.portal))
    assert no_files.status_code == 422 and no_files.json()["detail"]["code"] == "invalid_request"
    bad_body = client.post(
        "/v1/applications",
        json={**APPLICATION, "measure": "space", "application_date": "вчера"},
        headers=auth(keys.admin),
    )
    assert bad_body.status_code == 422
    detail = bad_body.json()["detail"]
    assert detail["code"] == "invalid_request" and {e["field"] for e in detail["errors"]} >= {
        "body.measure",
        "body.application_date",
    }
    duplicate = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.admin))
    assert duplicate.status_code == 409 and duplicate.json()["detail"]["code"] == "application_exists"


def test_dossier_zip_without_application_json(small_limits: tuple[ServiceEnv, TestClient, Keys, str]) -> None:
    _, client, keys, _ = small_limits
    response = client.post(
        "/v1/dossiers",
        files={"file": ("d.zip", zip_bytes({"a.pdf": CONTRACT}), "application/zip")},
        headers=auth(keys.admin),
    )
    assert response.status_code == 422 and response.json()["detail"]["code"] == "application_invalid"
    not_zip = client.post(
        "/v1/dossiers", files={"file": ("d.zip", CONTRACT, "application/zip")}, headers=auth(keys.admin)
    )
    assert not_zip.status_code == 415 and not_zip.json()["detail"]["code"] == "dossier_not_zip"


def test_api_key_problems(small_limits: tuple[ServiceEnv, TestClient, Keys, str]) -> None:
    _, client, _, app_id = small_limits
    no_key = client.get(f"/v1/applications/{app_id}")
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer"
    assert no_key.json()["detail"]["code"] == "missing_api_key"
    bad_key = client.get(f"/v1/applications/{app_id}", headers=auth("dpk_not-a-key"))
    assert bad_key.status_code == 401 and bad_key.json()["detail"]["code"] == "invalid_api_key"
