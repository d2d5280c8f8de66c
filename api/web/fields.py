"""The correctable fields of a document: Russian labels, display formats, and parsing what a reviewer types.

Paths are those of ``casework.corrections`` ("amounts.vat", "parties.supplier.bin", …), which is also
what findings name in their evidence, so a finding's evidence leads straight to its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from api.web.i18n import current_lang, doc_type_title, gettext, tenge
from casework.corrections import (
    AMOUNT_FIELDS,
    CONTRACT_REF_FIELDS,
    PARTY_FIELDS,
    PAYROLL_TOTAL_FIELDS,
    TOP_LEVEL_VALUES,
)
from foundation.gettext_marks import N_
from models.domain import DocType, DocumentExtraction, ExtractedValue
from validators.finding_texts import role_name
from validators.findings import fmt_date, fmt_money, fmt_pct
from validators.values import as_date, as_decimal, as_month

LABELS: dict[str, str] = {
    "doc_type": N_("Тип документа"),
    "language": N_("Язык документа"),
    "number": N_("Номер документа"),
    "date": N_("Дата документа"),
    "amount_words": N_("Сумма прописью"),
    "period": N_("Период (месяц)"),
    "payment_purpose": N_("Назначение платежа"),
    "knp": N_("КНП"),
    "amounts.total": N_("Сумма всего"),
    "amounts.vat": N_("НДС"),
    "amounts.amount_without_vat": N_("Сумма без НДС"),
    "amounts.currency": N_("Валюта"),
    "amounts.vat_rate": N_("Ставка НДС"),
    "contract_ref.number": N_("Договор: номер"),
    "contract_ref.date": N_("Договор: дата"),
    "payroll_totals.accrued": N_("Ведомость: начислено"),
    "payroll_totals.withheld": N_("Ведомость: удержано"),
    "payroll_totals.net": N_("Ведомость: к выплате"),
}
# Evidence sometimes names a whole group of fields rather than one value.
GROUP_LABELS = {
    "parties": N_("Стороны документа"),
    "amounts": N_("Суммы"),
    "contract_ref": N_("Ссылка на договор"),
    "payroll_rows": N_("Строки ведомости"),
    "payroll_totals": N_("Итоги ведомости"),
}
PARTY_FIELD_LABELS = {"name": N_("наименование"), "bin": N_("БИН/ИИН"), "iban": N_("ИИК (IBAN)"), "bic": N_("БИК")}
LANGUAGE_LABELS = {
    "ru": N_("русский"),
    "kk": N_("казахский"),
    "en": N_("английский"),
    "de": N_("немецкий"),
    "zh": N_("китайский"),
    "tr": N_("турецкий"),
}
MONEY_PATHS = frozenset(
    {"amounts.total", "amounts.vat", "amounts.amount_without_vat"}
    | {f"payroll_totals.{f}" for f in PAYROLL_TOTAL_FIELDS}
)
DATE_PATHS = frozenset({"date", "contract_ref.date"})
# Offered in the "add a value the reader missed" list of a document page.
ADDABLE_PATHS = (
    "number",
    "date",
    "amounts.total",
    "amounts.vat",
    "amounts.amount_without_vat",
    "amounts.currency",
    "contract_ref.number",
    "contract_ref.date",
    "knp",
    "period",
)
_BIN_DIGITS = 12
_NBSP = "\u00a0"


class FieldValueError(ValueError):
    """What the reviewer typed is not a value of that field (Russian message)."""


def field_label(path: str, shown: bool = False) -> str:
    """The field's name: in Russian for what is stored (audit details), in the reader's language when
    ``shown`` on a page."""
    say = gettext if shown else _same
    if path in LABELS:
        return say(LABELS[path])
    if path in GROUP_LABELS:
        return say(GROUP_LABELS[path])
    head, _, rest = path.partition(".")
    if head == "parties":
        role, _, name = rest.partition(".")
        role_label = role_name(role, current_lang() if shown else "ru")
        role_label = f"{role_label[:1].upper()}{role_label[1:]}"
        if not name:  # "parties.supplier": the party as a whole
            return role_label
        return f"{role_label}: {say(PARTY_FIELD_LABELS[name]) if name in PARTY_FIELD_LABELS else name}"
    return path


def _same(text: str) -> str:
    return text


def is_value_path(path: str) -> bool:
    """True for a path naming one value of a document (a row of its page), not a group of them."""
    head, _, rest = path.partition(".")
    if not rest:
        return head in TOP_LEVEL_VALUES or head in ("doc_type", "language")
    if head == "parties":
        role, _, name = rest.partition(".")
        return bool(role) and name in PARTY_FIELDS
    groups = {
        "amounts": AMOUNT_FIELDS,
        "contract_ref": CONTRACT_REF_FIELDS,
        "payroll_totals": PAYROLL_TOTAL_FIELDS,
    }
    return rest in groups.get(head, ())


def language_label(code: str | None) -> str:
    if code in LANGUAGE_LABELS:
        return gettext(LANGUAGE_LABELS[code])
    return code or gettext("не определён")


def row_id(path: str) -> str:
    """An HTML id for a field path ("amounts.vat" -> "f-amounts-vat")."""
    return "f-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def value_at(doc: DocumentExtraction, path: str) -> ExtractedValue | None:
    head, _, rest = path.partition(".")
    if not rest:
        found = getattr(doc, head, None) if head in TOP_LEVEL_VALUES else None
        return found if isinstance(found, ExtractedValue) else None
    if head == "amounts" and doc.amounts is not None and rest in AMOUNT_FIELDS:
        return getattr(doc.amounts, rest)  # type: ignore[no-any-return]
    if head == "contract_ref" and doc.contract_ref is not None and rest in CONTRACT_REF_FIELDS:
        return getattr(doc.contract_ref, rest)  # type: ignore[no-any-return]
    if head == "payroll_totals" and doc.payroll_totals is not None and rest in PAYROLL_TOTAL_FIELDS:
        return getattr(doc.payroll_totals, rest)  # type: ignore[no-any-return]
    if head == "parties":
        role, _, name = rest.partition(".")
        party = next((p for p in doc.parties if p.role == role), None)
        if party is not None and name in PARTY_FIELDS:
            return getattr(party, name)  # type: ignore[no-any-return]
    return None


def value_paths(doc: DocumentExtraction) -> Iterator[str]:
    """Every path of ``doc`` that holds a value, in reading order of a document page."""
    for name in ("number", "date"):
        if getattr(doc, name) is not None:
            yield name
    for party in doc.parties:
        for name in PARTY_FIELDS:
            if getattr(party, name) is not None:
                yield f"parties.{party.role}.{name}"
    for group, names in (
        ("contract_ref", CONTRACT_REF_FIELDS),
        ("amounts", AMOUNT_FIELDS),
        ("payroll_totals", PAYROLL_TOTAL_FIELDS),
    ):
        holder = getattr(doc, group)
        if holder is not None:
            for name in names:
                if getattr(holder, name) is not None:
                    yield f"{group}.{name}"
    for name in ("amount_words", "period", "payment_purpose", "knp"):
        if getattr(doc, name) is not None:
            yield name


def format_value(path: str, value: Any, currency: str | None = None) -> str:
    """A value as a reviewer reads it: "2 822 400,00 тенге", "20.01.2023", "12 %"."""
    if value is None:
        return "—"
    if path in MONEY_PATHS:
        amount = as_decimal(value)
        return tenge(fmt_money(amount, currency)) if amount is not None else str(value)
    if path in DATE_PATHS:
        day = as_date(value)
        return fmt_date(day) if day is not None else str(value)
    if path == "period":  # a payroll month: "03.2024", like the dates
        month = as_month(value)
        return f"{month[1]:02d}.{month[0]}" if month is not None else str(value)
    if path == "amounts.vat_rate":
        rate = as_decimal(value)
        return f"{fmt_pct(rate)} %" if rate is not None else str(value)
    if path == "doc_type":
        return doc_type_title(str(value))
    if path == "language":
        return language_label(str(value))
    return str(value)


def input_text(path: str, value: Any) -> str:
    """The value pre-filled in a correction form (parsed back by ``parse_value``)."""
    if value is None:
        return ""
    if path in MONEY_PATHS:
        amount = as_decimal(value)
        # Grouped with plain spaces ("320 400,00"): what a reviewer reads on the page and retypes.
        return (
            fmt_money(amount).removesuffix(" тенге").replace(_NBSP, " ") if amount is not None else str(value)
        )
    if path in DATE_PATHS:
        day = as_date(value)
        return fmt_date(day) if day is not None else str(value)
    if path == "amounts.vat_rate":
        rate = as_decimal(value)
        return fmt_pct(rate) if rate is not None else str(value)
    return str(value)


def raw_differs(path: str, raw: str | None, value: Any) -> bool:
    """True when the printed text says more than the value shows (e.g. "2 822 4OO,00" read as a
    number): only then is it worth a line under the value."""
    if raw is None or value is None:
        return False
    if path in MONEY_PATHS or path in DATE_PATHS or path == "amounts.vat_rate":
        return re.sub(r"\D", "", raw) != re.sub(r"\D", "", input_text(path, value))
    return raw.strip() != str(value).strip()


def parse_value(path: str, text: str) -> Any:
    """The JSON value of ``path`` from what a reviewer typed; ``FieldValueError`` says what is wrong."""
    text = (text or "").strip()
    if not text:
        raise FieldValueError(gettext("Введите значение. Чтобы вернуть прочитанное, отмените исправление."))
    if path in MONEY_PATHS:
        amount = as_decimal(text)
        if amount is None or not re.fullmatch(r"[\d\s\u00a0.,]+", text) or amount < 0:
            raise FieldValueError(gettext("«{text}» — не сумма. Пример: 302 400,00.").format(text=text))
        return float(amount.quantize(Decimal("0.01")))
    if path in DATE_PATHS:
        day = as_date(text)
        if day is None:
            raise FieldValueError(gettext("«{text}» — не дата. Пример: 20.01.2023.").format(text=text))
        return day.isoformat()
    if path == "period":
        month = as_month(text)
        if month is None:
            raise FieldValueError(gettext("«{text}» — не месяц. Пример: 03.2024.").format(text=text))
        return f"{month[0]:04d}-{month[1]:02d}"
    if path == "amounts.vat_rate":
        rate = as_decimal(text.rstrip("% "))
        if rate is None or rate < 0:
            raise FieldValueError(gettext("«{text}» — не ставка. Пример: 12.").format(text=text))
        return float(rate / 100 if rate >= 1 else rate)
    if path == "amounts.currency":
        code = text.upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise FieldValueError(gettext("«{text}» — не код валюты. Пример: KZT, USD.").format(text=text))
        return code
    if path == "doc_type":
        if text not in {t.value for t in DocType}:
            raise FieldValueError(gettext("Неизвестный тип документа «{text}».").format(text=text))
        return text
    if path == "language":
        if text not in LANGUAGE_LABELS:
            raise FieldValueError(gettext("Неизвестный язык «{text}».").format(text=text))
        return text
    if path.endswith(".bin"):
        digits = re.sub(r"\D", "", text)
        if len(digits) != _BIN_DIGITS or len(re.sub(r"[\s\d]", "", text)) > 0:
            raise FieldValueError(gettext("БИН/ИИН — это {digits} цифр, введено «{text}».").format(digits=_BIN_DIGITS, text=text))
        return digits
    if path == "knp":
        if not re.fullmatch(r"\d{3}", text):
            raise FieldValueError(gettext("КНП — это 3 цифры, введено «{text}».").format(text=text))
        return text
    return text
