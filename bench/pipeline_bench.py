"""Pipeline speed and memory on one core: text-layer PDFs, scanned pages against raw tesseract, a 200-page scan.

Not a test: figures to read as ratios measured within one run (the machine is shared; the load average is
printed with every part). The data comes from the project's fixture builder (``tests/fixtures/builder``:
``text-pdfs`` and ``long-scan``), generated on first use into ``--work`` and reused afterwards. Every run
starts with the OCR page cache empty and the stage caches off, so real work is measured.

* ``text`` — N text-layer pages through ``process_document`` (limits, text layer, extraction) in this
  process, ``OMP_THREAD_LIMIT=1``; pages per second of wall time and per CPU second, then the same
  documents again split into reading and extraction. Target ≥ 50 pages/s.
* ``scan`` — K scanned pages, one page per document: the pipeline (``process_document``) against the
  ``tesseract`` command line on the very page image the pipeline renders, with the languages and psm the
  pipeline uses. Both run alternately page by page, in R rounds, so that a change of load hits both; the
  headline ratio takes per page and side the fastest round (the least disturbed by other work), the
  ratio over all runs is printed next to it. Prints where the pipeline's extra time goes (render,
  preprocessing steps, OSD, OCR calls beyond the first, the OCR cache, extraction). Target ≤ 1.15.
* ``memory`` — a 200-page scan read by ``process_document`` in a child process; its peak RSS (VmHWM), the
  peak of its tesseract children (sampled), and RSS after every page: growing by far less than one page
  image per page means pages are rendered, read and released one at a time (what does grow is the text
  kept, words with boxes, which is the result). Also counts how often pdfplumber opened the PDF (a pure
  scan needs it never: the PDF is then held once, by pdfium). Target < 1 GB.

    .venv/bin/python bench/pipeline_bench.py --part all
    .venv/bin/python bench/pipeline_bench.py --part text --text-pages 200
    .venv/bin/python bench/pipeline_bench.py --part scan --scan-pages 8 --scan-rounds 2
    .venv/bin/python bench/pipeline_bench.py --part memory --memory-pages 200 --json var/pipeline_bench.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

# Parallelism comes from processes; one tesseract and one BLAS thread each, as in the workers.
for _variable in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from foundation.settings import Settings
from ingest.dossier import ingest_bytes
from models.domain import SourceFile

DEFAULT_WORK = ROOT / "var" / "bench_pipeline"
TEXT_TARGET_PAGES_PER_S = 50.0
SCAN_TARGET_RATIO = 1.15
MEMORY_TARGET_BYTES = 1024**3
KIB = 1024


# --------------------------------------------------------------------------- machine and clocks


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split()
    total_kib = int(meminfo[meminfo.index("MemTotal:") + 1])
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    return {"cores": os.cpu_count(), "cpu": model, "memory_gib": round(total_kib / KIB**2, 1)}


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (tesseract runs as a child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def children_cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


@dataclass
class Clock:
    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def measure(self, cpu: Callable[[], float] = cpu_seconds) -> Iterator[None]:
        wall0, cpu0 = time.perf_counter(), cpu()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall0
            self.cpu += cpu() - cpu0


def bench_settings(scratch: Path) -> Settings:
    """Nothing cached: stage caches off, the OCR page cache in an empty folder."""
    return Settings(data_dir=scratch, stage_cache=False, ocr_cache_dir=scratch / "ocr-cache")


# --------------------------------------------------------------------------- data from the fixture builder


def text_data(work: Path, pages: int) -> Path:
    folder = work / f"text-{pages}"
    if not (folder / ".complete").exists():
        from tests.fixtures.builder.bench_data import write_text_pdfs

        print(f"generating {pages} text-layer pages into {folder} …", file=sys.stderr)
        write_text_pdfs(folder, pages)
        (folder / ".complete").touch()
    return folder


def scan_data(work: Path, pages: int) -> Path:
    target = work / f"scan-{pages}.pdf"
    if not target.exists():
        from tests.fixtures.builder.bench_data import write_long_scan

        print(f"generating a {pages}-page scan at {target} …", file=sys.stderr)
        partial = target.with_suffix(".partial")
        write_long_scan(partial, pages)
        partial.replace(target)
    return target


def sources_in(folder: Path, settings: Settings) -> list[SourceFile]:
    return [ingest_bytes(path.name, path.read_bytes(), settings.limits) for path in sorted(folder.glob("*.pdf"))]


# --------------------------------------------------------------------------- 1. text-layer PDFs


def bench_text(work: Path, pages: int) -> dict[str, Any]:
    from docproc.pipeline import process_document
    from extractors import extract_document
    from ingest.limits import check_limits
    from ocr.reader import read_document

    folder = text_data(work, pages)
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch:
        settings = bench_settings(Path(scratch))
        sources = sources_in(folder, settings)
        process_document(sources[0], settings)  # imports, vocabularies and models load once per worker
        load_before = load_average()
        whole = Clock()
        page_count = 0
        with whole.measure():
            for source in sources:
                outcome = process_document(source, settings)
                if outcome.extraction.unreadable_reason:
                    raise SystemExit(f"{source.name}: {outcome.extraction.unreadable_reason}")
                page_count += outcome.extraction.pages or 0
        reading, extraction = Clock(), Clock()
        timer = StageTimer()
        with text_layer_instrumented(timer):
            for source in sources:
                with reading.measure():
                    check_limits(source.data, source.kind, settings.limits)
                    text = read_document(source.name, source.data, source.kind, settings)
                with extraction.measure():
                    extract_document(text)
    result = {
        "documents": len(sources),
        "pages": page_count,
        "load_average": load_before,
        "pages_per_s_wall": page_count / whole.wall,
        "pages_per_cpu_s": page_count / whole.cpu,
        "ms_per_page_cpu": {
            "read (limits + text layer)": 1000 * reading.cpu / page_count,
            "extract": 1000 * extraction.cpu / page_count,
        },
        "read_stages_ms_per_page_wall": {
            name: 1000 * seconds / page_count
            for name, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1])
        },
        "target_pages_per_s": TEXT_TARGET_PAGES_PER_S,
    }
    print_text(result)
    return result


@contextmanager
def text_layer_instrumented(timer: StageTimer) -> Iterator[None]:
    """Split the text-layer reading: pdfium's characters, then the reader's own work on them (and
    pdfplumber, for the pages pdfium leaves to it)."""
    import pdfplumber.page

    import ocr.reader

    patches: list[tuple[Any, str, str]] = [
        (ocr.reader, "read_char_page", "pdfium: characters"),
        (ocr.reader, "usable_text_layer_page", "text layer: check, words, seals"),
        (pdfplumber.page.Page, "parse_objects", "pdfplumber: parse the page"),
        (ocr.reader, "assess_text_layer", "text layer: assess"),
        (ocr.reader, "text_layer_page", "text layer: words, tables, seals"),
        (ocr.reader, "page_draws_text", "pdfium: page draws text?"),
        (ocr.reader, "_open_plumber", "pdfplumber: open"),
    ]
    patches = [p for p in patches if hasattr(p[0], p[1])]  # older readers lack some of these
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for (owner, name, stage), (_, _, original) in zip(patches, originals):
            setattr(owner, name, timer.wrap(stage, original))
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def print_text(r: dict[str, Any]) -> None:
    print(f"\n## 1. text-layer PDFs: {r['pages']} pages in {r['documents']} documents (load {r['load_average']})")
    print(f"process_document: {r['pages_per_s_wall']:.1f} pages/s wall, {r['pages_per_cpu_s']:.1f} pages per CPU second")
    split = r["ms_per_page_cpu"]
    print("split, CPU ms per page: " + ", ".join(f"{k} {v:.1f}" for k, v in split.items()))
    stages = r["read_stages_ms_per_page_wall"]
    print("reading, wall ms per page: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    met = "met" if r["pages_per_cpu_s"] >= r["target_pages_per_s"] else "NOT met"
    print(f"target ≥ {r['target_pages_per_s']:.0f} pages/s on one core: {met}")


# --------------------------------------------------------------------------- 2. scanned pages vs tesseract


class StageTimer:
    """Exclusive wall time per pipeline stage: time spent in a nested timed call counts for the inner stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # per open stage: [start, time taken by nested stages]

    def wrap(self, stage: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = stage(*args, **kwargs) if callable(stage) else stage
            frame = [time.perf_counter(), 0.0]
            self._stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                self._stack.pop()
                spent = time.perf_counter() - frame[0]
                self.seconds[name] += spent - frame[1]
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1][1] += spent

        return timed


