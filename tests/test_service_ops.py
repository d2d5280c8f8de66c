"""Operations: health, Prometheus metrics, the OpenAPI document, the keys command."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from tests.test_service_support import (
    APPLICATION,
    ROOT,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    needs_services,
    run_planning_in_process,
    run_worker_in_process,
    worker_command,
)

pytestmark = needs_services


def _metric(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric line starting with {line_start!r}")


def test_health_reports_database_and_redis(service_env: ServiceEnv, client: Any) -> None:
    ok = client.get("/health")
    assert ok.status_code == 200 and ok.json()["database"] == "ok" and ok.json()["redis"] == "ok"

    broken = service_env.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(broken)) as degraded_client:
        degraded = degraded_client.get("/health")
    assert degraded.status_code == 503
    assert degraded.json()["status"] == "degraded" and degraded.json()["redis"].startswith("error")


def test_metrics_show_queues_states_durations_and_pages(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field(dossier_documents()),
        headers=auth(keys.portal),
    )
    documents_queue = f"{service_env.prefix}-documents"
    just_uploaded = client.get("/metrics").text
    assert _metric(just_uploaded, f'docproc_queue_depth{{queue="{service_env.prefix}-dossiers"}}') == 1  # planning
    assert _metric(just_uploaded, f'docproc_queue_depth{{queue="{documents_queue}"}}') == 0

    run_planning_in_process(service_env)
    queued = client.get("/metrics").text
    assert _metric(queued, f'docproc_queue_depth{{queue="{documents_queue}"}}') == 4
    assert _metric(queued, 'docproc_documents{status="queued"}') == 4
    assert _metric(queued, f'docproc_jobs{{queue="{service_env.prefix}-dossiers",state="deferred"}}') == 1

    run_worker_in_process(service_env)
    done = client.get("/metrics").text
    assert _metric(done, f'docproc_queue_depth{{queue="{documents_queue}"}}') == 0
    assert _metric(done, 'docproc_documents{status="done"}') == 4
    assert _metric(done, 'docproc_applications{status="done"}') == 1
    assert _metric(done, 'docproc_stage_duration_seconds_count{stage="document"}') == 4
    assert _metric(done, 'docproc_stage_duration_seconds_bucket{le="+Inf",stage="document"}') == 4
    assert _metric(done, 'docproc_stage_duration_seconds_count{stage="dossier"}') == 1
    assert _metric(done, 'docproc_pages_total{source="all"}') == 5  # the contract has two pages
    assert _metric(done, 'docproc_pages_total{source="ocr"}') == 0  # text layers only
    assert _metric(done, 'docproc_up{component="redis"}') == 1


def test_openapi_documents_every_route_with_examples(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/v1/applications",
        "/v1/applications/{application_id}/documents",
        "/v1/applications/{application_id}",
        "/v1/applications/{application_id}/results",
        "/v1/documents/{document_id}/pages/{page_no}/image",
        "/v1/webhooks",
        "/health",
        "/metrics",
    ):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    assert schemas["ApplicationIn"]["examples"][0]["applicant"]["bin"]
    assert schemas["UploadResponse"]["examples"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_keys_command_prints_a_working_key_once(service_env: ServiceEnv, client: Any, tmp_path: Path) -> None:
    command = [*worker_command()[:3], "keys", "create", "--role", "consumer", "--name", "тест"]
    created = subprocess.run(
        command, env=service_env.env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("dpk_") and "показывается один раз" in created.stderr
    assert client.get("/v1/applications", headers=auth(key)).status_code == 200

    refused = subprocess.run(
        [*worker_command()[:3], "keys", "create", "--role", "portal"],
        env=service_env.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and "--applicant" in refused.stderr


def test_service_commands_register_on_a_typer_app() -> None:
    import typer
    from typer.testing import CliRunner

    from docproc.cli.service import register

    app = typer.Typer()
    register(app)
    shown = CliRunner().invoke(app, ["--help"]).output
    assert all(name in shown for name in ("serve", "worker", "requeue", "keys"))
    assert "--burst" in CliRunner().invoke(app, ["worker", "--help"]).output


def test_swagger_ui_and_redoc_load_nothing_from_the_network(client: Any) -> None:
    import re

    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', html.text) + re.findall(r"url: '([^']+)'", html.text)
        assert sources and not [s for s in sources if "://" in s or s.startswith("//")], sources
        for source in sources:
            if source.startswith("/docs-static/"):
                asset = client.get(source)
                assert asset.status_code == 200 and len(asset.content) > 1000, source
    assert "cdn" not in client.get("/docs").text.lower() and "fonts.googleapis" not in client.get("/redoc").text
