"""Features of a candidate that do not depend on one layout: label similarity of its neighbourhood, geometry,
typography, the value's own shape and validity, and how it relates to the document's other values.

Every feature is a number in a fixed order (``FeatureSpace.names``) so that a linear scorer can be trained on one set
of families and applied to another. Label similarity goes through a ``LabelMatcher``: the field lexicon's matcher
when it is available, else the vocabulary's label patterns.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from extractors.candidates import Candidate, CandidateKind, Neighbourhood, neighbourhood
from extractors.identifiers import is_valid_bin
from extractors.lexicon import LexiconMatcher, lexicon
from extractors.values import currency_near
from extractors.view import DocView
from extractors.vocabulary import vocabulary
from models.domain import DocType

# Labels whose similarity to a candidate's neighbourhood is measured: the vocabulary's label patterns (what the
# label readers know) and the multilingual lexicon's fields (fuzzy, OCR-tolerant phrases in eight languages).
VOCABULARY_LABELS: tuple[str, ...] = (
    "number", "date", "date_excluded", "payer", "beneficiary", "customer", "supplier", "employer", "employee",
    "applicant", "bin", "iban", "bic", "knp", "purpose", "amount_words", "payment_amount", "total",
    "contract_price", "vat", "vat_inclusive", "without_vat_marker", "without_vat", "vat_free", "claimed_costs",
    "contract_basis", "contract", "period", "payroll_accrued", "payroll_withheld", "payroll_net", "payroll_total_row",
)
LEXICON_FIELDS: tuple[str, ...] = lexicon().fields
LABELS: tuple[str, ...] = tuple(f"voc.{n}" for n in VOCABULARY_LABELS) + tuple(f"lex.{n}" for n in LEXICON_FIELDS)
CONTEXTS: tuple[str, ...] = ("left", "cell_before", "above", "heading", "line_start")
DOC_TYPES: tuple[DocType, ...] = tuple(t for t in DocType if t != DocType.UNKNOWN)
VAT_RATES = (0.12, 0.16, 0.2, 0.19, 0.1, 0.05)
RELATION_TOLERANCE = 0.011  # amounts related by a sum or a VAT rate agree to about a kopeck

_RANGE_BEFORE = re.compile(r"(?:\bс|\bот|\bfrom|\bvom|\bdu|\bvan|\bbastap|бастап|\bпо|\bдо|\bto|\bbis|\bau|\btot|[-–—])\s*$",
                           re.IGNORECASE)
_OT_BEFORE = re.compile(r"(?:\bот|dated|\bof|\bvom|\bdu|жылғы|\bd\.)\s*[«\"]?\s*$", re.IGNORECASE)
_RANGE_AFTER = re.compile(r"^\s*(?:по|до|to|till|until|bis|au|tot|[-–—]|бастап|дейін)", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"^\s*%")
_LETTER = re.compile(r"[^\W\d_]")


class LabelMatcher(Protocol):
    names: tuple[str, ...]

    def scores(self, text: str, anchored_end: bool) -> tuple[float, ...]:
        """Similarity of ``text`` to each label in ``names``, in [0, 1]; ``anchored_end``: a label counts more the
        nearer it ends to the end of ``text`` (the value follows it)."""
        ...


class VocabularyMatcher:
    """Label similarity from vocabulary.yaml's label patterns: 1 for a match, fading with its distance to the value."""

    def __init__(self, names: tuple[str, ...] = VOCABULARY_LABELS) -> None:
        self.names = names
        voc = vocabulary()
        self._patterns = [voc.label(n) for n in names]

    @lru_cache(maxsize=4096)  # noqa: B019 - one matcher per process; the cache is the point
    def scores(self, text: str, anchored_end: bool) -> tuple[float, ...]:
        if not text:
            return (0.0,) * len(self.names)
        out = []
        n = len(text)
        for pattern in self._patterns:
            best = 0.0
            for m in pattern.finditer(text):
                if not anchored_end:
                    best = 1.0
                    break
                gap = n - m.end()
                best = max(best, 1.0 / (1.0 + gap / 12.0))
            out.append(best)
        return tuple(out)


class CombinedMatcher:
    """The vocabulary's patterns and the lexicon's fuzzy phrases side by side (``LABELS`` order)."""

    def __init__(self) -> None:
        self.names = LABELS
        self._vocabulary = VocabularyMatcher()
        self._lexicon = LexiconMatcher()

    def scores(self, text: str, anchored_end: bool) -> tuple[float, ...]:
        return self._vocabulary.scores(text, anchored_end) + tuple(self._lexicon.scores(text, anchored_end))


@dataclass(frozen=True)
class FeatureSpace:
    names: tuple[str, ...]

    def index(self, name: str) -> int:
        return self.names.index(name)