@contextmanager
def instrumented(timer: StageTimer) -> Iterator[None]:
    """Time the pipeline's stages by wrapping the functions it calls (restored afterwards)."""
    import docproc.pipeline
    import extractors
    import ocr.reader
    from ocr import preprocess
    from ocr.cache import OcrCache
    from ocr.engine import TesseractEngine

    ocr_calls_this_page = [0]

    def page_start(fn: Callable[..., Any]) -> Callable[..., Any]:
        def read(*args: Any, **kwargs: Any) -> Any:
            ocr_calls_this_page[0] = 0
            return fn(*args, **kwargs)

        return read

    def ocr_stage(*args: Any, **kwargs: Any) -> str:
        ocr_calls_this_page[0] += 1
        return "tesseract OCR, first call" if ocr_calls_this_page[0] == 1 else "tesseract OCR, extra calls"

    patches: list[tuple[Any, str, Any]] = [
        (docproc.pipeline, "check_limits", timer.wrap("limits", docproc.pipeline.check_limits)),
        (ocr.reader, "_text_layer_or_none", timer.wrap("text layer check", ocr.reader._text_layer_or_none)),
        (ocr.reader, "render_page", timer.wrap("render", ocr.reader.render_page)),
        (ocr.reader, "image_hash", timer.wrap("OCR cache", ocr.reader.image_hash)),
        (OcrCache, "get", timer.wrap("OCR cache", OcrCache.get)),
        (OcrCache, "put", timer.wrap("OCR cache", OcrCache.put)),
        (ocr.reader.PageOcr, "read", page_start(ocr.reader.PageOcr.read)),
        (TesseractEngine, "recognize", timer.wrap(ocr_stage, TesseractEngine.recognize)),
        (TesseractEngine, "detect_orientation", timer.wrap("tesseract OSD", TesseractEngine.detect_orientation)),
        (extractors, "extract_document", timer.wrap("extraction", extractors.extract_document)),
    ]
    patches += [
        (preprocess.STEPS, name, timer.wrap(f"preprocess: {name}", step)) for name, step in preprocess.STEPS.items()
    ]
    originals = [(owner, name, owner[name] if isinstance(owner, dict) else getattr(owner, name))
                 for owner, name, _ in patches]
    try:
        for owner, name, wrapped in patches:
            _assign(owner, name, wrapped)
        yield
    finally:
        for owner, name, original in originals:
            _assign(owner, name, original)


