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

from models.doc_types import DocType

# The data stays beside the validators that apply it; the loader sits with the models because the
# application model checks a declared measure and cost type against it at intake.
RULES_DIR = Path(__file__).resolve().parents[1] / "validators" / "rules"

Basis = Literal["payments", "payroll"]
PeriodAnchor = Literal["application_date", "last_payment"]
# Which earlier reimbursements of the same applicant and measure count against the cap:
#   application        none (the cap is per application)
#   historical_period  those whose application date falls in this application's historical period
#   calendar_year      those of the same calendar year as this application
CapWindow = Literal["application", "historical_period", "calendar_year"]


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


class RateCondition(_Frozen):
    """A rate that depends on a condition the applicant declares in ``application.json``."""

    # The application field (true / false) that declares the condition.
    field: str
    # What the condition is (Russian, shown to the reviewer).
    label: str
    rate_if_met: Decimal = Field(gt=0, le=1)
    rate_if_not_met: Decimal = Field(gt=0, le=1)
    source: str | None = None


class MeasureRule(_Frozen):
    # The rate applied when the measure has no rate condition, or the application does not declare it.
    rate: Decimal = Field(gt=0, le=1)
    rate_condition: RateCondition | None = None
    cap_kzt: Decimal = Field(gt=0)
    cap_window: CapWindow = "application"
    period_months: int = Field(gt=0)
    period_anchor: PeriodAnchor = "application_date"
    cost_types: dict[str, CostTypeRule] = Field(default_factory=dict)

    def rate_for(self, declared: bool | None) -> Decimal:
        """The rate for an application that declares the rate condition as ``declared`` (None: not declared)."""
        if self.rate_condition is None or declared is None:
            return self.rate
        return self.rate_condition.rate_if_met if declared else self.rate_condition.rate_if_not_met

    def cost_type(self, name: str) -> CostTypeRule:
        """The cost type's rule; an unknown cost type gets the measure's defaults (payments basis)."""
        return self.cost_types.get(name) or CostTypeRule(basis="payments", period_months=None)

    def period_months_for(self, cost_type: str) -> int:
        return self.cost_type(cost_type).period_months or self.period_months


class CounterObligationRule(_Frozen):
    """The counter-obligation: revenue over the monitoring period of at least N + multiplier × Q."""

    q_multiplier: Decimal = Field(gt=0)
    # N is the revenue of this many months before the measure.
    prior_revenue_months: int = Field(gt=0)
    # The state monitors the revenue for this many months after the reimbursement agreement.
    monitoring_months: int = Field(gt=0)


class MeasuresVersion(Versioned):
    measures: dict[str, MeasureRule]
    counter_obligation: CounterObligationRule
    # Costs paid after this date are not reimbursed (None: no such limit).
    costs_until: Literal["application_date"] | None = "application_date"


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


# --------------------------------------------------------------------------- eligibility


class EligibilityItem(_Frozen):
    key: str
    # What the reviewer confirms (Russian).
    label: str
    # The field of ``application.json``'s ``declarations`` where the applicant declares it, if any.
    declaration: str | None = None


class EligibilityVersion(Versioned):
    # A medium enterprise's annual income is at most this many МРП (a larger one is not an SME).
    sme_max_annual_income_mrp: Decimal = Field(gt=0)
    sme_source: str
    # What a reviewer must confirm before the dossier can be marked complete.
    items: list[EligibilityItem]
    # What the service does not check and a reviewer must still check by hand (Russian).
    manual_checks: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> EligibilityVersion:
        keys = [i.key for i in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError(f"version {self.version}: duplicate eligibility item keys")
        return self

    def item(self, key: str) -> EligibilityItem | None:
        return next((i for i in self.items if i.key == key), None)


class MrpVersion(Versioned):
    """The monthly calculation index (МРП) set by the republican budget law for a period."""

    mrp_kzt: Decimal = Field(gt=0)


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
    # A BIN/IIN on a scan whose check digit fails is the applicant's error only when read at least this confidently.
    ocr_identifier_min_confidence: float = Field(0.9, ge=0, le=1)
    # A scanned contract's party BIN that this many other documents contradict alike is not the reference for them.
    scan_reference_outvoted_by: int = Field(2, ge=1)
    # Findings whose payment order (or payroll sheet) is left out of the reimbursement.
    excluding_codes: list[str] = Field(
        default_factory=lambda: ["OUT_OF_PERIOD", "PAYMENT_BEFORE_CONTRACT", "PARTY_MISMATCH"]
    )
    # Declared costs above the confirmed ones by more than this are reported (per-payment rounding
    # to the tiyn may leave a few tiyn between the applicant's sum and ours).
    declared_costs_tolerance: Decimal = Field(Decimal("1.00"), ge=0)
    # Documents issued under different VAT rates (a 2025 contract at 12 %, 2026 acts at 16 %) are
    # compared by their amounts without VAT: the gross amounts differ by the rate change alone.
    compare_without_vat_across_vat_change: bool = True


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
    eligibility: EligibilityVersion
    vat: tuple[VatVersion, ...]
    mrp: tuple[MrpVersion, ...] = ()

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

    def mrp_on(self, on: dt.date) -> MrpVersion | None:
        try:
            return _pick(self.mrp, on, "mrp")
        except RulesNotInForce:
            return None


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
    eligibility: tuple[EligibilityVersion, ...]
    mrp: tuple[MrpVersion, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        for topic in ("measures", "vat", "documents", "checks", "eligibility", "mrp"):
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
            eligibility=_pick(self.eligibility, on, "eligibility"),
            vat=self.vat,
            mrp=self.mrp,
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
            eligibility=get("eligibility", self.eligibility),
            vat=self.vat,
            mrp=self.mrp,
        )
        return rules, fell_back

    def vat_rate_on(self, on: dt.date) -> Decimal | None:
        return _vat_rate_on(self.vat, on)


_TOPIC_MODELS: dict[str, type[Versioned]] = {
    "measures": MeasuresVersion,
    "vat": VatVersion,
    "documents": DocumentsVersion,
    "checks": ChecksVersion,
    "eligibility": EligibilityVersion,
    "mrp": MrpVersion,
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
