"""The real thing: `docproc serve` and a `docproc worker -n 2` pool as processes, talking over HTTP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_service_support import (
    ROOT,
    ServiceEnv,
    auth,
    comparable,
    dossier_zip,
    make_keys,
    needs_services,
    serve_api,
    worker_command,
    write_dossier,
)

pytestmark = needs_services


@pytest.fixture
def server(service_env: ServiceEnv) -> Iterator[str]:
    yield from serve_api(service_env)


def test_served_api_and_worker_pool_process_a_dossier_like_the_cli(
    service_env: ServiceEnv, server: str, tmp_path: Path
) -> None:
    keys = make_keys(service_env)
    upload = httpx.post(
        f"{server}/v1/dossiers",
        files={"file": ("svc_dossier_1.zip", dossier_zip(), "application/zip")},
        headers=auth(keys.portal),
        timeout=30,
    )
    assert upload.status_code == 202, upload.text
    app_id = upload.json()["application_id"]

    pool = subprocess.run(
        worker_command("--processes", "2", "--burst"),
        env=service_env.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert pool.returncode == 0, pool.stderr[-2000:]

    status = httpx.get(f"{server}/v1/applications/{app_id}", headers=auth(keys.portal), timeout=10).json()
    assert status["status"] == "done", status
    api_result = httpx.get(
        f"{server}/v1/applications/{app_id}/results", headers=auth(keys.portal), timeout=10
    ).json()

    from docproc.pipeline import run_dossier

    folder = write_dossier(tmp_path / "cli" / "svc_dossier_1")
    cli = run_dossier(
        folder, service_env.settings.model_copy(update={"data_dir": tmp_path / "cli-var"}), record=False
    )
    assert comparable(api_result) == comparable(cli.model_dump(mode="json"))

    metrics = httpx.get(f"{server}/metrics", timeout=10).text
    assert 'docproc_stage_duration_seconds_count{stage="document"} 4.0' in metrics
    assert "docproc_dossiers_checked_total 1.0" in metrics
