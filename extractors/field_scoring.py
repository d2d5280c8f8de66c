"""Scoring candidates per field with a model learned on other layout families; joint choice of the amounts.

The second half of "candidates + scoring" (``extractors/candidates.py`` generates, ``candidate_features.py``
describes). For each field a linear model (logistic regression over standardised features, trained by
``python -m learn.fields train``; shipped as JSON in ``extractors/models/``) gives every candidate of the field's type
a calibrated probability of being the field's value; the amounts are chosen together, so that a (without VAT, VAT,
total) reading that adds up scores above one that does not.

How it joins the label readers (``header.py``, ``amounts.py``, ``references.py``) was decided by leaving families
out (``python -m learn.fields lofo``, docs/ACCURACY.md): where the readers find a value they keep it (their precision
on layouts they know is higher than the scorer's), and where they find none the scorer fills the field from the
candidates — which is where an unseen layout loses recall. The scorer is trained without any feature of what the
readers found: trained on families the readers were tuned on, such a feature would only teach it to give up wherever
the readers do.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from extractors.candidate_features import (
    FEATURES,
    CombinedMatcher,
    DocContext,
    LabelMatcher,
    candidate_features,
)
from extractors.candidates import Candidate, CandidateKind, Candidates
from extractors.found import Found
from extractors.model_files import model_dir
from extractors.view import DocView
from models.domain import Amounts, ContractRef, DocType, DocumentExtraction, ExtractedValue

FIELD_MODEL_FILE = "fields.json"

# A value that is not printed but follows from the others (VAT 0 where none is stated) is believed a little less.
DERIVED_CONFIDENCE = 0.85


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: CandidateKind
    doc_types: frozenset[DocType]
    # Labels (candidate feature label names) that name this field: a value the scorer fills in must stand by one
    # of them (left of it, in the cell before, above it) or, for numbers and dates, on the title line.
    labels: tuple[str, ...] = ()
    title_counts: bool = False


_REFERENCING = frozenset({DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE, DocType.WORK_REPORT})
_NUMBERED = frozenset({DocType.CONTRACT, DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE,
                       DocType.APPLICATION_FORM, DocType.WORK_REPORT})
_DATED = frozenset(t for t in DocType if t not in (DocType.UNKNOWN, DocType.TRANSLATION))
_MONEY = frozenset({DocType.APPLICATION_FORM, DocType.PAYMENT_ORDER, DocType.CONTRACT, DocType.ACT_OF_WORK,
                    DocType.INVOICE})

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("number", "number", _NUMBERED, ("voc.number", "lex.doc_number"), title_counts=True),
    FieldSpec("date", "date", _DATED, ("voc.date", "lex.doc_date"), title_counts=True),
    FieldSpec("ref_number", "number", _REFERENCING, ("voc.contract", "voc.contract_basis", "lex.contract_ref")),
    FieldSpec("ref_date", "date", _REFERENCING, ("voc.contract", "voc.contract_basis", "lex.contract_ref")),
    FieldSpec("total", "amount", _MONEY, ("voc.total", "voc.payment_amount", "voc.contract_price",
                                          "voc.claimed_costs", "lex.total", "lex.payment_amount")),
    FieldSpec("vat", "amount", _MONEY, ("voc.vat", "voc.vat_inclusive", "lex.vat")),
    FieldSpec("net", "amount", _MONEY, ("voc.without_vat", "voc.without_vat_marker", "lex.amount_without_vat")),
)
# How much a neighbourhood must look like one of the field's labels to count as standing by it.
LABEL_EVIDENCE_MIN = 0.5
# Where a label stands for the value it names.
EVIDENCE_CONTEXTS = ("left", "cell_before", "above", "line_start")
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def field_feature_names() -> tuple[str, ...]:
    return FEATURES.names


# --------------------------------------------------------------------------- reading the rule-based values


def rule_values(ext: DocumentExtraction) -> dict[str, Any]:
    """What the label-and-place readers found, per field, normalised like candidates' values."""
    a = ext.amounts
    ref = ext.contract_ref
    return {
        "number": _norm_number(_v(ext.number)),
        "date": _v(ext.date),
        "ref_number": _norm_number(_v(ref.number)) if ref else None,
        "ref_date": _v(ref.date) if ref else None,
        "total": _norm_amount(_v(a.total)) if a else None,
        "vat": _norm_amount(_v(a.vat)) if a else None,
        "net": _norm_amount(_v(a.amount_without_vat)) if a else None,
    }


