"""Score dossier results against ground truth (the corpus's ``expected.json`` shape).

The same comparison rules as the corpus's scorer (``tools/score.py`` beside the corpus): numbers
upper-cased without spaces and "№", dates as ISO, amounts at 2 decimals, BINs digits only, names
and amount-in-words fuzzy (rapidfuzz ratio ≥ 90). The project ships its own copy because that tool
is not on a user's machine, and because ``docproc eval --expected`` needs more than totals: every
miss and false hit, with the document and the raw text around it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

FILE_CODES = {
    "MISSING_TRANSLATION",
    "VAT_MISCALCULATED",
    "AMOUNT_WORDS_MISMATCH",
    "OUT_OF_PERIOD",
    "PAYMENT_BEFORE_CONTRACT",
    "PARTY_MISMATCH",
    "INVALID_BIN",
    "WRONG_CONTRACT_REFERENCE",
    "PAYROLL_TOTALS_MISMATCH",
}
DOCTYPE_CODES = {"MISSING_DOCUMENT", "AMOUNT_MISMATCH"}
DOSSIER_CODES = {"PAYMENTS_EXCEED_CONTRACT", "CAP_EXCEEDED"}
SCAN_FORMATS = {"pdf_scan", "image_jpg", "image_png", "image_tiff"}
FUZZY_MIN_RATIO = 90
_MONTH_STEMS = ["январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"]


def n_amount(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return f"{float(v):.2f}"
    s = re.sub(r"[^\d,.\-']", "", str(v).replace("\u00a0", " ").replace(" ", "")).replace("'", "")
    m = re.fullmatch(r"(\d+)-(\d{2})", s)
    if m:
        return f"{int(m.group(1))}.{m.group(2)}"
    if "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif "," in s:
        parts = s.split(",")
        s = s.replace(",", ".") if len(parts[-1]) == 2 and len(parts) == 2 else s.replace(",", "")
    try:
        return f"{float(s):.2f}"
    except ValueError:
        return str(v).strip()


def n_date(v: Any) -> str | None:
    if not v:
        return None
    s = str(v).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", s):
        return s[:10]
    m = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})", s)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return s
    m = re.match(r"^«?(\d{1,2})»?\s+([а-яё]+)\.?\s+(\d{4})", s.lower())
    if m:
        for stem in sorted(_MONTH_STEMS, key=len, reverse=True):
            if m.group(2).startswith(stem):
                return dt.date(int(m.group(3)), _MONTH_STEMS.index(stem) + 1, int(m.group(1))).isoformat()
    return s


def n_period(v: Any) -> str | None:
    if not v:
        return None
    s = str(v).strip()
    m = re.match(r"^(\d{4})-(\d{1,2})", s)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = re.match(r"^(\d{1,2})[./](\d{4})$", s)
    if m:
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    return s


def n_number(v: Any) -> str | None:
    if v is None or v == "":
        return None
    s = re.sub(r"^(№|NO\.?|N)\s*", "", str(v).strip().upper())
    return re.sub(r"\s+", "", s)


def n_bin(v: Any) -> str | None:
    if not v:
        return None
    return re.sub(r"\D", "", str(v)) or str(v)


def n_text(v: Any) -> str | None:
    if not v:
        return None
    return re.sub(r"\s+", " ", str(v)).strip().lower().replace("ё", "е")


FieldValue = tuple[Any, str]  # (normalised value, "exact" | "fuzzy")


def flatten(doc: dict[str, Any] | None) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    if not doc:
        return out

    def put(key: str, value: Any, kind: str = "exact") -> None:
        if value is not None and value != "":
            out[key] = (value, kind)

    put("number", n_number(doc.get("number")))
    put("date", n_date(doc.get("date")))
    for p in doc.get("parties") or []:
        role = (p.get("role") or "").lower()
        put(f"parties.{role}.name", n_text(p.get("name")), "fuzzy")
        put(f"parties.{role}.bin", n_bin(p.get("bin")))
    a = doc.get("amounts") or {}
    for k in ("total", "vat", "amount_without_vat"):
        put(f"amounts.{k}", n_amount(a.get(k)))
    put("amounts.currency", (a.get("currency") or "").upper() or None)
    put("amount_words", n_text(doc.get("amount_words")), "fuzzy")
    ref = doc.get("contract_ref") or {}
    put("contract_ref.number", n_number(ref.get("number")))
    put("contract_ref.date", n_date(ref.get("date")))
    if doc.get("translation_of"):
        put("translation_of", os.path.basename(str(doc["translation_of"])))
    put("period", n_period(doc.get("period")))
    totals = doc.get("payroll_totals") or {}
    for k in ("accrued", "withheld", "net"):
        put(f"payroll_totals.{k}", n_amount(totals.get(k)))
    return out


def same(expected: FieldValue, actual: FieldValue) -> bool:
    (ev, kind), (av, _) = expected, actual
    if kind == "fuzzy":
        return bool(fuzz.ratio(ev, av) >= FUZZY_MIN_RATIO)
    return bool(ev == av)


def finding_key(f: dict[str, Any]) -> tuple[str, str]:
    code = str(f.get("code"))
    if code == "DUPLICATE_DOCUMENT":
        return code, "|".join(sorted(x for x in (f.get("file"), f.get("duplicate_of")) if x))
    if code in DOCTYPE_CODES:
        return code, f.get("doc_type") or ""
    if code in DOSSIER_CODES:
        return code, ""
    return code, f.get("file") or ""


def _docs(x: dict[str, Any]) -> dict[str, dict[str, Any]]:
    d = x.get("documents") or {}
    if isinstance(d, list):
        return {it.get("file"): it for it in d}
    return dict(d)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Miss:
    dossier: str
    file: str | None
    field: str
    expected: Any
    actual: Any
    file_format: str | None = None


@dataclass
class Score:
    fields: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    fields_by_group: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    findings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    documents: int = 0
    doc_type_ok: int = 0
    language_ok: int = 0
    field_misses: list[Miss] = field(default_factory=list)
    finding_misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def _total(stats: dict[str, Counter[str]]) -> tuple[float, float, float]:
        t: Counter[str] = Counter()
        for s in stats.values():
            t.update(s)
        return prf(t["tp"], t["fp"], t["fn"])

    @property
    def field_f1(self) -> float:
        return self._total(self.fields)[2]

    @property
    def finding_f1(self) -> float:
        return self._total(self.findings)[2]

    def group_f1(self, group: str) -> float:
        s = self.fields_by_group.get(group, Counter())
        return prf(s["tp"], s["fp"], s["fn"])[2]

    @property
    def doc_type_accuracy(self) -> float:
        return self.doc_type_ok / max(self.documents, 1)

    @property
    def language_accuracy(self) -> float:
        return self.language_ok / max(self.documents, 1)

    def add_dossier(self, dossier: str, expected: dict[str, Any], actual: dict[str, Any]) -> None:
        ed, ad = _docs(expected), _docs(actual)
        for name, et in ed.items():
            at = ad.get(name) or {}
            group = "scan" if et.get("file_format") in SCAN_FORMATS else "text"
            self.documents += 1
            self.doc_type_ok += int(at.get("doc_type") == et.get("doc_type"))
            self.language_ok += int((at.get("language") or "").lower() == (et.get("language") or "").lower())
            ef, af = flatten(et), flatten(at)
            for key in sorted(set(ef) | set(af)):  # sorted: misses.json in the same order on every run
                if key in ef and key in af and same(ef[key], af[key]):
                    outcome = {"tp": 1}
                else:
                    outcome = {"fn": int(key in ef), "fp": int(key in af)}
                    self.field_misses.append(
                        Miss(dossier, name, key, ef.get(key, (None,))[0], af.get(key, (None,))[0], et.get("file_format"))
                    )
                self.fields[key].update(outcome)
                # text layer or scan, and per language and per file format (docs/ACCURACY.md's per-family tables)
                for g in (group, f"language:{et.get('language')}", f"format:{et.get('file_format')}"):
                    self.fields_by_group[g].update(outcome)
        for name, at in ad.items():
            if name not in ed:
                for key in flatten(at):
                    self.fields[key]["fp"] += 1
        ec, ac = expected.get("computed") or {}, actual.get("computed") or {}
        for k in ("eligible_costs_kzt", "reimbursement_kzt", "counter_obligation_kzt"):
            ev, av = n_amount(ec.get(k)), n_amount(ac.get(k))
            key = f"computed.{k}"
            if ev is not None and av is not None and ev == av:
                self.fields[key]["tp"] += 1
            else:
                self.fields[key]["fn"] += int(ev is not None)
                self.fields[key]["fp"] += int(av is not None)
                if ev != av:
                    self.field_misses.append(Miss(dossier, None, key, ev, av))
        ek = Counter(finding_key(x) for x in expected.get("findings") or [])
        ak = Counter(finding_key(x) for x in actual.get("findings") or [])
        for fkey in sorted(set(ek) | set(ak)):
            tp = min(ek[fkey], ak[fkey])
            self.findings[fkey[0]].update({"tp": tp, "fn": ek[fkey] - tp, "fp": ak[fkey] - tp})
            if ek[fkey] != ak[fkey]:
                self.finding_misses.append(Miss(dossier, fkey[1] or None, fkey[0], ek[fkey], ak[fkey]))

    def table(self) -> str:
        lines = [
            f"documents: {self.documents}",
            f"document_type_accuracy={self.doc_type_accuracy:.4f}",
            f"language_accuracy={self.language_accuracy:.4f}",
            "",
            f"  {'field':34s} {'P':>6s} {'R':>6s} {'F1':>6s} {'support':>8s}",
        ]
        for key in sorted(self.fields):
            s = self.fields[key]
            p, r, f = prf(s["tp"], s["fp"], s["fn"])
            lines.append(f"  {key:34s} {p:6.3f} {r:6.3f} {f:6.3f} {s['tp'] + s['fn']:8d}")
        lines.append(f"  {'text-layer documents':34s} {'':6s} {'':6s} {self.group_f1('text'):6.3f}")
        lines.append(f"  {'scanned / photographed documents':34s} {'':6s} {'':6s} {self.group_f1('scan'):6.3f}")
        lines += ["", f"  {'finding code':34s} {'P':>6s} {'R':>6s} {'F1':>6s} {'support':>8s}"]
        for key in sorted(self.findings):
            s = self.findings[key]
            p, r, f = prf(s["tp"], s["fp"], s["fn"])
            lines.append(f"  {key:34s} {p:6.3f} {r:6.3f} {f:6.3f} {s['tp'] + s['fn']:8d}")
        lines.append(f"\noverall_field_f1={self.field_f1:.4f} finding_f1={self.finding_f1:.4f}")
        return "\n".join(lines)
