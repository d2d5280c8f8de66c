"""Leave one family out, end to end: the product's own scores on a family whose layouts the models never saw.

    python -m learn.lofo --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b \\
                         --family forms=/work/families/forms_s1 ... [--out var/lofo] [--only dev-b]

For each family held out: every learned model the extractors ship (``extractors/models/``) is trained again on the
other families into ``OUT/<family>/models``, the whole pipeline runs on the held-out family with the extractors
pointed at those models (``DOCPROC_EXTRACTOR_MODEL_DIR``; stage caches off, OCR cache shared), and the result is
scored like the corpus scorer does. Prints one table: document type, language, field P/R/F1 (text layer, scans),
finding P/R/F1, translation_of P/R per family; ``OUT/lofo.json`` keeps the numbers and ``OUT/<family>/eval`` every
dossier's result with its misses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from docproc.scoring import Score, prf
from extractors.model_files import MODEL_DIR_ENV
from learn.corpus import parse_family_args

ROOT = Path(__file__).resolve().parents[1]


def train_models(families: list[tuple[str, Path]], out: Path) -> None:
    """Every shipped model, trained on ``families`` only, written to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    args = [a for name, path in families for a in ("--family", f"{name}={path}")]
    for module in _model_trainers():
        subprocess.run([sys.executable, "-m", module, "train", *args, "--out", str(out)], check=True, cwd=ROOT)


def _model_trainers() -> list[str]:
    """The training commands of the models in ``extractors/models`` (each module has a ``train`` sub-command)."""
    trainers = ["learn.fields"]
    if (ROOT / "learn" / "doctype.py").is_file():
        trainers.insert(0, "learn.doctype")
    return trainers


def evaluate_family(name: str, path: Path, models: Path, out: Path, ocr_cache: Path) -> Score:
    env = {
        **os.environ,
        MODEL_DIR_ENV: str(models),
        "DOCPROC_STAGE_CACHE": "false",
        "DOCPROC_DATA_DIR": str(out / "data"),
        "DOCPROC_OCR_CACHE_DIR": str(ocr_cache),
    }
    subprocess.run([sys.executable, "-m", "docproc.cli", "eval", str(path), "--out", str(out / "eval")],
                   check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    score = Score()
    for truth in sorted(path.glob("*/expected.json")):
        expected = json.loads(truth.read_text(encoding="utf-8"))
        actual_file = out / "eval" / f"{expected['dossier_id']}.json"
        actual = json.loads(actual_file.read_text(encoding="utf-8")) if actual_file.is_file() else {}
        score.add_dossier(expected["dossier_id"], expected, actual)
    return score


def summary(score: Score) -> dict[str, Any]:
    findings: Counter[str] = Counter()
    for stats in score.findings.values():
        findings.update(stats)
    fields: Counter[str] = Counter()
    for stats in score.fields.values():
        fields.update(stats)
    translation = score.fields.get("translation_of", Counter())
    fp, fr, ff = prf(fields["tp"], fields["fp"], fields["fn"])
    gp, gr, gf = prf(findings["tp"], findings["fp"], findings["fn"])
    tp_, tr_, _ = prf(translation["tp"], translation["fp"], translation["fn"])
    return {
        "documents": score.documents,
        "doc_type": round(score.doc_type_accuracy, 4),
        "language": round(score.language_accuracy, 4),
        "field_p": round(fp, 4), "field_r": round(fr, 4), "field_f1": round(ff, 4),
        "field_f1_text": round(score.group_f1("text"), 4), "field_f1_scan": round(score.group_f1("scan"), 4),
        "finding_p": round(gp, 4), "finding_r": round(gr, 4), "finding_f1": round(gf, 4),
        "findings": findings["tp"] + findings["fn"],
        "translation_of_p": round(tp_, 4), "translation_of_r": round(tr_, 4),
        "translations": translation["tp"] + translation["fn"],
        # field F1 per language and per file format of the documents (group -> [F1, support])
        "field_f1_by": {
            g: [round(score.group_f1(g), 4), score.fields_by_group[g]["tp"] + score.fields_by_group[g]["fn"]]
            for g in sorted(score.fields_by_group)
            if ":" in g
        },
    }


def table(rows: dict[str, dict[str, Any]]) -> str:
    head = (f"{'family held out':24s} {'docs':>5s} {'type':>6s} {'lang':>6s} {'field F1':>8s} {'text':>6s} "
            f"{'scans':>6s} {'find P':>6s} {'find R':>6s} {'find F1':>7s} {'transl P/R':>11s}")
    lines = [head]
    for name, r in rows.items():
        lines.append(
            f"{name:24s} {r['documents']:5d} {r['doc_type']:6.3f} {r['language']:6.3f} {r['field_f1']:8.3f} "
            f"{r['field_f1_text']:6.3f} {r['field_f1_scan']:6.3f} {r['finding_p']:6.3f} {r['finding_r']:6.3f} "
            f"{r['finding_f1']:7.3f} {r['translation_of_p']:5.2f}/{r['translation_of_r']:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m learn.lofo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", action="append", default=[], required=True, help="NAME=PATH of a family")
    ap.add_argument("--out", type=Path, default=Path("var/lofo"))
    ap.add_argument("--only", action="append", default=[], help="hold out only these families")
    ap.add_argument("--ocr-cache", type=Path, default=Path("var/cache/ocr"))
    args = ap.parse_args(argv)
    families = parse_family_args(args.family)
    rows: dict[str, dict[str, Any]] = {}
    for name, path in families:
        if args.only and name not in args.only:
            continue
        # A family of several sets (two seeds of one generator) is held out whole and each set is scored apart.
        key = name if sum(n == name for n, _ in families) == 1 else f"{name}:{path.name}"
        out = args.out.resolve() / key.replace(":", "_")
        train_models([(n, p.resolve()) for n, p in families if n != name], out / "models")
        score = evaluate_family(name, path.resolve(), out / "models", out, args.ocr_cache.resolve())
        rows[key] = summary(score)
        (out / "score.txt").write_text(score.table() + "\n", encoding="utf-8")
        print(table({key: rows[key]}).splitlines()[1], file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lofo.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
