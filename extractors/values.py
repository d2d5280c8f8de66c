"""Typed values in running text: dates, amounts, document numbers, currencies, periods.

Every ``find_*`` returns matches as ``(start, end, value)`` over the given string so that the caller
can map the span back to word boxes (provenance). Parsers never raise: unreadable input gives None.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.vocabulary import vocabulary

# --------------------------------------------------------------------------- amounts

# Thousands separated by (narrow) spaces, commas or apostrophes; decimals by comma, dot or dash
# ("12345678-90", a Kazakh bank form habit). Lookarounds keep us out of dates, IBANs and percentages.
_SEP = r"[ \u00a0\u202f']"
_AMOUNT_BODIES = [
    # an amount wrapped at the end of a line: "НДС 12% – 6\n625 200.00"
    rf"\d{{1,3}}(?:{_SEP}\d{{3}})*\n\d{{3}}(?:{_SEP}\d{{3}})*[.,]\d{{2}}",
    rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d{{1,2}})?",  # 12 345 678,90
    rf"\d{{4}}(?:{_SEP}\d{{3}})+[.,]\d{{2}}",  # OCR lost a space: "2537 000,00"
    # justified text stretches the spaces inside a number too ("36  970  000,00"); only with kopecks,
    # so that integers in neighbouring table columns are not glued together
    rf"\d{{1,3}}(?:{_SEP}{{1,3}}\d{{3}})+[.,]\d{{2}}",
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?",  # 1,234,567.89
    r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?",  # 1.234.567,89 (German)
    r"\d+-\d{2}(?!\d)",  # 53650-00
    r"\d+(?:[.,]\d{1,2})?",  # 2841440.00 / 12
]
AMOUNT_RE = re.compile(
    r"(?<![\w.,/-])(?:" + "|".join(_AMOUNT_BODIES) + r")(?![\w%/]|[.,]\d)",
    re.UNICODE,
)


def parse_amount(text: str | None) -> float | None:
    """'12 345 678,90' / '1,234,567.89' / '12345678-90' / '1.234,50' -> float; None when not an amount."""
    if text is None:
        return None
    s = re.sub(r"[\s\u00a0\u202f']", "", str(text))  # also joins an amount wrapped over two lines
    s = s.strip(".,;:")
    if not s or not re.fullmatch(r"[\d.,-]+", s) or not re.search(r"\d", s):
        return None
    m = re.fullmatch(r"(\d+)-(\d{2})", s)
    if m:
        return float(f"{m.group(1)}.{m.group(2)}")
    if "-" in s:
        return None
    if "," in s and "." in s:
        if s.rfind(".") > s.rfind(","):
            s = s.replace(",", "")
        else:
            s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else s.replace(",", "")
    elif s.count(".") > 1 or (s.count(".") == 1 and len(s.rpartition(".")[2]) == 3 and len(s) > 4):
        s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


def find_amounts(text: str, min_value: float = 0.0) -> list[tuple[int, int, float]]:
    out = []
    for m in AMOUNT_RE.finditer(text):
        value = parse_amount(m.group(0))
        if value is not None and value >= min_value:
            out.append((m.start(), m.end(), value))
    return out


def looks_like_money(raw: str) -> bool:
    """An amount printed with kopecks/tiyn or thousands groups, as opposed to a bare count like '5'."""
    return bool(re.search(r"[.,-]\d{2}$", raw.strip())) or bool(re.search(rf"\d{_SEP}\d{{3}}", raw))


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    value: dt.date
    textual: bool  # month written as a word


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    if y < 100:
        y += 2000
    try:
        value = dt.date(y, m, d)
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


@lru_cache(maxsize=1)
def _month_table() -> list[tuple[str, int]]:
    table: list[tuple[str, int]] = []
    for months in vocabulary().months.values():
        table.extend(months.items())
    return sorted(table, key=lambda kv: -len(kv[0]))


def month_number(word: str) -> int | None:
    """Month of a month name in any inflection: "марта", "маусымдағы", "März", "Sept.", "Ağustos"."""
    w = word.lower().strip(".")
    for stem, num in _month_table():
        # Stems are prefixes; a long tail means another word that merely starts like a month.
        if w.startswith(stem) and len(w) <= len(stem) + 7:
            return num
    return None


_MONTH_WORD = r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІіÄäÖöÜüßŞşĞğİıÇç]{3,}\.?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s?[./]\s?(\d{1,2})\s?[./]\s?(\d{4})(?!\d)"), "dmy"),
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])"), "dmy2"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"), "ymd"),
    # «08» февраля 2022 г. / 19. November 2024 / 1 марта 2022
    (re.compile(rf"[«\"“]?(\d{{1,2}})[»\"”]?\.?\s+({_MONTH_WORD})\s+(\d{{4}})"), "d_month_y"),
    # April 25, 2024
    (re.compile(rf"({_MONTH_WORD})\s+(\d{{1,2}}),?\s+(\d{{4}})"), "month_d_y"),
    # 2022 жылғы 1 маусымдағы / 2022 ж. 1 наурыз
    (re.compile(rf"(\d{{4}})\s*(?:ж\.|жылғы|жыл)\s*[«\"]?(\d{{1,2}})[»\"]?\s*({_MONTH_WORD})"), "y_d_month"),
]


def find_dates(text: str) -> list[DateMatch]:
    """All dates in the text, in order, without overlaps (the earliest, longest match wins)."""
    return list(_find_dates(text))


# Several extractors ask for the dates of the same document text: the scan is made once.
DATE_MEMO_TEXTS = 16


@lru_cache(maxsize=DATE_MEMO_TEXTS)
def _find_dates(text: str) -> tuple[DateMatch, ...]:
    found: list[DateMatch] = []
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            value: dt.date | None = None
            textual = kind in ("d_month_y", "month_d_y", "y_d_month")
            if kind == "ymd":
                value = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            elif kind in ("dmy", "dmy2"):
                value = _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            elif kind == "d_month_y":
                mon = month_number(m.group(2))
                value = _safe_date(int(m.group(3)), mon, int(m.group(1))) if mon else None
            elif kind == "month_d_y":
                mon = month_number(m.group(1))
                value = _safe_date(int(m.group(3)), mon, int(m.group(2))) if mon else None
            elif kind == "y_d_month":
                mon = month_number(m.group(3))
                value = _safe_date(int(m.group(1)), mon, int(m.group(2))) if mon else None
            if value is not None:
                found.append(DateMatch(m.start(), m.end(), value, textual))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[DateMatch] = []
    for d in found:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return tuple(out)


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    found = find_dates(text)
    return found[0].value if found else None


# --------------------------------------------------------------------------- periods

_PERIOD_PATTERNS = [
    # за ноябрь 2023 г. / for April 2024 / 2024 ж. шілде айына
    re.compile(rf"(?:за|for|für|period|период\w*|кезең\w*)\s*:?\s*({_MONTH_WORD})\s+(\d{{4}})", re.IGNORECASE),
    re.compile(rf"(\d{{4}})\s*(?:ж\.|жылғы|жыл)?\s*({_MONTH_WORD})\s*(?:айы|айына|айындағы|ай)", re.IGNORECASE),
    re.compile(rf"^\s*({_MONTH_WORD})\s+(\d{{4}})\s*(?:г\.|года|год)?\s*$", re.IGNORECASE),
    re.compile(r"(?:за|for|period|период\w*)\s*:?\s*(\d{1,2})[./](\d{4})(?!\d)", re.IGNORECASE),
]


def find_period(text: str) -> tuple[int, int, str] | None:
    """A payroll month as 'YYYY-MM' with its span, from 'за ноябрь 2023', '2024 ж. шілде айына', 'за 11.2023'."""
    for pattern in _PERIOD_PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.group(1), m.group(2)
            if a.isdigit() and b.isdigit():
                month, year = int(a), int(b)
            elif a.isdigit():
                year, month = int(a), month_number(b) or 0
            else:
                month, year = month_number(a) or 0, int(b)
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return m.start(), m.end(), f"{year:04d}-{month:02d}"
    return None


# --------------------------------------------------------------------------- document numbers

# "№ 4-02/22", "No. KZ-2024-015", "Nr. EXP-2461", "N 15", OCR "Ме"/"М" for "№".
# OCR reads "№" as "Ме", "Мо", "Хо" or "N".
NUMBER_SIGN = r"(?:№|N[ºo°]\.?|No\.?|Nr\.?|Nº|#|(?<![\w])(?:Ме|Мо|Хо)(?=\s*[\w])|N(?=\s*\d))"
NUMBER_TOKEN = r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9][A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9/\-_.]*[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9]|[0-9]"
NUMBER_AFTER_SIGN_RE = re.compile(rf"{NUMBER_SIGN}\s*[:：]?\s*({NUMBER_TOKEN})", re.UNICODE)


def clean_number(raw: str) -> str:
    """A document number as printed, without the sign and trailing punctuation."""
    s = re.sub(rf"^\s*{NUMBER_SIGN}\s*", "", raw.strip())
    return s.strip(" .,;:()«»\"")


# --------------------------------------------------------------------------- currencies


def find_currencies(text: str) -> list[tuple[int, int, str]]:
    out = []
    for code, pattern in vocabulary().currencies:
        for m in pattern.finditer(text):
            out.append((m.start(), m.end(), code))
    out.sort()
    return out


def currency_near(text: str, start: int, end: int, window: int = 25) -> str | None:
    """The currency written right after (preferred) or before an amount span."""
    after = text[end : end + window]
    before = text[max(0, start - window) : start]
    best: tuple[int, str] | None = None
    for s, _, code in find_currencies(after):
        if best is None or s < best[0]:
            best = (s, code)
    if best is not None and best[0] <= window:
        return best[1]
    cands = find_currencies(before)
    return cands[-1][2] if cands else None


# --------------------------------------------------------------------------- comparing numbers

# OCR mixes look-alike Latin and Cyrillic letters and confuses letters with digits ("ЕХР-2461" for
# "EXP-2461", "897-2023/3В" for "897-2023/ЗВ"). Two numbers that map to the same key are the same
# number as far as a cross-document check is concerned.
_NUMBER_KEY = str.maketrans(
    {
        "А": "A", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "0", "O": "0", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "З": "3", "І": "1", "I": "1", "L": "1", "Z": "2", "S": "5", "Ё": "E",
        # letters OCR takes for digits (and back): B/8 (also Cyrillic В), | for 1
        "B": "8", "В": "8", "|": "1",
    }
)


def number_key(number: str) -> str:
    """A comparison key for document numbers that ignores case, spaces, "№" and OCR look-alikes
    (Cyrillic/Latin twins, O/0, З/3, I/l/1, Z/2, S/5, B/8). For comparing only, never for display:
    "К2-2023-052" and "KZ-2023-052" get the same key."""
    s = re.sub(rf"^\s*{NUMBER_SIGN}\s*", "", number.strip())
    s = re.sub(r"\s+", "", s).upper()
    return s.translate(_NUMBER_KEY)
