"""The finding catalogue (``findings.yaml``) and the one way to build a ``Finding`` from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from models.domain import Evidence, Finding, Severity

CATALOGUE_PATH = Path(__file__).resolve().parent / "findings.yaml"

Target = Literal["file", "doc_type", "dossier", "duplicate"]
_NBSP = "\u00a0"  # keeps "12 345 678,90" on one line in reports


class CodeSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Severity
    target: Target
    scored: bool
    label: str
    message: str


class NameTables(BaseModel):
    """The names messages use (by key), in one language: findings.yaml and findings.kk.yaml have them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language_names: dict[str, str]
    role_labels: dict[str, str]
    doc_type_labels: dict[str, str]
    topic_labels: dict[str, str]


class Catalogue(NameTables):
    codes: dict[str, CodeSpec]

    def spec(self, code: str) -> CodeSpec:
        try:
            return self.codes[code]
        except KeyError:
            raise KeyError(f"finding code {code!r} is not in findings.yaml") from None

    def language_name(self, lang: str | None) -> str:
        return self.language_names.get(lang or "", f"«{lang}»")

    def role_label(self, role: str | None) -> str:
        return self.role_labels.get(role or "", role or "?")

    def doc_type_label(self, doc_type: str | None) -> str:
        return self.doc_type_labels.get(doc_type or "unknown", doc_type or "?")

    def topic_label(self, topic: str) -> str:
        return self.topic_labels.get(topic, topic)

    def label(self, code: str) -> str:
        """A finding code in words (Russian), for texts that must not show raw codes."""
        spec = self.codes.get(code)
        return spec.label if spec is not None else code


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8")))


def finding_key(finding: Finding) -> str:
    """A finding's identity across check rounds: what it says and about which values.

    The same code on the same file with the same evidence is the same finding; once a correction
    changes a value it points at, it is a new finding and deserves a new look. Reviewers' verdicts
    are keyed by it, and the check itself reads it: a payment whose excluding finding a reviewer
    dismissed counts again (``validators.reimbursement``).
    """
    evidence = sorted(
        json.dumps([e.file, e.field, e.value], ensure_ascii=False, default=str) for e in finding.evidence
    )
    parts = [finding.code, finding.file or "", finding.doc_type or "", finding.duplicate_of or "", *evidence]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def doc_type_label(doc_type: str | None) -> str:
    """Russian name of a document type, for reports ("Платежное поручение")."""
    label = catalogue().doc_type_label(doc_type)
    return label[:1].upper() + label[1:]


def is_scored(code: str) -> bool:
    """True for the codes of the corpus README table (the ones that belong in expected.json)."""
    spec = catalogue().codes.get(code)
    return spec is not None and spec.scored


def scored_only(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if is_scored(f.code)]


# --------------------------------------------------------------------------- formatting for messages


def count_words(count: int, one: str, few: str, many: str) -> str:
    """The count with its noun in the form Russian numerals take: «1 поле», «3 поля», «5 полей»,
    «21 поле», «11 полей». After «из» or «сумма» the genitive: ``count_words(n, "строки",
    "строк", "строк")`` gives «из 21 строки», «из 5 строк»."""
    tens, units = count % 100, count % 10
    if units == 1 and tens != 11:
        word = one
    elif 2 <= units <= 4 and not 12 <= tens <= 14:
        word = few
    else:
        word = many
    return f"{count} {word}"


def fmt_money(value: Decimal | float | None, currency: str | None = None) -> str:
    """Russian money style: 12 345 678,90 (with the currency code when it is not KZT)."""
    if value is None:
        return "—"
    q = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{_NBSP.join(groups)},{frac}"
    if currency and currency.upper() != "KZT":
        return f"{text} {currency.upper()}"
    return f"{text} тенге"


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def fmt_pct(rate: Decimal | float) -> str:
    pct = (Decimal(str(rate)) * 100).normalize()
    return f"{pct:f}".replace(".", ",")


class _Defaulting(dict[str, Any]):
    # A template placeholder the check forgot must not crash a review: it shows as "?".
    def __missing__(self, key: str) -> str:
        return "?"


def _json_param(value: Any) -> str | int | float | bool | None:
    # Stored with the result as JSON; the message shows the value as str.format did.
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def make_finding(
    code: str,
    *,
    file: str | None = None,
    doc_type: str | None = None,
    duplicate_of: str | None = None,
    evidence: Iterable[Evidence] = (),
    **params: Any,
) -> Finding:
    """Build a finding of ``code``: severity and message from the catalogue, target as given."""
    spec = catalogue().spec(code)
    values = _Defaulting(params)
    values.setdefault("file", file)
    values.setdefault("duplicate_of", duplicate_of)
    values.setdefault("note", "")
    message = spec.message.format_map(values)
    return Finding(
        params={key: _json_param(value) for key, value in params.items()},
        code=code,
        severity=spec.severity,
        message=message,
        file=file if spec.target in ("file", "duplicate") else None,
        doc_type=doc_type if spec.target == "doc_type" else None,
        duplicate_of=duplicate_of if spec.target == "duplicate" else None,
        evidence=list(evidence),
    )