def _assign(owner: Any, name: str, value: Any) -> None:
    """Set a patched attribute, or a key when the owner is a registry dict (the preprocessing steps)."""
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def single_page_pdfs(pdf_path: Path) -> list[bytes]:
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf_path.read_bytes())
    pages = []
    try:
        for index in range(len(source)):
            single = pdfium.PdfDocument.new()
            single.import_pages(source, [index])
            buffer = io.BytesIO()
            single.save(buffer)
            single.close()
            pages.append(buffer.getvalue())
    finally:
        source.close()
    return pages


def rendered_page_png(page_pdf: bytes, settings: Settings, out: Path) -> None:
    """The page image exactly as the pipeline renders it, saved losslessly for the tesseract CLI."""
    from PIL import Image

    from ocr.raster import open_pdf, render_page

    pdf = open_pdf(page_pdf)
    try:
        image = render_page(pdf, 0, settings.ocr.dpi, settings.limits.max_image_megapixels * 1_000_000)
    finally:
        pdf.close()
    Image.fromarray(image).save(out)


def run_tesseract_cli(image: Path, settings: Settings, out_base: Path) -> None:
    command = ["tesseract", str(image), str(out_base), "-l", settings.ocr.languages, "--psm", str(settings.ocr.psm)]
    subprocess.run(command, check=True, capture_output=True)


