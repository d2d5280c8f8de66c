"""Shared fixtures and helpers of the service tests (test_api_*, test_worker_*, test_service_*).

Everything runs against the real PostgreSQL and Redis of the machine (CI has both): each test gets
its own PostgreSQL schema, and its own RQ queue prefix in a Redis database reserved for tests
(``DOCPROC_TEST_REDIS_URL``, default db 15), so runs never see each other's data. Tests skip with a
clear reason when a service is unreachable. Documents are text-layer PDFs rendered here with fpdf2
(no OCR needed), so a dossier goes through the whole pipeline in well under a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis
from redis.exceptions import RedisError

from foundation.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "DOCPROC_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
POSTGRES_URL = os.environ.get(
    "DOCPROC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DOCPROC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
APPLICANT_BIN = "210240012345"
OTHER_BIN = "190340098765"


def services_unavailable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2):
            pass
    except (psycopg.Error, OSError) as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (RedisError, OSError) as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    if not FONT.exists():
        return f"DejaVu font missing at {FONT} (needed to render test PDFs)"
    return None


needs_services = pytest.mark.skipif(services_unavailable() is not None, reason=str(services_unavailable()))


# --------------------------------------------------------------------------- settings per test


@dataclass
class ServiceEnv:
    settings: Settings
    schema: str
    redis: Redis

    @property
    def prefix(self) -> str:
        return self.settings.service.queue_prefix

    def env(self) -> dict[str, str]:
        """Environment for a subprocess (worker, server) that must use this test's settings."""
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
        env.update(
            {
                "DOCPROC_DATA_DIR": str(s.data_dir),
                "DOCPROC_DATABASE_URL": s.database_url,
                "DOCPROC_REDIS_URL": s.redis_url,
                "PYTHONPATH": str(ROOT),
            }
        )
        for name, value in s.service.model_dump(mode="json").items():
            env[f"DOCPROC_SERVICE__{name.upper()}"] = (
                json.dumps(value) if isinstance(value, list) else str(value)
            )
        for name, value in s.limits.model_dump(mode="json").items():
            env[f"DOCPROC_LIMITS__{name.upper()}"] = str(value)
        return env


def make_service_env(
    tmp_path: Path, limits: dict[str, Any] | None = None, **service_overrides: Any
) -> Iterator[ServiceEnv]:
    reason = services_unavailable()
    if reason:
        pytest.skip(reason)
    from casework import connections

    schema = f"svc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    prefix = f"t{uuid.uuid4().hex[:10]}"
    service = {
        "queue_prefix": prefix,
        "job_retry_intervals_s": [0, 0],
        "webhook_retry_intervals_s": [0, 0],
        "worker_warmup": False,
        "auth_cache_ttl_s": 0.0,
        "job_monitoring_interval_s": 1,
        "heartbeat_grace_s": 2,
        "maintenance_interval_s": 1,
        **service_overrides,
    }
    base = Settings()
    settings = base.model_copy(
        update={
            "data_dir": tmp_path / "var",
            "database_url": f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
            "redis_url": REDIS_URL,
            "service": base.service.model_copy(update=service),
            "limits": base.limits.model_copy(update=limits or {}),
        }
    )
    redis = Redis.from_url(REDIS_URL)
    connections.reset()
    connections.configure(settings)
    from casework.api_keys import clear_cache

    clear_cache()
    try:
        yield ServiceEnv(settings=settings, schema=schema, redis=redis)
    finally:
        connections.reset()
        connections.configure(None)
        for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
            redis.delete(key)
        redis.close()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


# Fixtures, imported by the test modules under their short names (service_env, client, keys).


@pytest.fixture(name="service_env")
def service_env_fixture(tmp_path: Path) -> Iterator[ServiceEnv]:
    yield from make_service_env(tmp_path)


# --------------------------------------------------------------------------- API client and keys


@dataclass
class Keys:
    admin: str
    portal: str  # scoped to APPLICANT_BIN
    other_portal: str  # scoped to OTHER_BIN
    reviewer: str
    consumer: str


