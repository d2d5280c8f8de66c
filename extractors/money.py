"""Money figures in a document's text and the record of its money fields, shared by the amount readers.

``MONEY`` finds sums (not years, percentages or parts of dates) for ``extractors.amounts``,
``extractors.totals_rows``, ``extractors.spelt_amounts``, ``extractors.payroll`` and
``extractors.candidates``; ``VAT_RATES`` are the rates a sum may carry; ``MoneyFound`` holds what a
reader found of (total, VAT, amount without VAT, currency, VAT rate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.dates import find_dates
from extractors.found import Found
from extractors.regions import ParsedValue, Parser
from extractors.values import currency_near, find_amounts, looks_like_money
from extractors.view import DocView, VLine

VAT_RATES = (0.12, 0.16, 0.05, 0.10, 0.19, 0.20, 0.13, 0.18)
# Kazakhstan's own rates (validators/rules/vat.yaml: 12 % until 2025, 16 % from 2026): what a sum in tenge may carry.
KZ_VAT_RATES = (0.12, 0.16)
PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%")


@dataclass
class MoneyFound:
    total: Found | None = None
    vat: Found | None = None
    without_vat: Found | None = None
    currency: Found | None = None
    vat_rate: Found | None = None


# A bare four-digit number in this range next to a year marker, or with nothing marking it as money,
# is a year ("2025 года", "2025 ж.", "в 2025"), never a price.
_YEAR_RANGE = (1900, 2100)
_YEAR_AFTER = re.compile(r"\s*(?:г\.|гг?\b|год\w*|ж\.|жыл\w*|year|jahr|年)", re.IGNORECASE)


def _is_year(text: str, s: int, e: int, value: float) -> bool:
    raw = text[s:e]
    if not re.fullmatch(r"\d{4}", raw) or not _YEAR_RANGE[0] <= value <= _YEAR_RANGE[1]:
        return False
    if _YEAR_AFTER.match(text[e : e + 8]):
        return True
    return currency_near(text, s, e, window=6) is None


def _in_date(dates: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(ds < e and s < de for ds, de in dates)


def _money_parser(min_value: float = 1.0) -> Parser:
    def parse(text: str) -> list[ParsedValue]:
        out: list[ParsedValue] = []
        dates: list[tuple[int, int]] | None = None
        for s, e, v in find_amounts(text, min_value):
            raw = text[s:e]
            if not looks_like_money(raw) and v < 1000:
                continue
            if PERCENT.match(text[s:]) or re.match(r"\s*%", text[e:]):
                continue
            if _is_year(text, s, e, v):
                continue
            if not looks_like_money(raw):
                # a date fragment ("от 01.03.2025", "2025 жылғы 5 наурыз") is not an amount
                if dates is None:
                    dates = [(d.start, d.end) for d in find_dates(text)]
                if _in_date(dates, s, e):
                    continue
            out.append((s, e, v, 1.0))
        return out

    return parse


MONEY = _money_parser()


def found_amount(view: DocView, line: VLine, s: int, e: int, value: float) -> Found:
    gs, ge = line.start + s, line.start + e
    return Found(value=value, raw=view.text[gs:ge], words=view.words_in(gs, ge))


# A printed sum is the VAT share of the total when it equals total × rate / (1 + rate) to within this
# (the VAT is rounded to the tiyn, and the total may have been rounded the other way).
VAT_SHARE_TOLERANCE = 0.011


def vat_linked(without_vat: float, with_vat: float) -> bool:
    """``with_vat`` = ``without_vat`` × (1 + a VAT rate), VAT rounded to the tiyn."""
    return any(abs(without_vat * (1 + rate) - with_vat) <= VAT_SHARE_TOLERANCE for rate in VAT_RATES)