def _v(x: ExtractedValue | None) -> Any:
    return None if x is None else x.value


def _norm_number(v: Any) -> str | None:
    if v is None:
        return None
    return "".join(str(v).upper().split()).lstrip("№")


def _norm_amount(v: Any) -> float | None:
    try:
        return None if v is None else round(float(v), 2)
    except (TypeError, ValueError):
        return None


def _norm_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def candidate_key(c: Candidate) -> Any:
    if c.kind == "number":
        return _norm_number(c.value)
    if c.kind == "amount":
        return _norm_amount(c.value)
    return c.value


def normalise_field_value(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "number":
        return _norm_number(value)
    if spec.kind == "amount":
        return _norm_amount(value)
    if spec.kind == "date":
        return _norm_date(value)
    return value


# --------------------------------------------------------------------------- features per field


@dataclass
class FieldRows:
    spec: FieldSpec
    candidates: list[Candidate]
    rows: np.ndarray  # (n, len(field_feature_names()))


def field_rows(view: DocView, doc_type: DocType, title_line: int | None,
               matcher: LabelMatcher | None = None, only: Collection[str] | None = None) -> dict[str, FieldRows]:
    """Candidates and feature rows for every field that applies to ``doc_type`` (or only those named)."""
    ctx = DocContext(view, doc_type, title_line, Candidates(view), matcher or default_matcher())
    per_kind: dict[CandidateKind, tuple[list[Candidate], np.ndarray]] = {}
    out: dict[str, FieldRows] = {}
    for spec in FIELDS:
        if doc_type not in spec.doc_types or only is not None and spec.name not in only:
            continue
        if spec.kind not in per_kind:
            per_kind[spec.kind] = candidate_features(ctx, spec.kind)
        cands, rows = per_kind[spec.kind]
        out[spec.name] = FieldRows(spec, cands, rows)
    return out


@lru_cache(maxsize=1)
def default_matcher() -> LabelMatcher:
    return CombinedMatcher()


# --------------------------------------------------------------------------- the model


@dataclass
class LinearField:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[0] == 0:
            return np.zeros(0)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class FieldModel:
    features: tuple[str, ...]
    fields: dict[str, LinearField]
    meta: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldModel:
        fields = {
            name: LinearField(np.asarray(f["mean"]), np.asarray(f["scale"]), np.asarray(f["coef"]),
                              float(f["intercept"]), float(f["threshold"]))
            for name, f in data["fields"].items()
        }
        return cls(tuple(data["features"]), fields, data.get("meta", {}))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "meta": self.meta,
            "fields": {
                name: {"mean": f.mean.tolist(), "scale": f.scale.tolist(), "coef": f.coef.tolist(),
                       "intercept": f.intercept, "threshold": f.threshold}
                for name, f in self.fields.items()
            },
        }


@lru_cache(maxsize=4)
def _load(path: str) -> FieldModel | None:
    p = Path(path)
    if not p.is_file():
        return None
    model = FieldModel.from_json(json.loads(p.read_text(encoding="utf-8")))
    if model.features != field_feature_names():
        # A model trained on another feature set would score nonsense: better no model than a wrong one.
        return None
    return model


def load_field_model() -> FieldModel | None:
    return _load(str(model_dir() / FIELD_MODEL_FILE))


# --------------------------------------------------------------------------- choosing


@dataclass
class Choice:
    candidate: Candidate | None
    probability: float
    value: Any = None  # set when the value is not a printed candidate (VAT 0 for "без НДС")


