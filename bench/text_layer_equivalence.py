"""Does pdfium's reading of text layers (``ocr.pdfium_text``) give what pdfplumber's gave? Not a test.

For every page of every PDF given (files or folders, searched recursively), both readings go through
the same ``ocr.text_layer`` code: the usability check (real / garbage characters, image coverage), the
words (text identical, boxes within ``--tolerance`` points) and the seals (box, rings, centre words).
Pages pdfium refuses (``NeedsPdfplumber``) are read by pdfplumber in the pipeline too: counted apart.

    .venv/bin/python bench/text_layer_equivalence.py ../shared/corpus/dev tests/fixtures
    .venv/bin/python bench/text_layer_equivalence.py var/bench_pipeline/text-200 --timing
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pdfplumber
import pypdfium2 as pdfium

from foundation.settings import Settings
from models.domain import PageText, SealText, Word
from ocr.ink import InkRange
from ocr.pdfium_text import NeedsPdfplumber, read_char_page
from ocr.text_layer import assess_text_layer, text_layer_is_usable, text_layer_page


def pdfs_in(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(sorted(path.rglob("*.pdf")) if path.is_dir() else [path])
    return out


def reading_order(page: PageText) -> list[Word]:
    return [page.words[i] for line in page.lines for i in line]


def box_gap(a: Word, b: Word) -> float:
    o, n = a.bbox, b.bbox
    return max(abs(o.x0 - n.x0), abs(o.y0 - n.y0), abs(o.x1 - n.x1), abs(o.y1 - n.y1))


def words_differ(old: list[Word], new: list[Word], tolerance: float) -> str | None:
    if [w.text for w in old] != [w.text for w in new]:
        a, b = [w.text for w in old], [w.text for w in new]
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"text differs at word {first}: {a[first:first + 4]} vs {b[first:first + 4]} ({len(a)} vs {len(b)} words)"
    for w_old, w_new in zip(old, new):
        o, n = w_old.bbox, w_new.bbox
        gap = max(abs(o.x0 - n.x0), abs(o.y0 - n.y0), abs(o.x1 - n.x1), abs(o.y1 - n.y1))
        if gap > tolerance:
            return f"box of {w_old.text!r} off by {gap:.3f} pt: {o} vs {n}"
    return None


def seals_differ(old: list[SealText], new: list[SealText], tolerance: float) -> str | None:
    if len(old) != len(new):
        return f"{len(old)} vs {len(new)} seals"
    for s_old, s_new in zip(old, new):
        o, n = s_old.bbox, s_new.bbox
        gap = max(abs(o.x0 - n.x0), abs(o.y0 - n.y0), abs(o.x1 - n.x1), abs(o.y1 - n.y1))
        if gap > tolerance:
            return f"seal box off by {gap:.3f} pt"
        if s_old.rings != s_new.rings:
            return f"rings {s_old.rings} vs {s_new.rings}"
        problem = words_differ(s_old.words, s_new.words, tolerance)
        if problem:
            return f"seal centre: {problem}"
    return None


def compare(paths: list[Path], tolerance: float, timing: bool, verbose: bool) -> int:
    settings = Settings()
    ink = InkRange.from_settings(settings.ocr) if settings.ocr.drop_stamp_text else None
    counts: Counter[str] = Counter()
    worst = {"box": 0.0}
    clocks: dict[str, float] = {"pdfium": 0.0, "pdfplumber": 0.0}
    for path in paths:
        data = path.read_bytes()
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            counts["unopenable"] += 1
            continue
        plumber = pdfplumber.open(io.BytesIO(data))
        try:
            for index in range(len(pdf)):
                counts["pages"] += 1
                t0 = time.perf_counter()
                try:
                    new_page = read_char_page(pdf, index)
                except NeedsPdfplumber as exc:
                    counts[f"pdfplumber: {exc}"] += 1
                    continue
                if not new_page.draws_text:
                    counts["no text (scan)"] += 1
                    continue
                new_quality = assess_text_layer(new_page, ink)
                new_text: PageText | None = (
                    text_layer_page(new_page, index + 1, ink)
                    if text_layer_is_usable(new_quality, settings.ocr)
                    else None
                )
                t1 = time.perf_counter()
                old_page = plumber.pages[index]
                old_quality = assess_text_layer(old_page, ink)
                old_text: PageText | None = (
                    text_layer_page(old_page, index + 1, ink)
                    if text_layer_is_usable(old_quality, settings.ocr)
                    else None
                )
                old_page.close()
                t2 = time.perf_counter()
                clocks["pdfium"] += t1 - t0
                clocks["pdfplumber"] += t2 - t1
                counts["text pages compared"] += 1
                where = f"{path}#{index + 1}"
                if (old_text is None) != (new_text is None):
                    counts["usable decision differs"] += 1
                    print(f"{where}: usable {old_text is not None} vs {new_text is not None}; {old_quality} vs {new_quality}")
                    continue
                if (old_quality.real_chars, old_quality.garbage_chars) != (new_quality.real_chars, new_quality.garbage_chars):
                    counts["char counts differ (same decision)"] += 1
                    if verbose:
                        print(f"{where}: quality {old_quality} vs {new_quality}")
                if abs(old_quality.image_coverage - new_quality.image_coverage) > 1e-3:
                    counts["image coverage differs (same decision)"] += 1
                    if verbose:
                        print(f"{where}: image coverage {old_quality.image_coverage} vs {new_quality.image_coverage}")
                if old_text is None or new_text is None:
                    counts["unusable in both"] += 1
                    continue
                counts["words"] += len(old_text.words)
                # Extractors see words line by line (PageText.lines, geometric); the order of the flat
                # word list differs only where pdfminer's float noise splits one font size in two.
                problem = words_differ(reading_order(old_text), reading_order(new_text), tolerance)
                if problem:
                    counts["words differ"] += 1
                    print(f"{where}: {problem}")
                else:
                    counts["words identical"] += 1
                    counts["words within tolerance"] += len(old_text.words)
                if [w.text for w in old_text.words] != [w.text for w in new_text.words]:
                    counts["flat word order differs (lines identical)" if not problem else "flat word order differs"] += 1
                offsets = [box_gap(a, b) for a, b in zip(reading_order(old_text), reading_order(new_text))]
                if offsets:
                    worst["box"] = max(worst["box"], max(offsets))
                    counts["words off by more than the tolerance"] += sum(gap > tolerance for gap in offsets)
                if (old_text.width, old_text.height) != (new_text.width, new_text.height):
                    counts["page size differs"] += 1
                    print(f"{where}: size {old_text.width}x{old_text.height} vs {new_text.width}x{new_text.height}")
                seal_problem = seals_differ(old_text.seals, new_text.seals, tolerance)
                counts["pages with seals"] += bool(old_text.seals)
                if seal_problem:
                    counts["seals differ"] += 1
                    print(f"{where}: {seal_problem}")
        finally:
            plumber.close()
            pdf.close()
    print()
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}")
    print(f"largest word box offset: {worst['box']:.3f} pt")
    compared = counts["text pages compared"] - counts["unusable in both"]
    if compared:
        print(f"share of usable pages with identical words: {counts['words identical'] / compared:.4f}")
    if timing and counts["text pages compared"]:
        n = counts["text pages compared"]
        print(f"ms per page: pdfium {1000 * clocks['pdfium'] / n:.1f}, pdfplumber {1000 * clocks['pdfplumber'] / n:.1f}")
    failed = counts["usable decision differs"] + counts["words differ"] + counts["seals differ"]
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--tolerance", type=float, default=0.5, help="points a word box may move")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    raise SystemExit(compare(pdfs_in(args.paths), args.tolerance, args.timing, args.verbose))


if __name__ == "__main__":
    main()
