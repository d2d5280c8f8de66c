"""Service benchmark: upload latency under 50 concurrent clients, dossier throughput with 1 and 2 workers.

Runs against the real PostgreSQL and Redis (a throwaway schema and queue prefix, removed afterwards):

* latency — ``docproc serve`` in a subprocess; N clients each upload one-document requests to their
  own application; every request must answer 202. Uploads only store and enqueue, so no worker runs
  meanwhile. The load generator shares the machine's cores: ``--generator httpx`` (asyncio + httpx,
  optional pauses between uploads) costs about as much CPU per request as the server does, so on 2
  cores it takes half the machine; ``--generator wrk`` (Debian's ``wrk``, C + a Lua script that
  builds each multipart body with new content) keeps N connections busy back to back for a fixed
  duration at a fraction of that cost.
* throughput — the same K dossiers (corpus folders, zipped) uploaded to a fresh database, then
  ``docproc worker -n P`` for P = 1 and P = 2, stopped when every dossier is checked. Time is measured in the database, from the
  first document job's start to the last dossier check, so process start-up and warm-up are not in
  it; the OCR cache starts empty in every run.

    .venv/bin/python bench/service_bench.py                      # both parts, defaults below
    .venv/bin/python bench/service_bench.py --part latency --clients 50 --uploads 10
    .venv/bin/python bench/service_bench.py --part latency --clients 50 --generator wrk --seconds 20
    .venv/bin/python bench/service_bench.py --part throughput --dossiers 4
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx
import psycopg
from redis import Redis

from foundation.settings import Settings

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CLI = [sys.executable, "-m", "docproc.cli"]


@dataclass
class BenchEnv:
    settings: Settings
    schema: str
    data_dir: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
        env.update(
            {
                "DOCPROC_DATA_DIR": str(self.data_dir),
                "DOCPROC_DATABASE_URL": self.settings.database_url,
                "DOCPROC_REDIS_URL": self.settings.redis_url,
                "DOCPROC_SERVICE__QUEUE_PREFIX": self.settings.service.queue_prefix,
                "PYTHONPATH": str(ROOT),
            }
        )
        return env


@contextmanager
def bench_env() -> Iterator[BenchEnv]:
    from casework import connections
    from models.db import upgrade_database

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    prefix = f"b{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix="docproc-bench-"))
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    base = Settings()
    settings = base.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
            "redis_url": REDIS_URL,
            "service": base.service.model_copy(update={"queue_prefix": prefix}),
        }
    )
    connections.reset()
    connections.configure(settings)
    upgrade_database(settings.effective_database_url)
    try:
        yield BenchEnv(settings=settings, schema=schema, data_dir=data_dir)
    finally:
        connections.reset()
        redis = Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
            redis.delete(key)
        redis.close()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        shutil.rmtree(data_dir, ignore_errors=True)


def create_key(env: BenchEnv, role: str, bins: list[str] | None = None) -> str:
    from casework import connections
    from casework.api_keys import create_key as make

    with connections.sessions(env.settings).begin() as session:
        return make(session, role, bins or [], name="bench").key


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- upload latency


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(env: BenchEnv, workers: int) -> Iterator[str]:
    from tests.test_service_support import served_api

    with contextmanager(served_api)(env, "--workers", str(workers)) as (base, _):
        yield base


def _document(template: bytes, n: int) -> bytes:
    # Bytes after %%EOF are ignored by PDF readers but change the hash: every upload is new content.
    return template + f"\n% bench {n} {uuid.uuid4().hex}\n".encode()


async def _client(
    base: str, key: str, app_id: str, template: bytes, uploads: int, think_s: float, latencies: list[float]
) -> int:
    failures = 0
    headers = {"Authorization": f"Bearer {key}"}
    pause = random.Random(app_id)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for i in range(uploads):
            if think_s:
                # A person (or a portal) between two files: uniform 0..2x the mean, so clients drift apart.
                await asyncio.sleep(pause.uniform(0, 2 * think_s))
            files = {"files": (f"doc_{i}.pdf", _document(template, i), "application/pdf")}
            started = time.perf_counter()
            response = await client.post(f"/v1/applications/{app_id}/documents", files=files)
            latencies.append(time.perf_counter() - started)
            failures += response.status_code != 202
    return failures


def bench_latency(clients: int, uploads: int, server_workers: int, think_s: float = 0.0) -> dict[str, float]:
    from tests.test_service_support import APPLICATION, dossier_documents

    template = dossier_documents()["pp_1284.pdf"]
    with bench_env() as env, running_server(env, server_workers) as base:
        bin_ = APPLICATION["applicant"]["bin"]  # type: ignore[index]
        key = create_key(env, "portal", [bin_])
        apps = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            for i in range(clients):
                body = {**APPLICATION, "dossier_id": f"bench-{i}"}
                apps.append(http.post("/v1/applications", json=body).json()["id"])
            # One request per client first (connections, caches), not counted.
            for app_id in apps:
                http.post(
                    f"/v1/applications/{app_id}/documents",
                    files={"files": ("w.pdf", _document(template, -1))},
                )
        latencies: list[float] = []

        async def run() -> int:
            results = await asyncio.gather(
                *[_client(base, key, a, template, uploads, think_s, latencies) for a in apps]
            )
            return sum(results)

        started = time.perf_counter()
        failures = asyncio.run(run())
        wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "failures": failures,
        "p50_ms": 1000 * statistics.median(latencies),
        "p90_ms": 1000 * percentile(latencies, 0.90),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "requests_per_s": len(latencies) / wall,
    }


_WRK_SCRIPT = r"""
local apps = {%(apps)s}
local key = "%(key)s"
local f = assert(io.open("%(template)s", "rb")); local template = f:read("*a"); f:close()
local boundary = "----docprocbench"
local counter = 0
local thread_id = 0
local next_thread = 0
local think_ms = %(think_ms)s