def bench_scan(work: Path, pages: int, repeat: int) -> dict[str, Any]:
    from docproc.pipeline import process_document

    pdf_path = scan_data(work, pages)
    page_pdfs = single_page_pdfs(pdf_path)
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        settings = bench_settings(scratch)
        images = []
        for index, page_pdf in enumerate(page_pdfs):
            images.append(scratch / f"page-{index:03d}.png")
            rendered_page_png(page_pdf, settings, images[-1])
        # Warm-up outside the figures: imports and extractor models in this process, tesseract's files in
        # the page cache. A blank-ish first call would be unfair to either side.
        run_tesseract_cli(images[0], settings, scratch / "warmup")
        warm = ingest_bytes("warmup.pdf", page_pdfs[0], settings.limits)
        process_document(warm, bench_settings(scratch / "warmup-cache"))

        load_before = load_average()
        timer = StageTimer()
        pipeline_runs: list[list[Clock]] = [[] for _ in page_pdfs]
        cli_runs: list[list[Clock]] = [[] for _ in page_pdfs]
        for round_no in range(repeat):
            for index, (page_pdf, image) in enumerate(zip(page_pdfs, images)):
                source = ingest_bytes(f"page-{index + 1:03d}.pdf", page_pdf, settings.limits)
                run_settings = bench_settings(scratch / f"run-{round_no}-{index}")  # empty OCR cache every run
                pipeline_clock, cli_clock = Clock(), Clock()

                def run_pipeline(
                    source: SourceFile = source, clock: Clock = pipeline_clock, run_settings: Settings = run_settings
                ) -> None:
                    with clock.measure(), instrumented(timer):
                        outcome = process_document(source, run_settings)
                    if outcome.extraction.unreadable_reason:
                        raise SystemExit(f"{source.name}: {outcome.extraction.unreadable_reason}")

                def run_cli(image: Path = image, clock: Clock = cli_clock, index: int = index) -> None:
                    with clock.measure(children_cpu_seconds):
                        run_tesseract_cli(image, settings, scratch / f"cli-{index:03d}")

                # Alternate which side goes first, so neither always meets a warmer or a busier machine.
                first_pipeline = (index + round_no) % 2 == 0
                for step in (run_pipeline, run_cli) if first_pipeline else (run_cli, run_pipeline):
                    step()
                pipeline_runs[index].append(pipeline_clock)
                cli_runs[index].append(cli_clock)
                print(
                    f"  round {round_no + 1} page {index + 1}: pipeline {pipeline_clock.wall:.2f} s, "
                    f"tesseract CLI {cli_clock.wall:.2f} s (ratio {pipeline_clock.wall / cli_clock.wall:.2f})",
                    file=sys.stderr,
                )
    runs = len(page_pdfs) * repeat
    # Per page and side, the fastest of the rounds: the cost with the least interference from other work.
    best_pipeline = [min(c.wall for c in clocks) for clocks in pipeline_runs]
    best_cli = [min(c.wall for c in clocks) for clocks in cli_runs]
    all_pipeline = sum(c.wall for clocks in pipeline_runs for c in clocks)
    all_cli = sum(c.wall for clocks in cli_runs for c in clocks)
    stages = {k: v / runs for k, v in sorted(timer.seconds.items(), key=lambda kv: -kv[1])}
    stages["other (not in a timed stage)"] = all_pipeline / runs - sum(stages.values())
    result: dict[str, Any] = {
        "pages": len(page_pdfs),
        "rounds": repeat,
        "load_average": load_before,
        "load_average_after": load_average(),
        "languages": settings.ocr.languages,
        "psm": settings.ocr.psm,
        "dpi": settings.ocr.dpi,
        "pipeline_s_per_page": all_pipeline / runs,
        "cli_s_per_page": all_cli / runs,
        "ratio_best_of_rounds": sum(best_pipeline) / sum(best_cli),
        "ratio_all_runs": all_pipeline / all_cli,
        "ratio_cpu_all_runs": sum(c.cpu for clocks in pipeline_runs for c in clocks)
        / sum(c.cpu for clocks in cli_runs for c in clocks),
        "ratio_median_page": statistics.median(p / c for p, c in zip(best_pipeline, best_cli)),
        "stages_s_per_page": stages,
        "stage_calls": dict(timer.calls),
        "target_ratio": SCAN_TARGET_RATIO,
    }
    print_scan(result)
    return result


def print_scan(r: dict[str, Any]) -> None:
    print(
        f"\n## 2. scanned pages: {r['pages']} pages × {r['rounds']} rounds, {r['dpi']} dpi, -l {r['languages']} "
        f"--psm {r['psm']} (load {r['load_average']} before, {r['load_average_after']} after)"
    )
    print(f"pipeline {r['pipeline_s_per_page']:.2f} s/page, tesseract CLI {r['cli_s_per_page']:.2f} s/page")
    print(
        f"ratio: {r['ratio_best_of_rounds']:.3f} best of rounds per page (median page "
        f"{r['ratio_median_page']:.3f}); {r['ratio_all_runs']:.3f} all runs; {r['ratio_cpu_all_runs']:.3f} CPU"
    )
    print("where the pipeline's time goes (wall s per page; calls in the run):")
    cli = r["cli_s_per_page"]
    for stage, seconds in r["stages_s_per_page"].items():
        calls = r["stage_calls"].get(stage)
        shown_calls = "" if calls is None else f"  ×{calls}"
        print(f"  {stage:34s} {seconds:6.3f}  ({100 * seconds / cli:5.1f} % of CLI){shown_calls}")
    met = "met" if r["ratio_best_of_rounds"] <= r["target_ratio"] else "NOT met"
    print(f"target ≤ {r['target_ratio']:.2f} (best of rounds): {met}")


