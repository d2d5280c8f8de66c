"""The printable report of a dossier for the case file (PDF, fpdf2 with DejaVu fonts for Cyrillic).

It prints what the dossier page shows (the same ``dossier_context``): facts, deadline and decision,
completeness, findings with evidence and verdicts, the reimbursement step by step, the audit log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from api.web.i18n import gettext
from foundation.gettext_marks import N_
from foundation.settings import Settings
from validators.labels import MANUAL_CHECKS_LEFT, NO_FINDINGS, NOT_DECLARED

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core, installed by scripts/setup.sh
FONT = "DejaVu"
_GREY = (90, 100, 112)
_HEAD_FILL = (236, 240, 245)
_CELL_PADDING = 1.2  # mm around a table cell's text
_SEVERITY_COLOURS = {"error": (180, 35, 24), "warning": (154, 91, 0), "info": (23, 92, 211)}


class ReportFontMissing(RuntimeError):
    """The DejaVu fonts are not installed (``apt-get install fonts-dejavu-core``)."""


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
            path = FONT_DIR / name
            if not path.exists():
                raise ReportFontMissing(f"Нет шрифта {path}: установите пакет fonts-dejavu-core.")
            self.add_font(FONT, style, str(path))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.set_font(FONT, size=9.5)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*_GREY)
        page = gettext("стр. %(page)s из %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, f"{self.footer_text}   ·   {page}", align="C")
        self.set_text_color(0, 0, 0)


def dossier_report_pdf(context: dict[str, Any], printed_by: str, settings: Settings) -> bytes:
    app = context["app"]
    now = dt.datetime.now(ZoneInfo(settings.web.display_timezone)).strftime("%d.%m.%Y %H:%M")
    pdf = _Report(gettext("Досье %(dossier)s · сформировано %(now)s, %(by)s") % {"dossier": app.dossier_id, "now": now, "by": printed_by})
    pdf.add_page()
    _title(pdf, context)
    _facts(pdf, context)
    _eligibility(pdf, context)
    _checklist(pdf, context)
    _findings(pdf, context)
    _computation(pdf, context)
    _audit(pdf, context)
    return bytes(pdf.output())


def _heading(pdf: _Report, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(200, 208, 218)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(FONT, size=9.5)


def _paragraph(
    pdf: _Report, text: str, bold: bool = False, size: float = 9.5, colour: tuple[int, int, int] | None = None
) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    if colour:
        pdf.set_text_color(*colour)
    pdf.multi_cell(0, 4.8, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=9.5)


def _table(
    pdf: _Report,
    headings: list[str] | None,
    rows: list[list[str]],
    widths: tuple[int, ...],
    size: float = 8.5,
    label_column: bool = False,
) -> None:
    """A table; ``label_column``: the first column names what the second says (key / value)."""
    all_rows = ([headings] if headings else []) + rows
    fitted = _word_widths(pdf, all_rows, widths, size, bold_first=headings is not None)
    pdf.set_font(FONT, size=size)
    with pdf.table(
        col_widths=fitted,
        line_height=4.4,
        padding=_CELL_PADDING,
        text_align="LEFT",
        first_row_as_headings=headings is not None,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for values in all_rows:
            row = table.row()
            for index, value in enumerate(values):
                style = FontFace(color=_GREY) if label_column and index == 0 else None
                row.cell(value, style=style)
    pdf.set_font(FONT, size=9.5)
    pdf.ln(1.5)


def _word_widths(
    pdf: _Report, rows: list[list[str]], widths: tuple[int, ...], size: float, bold_first: bool
) -> tuple[float, ...]:
    """The columns' widths, each widened to its longest word where the others can spare the room:
    a table cell wraps at spaces, and a word wider than its column would be cut in two («подтверждае-
    т»). What a column gains comes from the others' room beyond their own longest word."""
    need = []
    for column in range(len(widths)):
        longest = 0.0
        for index, values in enumerate(rows):
            pdf.set_font(FONT, "B" if bold_first and index == 0 else "", size)
            for word in str(values[column] if column < len(values) else "").split():
                longest = max(longest, pdf.get_string_width(word))
        need.append(longest + 2 * _CELL_PADDING + 0.5)
    pdf.set_font(FONT, size=9.5)
    short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    spare = [max(0.0, w - n) for n, w in zip(need, widths, strict=True)]
    if short == 0 or short > sum(spare):
        return tuple(float(w) for w in widths)  # nothing to do, or too little room: as drawn
    give = short / sum(spare)
    return tuple(
        max(float(w), n) if n > w else w - s * give for n, w, s in zip(need, widths, spare, strict=True)
    )


