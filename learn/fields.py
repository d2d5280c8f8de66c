"""Train the field scorer and measure it leaving one family out.

    python -m learn.fields dataset --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b ...
    python -m learn.fields lofo    --family ...        # per family held out: field P/R/F1, model vs label readers
    python -m learn.fields train   --family ... [--out extractors/models]

Every document is read by the pipeline (``learn.corpus``), classified, read by the label-and-place readers (their
values become the ``rule.*`` features), and its candidates are labelled by the ground truth: a candidate is positive
for a field when its value equals the field's value in expected.json (the corpus scorer's normalisation). Features
are cached per family in ``var/learn/rows``; ``--refresh`` builds them again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from docproc.scoring import n_amount, n_date, n_number
from extractors.classify import classify
from extractors.document import extract_document
from extractors.field_scoring import (
    FIELD_BY_NAME,
    FIELD_MODEL_FILE,
    FIELDS,
    FieldModel,
    FieldRows,
    LinearField,
    choose,
    field_feature_names,
    field_rows,
    fill_policy,
    label_evidence,
    rule_values,
)
from extractors.view import DocView
from foundation.settings import Settings
from learn.corpus import LabelledDocument, load_family, parse_family_args
from models.domain import DocType

ROWS_DIR = Path("var/learn/rows")
FEATURE_SET_VERSION = 7
# Thresholds maximise F-beta with beta = 0.5 (beta² = 0.25): a wrong value filled in costs more than one left empty.
BETA2 = 0.25


@dataclass
class DocRows:
    """One document's candidates for every field, labelled, with what the rules and the truth say."""

    family: str
    dossier: str
    file: str
    fmt: str | None
    doc_type: DocType
    truth: dict[str, str | None]  # field -> normalised truth (scorer's normalisation)
    rules: dict[str, str | None]  # field -> normalised rule value
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)  # candidate values, normalised like truth
    labels: dict[str, np.ndarray] = field(default_factory=dict)


def _truth(doc: dict[str, Any]) -> dict[str, str | None]:
    amounts = doc.get("amounts") or {}
    ref = doc.get("contract_ref") or {}
    return {
        "number": n_number(doc.get("number")),
        "date": n_date(doc.get("date")),
        "ref_number": n_number(ref.get("number")),
        "ref_date": n_date(ref.get("date")),
        "total": n_amount(amounts.get("total")),
        "vat": n_amount(amounts.get("vat")),
        "net": n_amount(amounts.get("amount_without_vat")),
    }