# --------------------------------------------------------------------------- 3. memory of a long scan


def _status_kib(status: str, field_name: str) -> int:
    for line in status.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def _proc_status_kib(field_name: str, pid: int | str = "self") -> int:
    try:
        return _status_kib(Path(f"/proc/{pid}/status").read_text(), field_name)
    except OSError:  # the process has just ended
        return 0


class TreeMemorySampler:
    """Samples the RSS of this process plus its children (tesseract) every ``interval_s`` in a thread.

    A child's own peak (VmHWM) cannot be read after it exits, and ``RUSAGE_CHILDREN.ru_maxrss`` is no
    help: a child started by (v)fork inherits the parent's high-water mark before its exec. Sampling
    misses at most the last ``interval_s`` of a child's life.
    """

    def __init__(self, interval_s: float = 0.02) -> None:
        import threading

        self.interval_s = interval_s
        self.tree_peak_kib = 0
        self.child_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[str]:
        """This process's tesseract children. A child between fork and exec still shows this process's
        memory as its own: it is not counted until it has become tesseract."""
        own = os.getpid()
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            name = status.split("\n", 1)[0].partition(":")[2].strip()
            if _status_kib(status, "PPid") == own and name == "tesseract":
                children.append(entry.name)
        return children

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            children = [(_proc_status_kib("VmRSS", pid), _proc_status_kib("VmHWM", pid)) for pid in self._children()]
            total = _proc_status_kib("VmRSS") + sum(rss for rss, _ in children)
            self.tree_peak_kib = max(self.tree_peak_kib, total)
            self.child_peak_kib = max([self.child_peak_kib, *(hwm for _, hwm in children)])

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def memory_child(pdf_path: Path, out: Path) -> None:
    """Runs in a fresh process: read the long scan through ``process_document`` and report memory."""
    import pdfplumber

    import ocr.reader
    from docproc.pipeline import process_document

    rss_after_page_kib: list[int] = []
    largest_page_image_bytes = [0]
    plumber_opens = [0]
    original_read, original_open = ocr.reader.PageOcr.read, pdfplumber.open

    def read_and_sample(self: Any, image: Any, page_no: int) -> Any:
        largest_page_image_bytes[0] = max(largest_page_image_bytes[0], image.nbytes)
        page = original_read(self, image, page_no)
        rss_after_page_kib.append(_proc_status_kib("VmRSS"))
        return page

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        plumber_opens[0] += 1
        return original_open(*args, **kwargs)

    ocr.reader.PageOcr.read = read_and_sample  # type: ignore[method-assign]
    pdfplumber.open = counting_open
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch:
        settings = bench_settings(Path(scratch))
        data = pdf_path.read_bytes()
        source = ingest_bytes(pdf_path.name, data, settings.limits)
        del data
        rss_before_kib = _proc_status_kib("VmRSS")
        started = time.perf_counter()
        with TreeMemorySampler() as sampler:
            outcome = process_document(source, settings)
        seconds = time.perf_counter() - started
    report = {
        "pdf_bytes": len(source.data),
        "pages_read": outcome.extraction.pages,
        "unreadable": outcome.extraction.unreadable_reason,
        "seconds": seconds,
        "rss_before_kib": rss_before_kib,
        "python_peak_kib": _proc_status_kib("VmHWM"),
        "tesseract_peak_kib": sampler.child_peak_kib,
        "tree_peak_kib": sampler.tree_peak_kib,
        "rss_after_page_kib": rss_after_page_kib,
        "pdfplumber_opens": plumber_opens[0],
        "page_image_bytes": largest_page_image_bytes[0],
        # What the document's text (words with boxes, kept by design: it is the result) takes as JSON.
        "text_json_bytes": sum(len(p.model_dump_json()) for p in outcome.text.pages) if outcome.text else 0,
    }
    out.write_text(json.dumps(report))