def choose(model: FieldModel, rows: dict[str, FieldRows], doc_type: DocType) -> dict[str, Choice]:
    """The best candidate per field above its threshold; the three amounts chosen together."""
    scored: dict[str, tuple[FieldRows, np.ndarray]] = {}
    for name, fr in rows.items():
        lin = model.fields.get(name)
        if lin is None:
            continue
        # A candidate no label names is never filled in, however likely its place makes it (the only sum on an
        # application form may be the revenue, not the claimed costs): the scorer ranks, evidence admits.
        scored[name] = (fr, lin.probabilities(fr.rows) * label_evidence(fr))
    out: dict[str, Choice] = {}
    for name, (fr, probs) in scored.items():
        if fr.spec.kind == "amount":
            continue
        out[name] = _best(fr, probs, model.fields[name].threshold)
    if all(n in scored for n in ("total", "vat", "net")):
        out.update(_choose_amounts(model, {n: scored[n] for n in ("total", "vat", "net")}))
        if doc_type == DocType.APPLICATION_FORM and "total" in out:
            # The application form states claimed costs: no VAT applies, the amount without VAT is that sum.
            out["vat"] = Choice(None, 0.0)
            out["net"] = out["total"]
    return out


def label_evidence(fr: FieldRows) -> np.ndarray:
    """1 for each candidate that stands by one of its field's labels (or on the title line where that counts)."""
    names = FEATURES.names
    cols = [names.index(f"label.{ctx}.{label}") for ctx in EVIDENCE_CONTEXTS for label in fr.spec.labels]
    if not cols or fr.rows.shape[0] == 0:
        return np.ones(fr.rows.shape[0])
    ok = fr.rows[:, cols].max(axis=1) >= LABEL_EVIDENCE_MIN
    if fr.spec.title_counts:
        ok |= fr.rows[:, names.index("pos.near_title")] > 0
    return ok.astype(np.float64)


def _best(fr: FieldRows, probs: np.ndarray, threshold: float) -> Choice:
    if probs.size == 0:
        return Choice(None, 0.0)
    i = int(np.argmax(probs))
    if probs[i] < threshold:
        return Choice(None, float(probs[i]))
    return Choice(fr.candidates[i], float(probs[i]))


# A consistent triple (net + VAT = total) is believed more than its members alone: bonus in log-odds.
TRIPLE_BONUS = 2.0
# A member of the triple computed from the other two, not printed: a small cost in log-odds.
DERIVED_COST = 0.5
TOP_K = 6
AMOUNT_TOLERANCE = 0.011


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


Ranked = list[tuple[float, float, Candidate]]
MaybeRanked = list[tuple[float | None, float, Candidate | None]]


def _ranked(fr: FieldRows, probs: np.ndarray) -> Ranked:
    """(value, probability, candidate) of the best candidate per distinct value, most probable first."""
    best: dict[float, tuple[float, Candidate]] = {}
    for c, p in zip(fr.candidates, probs):
        v = round(float(c.value), 2)
        if v not in best or p > best[v][0]:
            best[v] = (float(p), c)
    return [(v, p, c) for v, (p, c) in sorted(best.items(), key=lambda kv: -kv[1][0])[:TOP_K]]


