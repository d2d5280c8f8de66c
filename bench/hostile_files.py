"""Hostile inputs against bounded costs (issue 15): figures printed, nothing asserted.

* ``bomb`` — a PDF whose one content stream inflates to ``--bomb-mb`` MiB of spaces (2 MB on disk for
  2 GiB) in a small dossier; ``docproc check`` runs on it in a subprocess and its peak RSS is printed.
  ``--unguarded`` raises the stream budgets out of the way: the figure before the fix.
* ``tiff`` — a 10-frame TIFF of 12000×12000 (144 Mpx) frames uploaded to a served API (PostgreSQL +
  Redis, a throwaway schema); the API process's CPU time (``/proc/<pid>/stat``) is printed for the
  upload, the first ``GET …/pages/10/image`` and a second one (served from the page-image cache).
* ``tiff-read`` — the same TIFF read by ``docproc extract`` (what a worker does with it): peak RSS.
* ``unauth`` — a 50 MB upload without a key, streamed to the served API: seconds until the 401.

    .venv/bin/python bench/hostile_files.py bomb
    .venv/bin/python bench/hostile_files.py bomb --unguarded
    .venv/bin/python bench/hostile_files.py tiff
    .venv/bin/python bench/hostile_files.py tiff-read
    .venv/bin/python bench/hostile_files.py unauth
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from service_bench import BenchEnv, bench_env, create_key

CHUNK = 1024 * 1024
TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- the PDF flate bomb


def flate_bomb_pdf(inflated_mb: int) -> bytes:
    """One A4 page whose content stream is ``inflated_mb`` MiB of spaces, deflated (about 1:1000)."""
    compressor = zlib.compressobj(9)
    spaces = b" " * CHUNK
    stream = b"".join(compressor.compress(spaces) for _ in range(inflated_mb)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def bench_bomb(inflated_mb: int, unguarded: bool) -> dict[str, float]:
    from tests.test_service_support import APPLICATION, dossier_documents, write_dossier

    work = Path(tempfile.mkdtemp(prefix="docproc-bomb-"))
    try:
        bomb = flate_bomb_pdf(inflated_mb)
        documents = {"dogovor.pdf": dossier_documents()["dogovor.pdf"], "bomb.pdf": bomb}
        dossier = write_dossier(work / "dossier", {**APPLICATION, "files": list(documents)}, documents)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
        env["DOCPROC_DATA_DIR"] = str(work / "var")
        if unguarded:  # budgets far above the bomb: the cost of parsing it
            env["DOCPROC_LIMITS__MAX_PDF_STREAM_BYTES"] = str(64 * 1024**3)
            env["DOCPROC_LIMITS__MAX_PDF_DECODED_BYTES"] = str(64 * 1024**3)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "docproc.cli", "check", str(dossier), "--json", str(work / "out.json"), "-q"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        outcome = json.loads((work / "out.json").read_text()) if (work / "out.json").exists() else {}
        bomb_doc = next((d for d in outcome.get("documents", []) if d.get("file") == "bomb.pdf"), {})
        return {
            "bomb_file_mb": round(len(bomb) / 1e6, 2),
            "inflated_mib": inflated_mb,
            "exit_code": result.returncode,
            "peak_rss_mib": round(peak_mib),
            "wall_s": round(wall, 1),
            "bomb_reported_as": bomb_doc.get("unreadable_code") or "",
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- a served API


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def served(env: BenchEnv) -> Any:
    from tests.test_service_support import served_api

    return contextmanager(served_api)(env)


def ten_frame_tiff(path: Path, side: int = 12000, frames: int = 10) -> None:
    """``frames`` grey pages of side×side pixels with a few lines of text, deflated; one frame in memory at a time."""
    from PIL import Image, ImageDraw, TiffImagePlugin

    with TiffImagePlugin.AppendingTiffWriter(str(path), new=True) as tiff:
        for n in range(frames):
            page = Image.new("L", (side, side), 255)
            draw = ImageDraw.Draw(page)
            for line in range(40):
                draw.text((400, 400 + line * 250), f"Страница {n + 1}, строка {line + 1}: 1 234 567,89", fill=0)
            page.save(tiff, format="TIFF", compression="tiff_deflate")
            tiff.newFrame()
            del page, draw


def bench_tiff() -> dict[str, float]:
    import httpx

    from tests.test_service_support import APPLICATION

    work = Path(tempfile.mkdtemp(prefix="docproc-tiff-"))
    try:
        tiff = work / "scan.tif"
        ten_frame_tiff(tiff)
        data = tiff.read_bytes()
        with bench_env() as env, served(env) as (base, pid):
            key = create_key(env, "admin")
            headers = {"Authorization": f"Bearer {key}"}
            app_id = httpx.post(f"{base}/v1/applications", json=APPLICATION, headers=headers).json()["id"]
            before = process_cpu_s(pid)
            upload = httpx.post(
                f"{base}/v1/applications/{app_id}/documents",
                files={"files": ("scan.tif", data, "image/tiff")},
                headers=headers,
                timeout=120,
            )
            upload.raise_for_status()
            upload_cpu = process_cpu_s(pid) - before
            doc_id = upload.json()["documents"][0]["id"]
            figures = {"tiff_file_mb": round(len(data) / 1e6, 2), "upload_api_cpu_s": round(upload_cpu, 3)}
            for label in ("first", "second"):
                before = process_cpu_s(pid)
                started = time.monotonic()
                page = httpx.get(f"{base}/v1/documents/{doc_id}/pages/10/image", headers=headers, timeout=120)
                page.raise_for_status()
                figures[f"page10_{label}_wall_s"] = round(time.monotonic() - started, 3)
                figures[f"page10_{label}_api_cpu_s"] = round(process_cpu_s(pid) - before, 3)
            figures["page10_png_kb"] = round(len(page.content) / 1024)
            return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_tiff_read() -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="docproc-tiff-read-"))
    try:
        tiff = work / "scan.tif"
        ten_frame_tiff(tiff)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
        env["DOCPROC_DATA_DIR"] = str(work / "var")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "docproc.cli", "extract", str(tiff)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return {
            "frames": 10,
            "exit_code": result.returncode,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "wall_s": round(time.monotonic() - started, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_unauthenticated(mb: int = 50) -> dict[str, float]:
    with bench_env() as env, served(env) as (base, _):
        host, port = base.removeprefix("http://").split(":")
        size = mb * CHUNK
        head = (
            f"POST /v1/applications/x/documents HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary=zzz\r\nContent-Length: {size}\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            started = time.monotonic()
            sock.sendall(head)
            sock.setblocking(False)
            sent, answer = 0, b""
            chunk = b"x" * 65536
            while b"\r\n" not in answer:
                try:
                    answer += sock.recv(4096)
                    continue
                except BlockingIOError:
                    pass
                if sent < size:
                    try:
                        sent += sock.send(chunk)
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                        time.sleep(0.001)
                else:
                    time.sleep(0.001)
                if time.monotonic() - started > 60:
                    break
            elapsed = time.monotonic() - started
        status = answer.split(b" ", 2)[1].decode() if b" " in answer else "none"
        return {"declared_mb": mb, "status": status, "answer_after_s": round(elapsed, 3), "body_mb_sent": round(sent / CHUNK, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["bomb", "tiff", "tiff-read", "unauth"])
    parser.add_argument("--bomb-mb", type=int, default=2048, help="MiB the bomb's stream inflates to")
    parser.add_argument("--unguarded", action="store_true", help="bomb: stream budgets out of the way")
    args = parser.parse_args()
    if args.part == "bomb":
        figures = bench_bomb(args.bomb_mb, args.unguarded)
    elif args.part == "tiff":
        figures = bench_tiff()
    elif args.part == "tiff-read":
        figures = bench_tiff_read()
    else:
        figures = bench_unauthenticated()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
