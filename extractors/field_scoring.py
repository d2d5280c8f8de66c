"""Scoring candidates per field with a model learned on other layout families; joint choice of the amounts.

The second half of "candidates + scoring" (``extractors/candidates.py`` generates, ``candidate_features.py``
describes). For each field a linear model (logistic regression over standardised features, trained by
``python -m learn fields train``; shipped as JSON in ``extractors/models/``) gives every candidate of the field's type
a calibrated probability of being the field's value. The label-and-place readers of ``header.py``, ``amounts.py``
and ``references.py`` take part as evidence (``rule.*`` features: does the candidate equal what they read?), not as
the final word: on a layout they know they agree with the model; on one they do not know, the neighbourhood
features carry the choice.

The amounts are chosen together: (without VAT, VAT, total) triples that add up score above readings that do not.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
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
from extractors.candidates import Candidate, CandidateKind, all_candidates
from extractors.found import Found
from extractors.view import DocView
from models.domain import Amounts, ContractRef, DocType, DocumentExtraction, ExtractedValue

MODEL_DIR = Path(__file__).with_name("models")
FIELD_MODEL_FILE = "fields.json"
# Where a leave-one-family-out run points the extractors at a model trained without the family it scores.
MODEL_DIR_ENV = "DOCPROC_EXTRACTOR_MODEL_DIR"

RULE_FEATURES = ("rule.this", "rule.other", "rule.none")
# A value that is not printed but follows from the others (VAT 0 where none is stated) is believed a little less.
DERIVED_CONFIDENCE = 0.85


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: CandidateKind
    doc_types: frozenset[DocType]


_REFERENCING = frozenset({DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE, DocType.WORK_REPORT})
_NUMBERED = frozenset({DocType.CONTRACT, DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE,
                       DocType.APPLICATION_FORM, DocType.WORK_REPORT})
_DATED = frozenset(t for t in DocType if t not in (DocType.UNKNOWN, DocType.TRANSLATION))
_MONEY = frozenset({DocType.APPLICATION_FORM, DocType.PAYMENT_ORDER, DocType.CONTRACT, DocType.ACT_OF_WORK,
                    DocType.INVOICE})

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("number", "number", _NUMBERED),
    FieldSpec("date", "date", _DATED),
    FieldSpec("ref_number", "number", _REFERENCING),
    FieldSpec("ref_date", "date", _REFERENCING),
    FieldSpec("total", "amount", _MONEY),
    FieldSpec("vat", "amount", _MONEY),
    FieldSpec("net", "amount", _MONEY),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def field_feature_names() -> tuple[str, ...]:
    return FEATURES.names + RULE_FEATURES


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


def field_rows(view: DocView, doc_type: DocType, title_line: int | None, rules: dict[str, Any],
               matcher: LabelMatcher | None = None) -> dict[str, FieldRows]:
    """Candidates and feature rows for every field that applies to ``doc_type``."""
    ctx = DocContext(view, doc_type, title_line, all_candidates(view), matcher or default_matcher())
    per_kind: dict[CandidateKind, tuple[list[Candidate], np.ndarray]] = {}
    out: dict[str, FieldRows] = {}
    for spec in FIELDS:
        if doc_type not in spec.doc_types:
            continue
        if spec.kind not in per_kind:
            per_kind[spec.kind] = candidate_features(ctx, spec.kind)
        cands, base = per_kind[spec.kind]
        extra = np.zeros((len(cands), len(RULE_FEATURES)))
        this = normalise_field_value(spec, rules.get(spec.name))
        others = [normalise_field_value(FIELD_BY_NAME[n], v) for n, v in rules.items()
                  if n != spec.name and FIELD_BY_NAME[n].kind == spec.kind and v is not None]
        for i, c in enumerate(cands):
            key = candidate_key(c)
            extra[i, 0] = float(this is not None and key == this)
            extra[i, 1] = float(key in others)
            extra[i, 2] = float(this is None)
        out[spec.name] = FieldRows(spec, cands, np.hstack([base, extra]) if len(cands) else
                                   np.zeros((0, len(field_feature_names()))))
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


def model_dir() -> Path:
    return Path(os.environ.get(MODEL_DIR_ENV) or MODEL_DIR)


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
        scored[name] = (fr, lin.probabilities(fr.rows))
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


def _ranked(fr: FieldRows, probs: np.ndarray) -> list[tuple[float, float, Candidate]]:
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
    for tv, tp, tc in ranked["total"]:
        score = rel("total", tp)
        if score > best_score:
            best_score = score
            best = {"total": Choice(tc, tp), "vat": Choice(None, 1 - _top(ranked["vat"]), 0.0),
                    "net": Choice(tc, tp)}
    for vv, vp, vc in ranked["vat"]:
        for tv, tp, tc in ranked["total"] + [(None, 0.0, None)]:  # type: ignore[list-item]
            for nv, np_, nc in ranked["net"] + [(None, 0.0, None)]:  # type: ignore[list-item]
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


def _top(ranked: list[tuple[float, float, Candidate]]) -> float:
    return ranked[0][1] if ranked else 0.0


# --------------------------------------------------------------------------- applying to an extraction


def apply_field_model(view: DocView, cls: Any, out: DocumentExtraction, model: FieldModel | None = None) -> None:
    """Let the learned scorer choose the scalar fields; where it abstains, what the label readers found stays."""
    model = model or load_field_model()
    if model is None or out.doc_type in (DocType.UNKNOWN, DocType.TRANSLATION):
        return
    rows = field_rows(view, out.doc_type, cls.title_line, rule_values(out))
    if not rows:
        return
    choices = choose(model, rows, out.doc_type)

    def found(name: str) -> ExtractedValue | None:
        ch = choices.get(name)
        if ch is None:
            return None
        if ch.candidate is None:
            if ch.value is None:
                return None
            # Derived (VAT 0 where none is stated, a member computed from the other two): no place on the page.
            return ExtractedValue(value=ch.value, raw=None, confidence=round(ch.probability * DERIVED_CONFIDENCE, 3))
        c = ch.candidate
        return Found(value=c.value, raw=c.raw, words=c.words, factor=ch.probability).to_value()

    number, date = found("number"), found("date")
    if number is not None:
        out.number = number
    if date is not None:
        out.date = date
    ref_number, ref_date = found("ref_number"), found("ref_date")
    if ref_number is not None or ref_date is not None:
        ref = out.contract_ref or ContractRef()
        out.contract_ref = ContractRef(number=ref_number or ref.number, date=ref_date or ref.date)
    total, vat, net = found("total"), found("vat"), found("net")
    if total is not None or vat is not None or net is not None:
        a = out.amounts or Amounts()
        a.total = total or a.total
        a.vat = vat or a.vat
        a.amount_without_vat = net or a.amount_without_vat
        out.amounts = a