def _title(pdf: _Report, c: dict[str, Any]) -> None:
    app = c["app"]
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7, gettext("Отчёт о проверке досье на возмещение затрат"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 6, f"{app.applicant_name}, " + gettext("БИН") + f" {app.applicant_bin}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9.5)
    pdf.ln(1)


def _facts(pdf: _Report, c: dict[str, Any]) -> None:
    app = c["app"]
    decision = c["decision_label"]
    if app.review_decision:
        decision += f" — {c['reviewed_by']}, {c['reviewed_at']}"
        if app.review_comment:
            decision += f"; «{app.review_comment}»"
    counts = c["counts"]
    rows = [
        [gettext("Досье"), app.dossier_id],
        [gettext("Мера"), c["measure"]],
        [gettext("Вид затрат"), c["cost_name"]],
        [gettext("Дата заявки"), c["application_date"]],
        [gettext("Поступила"), c["submitted"]],
        [gettext("Зарегистрирована"), c["registered"]],
        [gettext("Проверка"), f"{c['status_label']}, {c['checked_at']}"],
        [
            gettext("Замечания"),
            ", ".join(
                f"{gettext(name)} {counts[severity]}"
                + (
                    " (" + gettext("открыто %(n)s") % {"n": c["open_counts"][severity]} + ")"
                    if c["open_counts"][severity] != counts[severity]
                    else ""
                )
                for name, severity in (
                    (N_("ошибок"), "error"),
                    (N_("предупреждений"), "warning"),
                    (N_("сведений"), "info"),
                )
            ),
        ],
        [gettext("Срок рассмотрения"), c["clock"].text],
        [gettext("Решение проверяющего"), decision],
    ]
    _table(pdf, None, rows, (42, 138), size=9, label_column=True)


def _checklist(pdf: _Report, c: dict[str, Any]) -> None:
    _heading(pdf, gettext("Комплектность"))
    if not c["checklist"]:
        _paragraph(pdf, gettext("Проверка ещё не выполнена."))
        return
    rows = [
        [item.label, item.status_label, ", ".join(name for name, _ in item.files) or "—"]
        for item in c["checklist"]
    ]
    _table(pdf, [gettext("Документ"), gettext("Статус"), gettext("Файлы")], rows, (80, 30, 70))


def _eligibility(pdf: _Report, c: dict[str, Any]) -> None:
    _heading(pdf, gettext("Условия участия"))
    rows = []
    for view in c.get("eligibility") or []:
        item = view.state
        decided = item.verdict_label
        if item.verdict:
            decided += f"\n{view.decided_by}, {view.decided_at}" + (f"\n«{item.comment}»" if item.comment else "")
        rows.append([item.label, item.declared_text or gettext(NOT_DECLARED), decided])
    if not rows:
        _paragraph(pdf, gettext("Условий участия на дату заявки в справочнике нет."))
        return
    _table(pdf, [gettext("Условие"), gettext("Заявлено"), gettext("Решение проверяющего")], rows, (90, 35, 55))


def _findings(pdf: _Report, c: dict[str, Any]) -> None:
    _heading(pdf, gettext("Замечания"))
    if c["result"] is None:
        _paragraph(pdf, gettext("Проверка ещё не выполнена."))
        return
    if not c["groups"]:
        manual = "; ".join(c.get("manual_checks") or [])
        _paragraph(pdf, f"{gettext(NO_FINDINGS)}." + (f" {gettext(MANUAL_CHECKS_LEFT)}: {manual}." if manual else ""))
        return
    for group in c["groups"]:
        _paragraph(pdf, f"{group.heading} ({len(group.findings)})", bold=True, size=10.5)
        for index, f in enumerate(group.findings, start=1):
            head = f"{index}. {f.label}" + (f" — {f.file}" if f.file else "")
            _paragraph(pdf, head, bold=True, colour=_SEVERITY_COLOURS.get(f.severity))
            _paragraph(pdf, f.message)
            for e in f.evidence:
                where = f"{e.file}: " if e.file else ""
                note = f" ({e.note})" if e.note else ""
                _paragraph(pdf, f"    • {where}{e.label} — {e.value}{note}", size=8.5, colour=_GREY)
            if f.verdict:
                comment = f" — «{f.verdict_comment}»" if f.verdict_comment else ""
                _paragraph(
                    pdf, "    " + gettext("Решение") + f": {f.verdict_label}, {f.verdict_by}, {f.verdict_at}{comment}", size=8.5
                )
            pdf.ln(1.2)


def _computation(pdf: _Report, c: dict[str, Any]) -> None:
    _heading(pdf, gettext("Расчёт возмещения и встречного обязательства"))
    computation = c["computation"]
    if computation is None:
        _paragraph(pdf, gettext("Расчёт не выполнен: недостаточно данных или проверка не завершена."))
        return
    for chain in computation.chains:
        title = chain.title + (f" ({chain.contract.file})" if chain.contract else "")
        _paragraph(pdf, title, bold=True)
        if chain.documents:
            rows = [
                [
                    f"{d.role}\n{d.file}",
                    d.number,
                    d.date,
                    d.total if computation.computed.vat_basis == "not_applicable" else d.without_vat,
                    (d.step_status or gettext("подтверждает")) + (f"\n{d.conversion}" if d.conversion else ""),
                    d.counted or "",
                ]
                for d in chain.documents
            ]
            amount_heading = (
                gettext("Сумма") if computation.computed.vat_basis == "not_applicable" else gettext("Без НДС")
            ) + (f", {chain.unit}" if chain.unit else "")
            headings = [
                gettext("Документ"),
                gettext("№"),
                gettext("Дата"),
                amount_heading,
                gettext("В расчёте"),
                gettext("Учтено, тенге"),
            ]
            _table(pdf, headings, rows, (54, 16, 20, 34, 24, 32))
    if computation.costs is not None:
        costs = computation.costs
        _table(
            pdf,
            [gettext("Заявлено в заявке"), gettext("Подтверждено документами"), gettext("Разница")],
            [[costs.declared, costs.confirmed, costs.difference]],
            (60, 60, 60),
        )
    _table(pdf, None, [[line.what, line.value] for line in computation.lines], (70, 110), label_column=True)


def _audit(pdf: _Report, c: dict[str, Any]) -> None:
    _heading(pdf, gettext("Журнал действий"))
    if not c["audit"]:
        _paragraph(pdf, gettext("Действий не было."))
        return
    rows = [
        [
            a.at,
            a.who,
            a.action + (f"\n{a.subject}" if a.subject else ""),
            " → ".join(x for x in (a.before, a.after) if x) or "",
            (f"«{a.comment}» " if a.comment else "") + a.outcome,
        ]
        for a in c["audit"]
    ]
    _table(pdf, [gettext("Когда"), gettext("Кто"), gettext("Действие"), gettext("Было → стало"), gettext("Комментарий, итог")], rows, (24, 26, 46, 40, 44))
