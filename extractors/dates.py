"""Dates in running text: numeric (day and month order from the text's other dates when ambiguous) and
with month names in seven languages, each with its span (``DateMatch``) for provenance.

``find_dates`` returns every date of a string; ``parse_date`` one date from a field's text; never raise:
unreadable input gives nothing. Amounts, numbers, currencies and periods: ``extractors.values``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.vocabulary import KAZAKH_FOLD, vocabulary


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    value: dt.date
    textual: bool  # month written as a word
    # 1.0 when the text leaves no doubt; lower when day and month could be swapped ("03/12/2024") and
    # the order was taken from other dates of the text (DATE_ORDER_FROM_EVIDENCE) or assumed
    # (DATE_ORDER_ASSUMED).
    confidence: float = 1.0


# Confidence of a date whose day/month order other dates of the same text decide ("25/12/2024" elsewhere)
DATE_ORDER_FROM_EVIDENCE = 0.9
# ... that the written month order of the text suggests ("October 20, 2015" elsewhere: US style)
DATE_ORDER_FROM_STYLE = 0.7
# ... that nothing decides: day first, as in Kazakhstan, Russia and most of Europe
DATE_ORDER_ASSUMED = 0.5


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    if y < 100:
        y += 2000
    try:
        value = dt.date(y, m, d)
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


@lru_cache(maxsize=1)
def _month_tables() -> tuple[dict[str, int], list[tuple[str, int]]]:
    """(every name and its folded form -> month, the names long enough to match as stems, longest first).
    OCR drops the tails of Kazakh letters ("сауір" for "сәуір"): names are also compared folded."""
    names = dict(vocabulary().month_names)
    for name, month in list(names.items()):
        names.setdefault(name.translate(KAZAKH_FOLD), month)
    stems = sorted(((n, m) for n, m in names.items() if len(n) >= _MONTH_STEM_MIN), key=lambda kv: -len(kv[0]))
    return names, stems


# A month name this long may carry an inflection ("маусымдағы", "января"); shorter abbreviations ("мар",
# "Oca", "mrt") only match as whole words.
_MONTH_STEM_MIN = 4
# Russian stems of three letters from the YAML ("май", "мая") inflect too ("мае").
_SHORT_STEM_TAIL = 7
# A word this long that begins exactly one month's name is that month cut short by OCR ("сәуі").
_MONTH_CUT_MIN = 4


def month_number(word: str) -> int | None:
    """Month of a month name or abbreviation in any inflection: "марта", "маусымдағы", "März", "Sept.",
    "мар.", "фев.", "févr.", "mrt", "Ağustos"; OCR-damaged Kazakh ("сауір", "сәуі")."""
    names, stems = _month_tables()
    for w in dict.fromkeys((word.lower().strip("."), word.lower().strip(".").translate(KAZAKH_FOLD))):
        if w in names:
            return names[w]
        for stem, num in stems:
            # Stems are prefixes; a long tail means another word that merely starts like a month.
            if w.startswith(stem) and len(w) <= len(stem) + _SHORT_STEM_TAIL:
                return num
        if len(w) >= _MONTH_CUT_MIN:
            cut = {num for name, num in stems if name.startswith(w)}
            if len(cut) == 1:
                return cut.pop()
    return None


MONTH_WORD = r"[^\W\d_]{3,}\.?"
# "1st", "2nd", "20th"; French "1er"
_ORDINAL = r"(?:st|nd|rd|th|er|re)?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    # 2024/03/12, 2024.03.12
    (re.compile(r"(?<![\d.])(\d{4})([./])(\d{1,2})\2(\d{1,2})(?![\d.])"), "ymd_sep"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s?([./])\s?(\d{1,2})\s?[./]\s?(\d{4})(?!\d)"), "dmy"),
    # 19-04-2014
    (re.compile(r"(?<![\d.-])(\d{1,2})(-)(\d{1,2})-(\d{4})(?![\d-])"), "dmy"),
    # 12.03.24: day and month in two digits each, so that a clause number ("п. 3.1.12") is not a date
    (re.compile(r"(?<![\d.])(\d{2})\.(\d{2})\.(\d{2})(?![\d.])"), "dmy2"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"), "ymd"),
    # «08» февраля 2022 г. / 19. November 2024 / 1 марта 2022 / 25 мар. 2022 / 20-Oct-2015 / 1er mars 2024
    (re.compile(rf"[«\"“]?(\d{{1,2}}){_ORDINAL}[»\"”]?\.?[\s-]+({MONTH_WORD})[\s.,-]+(\d{{4}})(?!\d)"), "d_month_y"),
    # April 25, 2024 / Oct. 20th, 2015
    (re.compile(rf"({MONTH_WORD})\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})(?!\d)"), "month_d_y"),
    # 2022 жылғы 1 маусымдағы / 2022 ж. 1 наурыз / OCR: "2025 жығы. 26-сәуір", "2025 жыҒы,3-сәуір"
    (
        re.compile(
            rf"(\d{{4}})\s*(?:ж\.|жылғы|жыл|(?i:ж)[^\W\d_]{{1,4}}\.?)\s*[,.]?\s*[«\"]?(\d{{1,2}})[»\"]?[\s-]*({MONTH_WORD})"
        ),
        "y_d_month",
    ),
]
_TEXTUAL = ("d_month_y", "month_d_y", "y_d_month")


def find_dates(text: str, day_first: bool | None = None) -> list[DateMatch]:
    """All dates in the text, in order, without overlaps (the earliest, longest match wins).

    Day and month of "03/12/2024" or "03-12-2024" could be swapped (dots are never US-style). With
    ``day_first`` None the order is taken from the text itself: other such dates that only read one way
    ("25/12/2024" → day first, "12/25/2024" → month first), else the order of written dates ("October 20,
    2015" → month first), else day first; :attr:`DateMatch.confidence` says which.
    """
    return list(_find_dates(text, day_first))


# Several extractors ask for the dates of the same document text: the scan is made once.
DATE_MEMO_TEXTS = 16


def _date_order(raw: list[tuple[re.Match[str], str]]) -> tuple[bool, float]:
    """(day first?, confidence) for the ambiguous numeric dates of one text."""
    day_first_seen = month_first_seen = 0
    for m, kind in raw:
        if kind == "dmy" and m.group(2) in "/-":
            a, b = int(m.group(1)), int(m.group(3))
            day_first_seen += a > 12 >= b
            month_first_seen += b > 12 >= a
    if day_first_seen and not month_first_seen:
        return True, DATE_ORDER_FROM_EVIDENCE
    if month_first_seen and not day_first_seen:
        return False, DATE_ORDER_FROM_EVIDENCE
    written_month_first = sum(1 for _, kind in raw if kind == "month_d_y")
    written_day_first = sum(1 for _, kind in raw if kind in ("d_month_y", "y_d_month"))
    if written_month_first and not written_day_first:
        return False, DATE_ORDER_FROM_STYLE
    return True, DATE_ORDER_ASSUMED


@lru_cache(maxsize=DATE_MEMO_TEXTS)
def _find_dates(text: str, day_first: bool | None = None) -> tuple[DateMatch, ...]:
    raw = [(m, kind) for pattern, kind in _DATE_PATTERNS for m in pattern.finditer(text)]
    order: tuple[bool, float] | None = (day_first, DATE_ORDER_FROM_EVIDENCE) if day_first is not None else None
    found: list[DateMatch] = []
    for m, kind in raw:
        value: dt.date | None = None
        confidence = 1.0
        if kind == "ymd":
            value = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif kind == "ymd_sep":
            value = _safe_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        elif kind == "dmy":
            a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if m.group(2) in "/-" and a <= 12 and b <= 12 and a != b:
                if order is None:
                    order = _date_order(raw)
                dfirst, confidence = order
                value = _safe_date(y, b, a) if dfirst else _safe_date(y, a, b)
            elif m.group(2) in "/-" and b > 12 >= a:
                value = _safe_date(y, a, b)  # only reads month first: 12/25/2024
            else:
                value = _safe_date(y, b, a)
        elif kind == "dmy2":
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
            found.append(DateMatch(m.start(), m.end(), value, kind in _TEXTUAL, confidence))
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
