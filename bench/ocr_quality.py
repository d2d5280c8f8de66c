"""OCR quality on the corpus's scanned documents, without OCR ground-truth text.

The expected.json fields (numbers, dates, BINs, amounts, party names, amounts in words) are printed on
the page, so the share of them found in the OCR text measures what the extractors can hope to read.
Amounts are looked up as "1 234 567,89", "1 234 567.89" and "1234567-89" (whitespace-insensitive), dates as
dd.mm.yyyy and "d <month> yyyy", names and amounts in words fuzzily (rapidfuzz partial ratio >= 90).

    .venv/bin/python bench/ocr_quality.py --config base --config psm6 --stride 4
    .venv/bin/python bench/ocr_quality.py --list
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz

from foundation.settings import OcrSettings, Settings
from ingest.errors import UnreadableDocument
from models.domain import FileKind
from ocr.reader import read_document

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
SCANNED = {"pdf_scan": FileKind.PDF, "image_jpg": FileKind.JPEG, "image_png": FileKind.PNG}
MONTHS_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
DEFAULT = OcrSettings().preprocess


def _without(step: str) -> list[str]:
    return [s for s in DEFAULT if s != step]


def _plus(step: str) -> list[str]:
    return [*DEFAULT, step]


# name -> OcrSettings overrides
CONFIGS: dict[str, dict[str, Any]] = {
    "base": {},
    "raw": {"preprocess": ["grayscale"]},
    "no_stamps": {"preprocess": _without("suppress_stamps")},
    "no_upscale": {"preprocess": _without("upscale")},
    "no_orient": {"preprocess": _without("orient")},
    "no_deskew": {"preprocess": _without("deskew")},
    "no_rulings": {"preprocess": _without("remove_rulings")},
    "no_rulings_psm3": {"preprocess": _without("remove_rulings"), "psm": 3},
    "denoise": {"preprocess": _plus("denoise")},
    "contrast": {"preprocess": _plus("contrast")},
    "flatten": {"preprocess": _plus("flatten_background")},
    "binarize": {"preprocess": _plus("binarize")},
    "rus_eng": {"languages": "rus+eng"},
    "psm3": {"psm": 3},
    "psm4": {"psm": 4},
    "dpi200": {"dpi": 200},
}


@dataclass
class Target:
    category: str  # id | date | amount | number | name | words
    value: str


def _amount_forms(x: float) -> list[str]:
    """As printed in the corpus: "1 234 567,89", "1 234 567.89" and "1234567-89"."""
    whole = f"{x:,.2f}".replace(",", " ")
    return [whole.replace(".", ","), whole, f"{x:.2f}".replace(".", "-")]


def _date_forms(iso: str) -> list[str]:
    y, m, d = iso.split("-")
    return [f"{d}.{m}.{y}", f"{int(d)} {MONTHS_RU[int(m) - 1]} {y}", f"{d} {MONTHS_RU[int(m) - 1]} {y}"]


def targets_of(doc: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    if doc.get("number"):
        out.append(Target("number", doc["number"]))
    if doc.get("date"):
        out.append(Target("date", doc["date"]))
    for party in doc.get("parties") or []:
        if party.get("bin"):
            out.append(Target("id", party["bin"]))
        if party.get("name"):
            out.append(Target("name", party["name"]))
    for key in ("total", "vat", "amount_without_vat"):
        value = (doc.get("amounts") or {}).get(key)
        if value:
            out.append(Target("amount", f"{value:.2f}"))
    for value in (doc.get("payroll_totals") or {}).values():
        if value:
            out.append(Target("amount", f"{value:.2f}"))
    ref = doc.get("contract_ref") or {}
    if ref.get("number"):
        out.append(Target("number", ref["number"]))
    if ref.get("date"):
        out.append(Target("date", ref["date"]))
    if doc.get("amount_words"):
        out.append(Target("words", doc["amount_words"]))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def found(target: Target, text: str, squashed: str, lowered: str) -> bool:
    if target.category == "amount":
        return any(_squash(form) in squashed for form in _amount_forms(float(target.value)))
    if target.category == "date":
        return any(_squash(form).lower() in squashed.lower() for form in _date_forms(target.value))
    if target.category in ("id", "number"):
        return _squash(target.value) in squashed
    return fuzz.partial_ratio(target.value.lower(), lowered) >= 90


def scanned_documents(stride: int) -> list[tuple[Path, str, dict[str, Any]]]:
    docs: list[tuple[Path, str, dict[str, Any]]] = []
    for expected in sorted(CORPUS.glob("*/expected.json")):
        for name, doc in json.loads(expected.read_text())["documents"].items():
            if doc.get("file_format") in SCANNED:
                docs.append((expected.parent / name, doc["file_format"], doc))
    return docs[::stride]


def run(
    config: str, docs: list[tuple[Path, str, dict[str, Any]]], show_misses: bool = False
) -> dict[str, Any]:
    settings = Settings(ocr=OcrSettings(**{**OcrSettings().model_dump(), **CONFIGS[config]}))
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    pages = rotated = 0
    confidences: list[float] = []
    per_doc: dict[str, list[int]] = {}
    seconds = 0.0
    for path, file_format, doc in docs:
        start = time.perf_counter()
        try:
            text_doc = read_document(path.name, path.read_bytes(), SCANNED[file_format], settings)
        except UnreadableDocument as exc:
            print(f"  {path.parent.name}/{path.name}: unreadable {exc.code}", file=sys.stderr)
            text_doc = None
        seconds += time.perf_counter() - start
        text = text_doc.text if text_doc else ""
        if text_doc:
            pages += len(text_doc.pages)
            rotated += sum(1 for p in text_doc.pages if p.rotation)
            confidences += [p.mean_confidence for p in text_doc.pages]
        squashed, lowered = _squash(text), text.lower()
        per_doc[f"{path.parent.name}/{path.name}"] = doc_hits = [0, 0]
        for target in targets_of(doc):
            ok = found(target, text, squashed, lowered)
            doc_hits[0] += int(ok)
            doc_hits[1] += 1
            if show_misses and not ok:
                print(
                    f"  miss {path.parent.name}/{path.name} {target.category}: {target.value}",
                    file=sys.stderr,
                )
            for key in (target.category, f"fmt:{file_format}", "all"):
                hits[key][0] += int(ok)
                hits[key][1] += 1
    return {
        "config": config,
        "docs": len(docs),
        "pages": pages,
        "s_per_page": seconds / max(pages, 1),
        "mean_conf": sum(confidences) / max(len(confidences), 1),
        "rotated_pages": rotated,
        "recall": {k: (v[0] / v[1], v[1]) for k, v in sorted(hits.items())},
        "per_doc": per_doc,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    keys = [
        "all",
        "id",
        "date",
        "amount",
        "number",
        "name",
        "words",
        "fmt:pdf_scan",
        "fmt:image_jpg",
        "fmt:image_png",
    ]
    print("| config | " + " | ".join(keys) + " | s/page | conf | rotated |")
    print("|---" * (len(keys) + 4) + "|")
    for r in results:
        cells = [f"{r['recall'][k][0]:.3f}" if k in r["recall"] else "-" for k in keys]
        print(
            f"| {r['config']} | "
            + " | ".join(cells)
            + f" | {r['s_per_page']:.2f} | {r['mean_conf']:.3f} | {r['rotated_pages']} |"
        )
    if results:
        counts = {k: results[0]["recall"][k][1] for k in keys if k in results[0]["recall"]}
        print(f"targets per column: {counts}; docs={results[0]['docs']} pages={results[0]['pages']}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config", action="append", choices=sorted(CONFIGS), help="repeatable; default: base"
    )
    parser.add_argument("--stride", type=int, default=1, help="take every n-th scanned document")
    parser.add_argument("--json", type=Path, help="append results as JSON lines here")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--show-misses", action="store_true", help="print every target not found")
    parser.add_argument("--only", help="substring of dossier/file to restrict to")
    args = parser.parse_args()
    if args.list:
        for name, overrides in CONFIGS.items():
            print(f"{name}: {overrides}")
        return
    if not CORPUS.exists():
        sys.exit(f"corpus not found at {CORPUS}")
    docs = scanned_documents(args.stride)
    if args.only:
        docs = [d for d in docs if args.only in f"{d[0].parent.name}/{d[0].name}"]
    results = []
    for config in args.config or ["base"]:
        result = run(config, docs, args.show_misses)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
        if args.json:
            with args.json.open("a") as handle:
                handle.write(json.dumps(result, ensure_ascii=False) + "\n")
    print_table(results)


if __name__ == "__main__":
    main()