def _choose_amounts(model: FieldModel, scored: dict[str, tuple[FieldRows, np.ndarray]]) -> dict[str, Choice]:
    """Total, VAT and amount without VAT as one reading of the document's money.

    Two regimes: no VAT stated (VAT 0, without VAT = total) or VAT stated (without VAT + VAT = total, each member
    printed or, at a small cost, derived from the other two). Each member scores its log-odds above its field's
    threshold; a printed triple that adds up earns a bonus, one that does not a penalty.
    """
    thr = {n: model.fields[n].threshold for n in ("total", "vat", "net")}
    ranked = {n: _ranked(*scored[n]) for n in ("total", "vat", "net")}

    def rel(name: str, p: float) -> float:
        return _logit(p) - _logit(thr[name])

    best_score = 0.0  # reading nothing at all scores 0
    best: dict[str, Choice] = {}
    for _, total_p, total_c in ranked["total"]:  # no VAT stated: VAT 0, without VAT = total
        score = rel("total", total_p)
        if score > best_score:
            best_score = score
            best = {"total": Choice(total_c, total_p), "vat": Choice(None, 1 - _top(ranked["vat"]), 0.0),
                    "net": Choice(total_c, total_p)}
    nothing: MaybeRanked = [(None, 0.0, None)]
    totals: MaybeRanked = [*ranked["total"], *nothing]
    nets: MaybeRanked = [*ranked["net"], *nothing]
    for vv, vp, vc in ranked["vat"]:
        for tv, tp, tc in totals:
            for nv, np_, nc in nets:
                if tv is None and nv is None:
                    continue
                score = rel("vat", vp)
                if tv is not None and nv is not None:
                    consistent = abs(nv + vv - tv) <= AMOUNT_TOLERANCE
                    score += rel("total", tp) + rel("net", np_) + (TRIPLE_BONUS if consistent else -TRIPLE_BONUS)
                    choice = {"total": Choice(tc, tp), "vat": Choice(vc, vp), "net": Choice(nc, np_)}
                elif tv is not None:
                    score += rel("total", tp) - DERIVED_COST
                    choice = {"total": Choice(tc, tp), "vat": Choice(vc, vp),
                              "net": Choice(None, min(tp, vp), round(tv - vv, 2))}
                else:
                    assert nv is not None
                    score += rel("net", np_) - DERIVED_COST
                    choice = {"total": Choice(None, min(np_, vp), round(nv + vv, 2)), "vat": Choice(vc, vp),
                              "net": Choice(nc, np_)}
                if score > best_score:
                    best_score, best = score, choice
    return best


def _top(ranked: Ranked) -> float:
    return ranked[0][1] if ranked else 0.0


# --------------------------------------------------------------------------- applying to an extraction


AMOUNT_FIELDS = ("total", "vat", "net")


def fill_policy(readers: dict[str, Any], scored: dict[str, Any]) -> dict[str, str]:
    """Which source each field's value comes from ("readers" or "scorer"), by the measured policy: a field the
    label readers found stays theirs; an empty one is the scorer's; the amounts go together (the readers' reading
    of the money when they found a total or an amount without VAT, else the scorer's)."""
    out = {}
    for spec in FIELDS:
        if spec.name not in AMOUNT_FIELDS:
            out[spec.name] = "readers" if readers.get(spec.name) is not None else "scorer"
    money = "readers" if any(readers.get(n) is not None for n in ("total", "net")) else "scorer"
    out.update({n: money for n in AMOUNT_FIELDS})
    return out


def apply_field_model(view: DocView, cls: Any, out: DocumentExtraction, model: FieldModel | None = None) -> None:
    """Fill the fields the label readers left empty with the scorer's choice among the candidates."""
    model = model or load_field_model()
    if model is None or out.doc_type in (DocType.UNKNOWN, DocType.TRANSLATION):
        return
    readers = rule_values(out)
    missing = [n for n, source in fill_policy(readers, {}).items() if source == "scorer"]
    if not missing:
        return
    rows = field_rows(view, out.doc_type, cls.title_line, only=missing)
    if not rows:
        return
    choices = choose(model, rows, out.doc_type)

    def found(name: str) -> ExtractedValue | None:
        ch = choices.get(name) if name in missing else None
        if ch is None:
            return None
        if ch.candidate is None:
            if ch.value is None:
                return None
            # Derived (VAT 0 where none is stated, a member computed from the other two): no place on the page.
            return ExtractedValue(value=ch.value, raw=None, confidence=round(ch.probability * DERIVED_CONFIDENCE, 3))
        c = ch.candidate
        return Found(value=c.value, raw=c.raw, words=c.words, factor=ch.probability).to_value()

    out.number = out.number or found("number")
    out.date = out.date or found("date")
    ref_number, ref_date = found("ref_number"), found("ref_date")
    if ref_number is not None or ref_date is not None:
        ref = out.contract_ref or ContractRef()
        out.contract_ref = ContractRef(number=ref.number or ref_number, date=ref.date or ref_date)
    total, vat, net = found("total"), found("vat"), found("net")
    if total is not None or net is not None:
        a = out.amounts or Amounts()
        a.total, a.vat, a.amount_without_vat = total, vat, net
        out.amounts = a