def bench_memory(work: Path, pages: int) -> dict[str, Any]:
    pdf_path = scan_data(work, pages)
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch:
        report_path = Path(scratch) / "memory.json"
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(pdf_path), str(report_path)],
            check=True,
        )
        child = json.loads(report_path.read_text())
    series = child["rss_after_page_kib"]
    settled = series[min(10, len(series) - 1):]  # after the first pages: libraries and models are in
    growth_per_100_pages_mib = 0.0
    if len(settled) > 1:
        xs = list(range(len(settled)))
        slope = statistics.linear_regression(xs, settled).slope  # KiB per page
        growth_per_100_pages_mib = slope * 100 / KIB
    result = {
        "pages": child["pages_read"],
        "pdf_mb": child["pdf_bytes"] / 1e6,
        "load_average": load_before,
        "seconds": child["seconds"],
        "unreadable": child["unreadable"],
        "python_peak_mib": child["python_peak_kib"] / KIB,
        "tesseract_peak_mib": child["tesseract_peak_kib"] / KIB,
        "tree_peak_sampled_mib": child["tree_peak_kib"] / KIB,
        "peak_python_plus_tesseract_mib": (child["python_peak_kib"] + child["tesseract_peak_kib"]) / KIB,
        "rss_before_mib": child["rss_before_kib"] / KIB,
        "rss_after_page_mib": {
            str(i + 1): series[i] / KIB for i in sorted({0, 9, len(series) // 2, len(series) - 1}) if i < len(series)
        },
        "rss_growth_per_100_pages_mib": growth_per_100_pages_mib,
        "pdfplumber_opens": child["pdfplumber_opens"],
        "page_image_mib": child["page_image_bytes"] / KIB**2,
        "text_json_mib": child["text_json_bytes"] / KIB**2,
        "target_mib": MEMORY_TARGET_BYTES / KIB**2,
    }
    print_memory(result)
    return result


def print_memory(r: dict[str, Any]) -> None:
    print(f"\n## 3. memory: a {r['pages']}-page scan ({r['pdf_mb']:.1f} MB) in one process (load {r['load_average']})")
    if r["unreadable"]:
        print(f"NOT READ: {r['unreadable']}")
    print(
        f"peak RSS: Python worker {r['python_peak_mib']:.0f} MiB (VmHWM), largest tesseract child "
        f"{r['tesseract_peak_mib']:.0f} MiB (sampled); worker + tesseract sampled together "
        f"{r['tree_peak_sampled_mib']:.0f} MiB, bound (sum of both peaks) {r['peak_python_plus_tesseract_mib']:.0f} MiB"
    )
    after = ", ".join(f"page {k}: {v:.0f}" for k, v in r["rss_after_page_mib"].items())
    print(f"RSS before reading {r['rss_before_mib']:.0f} MiB; after {after} MiB")
    print(
        f"RSS growth after the first pages: {r['rss_growth_per_100_pages_mib']:+.1f} MiB per 100 pages, against "
        f"{r['page_image_mib']:.0f} MiB for one rendered page image; the text kept (words with boxes) is "
        f"{r['text_json_mib']:.1f} MiB as JSON"
    )
    print(f"pdfplumber opened {r['pdfplumber_opens']} time(s); read in {r['seconds']:.0f} s")
    met = "met" if r["peak_python_plus_tesseract_mib"] < r["target_mib"] else "NOT met"
    print(f"target < {r['target_mib']:.0f} MiB: {met}")


# --------------------------------------------------------------------------- command line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["text", "scan", "memory", "all"], default="all")
    parser.add_argument("--text-pages", type=int, default=200)
    parser.add_argument("--scan-pages", type=int, default=8)
    parser.add_argument("--scan-rounds", type=int, default=2, help="each page read this often by each side")
    parser.add_argument("--memory-pages", type=int, default=200)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where generated data is kept")
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--memory-child", nargs=2, type=Path, metavar=("PDF", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    info = machine()
    print(f"machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB; load {load_average()}")
    results: dict[str, Any] = {"machine": info, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    if args.part in ("text", "all"):
        results["text"] = bench_text(args.work, args.text_pages)
    if args.part in ("scan", "all"):
        results["scan"] = bench_scan(args.work, args.scan_pages, args.scan_rounds)
    if args.part in ("memory", "all"):
        results["memory"] = bench_memory(args.work, args.memory_pages)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
