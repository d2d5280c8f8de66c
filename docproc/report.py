"""Terminal rendering of a dossier result (rich). Labels in Russian: reviewers read them."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from models.domain import DocType, DocumentExtraction, DossierResult, ExtractedValue, Severity

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SEVERITY_LABEL = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение", Severity.INFO: "сведения"}
STATUS_LABEL = {
    "present": ("есть", "green"),
    "missing": ("отсутствует", "bold red"),
    "unreadable": ("не читается", "bold red"),
    "not_required": ("не требуется", "dim"),
}


def doc_type_label(doc_type: str) -> str:
    from validators import doc_type_label as label

    return label(doc_type)


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
            date.isoformat() if hasattr(date, "isoformat") else str(date or ""),
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
        label, style = STATUS_LABEL.get(item.status, (item.status, ""))
        t.add_row(item.label, Text(label, style=style), ", ".join(item.files))
    return t


def _findings_table(result: DossierResult) -> Table | Text:
    if not result.findings:
        return Text("Замечаний нет: досье комплектно.", style="bold green")
    t = Table(title="Замечания", expand=True, show_lines=True)
    t.add_column("Важность / код / документ", ratio=1, overflow="fold")
    t.add_column("Описание", ratio=3, overflow="fold")
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    for f in sorted(result.findings, key=lambda f: order[f.severity]):
        target = f.file or (doc_type_label(f.doc_type) if f.doc_type else "досье")
        head = Text(SEVERITY_LABEL[f.severity], style=SEVERITY_STYLE[f.severity])
        head.append(f"\n{f.code}\n", style="bold")
        head.append(target, style="dim")
        t.add_row(head, f.message)
    return t


def _computed_panel(result: DossierResult) -> Panel:
    c = result.computed
    if c is None:
        return Panel("Расчёт не выполнен: недостаточно данных.", title="Возмещение")
    basis = "без НДС" if c.vat_basis == "without_vat" else "с НДС"
    lines = [
        f"Ставка возмещения: {c.rate:.0%}   Предельная сумма: {money(c.cap)}",
        f"Исторический период: {c.period_months} мес., с {c.period_start.isoformat()}",
        f"Заявлено затрат: {money(c.claimed_costs_kzt)}   Заявлено к возмещению: {money(c.claimed_reimbursement_kzt)}",
        f"Подтверждённые затраты ({basis}): {money(c.eligible_costs_kzt)}",
        f"[bold]Возмещение Q: {money(c.reimbursement_kzt)}[/bold]",
        f"Встречное обязательство N + 2Q: {money(c.counter_obligation_kzt)} (N = {money(c.prior_revenue_n)})",
    ]
    return Panel("\n".join(lines), title="Возмещение и встречное обязательство")


def application_header(result: DossierResult) -> str:
    parts = []
    if result.applicant is not None:
        parts.append(f"{result.applicant.name}, БИН {result.applicant.bin}")
    parts.append(f"Мера: {result.measure_name or result.measure}; затраты: {result.cost_name or result.cost_type}")
    parts.append(f"Дата заявки: {result.application_date.isoformat()}")
    return "\n".join(parts)


def render_dossier(result: DossierResult, console: Console) -> None:
    errors = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    warnings = sum(1 for f in result.findings if f.severity == Severity.WARNING)
    verdict = (
        Text("Досье комплектно", style="bold green")
        if result.clean
        else Text(f"Ошибок: {errors}, предупреждений: {warnings}", style="bold red" if errors else "yellow")
    )
    header = Group(Text(application_header(result), style="bold"), verdict)
    console.print(Panel(header, title=f"Досье {result.dossier_id}"))
    console.print(_documents_table(result.documents))
    console.print(_checklist_table(result))
    console.print(_findings_table(result))
    console.print(_computed_panel(result))