def _norm(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if kind == "number":
        return n_number(value)
    if kind == "date":
        return n_date(value.isoformat() if isinstance(value, dt.date) else value)
    if kind == "amount":
        return n_amount(value)
    return str(value)


def document_rows(doc: LabelledDocument) -> DocRows:
    view = DocView(doc.text)
    extraction = extract_document(doc.text, use_field_model=False)
    cls = classify(view) if view.lines else None
    rules = rule_values(extraction)
    spec_kind = {f.name: f.kind for f in FIELDS}
    out = DocRows(doc.family, doc.dossier, doc.file, doc.outcome.extraction.file_format, extraction.doc_type,
                  _truth(doc.truth),
                  {k: _norm(spec_kind[k], v) for k, v in rules.items()})
    if cls is None or not view.lines:
        return out
    per_field = field_rows(view, extraction.doc_type, cls.title_line)
    for name, fr in per_field.items():
        keys = [_norm(fr.spec.kind, c.value) or "" for c in fr.candidates]
        out.rows[name] = fr.rows.astype(np.float32)
        out.keys[name] = keys
        truth = out.truth.get(name)
        out.labels[name] = np.array([truth is not None and k == truth for k in keys], dtype=bool)
    return out


def family_rows(name: str, root: Path, settings: Settings, refresh: bool = False) -> list[DocRows]:
    cache = ROWS_DIR / f"{name}-{root.resolve().name}.v{FEATURE_SET_VERSION}.pkl"
    if cache.is_file() and not refresh:
        with cache.open("rb") as fh:
            cached = pickle.load(fh)
        if cached.get("features") == list(field_feature_names()):
            return cached["docs"]
    t0 = time.time()
    dossiers = load_family(name, root, settings, jobs=2)
    # A translation's fields are cleared when the dossier pairs it with its original (``link_translations``): it
    # has no fields of its own to learn or to score.
    docs = [document_rows(d) for ds in dossiers for d in ds.documents if d.truth.get("doc_type") != "translation"]
    ROWS_DIR.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as fh:
        pickle.dump({"features": list(field_feature_names()), "docs": docs}, fh)
    print(f"{name}: {len(docs)} documents, features in {time.time() - t0:.1f} s", file=sys.stderr)
    return docs


# --------------------------------------------------------------------------- training


def fit(docs: list[DocRows], c_value: float = 0.5) -> FieldModel:
    from sklearn.linear_model import LogisticRegression

    names = field_feature_names()
    fields: dict[str, LinearField] = {}
    for spec in FIELDS:
        xs = [d.rows[spec.name] for d in docs if spec.name in d.rows and len(d.rows[spec.name])]
        ys = [d.labels[spec.name] for d in docs if spec.name in d.rows and len(d.rows[spec.name])]
        if not xs:
            continue
        x = np.vstack(xs).astype(np.float64)
        y = np.concatenate(ys)
        if y.sum() == 0 or y.sum() == len(y):
            continue
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        clf = LogisticRegression(C=c_value, max_iter=3000)
        clf.fit((x - mean) / scale, y)
        lin = LinearField(mean, scale, clf.coef_[0], float(clf.intercept_[0]), 0.5)
        lin.threshold = _best_threshold(spec.name, lin, docs)
        fields[spec.name] = lin
    return FieldModel(names, fields, {"families": sorted({d.family for d in docs}), "C": c_value,
                                      "trained": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})


def _best_threshold(name: str, lin: LinearField, docs: list[DocRows]) -> float:
    """The probability above which filling beats leaving the field empty, by F1 over the training documents where
    the scorer would be asked at all (the label readers left the field empty: ``fill_policy``)."""
    best_t, best_f = 0.5, -1.0
    picks = []
    for d in docs:
        if fill_policy(d.rules, {})[name] != "scorer":
            continue
        if name not in d.rows or not len(d.rows[name]):
            picks.append((0.0, False, d.truth.get(name) is not None))
            continue
        rows = d.rows[name].astype(np.float64)
        p = lin.probabilities(rows) * label_evidence(FieldRows(FIELD_BY_NAME[name], [], rows))
        i = int(np.argmax(p))
        picks.append((float(p[i]), bool(d.labels[name][i]), d.truth.get(name) is not None))
    for t in np.arange(0.1, 0.96, 0.05):
        tp = sum(1 for p, ok, _ in picks if p >= t and ok)
        fp = sum(1 for p, ok, _ in picks if p >= t and not ok)
        fn = sum(1 for p, ok, has in picks if has and not (p >= t and ok))
        f = (1 + BETA2) * tp / max(1, (1 + BETA2) * tp + BETA2 * fn + fp)
        if f > best_f:
            best_t, best_f = float(t), f
    return round(best_t, 2)


# --------------------------------------------------------------------------- evaluation


def evaluate(model: FieldModel, docs: list[DocRows], abstain_keeps_rule: bool = True,
             fill_only: bool = False) -> dict[str, Counter[str]]:
    """Document-level outcomes per field for the model's choices and for the label readers' values."""
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    for d in docs:
        chosen = _decide(model, d, abstain_keeps_rule)
        if fill_only:
            sources = fill_policy(d.rules, chosen)
            chosen = {k: (d.rules.get(k) if sources[k] == "readers" else chosen.get(k)) for k in sources}
        for spec in FIELDS:
            truth = d.truth.get(spec.name)
            for who, value in (("model", chosen.get(spec.name)), ("rules", d.rules.get(spec.name))):
                s = stats[f"{who}.{spec.name}"]
                if value is not None and value == truth:
                    s["tp"] += 1
                else:
                    s["fp"] += int(value is not None)
                    s["fn"] += int(truth is not None)
    return stats


def _decide(model: FieldModel, d: DocRows, abstain_keeps_rule: bool) -> dict[str, str | None]:
    rows = {}
    for name, x in d.rows.items():
        fake = [_KeyCandidate(k) for k in d.keys[name]]
        rows[name] = FieldRows(FIELD_BY_NAME[name], fake, x.astype(np.float64))  # type: ignore[arg-type]
    choices = choose(model, rows, d.doc_type)
    out: dict[str, str | None] = {}
    for spec in FIELDS:
        ch = choices.get(spec.name)
        if ch is not None and ch.candidate is not None:
            out[spec.name] = ch.candidate.key  # type: ignore[attr-defined]
        elif ch is not None and ch.value is not None:
            out[spec.name] = _norm(spec.kind, ch.value)
        elif abstain_keeps_rule or spec.name not in d.rows:
            out[spec.name] = d.rules.get(spec.name)
        else:
            out[spec.name] = None
    return out


@dataclass
class _KeyCandidate:
    """Stands in for a Candidate when deciding from cached rows (only the value is needed)."""

    key: str

    @property
    def value(self) -> float:
        try:
            return float(self.key)
        except ValueError:
            return 0.0


def prf(s: Counter[str]) -> tuple[float, float, float]:
    tp, fp, fn = s["tp"], s["fp"], s["fn"]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def report(title: str, stats: dict[str, Counter[str]]) -> str:
    lines = [title, f"  {'field':12s} {'rules P/R/F1':>20s}   {'model P/R/F1':>20s}"]
    tot: dict[str, Counter[str]] = {"model": Counter(), "rules": Counter()}
    for spec in FIELDS:
        parts = []
        for who in ("rules", "model"):
            s = stats.get(f"{who}.{spec.name}", Counter())
            tot[who].update(s)
            p, r, f = prf(s)
            parts.append(f"{p:.3f}/{r:.3f}/{f:.3f}")
        lines.append(f"  {spec.name:12s} {parts[0]:>20s}   {parts[1]:>20s}")
    pr, pm = prf(tot["rules"]), prf(tot["model"])
    lines.append(f"  {'ALL':12s} {pr[0]:.3f}/{pr[1]:.3f}/{pr[2]:.3f}   {pm[0]:.3f}/{pm[1]:.3f}/{pm[2]:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m learn.fields", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["dataset", "lofo", "train"])
    ap.add_argument("--family", action="append", default=[], help="NAME=PATH of a family of dossiers")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "extractors" / "models")
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--C", type=float, default=0.5)
    ap.add_argument("--model-only", action="store_true", help="an abstaining model leaves the field empty")
    ap.add_argument("--override", action="store_true",
                    help="(comparison) the scorer's choice wins over the label readers' (default: it only fills gaps)")
    ap.add_argument("--exclude", action="append", default=[], help="families left out of `train`")
    args = ap.parse_args(argv)
    settings = Settings(data_dir=Path("var/learn"), ocr_cache_dir=Path("/work/cache/ocr"))
    families: dict[str, list[DocRows]] = {}
    for name, path in parse_family_args(args.family):  # two folders under one name are one family (two seeds)
        rows = family_rows(name, path, settings, args.refresh)
        for d in rows:
            d.family = name
        families.setdefault(name, []).extend(rows)
    if args.command == "dataset":
        for name, docs in families.items():
            n = sum(len(x) for d in docs for x in d.rows.values())
            print(f"{name}: {len(docs)} documents, {n} candidate rows")
        return 0
    if args.command == "lofo":
        for held, held_docs in families.items():
            train = [d for name, docs in families.items() if name != held for d in docs]
            model = fit(train, args.C)
            print(report(f"held out: {held} (trained on {', '.join(n for n in families if n != held)})",
                         evaluate(model, held_docs, not args.model_only, not args.override)))
        return 0
    train = [d for name, docs in families.items() if name not in args.exclude for d in docs]
    model = fit(train, args.C)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / FIELD_MODEL_FILE
    target.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {target} (trained on {', '.join(model.meta['families'])})")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``python -m learn fields dataset|lofo|train …`` (the same as ``python -m learn.fields …``)."""
    parser = commands.add_parser("fields", help="the field scorer: dataset, leave-one-family-out, train",
                                 add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    parser.set_defaults(run=lambda args: main(args.rest))


if __name__ == "__main__":
    # Run the importable module's main, so that cached rows pickle as learn.fields.DocRows, not __main__.DocRows.
    from learn.fields import main as _main

    raise SystemExit(_main())
