"""Our date and amount parsers against dateparser, Babel and price-parser: accuracy and µs per call.

Not a test: prints a table. The cases are the formats issue 11 lists (dates with month names in eight
languages, amounts in every locale format, amounts with a currency sign or code). For each library: how
many cases it reads right and what one call costs. This is the measurement behind the choice made in
extractors/dates.py: Babel's CLDR month names are taken once at import time; no library is called per
token. dateparser and price-parser are not project dependencies; install them to compare
(`pip install dateparser price-parser`), the bench skips what is missing.

    .venv/bin/python bench/value_parsers_bench.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors import dates
from extractors.dates import parse_date
from extractors.values import find_money, parse_amount

DATES: list[tuple[str, dt.date]] = [
    ("12.03.2024", dt.date(2024, 3, 12)),
    ("2024-03-12", dt.date(2024, 3, 12)),
    ("19-04-2014", dt.date(2014, 4, 19)),
    ("12.03.24", dt.date(2024, 3, 12)),
    ("25 мар. 2022", dt.date(2022, 3, 25)),
    ("01 янв. 2023", dt.date(2023, 1, 1)),
    ("«12» марта 2024 г.", dt.date(2024, 3, 12)),
    ("2023 жылғы 9 мамыр", dt.date(2023, 5, 9)),
    ("20 Oct 2015", dt.date(2015, 10, 20)),
    ("October 20, 2015", dt.date(2015, 10, 20)),
    ("12. März 2024", dt.date(2024, 3, 12)),
    ("12 mars 2024", dt.date(2024, 3, 12)),
    ("12 maart 2024", dt.date(2024, 3, 12)),
    ("12 Mart 2024", dt.date(2024, 3, 12)),
    ("2024年3月12日", dt.date(2024, 3, 12)),
]
DATE_LANGUAGES = ["ru", "kk", "en", "de", "fr", "nl", "tr", "zh"]

# (text, value, Babel locale for it)
AMOUNTS: list[tuple[str, float, str]] = [
    ("1 234 567,89", 1234567.89, "ru"),
    ("1,234,567.89", 1234567.89, "en"),
    ("1.234.567,89", 1234567.89, "de"),
    ("1'234'567.89", 1234567.89, "de_CH"),
    ("1234567-89", 1234567.89, "ru"),
    ("12\u202f345\u202f678.90", 12345678.90, "en"),
    ("12\u00a0345,00", 12345.0, "fr"),
    ("0,5", 0.5, "ru"),
]

MONEY: list[tuple[str, float, str]] = [
    ("56,02 €", 56.02, "EUR"),
    ("€ 1.234,56", 1234.56, "EUR"),
    ("EUR 4.904,94", 4904.94, "EUR"),
    ("₹ 1,939.00", 1939.0, "INR"),
    ("$1,939.00", 1939.0, "USD"),
    ("USD 12,500.00", 12500.0, "USD"),
    ("¥ 88 000", 88000.0, "CNY"),
    ("₺ 12.345,67", 12345.67, "TRY"),
    ("12 500 тенге", 12500.0, "KZT"),
    ("₸ 12 000", 12000.0, "KZT"),
]


def _timed(fn: Callable[[], Any], rounds: int = 20) -> float:
    total = 0.0
    for _ in range(rounds):
        dates._find_dates.cache_clear()  # the dates of a text are memoised: measure real work
        t0 = time.process_time()
        fn()
        total += time.process_time() - t0
    return total / rounds


def _row(name: str, correct: int, total: int, seconds_per_case: float, note: str = "") -> None:
    print(f"  {name:34} {correct:2}/{total:<2}  {seconds_per_case * 1e6:9.1f} µs CPU per call  {note}")


def bench_dates() -> None:
    print("dates")
    n = len(DATES)
    ok = sum(parse_date(t) == v for t, v in DATES)
    _row("extractors.dates.parse_date", ok, n, _timed(lambda: [parse_date(t) for t, _ in DATES]) / n)
    try:
        import dateparser
    except ImportError:
        print("  dateparser: not installed")
        return
    settings = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first"}

    def dp(text: str) -> dt.date | None:
        found = dateparser.parse(text, languages=DATE_LANGUAGES, settings=settings)  # type: ignore[arg-type]
        return found.date() if found else None

    t0 = time.perf_counter()
    dp("01.01.2024")
    first = time.perf_counter() - t0
    ok = sum(dp(t) == v for t, v in DATES)
    missed = [t for t, v in DATES if dp(t) != v]
    _row("dateparser.parse (8 languages)", ok, n, _timed(lambda: [dp(t) for t, _ in DATES], 3) / n,
         f"first call {first:.2f} s; missed {missed}")


def bench_amounts() -> None:
    print("amounts (Babel is told the right locale; ours is not)")
    n = len(AMOUNTS)
    ok = sum(abs((parse_amount(t) or -1) - v) < 1e-6 for t, v, _ in AMOUNTS)
    _row("extractors.values.parse_amount", ok, n, _timed(lambda: [parse_amount(t) for t, _, _ in AMOUNTS]) / n)
    from babel.numbers import NumberFormatError, parse_decimal

    def babel(text: str, locale: str) -> float | None:
        try:
            return float(parse_decimal(text, locale=locale, strict=False))
        except (NumberFormatError, ValueError):
            return None

    ok = sum(abs((babel(t, loc) or -1) - v) < 1e-6 for t, v, loc in AMOUNTS)
    missed = [t for t, v, loc in AMOUNTS if abs((babel(t, loc) or -1) - v) >= 1e-6]
    _row("babel.numbers.parse_decimal", ok, n, _timed(lambda: [babel(t, loc) for t, _, loc in AMOUNTS]) / n,
         f"missed {missed}")


def bench_money() -> None:
    print("amount + currency")
    n = len(MONEY)

    def ours(text: str) -> tuple[float, str | None] | None:
        found = find_money(text)
        return (found[0].value, found[0].currency) if found else None

    ok = sum(ours(t) == (v, c) for t, v, c in MONEY)
    _row("extractors.values.find_money", ok, n, _timed(lambda: [ours(t) for t, _, _ in MONEY]) / n)
    try:
        from price_parser import Price
    except ImportError:
        print("  price-parser: not installed")
        return

    def pp(text: str) -> tuple[float | None, str | None]:
        p = Price.fromstring(text)
        return (float(p.amount) if p.amount is not None else None, p.currency)

    ok_amount = sum(pp(t)[0] == v for t, v, _ in MONEY)
    got = {t: pp(t)[1] for t, _, _ in MONEY}
    _row("price_parser.Price.fromstring", ok_amount, n, _timed(lambda: [pp(t) for t, _, _ in MONEY]) / n,
         f"amounts right; currency as printed, not a code: {got}")


def main() -> None:
    bench_dates()
    bench_amounts()
    bench_money()


if __name__ == "__main__":
    main()
