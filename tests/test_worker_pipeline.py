"""Upload over HTTP → RQ worker → results, against the real PostgreSQL and Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rq import Queue

from casework.queues import queue_names
from tests.test_service_support import (
    APPLICATION,
    Keys,
    ServiceEnv,
    auth,
    comparable,
    dossier_documents,
    dossier_zip,
    files_field,
    needs_services,
    run_planning_in_process,
    run_worker_in_process,
    write_dossier,
)

pytestmark = needs_services


def _cli_result(tmp_path: Path, env: ServiceEnv) -> dict[str, Any]:
    from docproc.pipeline import run_dossier

    folder = write_dossier(tmp_path / "cli" / "svc_dossier_1")
    settings = env.settings.model_copy(update={"data_dir": tmp_path / "cli-var"})
    return run_dossier(folder, settings, jobs=1, record=False).model_dump(mode="json")


def _create(client: Any, key: str, application: dict[str, Any] | None = None) -> str:
    response = client.post("/v1/applications", json=application or APPLICATION, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _queued(env: ServiceEnv) -> int:
    """Document jobs waiting, once the rounds opened so far are planned (uploads only queue a planning job)."""
    run_planning_in_process(env)
    return Queue(queue_names(env.settings).documents, connection=env.redis).count


def _queued_by_the_request(env: ServiceEnv) -> tuple[int, int]:
    """(planning jobs, document jobs) on the queues right after a request, before any worker ran."""
    names = queue_names(env.settings)
    return (
        Queue(names.dossiers, connection=env.redis).count,
        Queue(names.documents, connection=env.redis).count,
    )


def test_uploaded_dossier_gives_the_same_result_as_the_cli(
    tmp_path: Path, service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    app_id = _create(client, keys.portal)
    response = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    )
    assert response.status_code == 202, response.text
    uploaded = response.json()["documents"]
    assert [d["status"] for d in uploaded] == ["queued"] * 4
    assert _queued_by_the_request(service_env) == (1, 0)  # the upload itself plans nothing
    assert _queued(service_env) == 4

    before = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert before["status"] == "processing" and before["progress"]["queued"] == 4
    assert client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal)).status_code == 409

    run_worker_in_process(service_env)

    detail = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert detail["status"] == "done", detail
    assert detail["progress"]["done"] == 4
    assert all(d["finished_at"] and d["attempts"] == 1 for d in detail["documents"])
    assert detail["checklist"] and detail["computed"] is not None

    api_result = client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal)).json()
    assert comparable(api_result) == comparable(_cli_result(tmp_path, service_env))
    expected_shape = client.get(
        f"/v1/applications/{app_id}/results?format=expected", headers=auth(keys.portal)
    )
    assert set(expected_shape.json()["documents"]) == set(APPLICATION["files"])  # type: ignore[arg-type]


def test_dossier_zip_upload_matches_the_cli(
    tmp_path: Path, service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    response = client.post(
        "/v1/dossiers",
        files={"file": ("svc_dossier_1.zip", dossier_zip(), "application/zip")},
        headers=auth(keys.portal),
    )
    assert response.status_code == 202, response.text
    app_id = response.json()["application_id"]
    run_worker_in_process(service_env)
    api_result = client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal)).json()
    assert comparable(api_result) == comparable(_cli_result(tmp_path, service_env))


def test_the_same_file_is_read_once(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    documents = dossier_documents()
    first = _create(client, keys.admin, {**APPLICATION, "dossier_id": "a1"})
    second = _create(client, keys.admin, {**APPLICATION, "dossier_id": "a2"})
    # Both applications receive the same contract before any worker runs: one job for both.
    for app_id in (first, second):
        response = client.post(
            f"/v1/applications/{app_id}/documents",
            files=files_field({"dogovor.pdf": documents["dogovor.pdf"]}),
            headers=auth(keys.admin),
        )
        assert response.status_code == 202
    assert _queued(service_env) == 1

    # The same name and bytes again: recognised as a duplicate, nothing queued.
    again = client.post(
        f"/v1/applications/{first}/documents",
        files=files_field({"dogovor.pdf": documents["dogovor.pdf"]}),
        headers=auth(keys.admin),
    ).json()
    assert again["documents"][0]["duplicate"] is True
    assert _queued(service_env) == 1

    run_worker_in_process(service_env)
    for app_id in (first, second):
        assert client.get(f"/v1/applications/{app_id}", headers=auth(keys.admin)).json()["status"] == "done"

    # After processing, a third application gets the reading from the cache, without a job.
    third = _create(client, keys.admin, {**APPLICATION, "dossier_id": "a3"})
    reused = client.post(
        f"/v1/applications/{third}/documents",
        files=files_field({"copy_of_contract.pdf": documents["dogovor.pdf"]}),
        headers=auth(keys.admin),
    ).json()["documents"][0]
    assert reused["reused"] is True and reused["status"] == "done"
    assert _queued(service_env) == 0
    run_worker_in_process(service_env)  # only the dossier check
    doc = client.get(f"/v1/documents/{reused['id']}", headers=auth(keys.admin)).json()
    assert doc["extraction"]["file"] == "copy_of_contract.pdf"


def test_document_fields_provenance_and_page_image(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    app_id = _create(client, keys.portal)
    uploaded = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field({"dogovor.pdf": dossier_documents()["dogovor.pdf"]}),
        headers=auth(keys.portal),
    ).json()["documents"][0]
    run_worker_in_process(service_env)
    doc = client.get(f"/v1/documents/{uploaded['id']}", headers=auth(keys.reviewer)).json()
    assert doc["status"] == "done" and doc["page_count"] == 2
    assert [p["page_no"] for p in doc["pages"]] == [1, 2]
    assert doc["extraction"]["doc_type"] == "contract"
    located = [
        v
        for v in (doc["extraction"].get("number"), doc["extraction"].get("date"))
        if v and v.get("provenance")
    ]
    assert located, "contract number/date should carry page and box"

    image = client.get(doc["pages"][0]["image_url"], headers=auth(keys.reviewer))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG") and float(image.headers["x-page-scale"]) > 1
    missing = client.get(f"/v1/documents/{uploaded['id']}/pages/9/image", headers=auth(keys.reviewer))
    assert missing.status_code == 404
    original = client.get(f"/v1/documents/{uploaded['id']}/file", headers=auth(keys.reviewer))
    assert original.content == dossier_documents()["dogovor.pdf"]


def test_reprocess_and_corrections_start_new_rounds(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    app_id = _create(client, keys.portal)
    docs = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    ).json()["documents"]
    run_worker_in_process(service_env)
    first = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()

    contract = next(d for d in docs if d["file_name"] == "dogovor.pdf")
    corrected = client.patch(
        f"/v1/documents/{contract['id']}",
        json={"fields": {"parties.supplier.bin": "150540011224", "number": "99/99"}, "comment": "проверка"},
        headers=auth(keys.reviewer),
    )
    assert corrected.status_code == 202, corrected.text
    assert corrected.json()["extraction"]["number"]["value"] == "99/99"
    run_worker_in_process(service_env)
    second = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    assert second["revision"] > first["revision"] and second["checked_revision"] == second["revision"]
    codes = {f["code"] for f in second["findings"]}
    assert "WRONG_CONTRACT_REFERENCE" in codes or "PARTY_MISMATCH" in codes or "INVALID_BIN" in codes

    bad = client.patch(
        f"/v1/documents/{contract['id']}", json={"fields": {"secret": 1}}, headers=auth(keys.reviewer)
    )
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "invalid_correction"

    again = client.post(f"/v1/applications/{app_id}/reprocess", headers=auth(keys.reviewer)).json()
    assert again["documents_requeued"] == 4
    assert _queued(service_env) == 4  # cache ignored: the documents are read again
    run_worker_in_process(service_env)
    third = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    assert third["status"] == "done" and all(d["attempts"] == 2 for d in third["documents"])


def test_a_correction_is_checked_at_once_once_every_document_is_read(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    # The one correction path (casework.correcting), as in the workspace: no round is queued for it.
    app_id = _create(client, keys.portal)
    docs = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    ).json()["documents"]
    contract = next(d for d in docs if d["file_name"] == "dogovor.pdf")
    wrong_bin = {"fields": {"parties.supplier.bin": "150540011224"}, "comment": "проверка"}

    # Documents still being read: the correction is stored and the round in progress uses it.
    reading = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    early = client.patch(f"/v1/documents/{contract['id']}", json=wrong_bin, headers=auth(keys.reviewer))
    assert early.status_code == 202, early.text
    after_early = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    assert after_early["revision"] == reading["revision"] and after_early["status"] == "processing"
    run_worker_in_process(service_env)
    checked = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    assert checked["status"] == "done" and checked["checked_revision"] == reading["revision"]
    codes = {f["code"] for f in checked["findings"]}
    assert codes & {"WRONG_CONTRACT_REFERENCE", "PARTY_MISMATCH", "INVALID_BIN"}

    # Every document read: checked again before the answer, a new round, nothing on the queues.
    withdrawn = client.patch(
        f"/v1/documents/{contract['id']}",
        json={"fields": {}, "withdraw": ["parties.supplier.bin"]},
        headers=auth(keys.reviewer),
    )
    assert withdrawn.status_code == 202, withdrawn.text
    assert _queued_by_the_request(service_env) == (0, 0)
    now = client.get(f"/v1/applications/{app_id}", headers=auth(keys.reviewer)).json()
    assert now["revision"] == checked["revision"] + 1 and now["checked_revision"] == now["revision"]
    assert now["status"] == "done"
    assert "150540011224" in str(checked["findings"]) and "150540011224" not in str(now["findings"])

    events = client.get(f"/v1/audit?application_id={app_id}", headers=auth(keys.admin)).json()
    corrections = [e for e in events if e["action"] == "document.correct"]
    assert [e["details"]["rechecked"] for e in corrections] == [True, False]  # newest first
    assert corrections[0]["details"]["revision"] == now["revision"]
    assert corrections[0]["details"]["withdraw"] == ["parties.supplier.bin"]


def test_dossier_check_runs_when_a_document_job_fails(
    service_env: ServiceEnv, client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import worker.jobs

    real = worker.jobs.process_document
    contract = dossier_documents()["dogovor.pdf"]

    def flaky(source: Any, settings: Any) -> Any:
        if source.data == contract:
            raise ConnectionError("database went away")  # transient: retried, then given up
        return real(source, settings)

    monkeypatch.setattr(worker.jobs, "process_document", flaky)
    app_id = _create(client, keys.portal)
    client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    )
    run_worker_in_process(service_env)

    detail = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert detail["status"] == "done"
    failed = [d for d in detail["documents"] if d["status"] == "failed"]
    assert [d["file_name"] for d in failed] == ["dogovor.pdf"]
    assert failed[0]["attempts"] == 3 and "не удалось обработать" in failed[0]["failure_reason"]
    result = client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal)).json()
    unreadable = next(d for d in result["documents"] if d["file"] == "dogovor.pdf")
    assert unreadable["unreadable_reason"]


def test_a_document_without_text_is_reported_unreadable(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    import io

    import openpyxl

    empty = io.BytesIO()
    openpyxl.Workbook().save(empty)  # accepted at upload (a valid workbook), but nothing to read
    app_id = _create(client, keys.portal)
    client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field({"vedomost.xlsx": empty.getvalue()}),
        headers=auth(keys.portal),
    )
    run_worker_in_process(service_env)
    detail = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    doc = detail["documents"][0]
    assert detail["status"] == "done"
    assert doc["status"] == "failed" and doc["failure_code"] == "empty_document" and doc["failure_reason"]
    result = client.get(f"/v1/applications/{app_id}/results", headers=auth(keys.portal)).json()
    assert result["documents"][0]["unreadable_reason"] == doc["failure_reason"]


def test_concurrent_uploads_to_one_application_all_count(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.test_service_support import render_pdf

    app_id = _create(client, keys.portal)
    # Enough words per page for the text layer to be trusted (no OCR in this test).
    lines = ["Заказчик: ТОО «Костанай Агромаш». Исполнитель: ТОО «Техсервис Наладка»."] * 3
    documents = {
        f"doc_{i}.pdf": render_pdf([[f"Акт выполненных работ № {i} от 20.01.2023", *lines]]) for i in range(8)
    }

    def upload(item: tuple[str, bytes]) -> Any:
        return client.post(
            f"/v1/applications/{app_id}/documents", files=files_field(dict([item])), headers=auth(keys.portal)
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(upload, documents.items()))
    assert [r.status_code for r in responses] == [202] * 8
    revisions = sorted(r.json()["revision"] for r in responses)
    assert revisions == list(range(1, 9))  # each upload its own check round, none lost

    run_worker_in_process(service_env)
    detail = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert detail["status"] == "done" and detail["progress"]["done"] == 8
    assert detail["checked_revision"] == detail["revision"] == 8


def test_an_internal_failure_is_reported_but_not_cached(
    service_env: ServiceEnv, client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocr.reader

    real = ocr.reader.read_document
    monkeypatch.setattr(ocr.reader, "read_document", lambda *a, **k: 1 / 0)  # a bug in a reader
    contract = {"dogovor.pdf": dossier_documents()["dogovor.pdf"]}
    first = _create(client, keys.admin, {**APPLICATION, "dossier_id": "bug-1"})
    client.post(f"/v1/applications/{first}/documents", files=files_field(contract), headers=auth(keys.admin))
    run_worker_in_process(service_env)
    doc = client.get(f"/v1/applications/{first}", headers=auth(keys.admin)).json()["documents"][0]
    assert doc["status"] == "failed" and doc["failure_code"] == "read_failed"

    monkeypatch.setattr(ocr.reader, "read_document", real)  # fixed: the same file is read again
    second = _create(client, keys.admin, {**APPLICATION, "dossier_id": "bug-2"})
    again = client.post(
        f"/v1/applications/{second}/documents", files=files_field(contract), headers=auth(keys.admin)
    ).json()["documents"][0]
    assert again["status"] == "queued" and again["reused"] is False
    run_worker_in_process(service_env)
    assert client.get(f"/v1/documents/{again['id']}", headers=auth(keys.admin)).json()["status"] == "done"


def test_a_burst_of_uploads_is_planned_once(service_env: ServiceEnv, client: Any, keys: Keys) -> None:
    from rq.job import Job

    from casework.queues import planning_job_id

    documents = dossier_documents()
    app_id = _create(client, keys.portal)
    revisions = []
    for name in ("dogovor.pdf", "pp_1284.pdf"):  # the portal sends files one request at a time
        response = client.post(
            f"/v1/applications/{app_id}/documents",
            files=files_field({name: documents[name]}),
            headers=auth(keys.portal),
        )
        assert response.status_code == 202
        revisions.append(response.json()["revision"])
    assert revisions == [1, 2]
    assert _queued_by_the_request(service_env) == (2, 0)

    assert _queued(service_env) == 2  # both documents, planned by the later round
    prefix = service_env.settings.service.queue_prefix
    first, second = (Job.fetch(planning_job_id(prefix, app_id, r), connection=service_env.redis) for r in revisions)
    assert first.return_value() == {"status": "superseded", "current_revision": 2}
    assert second.return_value() == {"status": "planned", "revision": 2, "document_jobs": 2}

    run_worker_in_process(service_env)
    detail = client.get(f"/v1/applications/{app_id}", headers=auth(keys.portal)).json()
    assert detail["status"] == "done" and detail["checked_revision"] == 2
    assert detail["progress"]["done"] == 2


def test_the_service_counts_the_applicants_recorded_reimbursements_against_the_cap(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    from casework import connections
    from models.db import upgrade_database
    from models.domain import Application
    from models.repository import save_result, upsert_application

    upgrade_database(service_env.settings.effective_database_url)
    with connections.sessions(service_env.settings).begin() as session:
        earlier = Application.model_validate(
            {**APPLICATION, "dossier_id": "svc_earlier", "application_date": "2023-11-20"}
        )
        save_result(session, upsert_application(session, earlier), {"computed": {"reimbursement_kzt": 59_500_000.0}})
    response = client.post(
        "/v1/dossiers",
        files={"file": ("svc_dossier_1.zip", dossier_zip(), "application/zip")},
        headers=auth(keys.portal),
    )
    assert response.status_code == 202, response.text
    run_worker_in_process(service_env)
    result = client.get(f"/v1/applications/{response.json()['application_id']}/results", headers=auth(keys.portal))
    computed = result.json()["computed"]
    assert computed["cap_used_kzt"] == 59_500_000.0 and computed["cap_left_kzt"] == 500_000.0
    assert computed["reimbursement_kzt"] == 500_000.0 and computed["reimbursement_limited_by"] == "cap"
    assert any(f["code"] == "CAP_EXCEEDED_ACROSS_APPLICATIONS" for f in result.json()["findings"])
