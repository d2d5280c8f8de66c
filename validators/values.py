"""Tolerant readers of extracted values, and the small date arithmetic the checks need.

Extractors are supposed to normalise values (ISO dates, decimal amounts, 12-digit BINs), but a
validator must not crash or accuse on a value in an unexpected shape: every reader here returns
``None`` for what it cannot interpret, and the checks treat ``None`` as "not read".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from extractors.values import number_key
from models.domain import DocumentExtraction, Evidence, ExtractedValue

CENT = Decimal("0.01")

# Cyrillic letters that look like Latin ones: OCR and typists mix them in document numbers.
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def raw(ev: ExtractedValue | None) -> Any:
    return None if ev is None else ev.value


def trusted(ev: ExtractedValue | None, min_confidence: float) -> bool:
    """A value good enough to accuse the applicant with (present and read confidently)."""
    return ev is not None and ev.value is not None and ev.confidence >= min_confidence


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, ExtractedValue):
        return as_decimal(value.value)
    s = re.sub(r"[^\d,.\-]", "", str(value).replace("\u00a0", " ").replace(" ", ""))
    m = re.fullmatch(r"(\d+)-(\d{2})", s)  # "12345678-90"
    if m:
        s = f"{m.group(1)}.{m.group(2)}"
    elif "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = f"{head.replace(',', '')}.{tail}" if len(tail) <= 2 else s.replace(",", "")
    try:
        return Decimal(s) if s and s not in {"-", "."} else None
    except InvalidOperation:
        return None


def as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, ExtractedValue):
        return as_date(value.value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    try:
        m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$", s)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def as_month(value: Any) -> tuple[int, int] | None:
    """A payroll month as (year, month) from "2024-03", "03.2024", "2024-03-31" or a date."""
    if value is None:
        return None
    if isinstance(value, ExtractedValue):
        return as_month(value.value)
    if isinstance(value, dt.date):
        return value.year, value.month
    s = str(value).strip()
    m = re.match(r"^(\d{4})[-./](\d{1,2})", s) or None
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = re.match(r"^(?:\d{1,2}[./])?(\d{1,2})[./](\d{4})$", s)
        if not m:
            return None
        year, month = int(m.group(2)), int(m.group(1))
    return (year, month) if 1 <= month <= 12 else None


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def subtract_months(day: dt.date, months: int) -> dt.date:
    """Calendar months back, clamping the day (2024-02-29 minus 12 months is 2023-02-28)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def norm_number(value: Any) -> str | None:
    """A document number for comparison: the extractors' OCR-tolerant key (case, "№", look-alike
    letters and digits folded), keeping only letters and digits ("15/22", "15-22" and "15 / 22" are
    written variants of one number)."""
    if value is None:
        return None
    s = number_key(str(value).translate(_DASHES))
    s = re.sub(r"[\W_]+", "", s)
    return s or None


def norm_bin(value: Any) -> str | None:
    if value is None:
        return None
    digits = re.sub(r"[\s\u00a0-]", "", str(value))
    return digits or None


# The national currency: amounts in it need no declared exchange rate, and Kazakhstan's VAT applies.
KZT = "KZT"


def norm_currency(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip().upper()
    aliases = {
        "ТЕНГЕ": "KZT",
        "ТГ": "KZT",
        "ТГ.": "KZT",
        "₸": "KZT",
        "ТЕҢГЕ": "KZT",
        "RMB": "CNY",
        "$": "USD",
        "€": "EUR",
    }
    return aliases.get(s, s) or None


def same_currency(a: str | None, b: str | None) -> bool:
    """Unknown currency is taken as compatible: a missing value must not create a mismatch."""
    return a is None or b is None or a == b


def evidence(
    doc: DocumentExtraction, field: str, ev: ExtractedValue | None, note: str | None = None
) -> Evidence:
    return Evidence(
        file=doc.file,
        field=field,
        value=_jsonable(raw(ev)),
        provenance=ev.provenance if ev is not None else None,
        note=note,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