def make_keys(env: ServiceEnv) -> Keys:
    from casework import connections
    from casework.api_keys import create_key
    from models.db import upgrade_database

    upgrade_database(env.settings.effective_database_url)
    with connections.sessions(env.settings).begin() as session:
        return Keys(
            admin=create_key(session, "admin", name="admin").key,
            portal=create_key(session, "portal", [APPLICANT_BIN], name="portal").key,
            other_portal=create_key(session, "portal", [OTHER_BIN], name="other portal").key,
            reviewer=create_key(session, "reviewer", name="reviewer").key,
            consumer=create_key(session, "consumer", name="consumer").key,
        )


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(name="client")
def client_fixture(service_env: ServiceEnv) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    # https: the session cookie is Secure by default, and a browser sends it back over HTTPS only.
    with TestClient(create_app(service_env.settings), base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture(name="keys")
def keys_fixture(service_env: ServiceEnv, client: Any) -> Keys:
    return make_keys(service_env)


# --------------------------------------------------------------------------- workers


def wait_until_healthy(process: subprocess.Popen[str], base: str, timeout_s: float = 60) -> None:
    """Block until ``docproc serve`` answers ``/health`` with 200; raise RuntimeError if it died or timed out."""
    import time

    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {process.stderr.read() if process.stderr else ''}")
        time.sleep(0.2)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def served_api(env: Any, *extra: str) -> Iterator[tuple[str, int]]:
    """``docproc serve`` as a process on a free local port; yields its base URL and process id, stops it
    after. ``env``: anything with ``env()`` giving the process environment (tests, bench scripts)."""
    import signal

    port = free_port()
    process = subprocess.Popen(
        [*worker_command()[:3], "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *extra],
        env=env.env(),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def serve_api(env: ServiceEnv, *extra: str) -> Iterator[str]:
    from contextlib import contextmanager

    with contextmanager(served_api)(env, *extra) as (base, _):
        yield base


def run_worker_in_process(env: ServiceEnv) -> None:
    """Process everything queued, in this process (RQ SimpleWorker, burst mode)."""
    from casework.queues import queue_names
    from worker.runner import InProcessWorker

    InProcessWorker(queue_names(env.settings).all, connection=env.redis).work(
        burst=True, logging_level="WARNING"
    )
    report_jobs_left(env)


def report_jobs_left(env: ServiceEnv) -> None:
    """Print (shown with a failing test) every job a burst left failed, scheduled or deferred, with its error, and
    every document still unfinished: a test that finds a document unread then says why."""
    from rq.job import Job
    from rq.registry import DeferredJobRegistry, FailedJobRegistry, ScheduledJobRegistry

    from casework import connections
    from casework.queues import queue_names
    from models.db import UNFINISHED_DOCUMENT_STATUSES, DocumentRow

    for name in queue_names(env.settings).all:
        for registry in (FailedJobRegistry, ScheduledJobRegistry, DeferredJobRegistry):
            for job_id in registry(name, connection=env.redis).get_job_ids():
                job = Job.fetch(job_id, connection=env.redis)
                result = job.latest_result()
                error = result.exc_string if result is not None and result.exc_string else ""
                print(f"burst left a {registry.__name__} job on {name}: {job.func_name} {job.args} {error}")
    with connections.sessions(env.settings)() as session:
        for doc in session.query(DocumentRow).filter(DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES)):
            print(f"burst left document {doc.file_name} ({doc.sha256[:12]}, key {doc.pipeline_key}) {doc.status}")


def run_planning_in_process(env: ServiceEnv) -> None:
    """Run what is on the dossiers queue only: the planning of upload rounds (and ready dossier checks).

    After it, the document jobs those rounds need are on the documents queue, not yet run.
    """
    from casework.queues import queue_names
    from worker.runner import InProcessWorker

    InProcessWorker([queue_names(env.settings).dossiers], connection=env.redis).work(
        burst=True, logging_level="WARNING"
    )


def worker_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "docproc.cli", "worker", *extra]


def run_worker_subprocess(env: ServiceEnv, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        worker_command("--burst"),
        env=env.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- documents


def render_pdf(pages: list[list[str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))  # same text, same bytes
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


SUPPLIER_BIN = "150540011223"
APPLICATION = {
    "dossier_id": "svc_dossier_1",
    "applicant": {
        "name": "ТОО «Костанай Агромаш»",
        "bin": APPLICANT_BIN,
        "address": "г. Костанай, ул. Абая, 12",
    },
    "measure": "technology",
    "measure_name": "Совершенствование технологических процессов",
    "cost_type": "commissioning",
    "cost_name": "Пусконаладочные работы",
    "application_date": "2024-05-17",
    "claimed_eligible_costs_kzt": 2520000.0,
    "claimed_reimbursement_kzt": 1008000.0,
    "prior_revenue_n_kzt": 5230000000.0,
    "currency_rates": [],
    "files": ["dogovor.pdf", "pp_1284.pdf", "akt_7.pdf", "schet_faktura_7.pdf"],
}


def dossier_documents(
    variant: str = "", applicant_bin: str = APPLICANT_BIN, supplier_bin: str = SUPPLIER_BIN
) -> dict[str, bytes]:
    """A small works dossier: contract, payment order, act, invoice (text PDFs, Russian)."""
    return dict(_rendered_dossier(variant, applicant_bin, supplier_bin))


@functools.lru_cache(maxsize=32)
def _rendered_dossier(variant: str, applicant_bin: str, supplier_bin: str) -> tuple[tuple[str, bytes], ...]:
    return tuple(_render_dossier(variant, applicant_bin, supplier_bin).items())


def _render_dossier(variant: str, applicant_bin: str, supplier_bin: str) -> dict[str, bytes]:
    tag = f" {variant}" if variant else ""
    supplier = f"ТОО «Техсервис Наладка{tag}»"
    applicant = APPLICATION["applicant"]["name"]  # type: ignore[index]
    return {
        "dogovor.pdf": render_pdf(
            [
                [
                    "ДОГОВОР № 15/22 на выполнение пусконаладочных работ",
                    "г. Костанай                                          01 марта 2022 г.",
                    (
                        f"{applicant}, БИН {applicant_bin}, именуемое в дальнейшем «Заказчик», и {supplier}, "
                        f"БИН {supplier_bin}, именуемое в дальнейшем «Исполнитель», заключили настоящий договор."
                    ),
                    "1. Исполнитель выполняет пусконаладочные работы линии розлива.",
                    (
                        "2. Общая стоимость работ составляет 2 822 400,00 (Два миллиона восемьсот двадцать две "
                        "тысячи четыреста) тенге 00 тиын, в том числе НДС 12% 302 400,00 тенге."
                    ),
                ],
                [
                    "Реквизиты сторон",
                    f"Заказчик: {applicant} БИН {applicant_bin}",
                    f"Исполнитель: {supplier} БИН {supplier_bin}",
                ],
            ]
        ),
        "pp_1284.pdf": render_pdf(
            [
                [
                    "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 1284",
                    "Дата: 10.01.2023",
                    f"Отправитель денег: {applicant}  ИИН/БИН {applicant_bin}",
                    f"Бенефициар: {supplier}  ИИН/БИН {supplier_bin}",
                    "Сумма: 2 822 400,00 KZT",
                    "Сумма прописью: Два миллиона восемьсот двадцать две тысячи четыреста тенге 00 тиын",
                    (
                        "Назначение платежа: оплата по договору № 15/22 от 01.03.2022 за пусконаладочные работы, "
                        "в т.ч. НДС 12% 302 400,00"
                    ),
                    "КНП 859",
                ]
            ]
        ),
        "akt_7.pdf": render_pdf(
            [
                [
                    "АКТ выполненных работ (оказанных услуг) № 7",
                    "Дата составления: 20.01.2023",
                    f"Заказчик: {applicant}, БИН {applicant_bin}",
                    f"Исполнитель: {supplier}, БИН {supplier_bin}",
                    "Договор: № 15/22 от 01.03.2022",
                    "Пусконаладочные работы линии розлива    2 520 000,00",
                    "НДС 12%    302 400,00",
                    "Итого: 2 822 400,00 тенге",
                ]
            ]
        ),
        "schet_faktura_7.pdf": render_pdf(
            [
                [
                    "СЧЕТ-ФАКТУРА № 7 от 20.01.2023",
                    f"Поставщик: {supplier}, БИН {supplier_bin}",
                    f"Получатель: {applicant}, БИН {applicant_bin}",
                    "Договор (контракт) на поставку товаров (работ, услуг): № 15/22 от 01.03.2022",
                    "Стоимость без НДС 2 520 000,00   НДС 12% 302 400,00   Всего 2 822 400,00",
                ]
            ]
        ),
    }


def write_dossier(
    folder: Path, application: dict[str, Any] | None = None, documents: dict[str, bytes] | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "application.json").write_text(
        json.dumps(application or APPLICATION, ensure_ascii=False), encoding="utf-8"
    )
    for name, data in (documents or dossier_documents()).items():
        (folder / name).write_bytes(data)
    return folder


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def dossier_zip(
    application: dict[str, Any] | None = None, documents: dict[str, bytes] | None = None
) -> bytes:
    members = {"application.json": json.dumps(application or APPLICATION, ensure_ascii=False).encode()}
    members.update(documents or dossier_documents())
    return zip_bytes(members)


def files_field(documents: dict[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, data, "application/octet-stream")) for name, data in documents.items()]


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A dossier result without what legitimately differs between two runs (none today: kept explicit)."""
    return json.loads(json.dumps(result, sort_keys=True, default=str))
