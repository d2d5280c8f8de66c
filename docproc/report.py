"""Terminal rendering of a dossier result (rich). Labels in Russian: reviewers read them; the labels the
web pages and the printed report show too come from ``validators.labels``, the colours are this module's."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from models.domain import DocType, DocumentExtraction, DossierResult, ExtractedValue, Severity
from validators.findings import catalogue, doc_type_label, fmt_date, fmt_pct
from validators.labels import (
    CHECKLIST_STATUS_LABELS,
    LIMITED_BY_LABELS,
    MANUAL_CHECKS_LEFT,
    NO_FINDINGS,
    NOT_DECLARED,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    VAT_BASIS_NOTES,
)
from validators.values import as_date

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
CHECKLIST_STATUS_STYLE = {
    "present": "green",
    "missing": "bold red",
    "unreadable": "bold red",
    "not_required": "dim",
}


def money(value: float | None, currency: str = "KZT") -> str:
    if value is None:
        return "—"
    whole = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{whole} {currency}"


def _v(x: ExtractedValue | None) -> Any:
    return None if x is None else x.value


def type_cell(doc: DocumentExtraction) -> str:
    """The type as reviewers read it; a translation names its original ("Перевод документа dogovor.pdf")."""
    if doc.doc_type == DocType.TRANSLATION:
        if doc.translation_of:
            return f"Перевод документа {doc.translation_of}"
        return "Перевод (оригинал не найден)"
    return doc_type_label(doc.doc_type.value)


def _documents_table(docs: list[DocumentExtraction]) -> Table:
    t = Table(title="Документы", show_lines=False, expand=True)
    t.add_column("Файл", overflow="fold")
    t.add_column("Тип", overflow="fold")
    t.add_column("Язык")
    t.add_column("Формат")
    t.add_column("№")
    t.add_column("Дата")
    t.add_column("Сумма", justify="right")
    for d in docs:
        if d.unreadable_reason:
            t.add_row(d.file, Text("не прочитан", style="bold red"), "", d.file_format or "", "", "",
                      Text(d.unreadable_reason, style="red"))
            continue
        total = None
        currency = "KZT"
        if d.amounts is not None:
            total = _v(d.amounts.total)
            currency = str(_v(d.amounts.currency) or "KZT")
        date = _v(d.date)
        t.add_row(
            d.file,
            type_cell(d),
            d.language or "?",
            d.file_format or "",
            str(_v(d.number) or ""),
            fmt_date(day) if (day := as_date(date)) else str(date or ""),
            money(total, currency) if total is not None else "",
        )
    return t


def _checklist_table(result: DossierResult) -> Table:
    t = Table(title="Комплектность", expand=True)
    t.add_column("Документ")
    t.add_column("Статус")
    t.add_column("Файлы", overflow="fold")
    for item in result.checklist:
        if not item.required and item.status == "not_required":
            continue
        label = CHECKLIST_STATUS_LABELS.get(item.status, item.status)
        style = CHECKLIST_STATUS_STYLE.get(item.status, "")
        t.add_row(item.label, Text(label, style=style), ", ".join(item.files))
    return t


def _findings_table(result: DossierResult) -> Table | Text:
    if not result.findings:
        text = Text(f"{NO_FINDINGS}.", style="bold green")
        if result.manual_checks:
            text.append(f"\n{MANUAL_CHECKS_LEFT}: " + "; ".join(result.manual_checks) + ".", style="")
        return text
    t = Table(title="Замечания", expand=True, show_lines=True)
    t.add_column("Важность / замечание / документ", ratio=1, overflow="fold")
    t.add_column("Описание", ratio=3, overflow="fold")
    for f in sorted(result.findings, key=lambda f: SEVERITY_ORDER.index(f.severity)):
        target = f.file or (doc_type_label(f.doc_type) if f.doc_type else "досье")
        head = Text(SEVERITY_LABELS[f.severity], style=SEVERITY_STYLE[f.severity])
        head.append(f"\n{catalogue().label(f.code)}\n", style="bold")
        head.append(target, style="dim")
        t.add_row(head, f.message)
    return t


def _eligibility_table(result: DossierResult) -> Table | None:
    if not result.eligibility:
        return None
    t = Table(title="Условия участия (проверяет проверяющий)", expand=True)
    t.add_column("Условие", ratio=3, overflow="fold")
    t.add_column("Заявлено", ratio=1)
    for item in result.eligibility:
        declared = item.declared
        if declared is None:
            shown = Text(NOT_DECLARED, style="dim")
        elif isinstance(declared, bool):
            shown = Text("да" if declared else "нет", style="" if declared else "bold red")
        else:
            shown = Text(str(declared))
        t.add_row(item.label, shown)
    return t


def _computed_panel(result: DossierResult) -> Panel:
    c = result.computed
    if c is None:
        return Panel("Расчёт не выполнен: недостаточно данных.", title="Возмещение")
    basis = VAT_BASIS_NOTES.get(c.vat_basis, "")
    costs = Table(expand=True, box=None)
    costs.add_column("Заявлено затрат", justify="right")
    costs.add_column("Подтверждено документами" + basis, justify="right")
    costs.add_column("Разница", justify="right")
    shortfall = (c.costs_difference_kzt or 0.0) > 0
    costs.add_row(
        money(c.declared_costs_kzt),
        money(c.eligible_costs_kzt),
        Text(money(c.costs_difference_kzt), style="bold yellow" if shortfall else ""),
    )
    cap = money(c.cap)
    if c.cap_used_kzt:
        cap += f" (учтено по другим заявкам {money(c.cap_used_kzt)}, остаток {money(c.cap_left_kzt)})"
    limited = LIMITED_BY_LABELS.get(c.reimbursement_limited_by or "", "")
    lines = [
        f"Ставка возмещения: {fmt_pct(c.rate)} %" + (f" ({c.rate_note})" if c.rate_note else "") + f"   Предельная сумма: {cap}",
        f"Исторический период: {c.period_months} мес., с {fmt_date(c.period_start)}",
        f"Заявлено к возмещению: {money(c.claimed_reimbursement_kzt)}",
        f"[bold]Возмещение Q: {money(c.reimbursement_kzt)}[/bold]" + (f" (определено {limited})" if limited else ""),
    ]
    if c.counter_obligation_kzt is None:
        lines.append("Встречное обязательство N + 2Q: не определено — доход N не указан или не положителен")
    else:
        lines.append(
            f"Встречное обязательство N + 2Q: {money(c.counter_obligation_kzt)} (N = {money(c.prior_revenue_n)})"
        )
    if c.monitoring_months:
        lines.append(f"Мониторинг: {c.monitoring_months} мес. после заключения соглашения о возмещении")
    return Panel(Group(costs, Text.from_markup("\n".join(lines))), title="Возмещение и встречное обязательство")


def application_header(result: DossierResult) -> str:
    parts = []
    if result.applicant is not None:
        parts.append(f"{result.applicant.name}, БИН {result.applicant.bin}")
    parts.append(f"Мера: {result.measure_name or result.measure}; затраты: {result.cost_name or result.cost_type}")
    parts.append(f"Дата заявки: {fmt_date(result.application_date)}")
    return "\n".join(parts)


def render_dossier(result: DossierResult, console: Console) -> None:
    errors = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    warnings = sum(1 for f in result.findings if f.severity == Severity.WARNING)
    verdict = (
        Text(NO_FINDINGS, style="bold green")
        if result.clean
        else Text(f"Ошибок: {errors}, предупреждений: {warnings}", style="bold red" if errors else "yellow")
    )
    header = Group(Text(application_header(result), style="bold"), verdict)
    console.print(Panel(header, title=f"Досье {result.dossier_id}"))
    console.print(_documents_table(result.documents))
    console.print(_checklist_table(result))
    eligibility = _eligibility_table(result)
    if eligibility is not None:
        console.print(eligibility)
    console.print(_findings_table(result))
    console.print(_computed_panel(result))
