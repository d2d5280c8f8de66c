"""The reimbursement step by step: contracts with their acts, invoices and payments, then the
computation in words and figures (dossier page and printed report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from api.web.fields import format_value, value_at
from api.web.i18n import doc_type_title, gettext
from api.web.page_models.formatting import amount, document_link, money
from api.web.page_models.labels import STEP_STATUS_LABELS
from models.domain import Application, ComputedResult, DocType, DocumentExtraction, DossierResult
from models.program_rules import default_rules
from validators.dossier_view import build_view
from validators.findings import fmt_date, fmt_money, fmt_pct
from validators.labels import LIMITED_BY_LABELS, VAT_BASIS_NOTES


@dataclass
class ChainDocument:
    doc_type: str
    role: str  # договор / акт / счет-фактура / платежное поручение / ведомость
    file: str
    link: str | None
    number: str
    date: str
    total: str  # with its currency («2 822 400,00 тенге», «12 000,00 CNY») unless the chain's heading says it
    without_vat: str
    currency: str = "KZT"
    step: dict[str, Any] | None = None  # the computation step of a payment or payroll sheet
    step_status: str = ""
    counted: str = ""
    conversion: str = ""  # a foreign payment in tenge at the application's declared rate


@dataclass
class Chain:
    title: str
    contract: ChainDocument | None
    documents: list[ChainDocument] = field(default_factory=list)
    counted_kzt: float = 0.0
    unit: str = ""  # «тенге» when every amount of the table is in tenge: said once, in the headings

    def name_units(self) -> None:
        """Tenge only: the headings say «тенге» and the cells are bare; any other currency: each cell
        names its own, the headings none (a «Сумма, тенге» over yuan would misstate them)."""
        if self.documents and all(d.currency == "KZT" for d in self.documents):
            self.unit = gettext("тенге")
            for d in self.documents:
                d.total, d.without_vat = _bare(d.total), _bare(d.without_vat)


def _bare(amount: str) -> str:
    return amount.removesuffix(" тенге").removesuffix(" теңге")  # the word in either language (api.web.i18n.tenge)


@dataclass(frozen=True)
class ComputationLine:
    what: str
    value: str
    result: bool = False  # Q and N + 2Q: what the computation is for
    highlight: bool = False  # the claimed reimbursement differs from the computed one


@dataclass(frozen=True)
class CostsComparison:
    """Declared costs (application.json), confirmed costs and the difference, side by side."""

    declared: str
    confirmed: str
    difference: str
    shortfall: bool  # the documents confirm less than declared


@dataclass
class ComputationView:
    computed: ComputedResult
    chains: list[Chain]
    lines: list[ComputationLine]  # in the order of the computation
    costs: CostsComparison | None = None


def _chain_document(
    doc: DocumentExtraction, doc_ids: dict[str, str], step: dict[str, Any] | None = None
) -> ChainDocument:
    read_currency = value_at(doc, "amounts.currency")
    currency = str(read_currency.value).upper() if read_currency and read_currency.value else "KZT"

    def shown(path: str) -> str:
        found = value_at(doc, path)
        return format_value(path, found.value, currency) if found else "—"

    counted = ""
    if step is not None and step.get("counted_kzt") is not None:
        counted = amount(step["counted_kzt"])
    return ChainDocument(
        doc_type=doc.doc_type.value,
        role=doc_type_title(doc.doc_type.value),
        file=doc.file,
        link=document_link(doc_ids[doc.file]) if doc.file in doc_ids else None,
        number=shown("number"),
        date=shown("date"),
        total=shown("amounts.total"),
        without_vat=shown("amounts.amount_without_vat"),
        currency=currency,
        step=step,
        step_status=gettext(STEP_STATUS_LABELS.get(str((step or {}).get("status")), "")),
        counted=counted,
        conversion=_conversion(step),
    )


def _conversion(step: dict[str, Any] | None) -> str:
    """«12 000,00 CNY × 65,10 = 781 200,00 тенге» for a step paid in another currency."""
    if not step or str(step.get("currency") or "KZT").upper() == "KZT":
        return ""
    rate, kzt = step.get("rate_kzt"), step.get("amount_kzt")
    if rate is None or kzt is None or step.get("amount_without_vat") is None:
        return ""
    paid = fmt_money(step["amount_without_vat"], str(step["currency"]))
    source = gettext("курс из заявки")
    return f"{paid} × {fmt_rate(rate)} = {money(kzt)} ({source})"


def fmt_rate(rate: float) -> str:
    """A declared exchange rate: «470,50», «0,0812» (two decimals at least, no trailing noise)."""
    text = fmt_money(rate).removesuffix(" тенге")
    exact = f"{Decimal(str(rate)).normalize():f}"
    if "." in exact and len(exact.split(".")[1]) > 2:
        return text.split(",")[0] + "," + exact.split(".")[1]
    return text


def declared_rates(computed: ComputedResult) -> str:
    """The application's exchange rates the computation used: «1 CNY = 65,10 тенге», each with the
    payments it converted when one currency had several rates (one per payment date)."""
    used: dict[str, dict[str, list[str]]] = {}
    for step in computed.steps:
        currency = str(step.get("currency") or "KZT").upper()
        if currency != "KZT" and step.get("rate_kzt") is not None:
            used.setdefault(currency, {}).setdefault(fmt_rate(step["rate_kzt"]), []).append(str(step.get("file")))
    parts = []
    for currency, rates in sorted(used.items()):
        for rate, files in rates.items():
            each = f"1 {currency} = {rate} " + gettext("тенге")
            parts.append(each + (f" ({', '.join(files)})" if len(rates) > 1 else ""))
    return "; ".join(parts)


def computation_view(
    result: DossierResult, application: Application, doc_ids: dict[str, str]
) -> ComputationView | None:
    """The reimbursement step by step: each contract with its acts, invoices and payments (or payroll
    sheets), what each payment contributed, then rate, cap, period, Q and N + 2Q."""
    computed = result.computed
    if computed is None:
        return None
    rules, _ = default_rules().nearest(application.application_date)
    view = build_view(application, result.documents, rules)
    steps = {
        s["file"]: s for s in computed.steps if s.get("kind") in ("payment", "payroll") and s.get("file")
    }
    chains: dict[int, Chain] = {}
    loose = Chain(title=gettext("Документы без договора"), contract=None)
    for contract in view.contracts.contracts:
        label = doc_type_title(DocType.CONTRACT.value)
        number = value_at(contract, "number")
        chains[id(contract)] = Chain(
            title=f"{label} № {number.value}" if number else f"{label} «{contract.file}»",
            contract=_chain_document(contract, doc_ids),
        )
    chained_types = (DocType.ACT_OF_WORK, DocType.INVOICE, DocType.PAYMENT_ORDER, DocType.PAYROLL)
    for doc in view.distinct:
        if doc.doc_type not in chained_types:
            continue
        if doc.doc_type == DocType.PAYMENT_ORDER and doc.file not in steps:
            continue  # taxes and other payments that are not costs of the measure
        owner = view.contracts.for_document(doc)
        chain = chains.get(id(owner), loose) if owner is not None else loose
        item = _chain_document(doc, doc_ids, steps.get(doc.file))
        chain.documents.append(item)
        chain.counted_kzt += float((item.step or {}).get("counted_kzt") or 0.0)
    order = {t.value: i for i, t in enumerate(chained_types)}
    ordered = [*chains.values(), *([loose] if loose.documents else [])]
    for chain in ordered:
        chain.documents.sort(key=lambda d: order[d.doc_type])  # acts, invoices, then what was paid
        chain.name_units()
    costs = CostsComparison(
        declared=money(computed.declared_costs_kzt),
        confirmed=money(computed.eligible_costs_kzt),
        difference=money(computed.costs_difference_kzt),
        shortfall=(computed.costs_difference_kzt or 0.0) > 0,
    )
    return ComputationView(computed=computed, chains=ordered, lines=computation_lines(computed), costs=costs)


def computation_lines(computed: ComputedResult) -> list[ComputationLine]:
    """The computation in words and figures, in its order (web page and printed report)."""
    basis = gettext(VAT_BASIS_NOTES[computed.vat_basis]) if computed.vat_basis in VAT_BASIS_NOTES else ""
    q = computed.reimbursement_kzt
    rate = f"{fmt_pct(computed.rate)} %"
    cap_text = money(computed.cap)
    if computed.cap_used_kzt:
        cap_text += " − " + gettext("учтено по другим заявкам {used} = остаток {left}").format(
            used=money(computed.cap_used_kzt), left=money(computed.cap_left_kzt)
        )
    limited = gettext(LIMITED_BY_LABELS.get(computed.reimbursement_limited_by or "", ""))
    cap_left = computed.cap_left_kzt if computed.cap_left_kzt is not None else computed.cap
    lines = [
        ComputationLine(gettext("Сумма платежных документов") + basis, money(computed.claimed_costs_kzt)),
        ComputationLine(gettext("Подтверждённые затраты") + basis, money(computed.eligible_costs_kzt)),
        *([ComputationLine(gettext("Курсы валют (из заявки)"), rates)] if (rates := declared_rates(computed)) else []),
        ComputationLine(gettext("Ставка возмещения"), rate + (f" — {computed.rate_note}" if computed.rate_note else "")),
        ComputationLine(gettext("Предельная сумма возмещения"), cap_text),
        ComputationLine(
            gettext("Исторический период"),
            gettext("{months} мес., с {start}").format(
                months=computed.period_months, start=fmt_date(computed.period_start)
            ),
        ),
        ComputationLine(gettext("Заявлено к возмещению"), money(computed.claimed_reimbursement_kzt)),
        ComputationLine(
            gettext("Возмещение Q = min(ставка × затраты; остаток предела; заявлено)"),
            f"min({rate} × {money(computed.eligible_costs_kzt)}; {money(cap_left)}; "
            f"{money(computed.claimed_reimbursement_kzt)}) = {money(q)}"
            + (" (" + gettext("определено {what}").format(what=limited) + ")" if limited else ""),
            result=True,
        ),
        claim_difference_line(computed),
        ComputationLine(gettext("Доход от реализации за 2 года до меры N"), money(computed.prior_revenue_n)),
    ]
    if computed.counter_obligation_kzt is None:
        lines.append(
            ComputationLine(
                gettext("Встречное обязательство N + 2Q"),
                gettext("не определено: доход N не указан или не положителен"),
            )
        )
    else:
        lines.append(
            ComputationLine(
                gettext("Встречное обязательство N + 2Q"),
                f"{money(computed.prior_revenue_n)} + 2 × {money(q)} = {money(computed.counter_obligation_kzt)}",
                result=True,
            )
        )
    if computed.monitoring_months:
        lines.append(
            ComputationLine(
                gettext("Мониторинг встречного обязательства"),
                gettext("{months} мес. после заключения соглашения о возмещении").format(
                    months=computed.monitoring_months
                ),
            )
        )
    return lines


def claim_difference_line(computed: ComputedResult) -> ComputationLine:
    """«Разница с заявленным»: the claimed reimbursement against the computed Q, highlighted when they differ."""
    claimed, q = computed.claimed_reimbursement_kzt, computed.reimbursement_kzt
    difference = round(claimed - q, 2)
    if difference == 0:
        return ComputationLine(gettext("Разница с заявленным"), gettext("нет: рассчитано столько, сколько заявлено"))
    if difference > 0:
        direction = gettext("рассчитано меньше заявленного")
    else:
        direction = gettext("рассчитано больше заявленного")
    return ComputationLine(
        gettext("Разница с заявленным"),
        gettext("заявлено {claimed} − рассчитано {q} = {difference} ({direction})").format(
            claimed=money(claimed), q=money(q), difference=money(difference), direction=direction
        ),
        highlight=True,
    )
