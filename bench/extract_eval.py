"""Score the extractors on the dev corpus, field by field, text-layer and scanned documents apart.

    .venv/bin/python bench/extract_eval.py [--corpus ../shared/corpus/dev] [--misses 40] [--field amounts.total]
                                           [--group text|scan] [--fill-bins]

Every document is read (``bench.extract_texts.load_text``: the OCR stage's reader, cached), extracted,
converted with ``docproc.expected_shape.document_to_expected`` and compared with ``expected.json``
using the project's scorer ``docproc/scoring.py`` (the corpus scorer's comparison rules). Translation links are scored after
``link_translations`` on each dossier. Prints document type and language accuracy, per-field
precision / recall / F1 for text documents (pdf_text, xlsx) and scans (pdf_scan, images), and the
misses with the text around the expected value.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.extract_texts import load_text
from docproc.expected_shape import document_to_expected
from extractors import extract_document, fill_missing_bins, link_translations
from models.domain import DocumentExtraction, DocumentText

SHARED = ROOT.parent / "shared"
TEXT_FORMATS = {"pdf_text", "xlsx", "docx", "xml"}


def context(text: str, value: Any, width: int = 70) -> str:
    if value is None:
        return ""
    needle = str(value)
    candidates = [needle]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", needle):
        y, m, d = needle.split("-")
        candidates.append(f"{d}.{m}.{y}")
    if re.fullmatch(r"\d+\.\d{2}", needle):
        whole, cents = needle.split(".")
        grouped = f"{int(whole):,}".replace(",", " ")
        candidates += [f"{grouped},{cents}", f"{grouped}.{cents}", f"{whole}-{cents}"]
    flat = re.sub(r"\s+", " ", text)
    for c in candidates:
        i = flat.lower().find(c.lower()[:40])
        if i >= 0:
            return flat[max(0, i - width) : i + len(c) + width]
    return "(not in text)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "dev"))
    ap.add_argument("--misses", type=int, default=40, help="how many misses to list")
    ap.add_argument("--field", default=None, help="list misses of this field only")
    ap.add_argument("--dossier", default=None)
    ap.add_argument("--group", choices=["text", "scan"], default=None, help="list misses of this group only")
    ap.add_argument("--fill-bins", action="store_true", help="also run fill_missing_bins on each dossier")
    a = ap.parse_args()
    from docproc import scoring as scorer
    corpus = Path(a.corpus)
    stats: dict[str, dict[str, Counter[str]]] = {"text": defaultdict(Counter), "scan": defaultdict(Counter)}
    type_ok: Counter[str] = Counter()
    lang_ok: Counter[str] = Counter()
    ndocs: Counter[str] = Counter()
    misses: list[tuple[str, str, str, str, Any, Any, str]] = []
    t0 = time.time()
    extract_seconds = 0.0
    for dossier in sorted(p for p in corpus.iterdir() if (p / "expected.json").exists()):
        if a.dossier and a.dossier not in dossier.name:
            continue
        expected = json.loads((dossier / "expected.json").read_text(encoding="utf-8"))
        docs: list[DocumentExtraction] = []
        texts: dict[str, DocumentText] = {}
        for name in expected["documents"]:
            text = load_text(dossier / name)
            t1 = time.time()
            docs.append(extract_document(text))
            extract_seconds += time.time() - t1
            texts[name] = text
        link_translations(docs, texts)
        if a.fill_bins:
            fill_missing_bins(docs)
        for doc in docs:
            exp = expected["documents"][doc.file]
            group = "text" if exp.get("file_format") in TEXT_FORMATS else "scan"
            act = document_to_expected(doc)
            ndocs[group] += 1
            type_ok[group] += int(act.get("doc_type") == exp.get("doc_type"))
            lang_ok[group] += int((act.get("language") or "") == (exp.get("language") or ""))
            if act.get("doc_type") != exp.get("doc_type"):
                misses.append((group, dossier.name, doc.file, "doc_type", exp.get("doc_type"), act.get("doc_type"), ""))
            if act.get("language") != exp.get("language"):
                misses.append((group, dossier.name, doc.file, "language", exp.get("language"), act.get("language"), ""))
            ef, af = scorer.flatten(exp), scorer.flatten(act)
            for key in set(ef) | set(af):
                if key in ef and key in af and scorer.same(ef[key], af[key]):
                    stats[group][key]["tp"] += 1
                    continue
                if key in ef:
                    stats[group][key]["fn"] += 1
                if key in af:
                    stats[group][key]["fp"] += 1
                misses.append(
                    (
                        group,
                        dossier.name,
                        doc.file,
                        key,
                        ef.get(key, (None,))[0],
                        af.get(key, (None,))[0],
                        context(texts[doc.file].text, ef.get(key, (None,))[0]),
                    )
                )
    total = Counter()
    for group in ("text", "scan"):
        n = max(ndocs[group], 1)
        print(f"\n=== {group} documents: {ndocs[group]}")
        print(f"document_type_accuracy={type_ok[group] / n:.4f}  language_accuracy={lang_ok[group] / n:.4f}")
        print(f"  {'field':30s} {'P':>6s} {'R':>6s} {'F1':>6s} {'support':>8s}")
        g = Counter()
        for key in sorted(stats[group]):
            s = stats[group][key]
            g.update(s)
            p, r, f = scorer.prf(s["tp"], s["fp"], s["fn"])
            print(f"  {key:30s} {p:6.3f} {r:6.3f} {f:6.3f} {s['tp'] + s['fn']:8d}")
        p, r, f = scorer.prf(g["tp"], g["fp"], g["fn"])
        print(f"  {'ALL (micro)':30s} {p:6.3f} {r:6.3f} {f:6.3f} {g['tp'] + g['fn']:8d}")
        total.update(g)
    p, r, f = scorer.prf(total["tp"], total["fp"], total["fn"])
    n_all = sum(ndocs.values())
    print(f"\nall documents: {n_all}  doc_type={sum(type_ok.values()) / max(n_all, 1):.4f}  "
          f"language={sum(lang_ok.values()) / max(n_all, 1):.4f}  field_f1={f:.4f}")
    print(f"extraction time: {extract_seconds:.1f} s for {n_all} documents (wall {time.time() - t0:.1f} s)")
    shown = [m for m in misses if (a.field is None or m[3] == a.field) and (a.group is None or m[0] == a.group)]
    if shown and a.misses:
        print(f"\n--- misses ({len(shown)}; showing {min(a.misses, len(shown))}) ---")
        for group, dossier, file, key, exp, act, ctx in shown[: a.misses]:
            print(f"[{group}] {dossier}/{file} {key}: expected={exp!r} actual={act!r}")
            if ctx:
                print(f"      … {ctx} …")


if __name__ == "__main__":
    main()