function init(args)
  math.randomseed(thread_id * 7919 + 17)
end

-- A person (or a portal) between two files: uniform 0..2x the mean, as the httpx generator does.
function delay()
  if think_ms == 0 then return 0 end
  return math.random(0, 2 * think_ms)
end

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function request()
  counter = counter + 1
  -- Threads interleave over the applications, so the requests in flight at one moment go to
  -- different applications (as with one client per application), not to one application's lock.
  local app = apps[((counter * %(threads)s + thread_id) %% #apps) + 1]
  -- Bytes after %%EOF are ignored by PDF readers but change the hash: every upload is new content.
  local content = template .. "\n%% wrk " .. thread_id .. " " .. counter .. "\n"
  local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="files"; filename="doc_' .. thread_id .. '_' .. counter .. '.pdf"\r\n'
    .. "Content-Type: application/pdf\r\n\r\n" .. content .. "\r\n--" .. boundary .. "--\r\n"
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
  }
  return wrk.format("POST", "/v1/applications/" .. app .. "/documents", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%d %%.3f %%.3f %%.3f %%.3f %%.3f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.duration / 1e6))
end
"""


def bench_latency_wrk(
    clients: int, seconds: float, server_workers: int, think_s: float = 0.0
) -> dict[str, float]:
    """``clients`` connections uploading for ``seconds``, back to back or pausing ``think_s`` on average
    between two files (wrk: the generator costs little CPU)."""
    from tests.test_service_support import APPLICATION, dossier_documents

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --generator httpx")
    template = dossier_documents()["pp_1284.pdf"]
    with bench_env() as env, running_server(env, server_workers) as base:
        key = create_key(env, "portal", [APPLICATION["applicant"]["bin"]])  # type: ignore[index]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            apps = [
                http.post("/v1/applications", json={**APPLICATION, "dossier_id": f"bench-{i}"}).json()["id"]
                for i in range(clients)
            ]
            for app_id in apps:  # warm-up, not counted
                http.post(f"/v1/applications/{app_id}/documents", files={"files": ("w.pdf", _document(template, -1))})
        threads = min(clients, 2)
        template_path = env.data_dir / "template.pdf"
        template_path.write_bytes(template)
        script = env.data_dir / "upload.lua"
        script.write_text(
            _WRK_SCRIPT
            % {
                "apps": ", ".join(f'"{a}"' for a in apps),
                "key": key,
                "template": template_path,
                "threads": threads,
                "think_ms": round(think_s * 1000),
            }
        )
        result = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{round(seconds)}s", "--timeout", "30s",
             "-s", str(script), base],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"wrk failed: {result.stdout}{result.stderr}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("WRK "))
    requests, bad_status, socket_errors, p50, p90, p99, max_ms, duration = (float(x) for x in line.split()[1:])
    return {
        "requests": requests,
        "failures": bad_status + socket_errors,
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p99,
        "max_ms": max_ms,
        "requests_per_s": requests / duration,
    }


# --------------------------------------------------------------------------- dossier throughput


def corpus_dossiers(count: int) -> list[bytes]:
    folders = (
        sorted(p for p in CORPUS.iterdir() if (p / "application.json").is_file())[:count]
        if CORPUS.is_dir()
        else []
    )
    if len(folders) < count:
        raise SystemExit(f"need {count} dossiers in {CORPUS}; found {len(folders)}")
    archives = []
    for folder in folders:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.name != "expected.json":
                    archive.write(path, f"{folder.name}/{path.name}")
        archives.append(out.getvalue())
    return archives


def bench_throughput(archives: list[bytes], processes: int) -> dict[str, float]:
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from api.app import create_app
    from casework import connections
    from models.db import ApplicationRow, DocumentRow

    with bench_env() as env:
        key = create_key(env, "admin")
        with TestClient(create_app(env.settings)) as client:
            for data in archives:
                response = client.post(
                    "/v1/dossiers",
                    files={"file": ("dossier.zip", data, "application/zip")},
                    headers={"Authorization": f"Bearer {key}"},
                )
                if response.status_code != 202:
                    raise SystemExit(f"upload refused: {response.text}")
        load_before = os.getloadavg()[0]  # other work on the machine skews the comparison: recorded
        # CPU of the whole worker tree (pool, workers, work-horses, tesseract): every level waits
        # for its children, so their usage adds up in ours once the burst run has exited.
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        # Long-running workers (not --burst: a burst worker leaves as soon as the queues look
        # empty, idling a core while the dossier checks wait for the last document), stopped
        # with SIGTERM once every dossier is checked.
        workers = subprocess.Popen(
            [*CLI, "worker", "--processes", str(processes)],
            env=env.env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        done_query = select(func.count()).where(ApplicationRow.status == "done")
        while True:
            with connections.sessions(env.settings)() as session:
                if session.scalar(done_query) == len(archives):
                    break
            if workers.poll() is not None:
                raise SystemExit(workers.stderr.read()[-3000:] if workers.stderr else "workers died")
            time.sleep(0.5)
        workers.terminate()
        workers.communicate(timeout=60)
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        with connections.sessions(env.settings)() as session:
            first = session.scalar(select(func.min(DocumentRow.started_at)))
            last = session.scalar(select(func.max(ApplicationRow.checked_at)))
            done = session.scalar(select(func.count()).where(ApplicationRow.status == "done"))
            documents = session.scalar(select(func.count()).select_from(DocumentRow))
            pages = session.scalar(select(func.sum(DocumentRow.page_count)))
    if done != len(archives) or first is None or last is None:
        raise SystemExit(f"only {done} of {len(archives)} dossiers finished")
    seconds = (last - first).total_seconds()
    return {
        "load_before": load_before,
        "processes": processes,
        "dossiers": len(archives),
        "documents": documents or 0,
        "pages": pages or 0,
        "seconds": seconds,
        "wall_with_startup_s": wall,
        "worker_cpu_s": cpu_s,
        # Cores our workers kept busy on average; well below the process count means they were
        # waiting for the CPU (other work on the machine) or for each other.
        "cores_used": cpu_s / wall,
        "dossiers_per_min": 60 * len(archives) / seconds,
    }


def _burn(n: int) -> None:
    x = 0
    for i in range(n):
        x += i * i


def machine_scaling(units: int = 15_000_000) -> float:
    """How much faster two processes do twice a pure-CPU task than one does it once, right now.

    On an idle 2-core machine about 2.0; lower when other work shares the cores. The service's
    speed-up is only meaningful next to this figure, measured at the same time.
    """
    import multiprocessing

    started = time.perf_counter()
    _burn(units)
    one = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_burn, [units, units])
        two = time.perf_counter() - started
    return 2 * one / two


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["latency", "throughput", "all"], default="all")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--uploads", type=int, default=10, help="uploads per client")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause of each client between uploads (0: back to back)",
    )
    parser.add_argument("--generator", choices=["httpx", "wrk"], default="httpx", help="load generator")
    parser.add_argument("--seconds", type=float, default=20, help="duration of a wrk run")
    parser.add_argument("--dossiers", type=int, default=4)
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate 1- and 2-process runs this many times"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    figures: dict[str, object] = {"cpus": os.cpu_count()}
    if args.part in ("latency", "all"):
        if args.generator == "wrk":
            latency = bench_latency_wrk(args.clients, args.seconds, args.server_workers, args.think_ms / 1000)
            pause = f"think {args.think_ms:.0f} ms" if args.think_ms else "back to back"
            shape = f"{args.clients} wrk connections, {pause}, for {args.seconds:.0f} s"
        else:
            latency = bench_latency(args.clients, args.uploads, args.server_workers, args.think_ms / 1000)
            shape = f"{args.clients} clients x {args.uploads} uploads, think {args.think_ms:.0f} ms"
        figures["latency"] = latency
        print(
            f"upload latency, {shape}, "
            f"{args.server_workers} server process(es): "
            f"p50 {latency['p50_ms']:.0f} ms, p90 {latency['p90_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms, "
            f"max {latency['max_ms']:.0f} ms, {latency['requests_per_s']:.0f} req/s, failures {latency['failures']:.0f}"
        )
    if args.part in ("throughput", "all"):
        archives = corpus_dossiers(args.dossiers)
        calibration_before = machine_scaling()
        runs = [bench_throughput(archives, processes) for _ in range(args.repeat) for processes in (1, 2)]
        calibration_after = machine_scaling()
        figures["throughput"] = runs
        figures["machine_scaling"] = [calibration_before, calibration_after]
        for run in runs:
            print(
                f"throughput, {run['processes']} worker process(es): {run['dossiers']} dossiers "
                f"({run['documents']} documents, {run['pages']} pages) in {run['seconds']:.1f} s = "
                f"{run['dossiers_per_min']:.2f} dossiers/min; worker CPU {run['worker_cpu_s']:.0f} s = "
                f"{run['cores_used']:.2f} cores busy (load average before: {run['load_before']:.2f})"
            )
        best = {p: max(r["dossiers_per_min"] for r in runs if r["processes"] == p) for p in (1, 2)}
        print(f"speed-up 2 vs 1 processes (best of {args.repeat}): {best[2] / best[1]:.2f}x")
        print(
            f"machine calibration (pure CPU, 2 vs 1 processes) before/after: "
            f"{calibration_before:.2f}x / {calibration_after:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
