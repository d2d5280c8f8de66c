"""Small leaks closed (issue 15, item 6): what one applicant's portal key can learn about another's,
invalid text, and re-reading on demand without limit."""

from __future__ import annotations

from typing import Any

from tests.test_service_support import (
    APPLICATION,
    OTHER_BIN,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    needs_services,
    run_worker_in_process,
)

pytestmark = needs_services

OTHER_APPLICATION = {**APPLICATION, "applicant": {**APPLICATION["applicant"], "bin": OTHER_BIN}}  # type: ignore[dict-item]


def _create(client: Any, key: str, body: dict[str, Any]) -> Any:
    return client.post("/v1/applications", json=body, headers=auth(key))


def test_another_applicants_identical_file_is_not_announced_as_reused(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    contract = {"dogovor.pdf": dossier_documents()["dogovor.pdf"]}
    mine = _create(client, keys.portal, APPLICATION).json()["id"]
    client.post(f"/v1/applications/{mine}/documents", files=files_field(contract), headers=auth(keys.portal))
    run_worker_in_process(service_env)

    theirs = _create(client, keys.other_portal, OTHER_APPLICATION).json()["id"]
    upload = client.post(
        f"/v1/applications/{theirs}/documents", files=files_field(contract), headers=auth(keys.other_portal)
    ).json()["documents"][0]
    assert (upload["reused"], upload["status"]) == (False, "queued")  # nothing said about the other copy
    run_worker_in_process(service_env)
    read = client.get(f"/v1/documents/{upload['id']}", headers=auth(keys.other_portal)).json()
    assert read["status"] == "done" and read["attempts"] == 0  # the cache still served it, unannounced

    again = _create(client, keys.portal, {**APPLICATION, "dossier_id": "mine-2"}).json()["id"]
    own = client.post(
        f"/v1/applications/{again}/documents", files=files_field(contract), headers=auth(keys.portal)
    ).json()["documents"][0]
    assert (own["reused"], own["status"]) == (True, "done")  # the applicant's own earlier upload


def test_dossier_ids_are_unique_per_applicant_only(client: Any, keys: Keys) -> None:
    assert _create(client, keys.portal, APPLICATION).status_code == 201
    # Another applicant's id neither shows (no 409) nor blocks the same id here.
    assert _create(client, keys.other_portal, OTHER_APPLICATION).status_code == 201
    again = _create(client, keys.portal, APPLICATION)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "application_exists"


def test_nul_bytes_and_lone_surrogates_in_json_are_422(client: Any, keys: Keys) -> None:
    nul = {**APPLICATION, "applicant": {**APPLICATION["applicant"], "name": "ТОО\u0000«Ноль»"}}  # type: ignore[dict-item]
    response = _create(client, keys.portal, nul)
    assert response.status_code == 422 and "applicant.name" in response.json()["detail"]["message"]
    surrogate = '{"dossier_id": "x\\ud800", "applicant": {"name": "a", "bin": "210240012345"}}'
    response = client.post(
        "/v1/applications", content=surrogate, headers={**auth(keys.portal), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    app_id = _create(client, keys.portal, APPLICATION).json()["id"]
    # Written by hand: HTTP clients escape a NUL in a file name, a hostile one need not.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="files"; filename="dog\x00ovor.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + dossier_documents()["dogovor.pdf"] + b"\r\n--b--\r\n"
    )
    upload = client.post(
        f"/v1/applications/{app_id}/documents",
        content=body,
        headers={**auth(keys.portal), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert upload.status_code == 422 and upload.json()["detail"]["code"] == "invalid_text"
    hook = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/h\u0000"}, headers=auth(keys.portal))
    assert hook.status_code == 422


def test_forced_re_reading_is_rate_limited(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    app_id = _create(client, keys.portal, APPLICATION).json()["id"]
    client.post(
        f"/v1/applications/{app_id}/documents", files=files_field(dossier_documents()), headers=auth(keys.portal)
    )
    run_worker_in_process(service_env)
    first = client.post(f"/v1/applications/{app_id}/reprocess", headers=auth(keys.portal))
    assert first.status_code == 202
    second = client.post(f"/v1/applications/{app_id}/reprocess?scope=documents", headers=auth(keys.portal))
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
    document = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()["documents"][0]
    one = client.post(f"/v1/documents/{document['id']}/reprocess", headers=auth(keys.portal))
    assert one.status_code == 429
    check_only = client.post(f"/v1/applications/{app_id}/reprocess?scope=check", headers=auth(keys.portal))
    assert check_only.status_code == 202  # the check alone reads nothing again
