"""Batch benchmark: ``docproc batch`` with 2 processes vs 1, and a second run over an unchanged archive.

The archive is made by the project's fixture builder (``python -m tests.fixtures.builder batch``:
generated dossiers, about a third of their documents scans that need OCR), packed into one ZIP of
dossier folders, and processed with ``docproc batch`` as a subprocess, exactly as an operator runs it:

1. ``--jobs 1`` on empty caches (fresh data dir: no OCR cache, no stage caches, no journal);
2. ``--jobs 2`` on empty caches — figure 3 is (1) / (2);
3. ``--jobs 2`` again over the unchanged archive with the journal and caches of (2) — figure 4 is
   (2) / (3);
4. for information: the same with a new journal (``--journal``), so only the stage caches answer.

Times are the command's wall time (interpreter start included) and the batch's own elapsed time
(from its JSON report). "Cores busy" is the CPU time of the command's process tree (pool workers and
tesseract included) over its wall time. The machine's cores, memory and load average are printed,
with a pure-CPU 2-vs-1 calibration (``service_bench.machine_scaling``) taken just before and after:
on a machine shared with other work the 2-vs-1 figure is only meaningful next to it.

    .venv/bin/python bench/batch_bench.py --dossiers 8
    .venv/bin/python bench/batch_bench.py --dossiers 20 --scan-ratio 0.3 --json var/batch_bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_bench import machine_scaling  # the bench folder is not a package

DOCPROC = [sys.executable, "-m", "docproc.cli"]


def machine() -> dict[str, Any]:
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "cpu": _cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def build_archive(work: Path, dossiers: int, seed: int, scan_ratio: float) -> Path:
    folder = work / "dossiers"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fixtures.builder",
            "batch",
            "--count",
            str(dossiers),
            "--seed",
            str(seed),
            "--scan-ratio",
            str(scan_ratio),
            str(folder),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    archive = work / "archive.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "expected.json":
                zf.write(path, path.relative_to(folder).as_posix())
    shutil.rmtree(folder)
    return archive


def run_batch(archive: Path, data_dir: Path, jobs: int, report: Path, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env["PYTHONPATH"] = str(ROOT)
    command = [*DOCPROC, "batch", str(archive), "--jobs", str(jobs), "--data-dir", str(data_dir)]
    command += ["--report", str(report), "-q", *extra]
    load_before = os.getloadavg()[0]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    wall = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    payload = json.loads(report.read_text(encoding="utf-8"))
    summary = payload["summary"]
    # Why dossiers ran: a "second run" that is not all "unchanged" saw a stage change (e.g. a data
    # file such as extractors/vocabulary.yaml edited meanwhile) and its figure is not figure 4.
    reasons = Counter(row["reason_code"] for row in payload["dossiers"])
    return {
        "reasons": dict(reasons),
        "jobs": jobs,
        "wall_s": round(wall, 3),
        "batch_s": summary["elapsed_s"],
        "cores_busy": round(cpu / wall, 2),
        "load_before": round(load_before, 2),
        "done": summary["done"],
        "skipped": summary["skipped"],
        "failed": summary["failed"] + summary["refused"],
        "documents": summary["documents_read"],
        "pages": summary["pages_read"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scan-ratio", type=float, default=0.3)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (archive, data dirs)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="docproc-batch-bench-"))
    figures: dict[str, Any] = {"machine_before": machine()}
    try:
        started = time.perf_counter()
        archive = build_archive(work, args.dossiers, args.seed, args.scan_ratio)
        figures["archive"] = {
            "dossiers": args.dossiers,
            "seed": args.seed,
            "scan_ratio": args.scan_ratio,
            "zip_mb": round(archive.stat().st_size / 1e6, 1),
            "build_s": round(time.perf_counter() - started, 1),
        }
        figures["calibration_before"] = round(machine_scaling(), 2)
        one = run_batch(archive, work / "var1", 1, work / "r1.json")
        two = run_batch(archive, work / "var2", 2, work / "r2.json")
        again = run_batch(archive, work / "var2", 2, work / "r3.json")
        caches_only = run_batch(
            archive, work / "var2", 2, work / "r4.json", "--journal", str(work / "fresh-journal.sqlite3")
        )
        figures["calibration_after"] = round(machine_scaling(), 2)
        figures["machine_after"] = machine()
        figures["runs"] = {"jobs1": one, "jobs2": two, "second_run": again, "caches_only": caches_only}
        figures["speedup_2_vs_1"] = round(one["wall_s"] / two["wall_s"], 2)
        figures["second_run_speedup"] = round(two["wall_s"] / again["wall_s"], 1)
        figures["second_run_speedup_batch_time"] = round(two["batch_s"] / max(again["batch_s"], 1e-3), 1)
        figures["caches_only_speedup"] = round(two["wall_s"] / caches_only["wall_s"], 1)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    m = figures["machine_before"]
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; load average before {m['load_average']}"
    )
    a = figures["archive"]
    print(f"archive: {a['dossiers']} dossiers, scan ratio {a['scan_ratio']}, {a['zip_mb']} MB zip")
    for name, run in figures["runs"].items():
        print(
            f"{name:>12}: --jobs {run['jobs']}: {run['wall_s']:.2f} s wall ({run['batch_s']:.2f} s in the batch), "
            f"{run['done']} done / {run['skipped']} skipped / {run['failed']} failed, {run['documents']} documents, "
            f"{run['pages']} pages read, {run['cores_busy']:.2f} cores busy, load before {run['load_before']}; "
            f"reasons {run['reasons']}"
        )
    print(f"figure 3 — 2 processes vs 1: {figures['speedup_2_vs_1']:.2f}x (target >= 1.8x)")
    print(
        f"figure 4 — second run vs first: {figures['second_run_speedup']:.0f}x wall "
        f"({figures['second_run_speedup_batch_time']:.0f}x batch time; target >= 50x)"
    )
    print(f"for information — new journal, stage caches only: {figures['caches_only_speedup']:.0f}x")
    print(
        f"machine calibration (pure CPU, 2 vs 1 processes) before/after: "
        f"{figures['calibration_before']:.2f}x / {figures['calibration_after']:.2f}x; "
        f"load average after {figures['machine_after']['load_average']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
