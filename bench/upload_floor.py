"""What an upload could cost at best on this machine: the bounds behind the upload-latency figure.

Not a test. Two measurements, printed side by side with the service's own figure
(``bench/service_bench.py --part latency``):

* ``framework`` — a FastAPI app whose upload route only parses the multipart body (the same 1-page
  PDF, a sync route, ``--server-workers`` uvicorn processes) under ``wrk`` with ``--clients``
  connections back to back: the ceiling the web framework puts on uploads per second.
* ``storage`` — the statements an upload runs (lock the application row, look up the file names,
  insert the blob's metadata and bytes, insert the document row, look up the reading cache, open a
  check round, write the audit row, commit), written as raw psycopg without the ORM, plus RQ's
  enqueue of the planning job; one connection, no HTTP. Client CPU and PostgreSQL's CPU (its
  backend's ``/proc`` counters) per upload: the floor under any rewrite of the upload path.

    .venv/bin/python bench/upload_floor.py --part all
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from redis import Redis
from rq import Queue

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service_bench import POSTGRES_ADMIN_URL, REDIS_URL, _free_port

_MINIMAL_APP = '''
from fastapi import FastAPI, File, UploadFile

app = FastAPI()


@app.post("/v1/applications/{application_id}/documents", status_code=202)
def upload(application_id: str, files: list[UploadFile] = File(...)) -> dict:
    sizes = [len(upload.file.read()) for upload in files]
    return {"application_id": application_id, "documents": [{"size": size} for size in sizes]}
'''

_WRK_SCRIPT = r"""
local f = assert(io.open("%(template)s", "rb")); local template = f:read("*a"); f:close()
local boundary = "----docprocfloor"
local counter = 0
function request()
  counter = counter + 1
  local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="files"; filename="doc_' .. counter .. '.pdf"\r\n'
    .. "Content-Type: application/pdf\r\n\r\n" .. template .. "\n%% " .. counter .. "\n\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/v1/applications/floor/documents",
    {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end
function done(summary, latency, requests)
  io.write(string.format("WRK %%d %%.3f %%.3f %%.3f\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""


def _template() -> bytes:
    from tests.test_service_support import dossier_documents

    return dossier_documents()["pp_1284.pdf"]


def framework_ceiling(clients: int, seconds: float, server_workers: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="docproc-floor-"))
    try:
        (work / "minimal_upload_app.py").write_text(_MINIMAL_APP)
        (work / "template.pdf").write_bytes(_template())
        (work / "upload.lua").write_text(_WRK_SCRIPT % {"template": work / "template.pdf"})
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "minimal_upload_app:app", "--port", str(port),
             "--workers", str(server_workers), "--log-level", "warning"],
            cwd=work,
        )
        try:
            time.sleep(3)  # uvicorn's workers importing FastAPI
            result = subprocess.run(
                ["wrk", "-t", "2", "-c", str(clients), "-d", f"{round(seconds)}s", "-s", str(work / "upload.lua"),
                 f"http://127.0.0.1:{port}"],
                capture_output=True, text=True, check=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith("WRK "))
        requests, p50, p99, duration = (float(x) for x in line.split()[1:])
        print(
            f"framework ceiling: multipart parse only, {clients} wrk connections back to back, "
            f"{server_workers} uvicorn process(es): {requests / duration:.0f} req/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def storage_floor(uploads: int) -> None:
    data = _template()
    schema = f"floor_{uuid.uuid4().hex[:8]}"
    queue_name = f"floor-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(REDIS_URL)
    queue = Queue(queue_name, connection=redis)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, options=f"-csearch_path={schema}") as conn:
            with conn.transaction():
                conn.execute("CREATE TABLE apps (id text PRIMARY KEY, revision int, status text, failure text)")
                conn.execute("CREATE TABLE blobs (sha256 text PRIMARY KEY, size int, kind text)")
                conn.execute("CREATE TABLE blob_data (sha256 text PRIMARY KEY, data bytea)")
                conn.execute(
                    "CREATE TABLE docs (id text PRIMARY KEY, app_id text REFERENCES apps(id), file_name text,"
                    " sha256 text, status text, pages int, created_at timestamptz DEFAULT now())"
                )
                conn.execute("CREATE INDEX ON docs (app_id, file_name)")
                conn.execute("CREATE TABLE readings (key text PRIMARY KEY, value text)")
                conn.execute(
                    "CREATE TABLE audit (id bigserial PRIMARY KEY, app_id text, action text, details jsonb,"
                    " at timestamptz DEFAULT now())"
                )
                apps = [uuid.uuid4().hex for _ in range(50)]
                for app_id in apps:
                    conn.execute("INSERT INTO apps VALUES (%s, 0, 'received', NULL)", (app_id,))
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            conn.commit()

            def upload(i: int) -> str:
                body = data + f"\n% {i} {uuid.uuid4().hex}".encode()
                sha = hashlib.sha256(body).hexdigest()
                app_id, name = apps[i % len(apps)], f"doc_{i}.pdf"
                with conn.transaction():
                    conn.execute("SELECT revision FROM apps WHERE id = %s FOR NO KEY UPDATE", (app_id,)).fetchone()
                    conn.execute(
                        "SELECT id, sha256 FROM docs WHERE app_id = %s AND file_name = ANY(%s)", (app_id, [name])
                    ).fetchall()
                    conn.execute("INSERT INTO blobs VALUES (%s, %s, 'pdf') ON CONFLICT DO NOTHING", (sha, len(body)))
                    conn.execute("INSERT INTO blob_data VALUES (%s, %s) ON CONFLICT DO NOTHING", (sha, body))
                    conn.execute(
                        "INSERT INTO docs (id, app_id, file_name, sha256, status, pages)"
                        " VALUES (%s, %s, %s, %s, 'queued', 1)",
                        (uuid.uuid4().hex, app_id, name, sha),
                    )
                    conn.execute("SELECT value FROM readings WHERE key = ANY(%s)", ([sha],)).fetchall()
                    conn.execute(
                        "UPDATE apps SET revision = revision + 1, status = 'processing', failure = NULL WHERE id = %s",
                        (app_id,),
                    )
                    conn.execute(
                        "INSERT INTO audit (app_id, action, details) VALUES (%s, 'documents.upload', %s::jsonb)",
                        (app_id, '{"files": []}'),
                    )
                return app_id

            for enqueue in (False, True):
                wall, cpu, server = time.perf_counter(), time.process_time(), _process_cpu_s(backend)
                for i in range(uploads):
                    app_id = upload(i)
                    if enqueue:
                        queue.enqueue_call("worker.jobs.plan_round_job", args=(app_id, i), job_id=f"{queue_name}-{i}")
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                server = _process_cpu_s(backend) - server
                label = "SQL + RQ enqueue" if enqueue else "SQL only       "
                print(
                    f"storage floor, {label}: {1000 * wall / uploads:.2f} ms wall, client CPU "
                    f"{1000 * cpu / uploads:.2f} ms, PostgreSQL CPU {1000 * server / uploads:.2f} ms per upload"
                )
    finally:
        queue.empty()
        for key in redis.scan_iter(match=f"*{queue_name}*", count=1000):
            redis.delete(key)
        redis.close()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["framework", "storage", "all"], default="all")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--uploads", type=int, default=500)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    if args.part in ("framework", "all"):
        framework_ceiling(args.clients, args.seconds, args.server_workers)
    if args.part in ("storage", "all"):
        storage_floor(args.uploads)


if __name__ == "__main__":
    main()
