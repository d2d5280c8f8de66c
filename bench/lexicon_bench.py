"""Cost of the label lexicon matcher (extractors/lexicon.py) per call, on the contexts of real candidates.

Not a test: prints numbers. The contexts are those a candidate scorer would ask about: for every date and
amount on every line of the corpus documents, the text left of it on its line and the line above it.
Three figures, in µs of CPU time per call (the machine is shared: wall time is printed beside it):

* ``load`` — reading and indexing lexicon.yaml once (ms);
* ``cold`` — every distinct context once, cache cleared: the cost of a context never seen before;
* ``warm`` — all contexts in page order with the cache (labels repeat across candidates and pages): the
  cost the pipeline pays, with the cache hit rate.

    DOCPROC_OCR_CACHE_DIR=/work/cache/ocr .venv/bin/python bench/lexicon_bench.py ../shared/corpus/dev-b
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.extract_texts import load_text
from extractors.dates import find_dates
from extractors.values import find_amounts

_DOC_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".xlsx", ".docx"}


def corpus_contexts(corpus: Path, max_files: int) -> list[str]:
    """Left-of and above contexts of every date and amount, in document order (repeats kept)."""
    contexts: list[str] = []
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in _DOC_SUFFIXES)[:max_files]
    for path in files:
        try:
            doc = load_text(path)
        except Exception as exc:  # noqa: BLE001 - a bench skips what it cannot read, and says so
            print(f"skip {path.name}: {exc}", file=sys.stderr)
            continue
        for page in doc.pages:
            lines = page.text.splitlines()
            for i, line in enumerate(lines):
                spans = [(s, e) for s, e, _ in find_amounts(line)] + [(d.start, d.end) for d in find_dates(line)]
                for s, _ in spans:
                    contexts.append(line[max(0, s - 60) : s])
                    if i > 0:
                        contexts.append(lines[i - 1][-80:])
    return contexts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="?", default=ROOT.parent / "shared" / "corpus" / "dev-b")
    parser.add_argument("--max-files", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from extractors import lexicon as lexicon_module

    t0 = time.perf_counter()
    lexicon_module.lexicon.cache_clear()
    lex = lexicon_module.lexicon()
    load_ms = (time.perf_counter() - t0) * 1000

    contexts = corpus_contexts(args.corpus, args.max_files)
    distinct = list(dict.fromkeys(contexts))
    print(f"lexicon: {len(lex.phrases)} phrases, {len(lex.fields)} fields; load {load_ms:.1f} ms")
    print(f"contexts: {len(contexts)} ({len(distinct)} distinct) from {args.corpus}")

    def timed(calls: list[str], fn: Callable[[str], object]) -> tuple[float, float]:
        """(wall µs, CPU µs) per call, the cache cleared first."""
        lex.cache_clear()
        w0, c0 = time.perf_counter(), time.process_time()
        for c in calls:
            fn(c)
        return (time.perf_counter() - w0) / len(calls) * 1e6, (time.process_time() - c0) / len(calls) * 1e6

    cold = [timed(distinct, lex.vector) for _ in range(args.rounds)]
    warm = [timed(contexts, lex.vector) for _ in range(args.rounds)]
    info = lex._best.cache_info()
    hit_rate = info.hits / max(1, info.hits + info.misses)
    as_dict = [timed(distinct, lex.similarity) for _ in range(args.rounds)]
    lengths = [len(c) for c in distinct]
    print(f"context length: median {statistics.median(lengths):.0f}, max {max(lengths)} characters")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: CPU time is the figure to compare")
    for name, runs, note in (
        ("cold (distinct contexts, no cache)", cold, ""),
        ("warm (page order, cached)", warm, f"; cache hit rate {hit_rate:.0%}"),
        ("similarity() as a dict, cold", as_dict, ""),
    ):
        cpu = min(r[1] for r in runs)
        wall = min(r[0] for r in runs)
        print(f"{name:36} {cpu:7.1f} µs CPU per call (wall {wall:.1f}){note}")


if __name__ == "__main__":
    main()
