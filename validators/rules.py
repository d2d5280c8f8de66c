"""Program rules as versioned data: loading, validation and selection by date.

The YAML files in ``validators/rules/`` each hold one *topic* (measures, vat, documents, checks) as
a list of versions with ``effective_from`` / ``effective_to``. A dossier is judged by the versions in
force on its application date (``RuleSet.for_date``); a document's VAT by the rate in force on the
document's own date (``RuleSet.vat_rate_on``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.domain import DocType

RULES_DIR = Path(__file__).resolve().parent / "rules"

Basis = Literal["payments", "payroll"]
PeriodAnchor = Literal["application_date", "last_payment"]


class RulesError(ValueError):
    """The rules data is malformed (a bug in the YAML, caught at load time)."""


class RulesNotInForce(LookupError):
    """No version of a topic covers the requested date."""

    def __init__(self, topic: str, on: dt.date) -> None:
        super().__init__(f"no {topic} rules in force on {on.isoformat()}")
        self.topic = topic
        self.on = on


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Versioned(_Frozen):
    version: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _ordered_dates(self) -> Versioned:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"version {self.version}: effective_to before effective_from")
        return self

    def covers(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


# --------------------------------------------------------------------------- measures


class CostTypeRule(_Frozen):
    basis: Basis = "payments"
    period_months: int | None = Field(None, gt=0)


class MeasureRule(_Frozen):
    rate: Decimal = Field(gt=0, le=1)
    cap_kzt: Decimal = Field(gt=0)
    period_months: int = Field(gt=0)
    period_anchor: PeriodAnchor = "application_date"
    cost_types: dict[str, CostTypeRule] = Field(default_factory=dict)

    def cost_type(self, name: str) -> CostTypeRule:
        """The cost type's rule; an unknown cost type gets the measure's defaults (payments basis)."""
        return self.cost_types.get(name) or CostTypeRule(basis="payments", period_months=None)

    def period_months_for(self, cost_type: str) -> int:
        return self.cost_type(cost_type).period_months or self.period_months


class MeasuresVersion(Versioned):
    measures: dict[str, MeasureRule]


# --------------------------------------------------------------------------- VAT


class VatVersion(Versioned):
    rate: Decimal = Field(ge=0, lt=1)


# --------------------------------------------------------------------------- documents


class ConditionalRequirement(_Frozen):
    measures: list[str] | None = None
    cost_types: list[str] | None = None
    cost_types_except: list[str] | None = None
    require: list[DocType]

    def applies(self, measure: str, cost_type: str) -> bool:
        return (
            (self.measures is None or measure in self.measures)
            and (self.cost_types is None or cost_type in self.cost_types)
            and (self.cost_types_except is None or cost_type not in self.cost_types_except)
        )


class RequiredDocs(_Frozen):
    base: list[DocType]
    conditional: list[ConditionalRequirement] = Field(default_factory=list)


class ChecklistEntry(_Frozen):
    doc_type: DocType
    label: str


class DocumentsVersion(Versioned):
    required: RequiredDocs
    no_translation_languages: list[str]
    checklist: list[ChecklistEntry]

    @model_validator(mode="after")
    def _every_required_type_has_a_label(self) -> DocumentsVersion:
        labelled = {e.doc_type for e in self.checklist}
        wanted = set(self.required.base) | {t for c in self.required.conditional for t in c.require}
        missing = wanted - labelled
        if missing:
            raise ValueError(f"checklist has no label for {sorted(missing)}")
        return self

    def required_for(self, measure: str, cost_type: str) -> list[DocType]:
        """Required document types in checklist order."""
        wanted = set(self.required.base)
        for cond in self.required.conditional:
            if cond.applies(measure, cost_type):
                wanted.update(cond.require)
        return [e.doc_type for e in self.checklist if e.doc_type in wanted]

    def label(self, doc_type: DocType | str) -> str:
        for e in self.checklist:
            if e.doc_type == doc_type:
                return e.label
        return str(doc_type)


# --------------------------------------------------------------------------- check policies


class ChecksVersion(Versioned):
    amount_tolerance: Decimal = Field(ge=0)
    vat_tolerance: Decimal = Field(ge=0)
    min_confidence_for_finding: float = Field(ge=0, le=1)
    budget_knp_codes: list[str] = Field(default_factory=list)
    duplicate_min_matching_fields: int = Field(ge=1)
    employee_name_min_score: float = Field(ge=0, le=100)
    ocr_file_formats: list[str] = Field(default_factory=lambda: ["pdf_scan", "image_jpg", "image_png", "image_tiff"])
    # Shares of the amount without VAT that a miscalculated VAT can plausibly have (a wrong rate, VAT
    # taken on the total); outside them a VAT read by OCR is a misreading, not a miscalculation.
    ocr_vat_share_min: Decimal = Field(Decimal("0.03"), ge=0)
    ocr_vat_share_max: Decimal = Field(Decimal("0.30"), ge=0)
    # A total on a scan that nothing else on its document confirms (no VAT triple, no amount in words) may still
    # carry a finding when OCR read it this confidently and it is printed as money (thousands groups or kopecks).
    ocr_unconfirmed_total_min_confidence: float = Field(0.9, ge=0, le=1)


# --------------------------------------------------------------------------- the rule set

V = TypeVar("V", bound=Versioned)


def _pick(versions: Sequence[V], on: dt.date, topic: str) -> V:
    # The latest version that has started and not ended: a version with an open end is
    # superseded by the next one.
    candidates = [v for v in versions if v.covers(on)]
    if not candidates:
        raise RulesNotInForce(topic, on)
    return max(candidates, key=lambda v: v.effective_from)


def _nearest(versions: Sequence[V], on: dt.date) -> V:
    earlier = [v for v in versions if v.effective_from <= on]
    return (
        max(earlier, key=lambda v: v.effective_from)
        if earlier
        else min(versions, key=lambda v: v.effective_from)
    )


def _check_no_overlap(versions: Sequence[Versioned], topic: str) -> None:
    ordered = sorted(versions, key=lambda v: v.effective_from)
    if len({v.version for v in ordered}) != len(ordered):
        raise RulesError(f"{topic}: duplicate version names")
    for prev, nxt in pairwise(ordered):
        if prev.effective_from == nxt.effective_from:
            raise RulesError(f"{topic}: versions {prev.version} and {nxt.version} start on the same day")
        if prev.effective_to is not None and prev.effective_to >= nxt.effective_from:
            raise RulesError(f"{topic}: versions {prev.version} and {nxt.version} overlap")


class Rules(_Frozen):
    """The rules in force on one date (plus the full VAT history, which is judged per document)."""

    on: dt.date
    measures: MeasuresVersion
    documents: DocumentsVersion
    checks: ChecksVersion
    vat: tuple[VatVersion, ...]

    @property
    def version(self) -> str:
        return f"{self.measures.version}; {self.documents.version}; {self.checks.version}"

    def measure(self, measure: str) -> MeasureRule:
        try:
            return self.measures.measures[measure]
        except KeyError:
            raise RulesError(f"measure {measure!r} is not in rules {self.measures.version}") from None

    def vat_rate_on(self, on: dt.date) -> Decimal | None:
        return _vat_rate_on(self.vat, on)

    def all_vat_rates(self) -> set[Decimal]:
        return {v.rate for v in self.vat}


def _vat_rate_on(versions: Sequence[VatVersion], on: dt.date) -> Decimal | None:
    try:
        return _pick(versions, on, "vat").rate
    except RulesNotInForce:
        return None


class RuleSet(_Frozen):
    measures: tuple[MeasuresVersion, ...]
    vat: tuple[VatVersion, ...]
    documents: tuple[DocumentsVersion, ...]
    checks: tuple[ChecksVersion, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        for topic in ("measures", "vat", "documents", "checks"):
            versions = getattr(self, topic)
            if not versions:
                raise RulesError(f"no {topic} rules")
            _check_no_overlap(versions, topic)
        return self

    def for_date(self, on: dt.date) -> Rules:
        """Rules in force on ``on``; raises RulesNotInForce when a topic has no version for it."""
        return Rules(
            on=on,
            measures=_pick(self.measures, on, "measures"),
            documents=_pick(self.documents, on, "documents"),
            checks=_pick(self.checks, on, "checks"),
            vat=self.vat,
        )

    def nearest(self, on: dt.date) -> tuple[Rules, list[str]]:
        """Rules for ``on``, falling back per topic to the nearest version; also the topics that fell back."""
        fell_back: list[str] = []

        def get(topic: str, versions: Sequence[V]) -> V:
            try:
                return _pick(versions, on, topic)
            except RulesNotInForce:
                fell_back.append(topic)
                return _nearest(versions, on)

        rules = Rules(
            on=on,
            measures=get("measures", self.measures),
            documents=get("documents", self.documents),
            checks=get("checks", self.checks),
            vat=self.vat,
        )
        return rules, fell_back

    def vat_rate_on(self, on: dt.date) -> Decimal | None:
        return _vat_rate_on(self.vat, on)


_TOPIC_MODELS: dict[str, type[Versioned]] = {
    "measures": MeasuresVersion,
    "vat": VatVersion,
    "documents": DocumentsVersion,
    "checks": ChecksVersion,
}


def load_rules(directory: Path | None = None) -> RuleSet:
    """Read and validate every ``*.yaml`` topic file of ``directory`` (default: the packaged rules)."""
    directory = directory or RULES_DIR
    collected: dict[str, list[Any]] = {topic: [] for topic in _TOPIC_MODELS}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("topic") not in _TOPIC_MODELS:
            raise RulesError(f"{path.name}: needs a 'topic' among {sorted(_TOPIC_MODELS)}")
        model = _TOPIC_MODELS[data["topic"]]
        try:
            collected[data["topic"]].extend(model.model_validate(v) for v in data.get("versions") or [])
        except ValueError as exc:
            raise RulesError(f"{path.name}: {exc}") from exc
    try:
        return RuleSet(**{topic: tuple(v) for topic, v in collected.items()})
    except ValueError as exc:
        raise RulesError(str(exc)) from exc


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return load_rules()