def _names() -> tuple[str, ...]:
    names = [f"label.{ctx}.{lab}" for ctx in CONTEXTS for lab in LABELS]
    names += [f"doc.{t.value}" for t in DOC_TYPES]
    names += [
        "doc.ocr", "doc.pages_log",
        "pos.first_page", "pos.last_page", "pos.page_rel", "pos.y", "pos.x0", "pos.x1", "pos.line_rel",
        "pos.top_band", "pos.bottom_band", "pos.title_line", "pos.near_title", "pos.after_title",
        "type.height_ratio", "type.caps_line", "type.ocr_conf", "type.cell_alone", "type.line_words_log",
        "ctx.colon_before", "ctx.sign_before", "ctx.percent_after", "ctx.currency_adjacent", "ctx.ot_before",
        "ctx.range_before", "ctx.range_after", "ctx.left_empty", "ctx.above_empty",
        "val.count_log", "val.first_occurrence", "val.rank_rel", "val.is_first", "val.is_last",
        "date.textual", "date.is_latest", "date.is_earliest", "date.years_from_latest",
        "amt.log", "amt.kopecks", "amt.is_max", "amt.rank_desc_rel", "amt.is_sum", "amt.is_part",
        "amt.is_vat_of", "amt.has_vat_part", "amt.is_net_of", "amt.round_thousand",
        "num.signed", "num.letters", "num.separators", "num.digits_log", "num.pure_digits", "num.year_like",
        "num.length_log",
        "bin.valid",
        "bias",
    ]
    return tuple(names)


FEATURES = FeatureSpace(_names())


@dataclass
class DocContext:
    """What the features of one document's candidates share: its view, type, title line and candidates."""

    view: DocView
    doc_type: DocType
    title_line: int | None
    candidates: dict[CandidateKind, list[Candidate]]
    matcher: LabelMatcher


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _related(value: float, others: Sequence[float]) -> dict[str, bool]:
    """How an amount relates to the document's other amounts: a sum of two, a part of one, a VAT share."""
    tol = max(RELATION_TOLERANCE, 1e-6 * value)
    vals = [o for o in others if o > 0]
    is_sum = is_part = is_vat_of = has_vat_part = is_net_of = False
    small = [o for o in vals if o < value]
    sset = sorted(small)
    for i, a in enumerate(sset):
        for b in sset[i:]:
            if abs(a + b - value) <= tol:
                is_sum = True
                break
        if is_sum:
            break
    for o in vals:
        if o > value and any(abs(value + b - o) <= tol for b in vals if b < o):
            is_part = True
        for r in VAT_RATES:
            if abs(o * r / (1 + r) - value) <= tol + 0.01 or abs(o * r - value) <= tol + 0.01:
                is_vat_of = True
            if abs(value * r / (1 + r) - o) <= tol + 0.01:
                has_vat_part = True
            if abs(value * r - o) <= tol + 0.01:
                is_net_of = True
    return {"is_sum": is_sum, "is_part": is_part, "is_vat_of": is_vat_of, "has_vat_part": has_vat_part,
            "is_net_of": is_net_of}


