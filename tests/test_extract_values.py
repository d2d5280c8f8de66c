"""Dates, amounts, periods, numbers and currencies as written in ru / kk / en / de / zh documents."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.values import (
    clean_number,
    currency_near,
    find_amounts,
    find_dates,
    find_period,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("01.03.2022", dt.date(2022, 3, 1)),
        ("Дата: 1.3.2022", dt.date(2022, 3, 1)),
        ("2022-03-01", dt.date(2022, 3, 1)),
        ("1 марта 2022 г.", dt.date(2022, 3, 1)),
        ("«01» марта 2022 года", dt.date(2022, 3, 1)),
        ("г. Алматы «27» июля 2023 года", dt.date(2023, 7, 27)),
        ("2022 жылғы 1 наурыз", dt.date(2022, 3, 1)),
        ("2022 жылғы 1 маусымдағы № 308 бұйрығымен", dt.date(2022, 6, 1)),
        ("«01» наурыз 2022 ж.", dt.date(2022, 3, 1)),
        ("15 қыркүйек 2023 ж.", dt.date(2023, 9, 15)),
        ("April 25, 2024", dt.date(2024, 4, 25)),
        ("Date 5 August 2024", dt.date(2024, 8, 5)),
        ("Düsseldorf 19. November 2024", dt.date(2024, 11, 19)),
        ("Datum 7. März 2025", dt.date(2025, 3, 7)),
        ("签订地点：无锡市 2023年10月14日", dt.date(2023, 10, 14)),
        ("12 Ağustos 2024", dt.date(2024, 8, 12)),
    ],
)
def test_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_impossible_dates_are_not_dates() -> None:
    assert parse_date("31.02.2022") is None
    assert find_dates("ИИН 850109382142, паспорт № E26429223") == []


def test_dates_in_order_without_overlap() -> None:
    found = find_dates("с 21.10.2023 по «03» января 2024 года")
    assert [d.value for d in found] == [dt.date(2023, 10, 21), dt.date(2024, 1, 3)]
    assert found[1].textual and not found[0].textual


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12 345 678,90", 12345678.90),
        ("12 345 678.90", 12345678.90),
        ("12345678-90", 12345678.90),
        ("1,234,567.89", 1234567.89),
        ("1.234.567,89", 1234567.89),
        ("107 300", 107300.0),
        ("53650-00", 53650.0),
        ("0,5", 0.5),
    ],
)
def test_parse_amount(text: str, expected: float) -> None:
    assert parse_amount(text) == pytest.approx(expected)


def test_parse_amount_rejects_words() -> None:
    assert parse_amount("двенадцать") is None
    assert parse_amount("") is None


def test_find_amounts_skips_dates_percentages_and_ibans() -> None:
    text = "Сумма: 2 822 400,00 KZT, в т.ч. НДС 12% – 302 400,00 от 08.02.2022 KZ685511883060648324"
    values = [v for _, _, v in find_amounts(text)]
    assert 2822400.0 in values and 302400.0 in values
    assert 12.0 not in values
    assert not any(v > 1e12 for v in values)
    assert 8.02 not in values


def test_amount_wrapped_over_a_line_break() -> None:
    assert [v for _, _, v in find_amounts("в том числе НДС 12% – 6\n625 200.00 тенге")] == [6625200.0]


def test_neighbouring_columns_are_not_one_number() -> None:
    # The view joins words of different columns with two spaces.
    assert [v for _, _, v in find_amounts("5 220 000,00  459 360,00")] == [5220000.0, 459360.0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Расчетная ведомость за ноябрь 2023 г.", "2023-11"),
        ("по начислению заработной платы за июль 2024 г.", "2024-07"),
        ("2024 ж. шілде айына жалақы", "2024-07"),
        ("Payroll for April 2024", "2024-04"),
        ("за 03.2024", "2024-03"),
    ],
)
def test_period(text: str, expected: str) -> None:
    found = find_period(text)
    assert found is not None and found[2] == expected


def test_clean_number() -> None:
    assert clean_number("№ 4-02/22") == "4-02/22"
    assert clean_number("No. KZ-2024-015") == "KZ-2024-015"
    assert clean_number("Nr. EXP-2461,") == "EXP-2461"


@pytest.mark.parametrize(
    "text, code",
    [
        ("Сумма: 53650-00 CNY", "CNY"),
        ("Итого 1 000,00 тенге", "KZT"),
        ("Барлығы 1 000,00 теңге", "KZT"),
        ("USD 124,200.00", "USD"),
        ("GESAMTBETRAG EUR 113,900.00", "EUR"),
        ("合计 CNY 107,300.00", "CNY"),
    ],
)
def test_currency_next_to_amount(text: str, code: str) -> None:
    s, e, _ = find_amounts(text)[0]
    assert currency_near(text, s, e) == code


def test_bank_code_is_not_a_currency() -> None:
    text = "БИК EURIKZKA Итого 1 000,00"
    s, e, _ = find_amounts(text)[-1]
    assert currency_near(text, s, e) is None


def test_number_key_ignores_ocr_lookalikes() -> None:
    from extractors.values import number_key

    assert number_key("ЕХР-2461") == number_key("EXP-2461")
    assert number_key("897-2023/3В") == number_key("897-2023/ЗВ")
    assert number_key("№ 79-TO") == number_key("79-ТО")
    assert number_key("15/22") != number_key("15/23")
