"""A dossier prepared for the checks: dossier order, duplicates, translations, contracts, period."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from models.domain import Application, DocType, DocumentExtraction, PriorReimbursement
from models.program_rules import Basis, MeasureRule, Rules
from validators.contracts import ContractBook
from validators.duplicates import Duplicate, find_duplicates
from validators.values import as_date, raw, subtract_months


@dataclass(frozen=True)
class Period:
    start: dt.date
    months: int
    anchor: str  # Russian, for messages: "даты заявки 17.05.2024"
    anchor_date: dt.date


@dataclass
class DossierView:
    application: Application
    rules: Rules
    measure: MeasureRule
    basis: Basis
    documents: list[DocumentExtraction]  # all, in dossier order
    duplicates: list[Duplicate]
    translation_pairs: dict[str, str]  # translation file -> original file
    unpaired_translations: list[DocumentExtraction]
    contracts: ContractBook
    period: Period
    # The rate applied to this application (the measure's rate, or the one its declared condition gives).
    rate: Decimal = Decimal(0)
    # Reimbursements already recorded for the same applicant and measure (other applications).
    history: tuple[PriorReimbursement, ...] = ()
    _later_copies: set[str] = field(default_factory=set)

    @property
    def readable(self) -> list[DocumentExtraction]:
        return [d for d in self.documents if not d.unreadable_reason]

    @property
    def distinct(self) -> list[DocumentExtraction]:
        """Readable documents with each duplicate counted once (the first copy)."""
        return [d for d in self.readable if d.file not in self._later_copies]

    def of_type(self, doc_type: DocType) -> list[DocumentExtraction]:
        return [d for d in self.distinct if d.doc_type == doc_type]

    def is_later_copy(self, file: str) -> bool:
        return file in self._later_copies

    def is_budget_payment(self, doc: DocumentExtraction) -> bool:
        return _knp(doc) in self.rules.checks.budget_knp_codes

    @property
    def cost_payments(self) -> list[DocumentExtraction]:
        """Distinct payment orders paying for the measure (taxes and social payments left out)."""
        return [d for d in self.of_type(DocType.PAYMENT_ORDER) if not self.is_budget_payment(d)]

    @property
    def employment(self) -> bool:
        return self.basis == "payroll"

    @property
    def declared_rate_condition(self) -> bool | None:
        """The applicant's declaration of the measure's rate condition (None: none declared or none exists)."""
        condition = self.measure.rate_condition
        if condition is None:
            return None
        value = getattr(self.application, condition.field, None)
        if value is None and self.application.model_extra:
            value = self.application.model_extra.get(condition.field)
        return value if isinstance(value, bool) else None

    def cap_history(self) -> list[PriorReimbursement]:
        """The recorded reimbursements that count against this application's cap (measures.yaml ``cap_window``)."""
        window = self.measure.cap_window
        day = self.application.application_date
        same = [h for h in self.history if h.measure == self.application.measure]
        if window == "calendar_year":
            return [h for h in same if h.application_date.year == day.year]
        if window == "historical_period":
            return [h for h in same if self.period.start <= h.application_date <= day]
        return []


def _knp(doc: DocumentExtraction) -> str | None:
    knp = raw(doc.knp)
    return None if knp is None else str(knp).strip().zfill(3)


def language_of(doc: DocumentExtraction) -> str | None:
    return doc.language.strip().lower() if doc.language else None


def dossier_order(application: Application, documents: list[DocumentExtraction]) -> list[DocumentExtraction]:
    """Documents in the order the applicant listed them; files not listed keep their given order after."""
    position = {name: i for i, name in enumerate(application.files)}
    indexed = list(enumerate(documents))
    indexed.sort(key=lambda it: (position.get(it[1].file, len(position) + it[0]), it[0]))
    return [d for _, d in indexed]


def pair_translations(
    documents: list[DocumentExtraction], no_translation_languages: list[str]
) -> tuple[dict[str, str], list[DocumentExtraction]]:
    """translation file -> original file, plus the translations whose original could not be told.

    An explicit ``translation_of`` wins; otherwise a translation that knows the type of its original
    (``translated_doc_type``) is paired with the first foreign-language document of that type that has
    no translation yet.
    """
    files = {d.file for d in documents}
    translations = [d for d in documents if d.doc_type == DocType.TRANSLATION and not d.unreadable_reason]
    pairs: dict[str, str] = {}
    for t in translations:
        target = os.path.basename(t.translation_of) if t.translation_of else None
        if target in files:
            pairs[t.file] = target
    foreign = [
        d
        for d in documents
        if d.doc_type not in (DocType.TRANSLATION, DocType.UNKNOWN)
        and language_of(d)
        and language_of(d) not in no_translation_languages
    ]
    unpaired: list[DocumentExtraction] = []
    for t in translations:
        if t.file in pairs:
            continue
        taken = set(pairs.values())
        match = next(
            (
                d
                for d in foreign
                if d.file not in taken and t.translated_doc_type and d.doc_type == t.translated_doc_type
            ),
            None,
        )
        if match is not None:
            pairs[t.file] = match.file
        else:
            unpaired.append(t)
    return pairs, unpaired


def compute_period(application: Application, measure: MeasureRule, payment_dates: list[dt.date]) -> Period:
    months = measure.period_months_for(application.cost_type)
    if measure.period_anchor == "last_payment" and payment_dates:
        anchor_date = max(payment_dates)
        anchor = f"последнего платежа {anchor_date.strftime('%d.%m.%Y')}"
    else:
        anchor_date = application.application_date
        anchor = f"даты заявки {anchor_date.strftime('%d.%m.%Y')}"
    return Period(
        start=subtract_months(anchor_date, months), months=months, anchor=anchor, anchor_date=anchor_date
    )


def build_view(
    application: Application,
    documents: list[DocumentExtraction],
    rules: Rules,
    history: Sequence[PriorReimbursement] = (),
) -> DossierView:
    ordered = dossier_order(application, documents)
    measure = rules.measure(application.measure)
    basis = measure.cost_type(application.cost_type).basis
    readable = [d for d in ordered if not d.unreadable_reason]
    duplicates = find_duplicates(
        readable,
        min_matching=rules.checks.duplicate_min_matching_fields,
        amount_tolerance=rules.checks.amount_tolerance,
        min_confidence=rules.checks.min_confidence_for_finding,
    )
    later = {d.file for d in duplicates}
    distinct = [d for d in readable if d.file not in later]
    pairs, unpaired = pair_translations(readable, rules.documents.no_translation_languages)
    contracts = ContractBook.build(distinct, employment=basis == "payroll")
    budget = set(rules.checks.budget_knp_codes)
    payment_dates = [
        day
        for d in distinct
        if d.doc_type == DocType.PAYMENT_ORDER
        and _knp(d) not in budget
        and (day := as_date(d.date)) is not None
        # a payment after the application date is not a cost of this application: it anchors nothing
        and (rules.measures.costs_until is None or day <= application.application_date)
    ]
    period = compute_period(application, measure, payment_dates)
    view = DossierView(
        application=application,
        rules=rules,
        measure=measure,
        basis=basis,
        documents=ordered,
        duplicates=duplicates,
        translation_pairs=pairs,
        unpaired_translations=unpaired,
        contracts=contracts,
        period=period,
        history=tuple(history),
        _later_copies=later,
    )
    view.rate = measure.rate_for(view.declared_rate_condition)
    return view