def candidate_features(ctx: DocContext, kind: CandidateKind) -> tuple[list[Candidate], np.ndarray]:
    """Feature rows of every candidate of ``kind`` (rows in ``FEATURES.names`` order)."""
    cands = ctx.candidates.get(kind, [])
    rows = np.zeros((len(cands), len(FEATURES.names)), dtype=np.float64)
    if not cands:
        return cands, rows
    view = ctx.view
    idx = {n: i for i, n in enumerate(FEATURES.names)}
    label_offset = {c: CONTEXTS.index(c) * len(LABELS) for c in CONTEXTS}
    pages = view.pages
    counts = Counter(_key(c) for c in cands)
    seen: set[object] = set()
    amounts = sorted({c.value for c in ctx.candidates.get("amount", [])}, reverse=True)
    dates = [c.value for c in ctx.candidates.get("date", [])]
    latest, earliest = (max(dates), min(dates)) if dates else (None, None)
    relation_cache: dict[float, dict[str, bool]] = {}
    doc_row = np.zeros(len(FEATURES.names))
    if ctx.doc_type in DOC_TYPES:
        doc_row[idx[f"doc.{ctx.doc_type.value}"]] = 1.0
    doc_row[idx["doc.ocr"]] = float(view.doc.needed_ocr)
    doc_row[idx["doc.pages_log"]] = math.log1p(len(pages))
    doc_row[idx["bias"]] = 1.0
    median_h = view.median_height or 1.0
    for r, c in enumerate(cands):
        row = rows[r]
        row[:] = doc_row
        nb: Neighbourhood = neighbourhood(view, c)
        for name, text, anchored in (
            ("left", nb.left, True), ("cell_before", nb.cell_before, True), ("above", nb.above, True),
            ("heading", nb.heading, False), ("line_start", nb.line_start, False),
        ):
            sims = ctx.matcher.scores(text, anchored)
            base = label_offset[name]
            row[base : base + len(LABELS)] = sims
        line = c.line
        page_pos = pages.index(line.page) if line.page in pages else 0
        row[idx["pos.first_page"]] = float(page_pos == 0)
        row[idx["pos.last_page"]] = float(page_pos == len(pages) - 1)
        row[idx["pos.page_rel"]] = page_pos / max(1, len(pages) - 1)
        ph = line.page_height or 1.0
        pw = line.page_width or 1.0
        row[idx["pos.y"]] = line.top / ph
        row[idx["pos.x0"]] = c.x0 / pw
        row[idx["pos.x1"]] = c.x1 / pw
        page_lines = view.page_lines(line.page) if len(pages) > 1 else view.lines
        row[idx["pos.line_rel"]] = line.line_on_page / max(1, len(page_lines))
        row[idx["pos.top_band"]] = float(line.top / ph < 0.2)
        row[idx["pos.bottom_band"]] = float(line.top / ph > 0.75)
        if ctx.title_line is not None:
            d = line.index - ctx.title_line
            row[idx["pos.title_line"]] = float(d == 0)
            row[idx["pos.near_title"]] = float(abs(d) <= 2)
            row[idx["pos.after_title"]] = float(0 < d <= 6)
        row[idx["type.height_ratio"]] = min(3.0, line.height / median_h)
        row[idx["type.caps_line"]] = float(_caps(line.text))
        row[idx["type.ocr_conf"]] = min((w.word.confidence for w in c.words), default=1.0)
        seg_first, seg_last = line.segment_of(c.first_pos)
        row[idx["type.cell_alone"]] = float(seg_first == c.first_pos and seg_last == c.last_pos + 1)
        row[idx["type.line_words_log"]] = math.log1p(len(line.words))
        before = line.text[: c.start - line.start]
        after = line.text[c.end - line.start :]
        row[idx["ctx.colon_before"]] = float(before.rstrip().endswith((":", "：")))
        row[idx["ctx.sign_before"]] = float(bool(re.search(r"(?:№|No\.?|Nr\.?|N°|n°|#)\s*[:：]?\s*$", before)))
        row[idx["ctx.percent_after"]] = float(bool(_PERCENT_AFTER.match(after)))
        row[idx["ctx.currency_adjacent"]] = float(currency_near(line.text, c.start - line.start,
                                                                c.end - line.start, window=8) is not None)
        row[idx["ctx.ot_before"]] = float(bool(_OT_BEFORE.search(before)))
        row[idx["ctx.range_before"]] = float(bool(_RANGE_BEFORE.search(before)))
        row[idx["ctx.range_after"]] = float(bool(_RANGE_AFTER.match(after)))
        row[idx["ctx.left_empty"]] = float(not nb.left and not nb.cell_before)
        row[idx["ctx.above_empty"]] = float(not nb.above)
        key = _key(c)
        row[idx["val.count_log"]] = math.log1p(counts[key])
        row[idx["val.first_occurrence"]] = float(key not in seen)
        seen.add(key)
        row[idx["val.rank_rel"]] = r / max(1, len(cands) - 1)
        row[idx["val.is_first"]] = float(r == 0)
        row[idx["val.is_last"]] = float(r == len(cands) - 1)
        if kind == "date":
            row[idx["date.textual"]] = float(bool(c.info.get("textual")))
            row[idx["date.is_latest"]] = float(c.value == latest)
            row[idx["date.is_earliest"]] = float(c.value == earliest)
            if latest is not None:
                row[idx["date.years_from_latest"]] = min(5.0, (latest - c.value).days / 365.0)
        elif kind == "amount":
            v = float(c.value)
            row[idx["amt.log"]] = math.log10(max(v, 1.0))
            row[idx["amt.kopecks"]] = float(bool(c.info.get("kopecks")))
            row[idx["amt.is_max"]] = float(bool(amounts) and v == amounts[0])
            row[idx["amt.rank_desc_rel"]] = (amounts.index(v) / max(1, len(amounts) - 1)) if v in amounts else 1.0
            rel = relation_cache.get(v)
            if rel is None:
                rel = relation_cache[v] = _related(v, amounts)
            for name in ("is_sum", "is_part", "is_vat_of", "has_vat_part", "is_net_of"):
                row[idx[f"amt.{name}"]] = float(rel[name])
            row[idx["amt.round_thousand"]] = float(v >= 1000 and v % 1000 == 0)
        elif kind == "number":
            token = str(c.value)
            digits = sum(ch.isdigit() for ch in token)
            row[idx["num.signed"]] = float(bool(c.info.get("signed")))
            row[idx["num.letters"]] = float(bool(_LETTER.search(token)))
            row[idx["num.separators"]] = float(bool(re.search(r"[-/.]", token)))
            row[idx["num.digits_log"]] = math.log1p(digits)
            row[idx["num.pure_digits"]] = float(token.isdigit())
            row[idx["num.year_like"]] = float(bool(re.fullmatch(r"(?:19|20)\d\d", token)))
            row[idx["num.length_log"]] = math.log1p(len(token))
        elif kind == "bin":
            row[idx["bin.valid"]] = float(is_valid_bin(str(c.value)))
    return cands, rows


def _key(c: Candidate) -> object:
    return (c.kind, c.value)
