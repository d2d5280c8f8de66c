"""Dates, amounts, periods, numbers and currencies as written in ru / kk / en / de / fr / nl / tr / zh documents."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.dates import (
    DATE_ORDER_ASSUMED,
    DATE_ORDER_FROM_EVIDENCE,
    DATE_ORDER_FROM_STYLE,
    find_dates,
    month_number,
    parse_date,
)
from extractors.values import (
    clean_number,
    currency_near,
    document_currency,
    find_amounts,
    find_currencies,
    find_money,
    find_period,
    parse_amount,
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


# --------------------------------------------------------------------------- formats of every language


def test_dates_in_every_common_format() -> None:
    cases = {
        "12.03.2024": dt.date(2024, 3, 12),
        "2024-03-12": dt.date(2024, 3, 12),
        "19-04-2014": dt.date(2014, 4, 19),
        "12.03.24": dt.date(2024, 3, 12),
        "2024/03/12": dt.date(2024, 3, 12),
        "2024.03.12": dt.date(2024, 3, 12),
        "25 мар. 2022": dt.date(2022, 3, 25),
        "01 янв. 2023": dt.date(2023, 1, 1),
        "18 фев. 2025": dt.date(2025, 2, 18),
        "«12» марта 2024 г.": dt.date(2024, 3, 12),
        "2023 жылғы 9 мамыр": dt.date(2023, 5, 9),
        "5 қаң. 2024 ж.": dt.date(2024, 1, 5),
        "Күні: 2025 жыҒы,3-сәуір": dt.date(2025, 4, 3),  # OCR: "жылғы" damaged, a dash before the month
        "Күні: 2025 жығы. 26-сауі": dt.date(2025, 4, 26),  # ... and "сәуір" without its tail and last letter
        "20 Oct 2015": dt.date(2015, 10, 20),
        "20-Oct-2015": dt.date(2015, 10, 20),
        "October 20, 2015": dt.date(2015, 10, 20),
        "Oct. 20th, 2015": dt.date(2015, 10, 20),
        "12. März 2024": dt.date(2024, 3, 12),
        "12 Sept. 2024": dt.date(2024, 9, 12),
        "12 mars 2024": dt.date(2024, 3, 12),
        "1er févr. 2024": dt.date(2024, 2, 1),
        "3 août 2024": dt.date(2024, 8, 3),
        "12 maart 2024": dt.date(2024, 3, 12),
        "12 mrt 2024": dt.date(2024, 3, 12),
        "12 Mart 2024": dt.date(2024, 3, 12),
        "12 Ağu 2024": dt.date(2024, 8, 12),
        "2024年3月12日": dt.date(2024, 3, 12),
    }
    wrong = {text: parse_date(text) for text, expected in cases.items() if parse_date(text) != expected}
    assert wrong == {}


def test_day_and_month_order_from_the_documents_own_dates() -> None:
    # another date that only reads month first makes the document US-style
    us = find_dates("Invoice date: 03/12/2024  Due date: 12/25/2024")
    assert [d.value for d in us] == [dt.date(2024, 3, 12), dt.date(2024, 12, 25)]
    assert us[0].confidence == DATE_ORDER_FROM_EVIDENCE and us[1].confidence == 1.0
    eu = find_dates("Date 03/12/2024, delivery 25/12/2024")
    assert [d.value for d in eu] == [dt.date(2024, 12, 3), dt.date(2024, 12, 25)]
    # month written before the day elsewhere: US style, less sure
    styled = find_dates("Invoice date: 03/12/2024. Shipped October 20, 2024")
    assert styled[0].value == dt.date(2024, 3, 12) and styled[0].confidence == DATE_ORDER_FROM_STYLE
    # nothing decides: day first (Kazakhstan, Europe), reported as a guess
    alone = find_dates("Date: 03/12/2024")
    assert alone[0].value == dt.date(2024, 12, 3) and alone[0].confidence == DATE_ORDER_ASSUMED
    # dots are never US-style
    assert find_dates("03.12.2024 12/25/2024")[0].confidence == 1.0
    assert find_dates("Date: 03/12/2024", day_first=False)[0].value == dt.date(2024, 3, 12)


def test_clause_and_page_numbers_are_not_dates() -> None:
    assert find_dates("согласно п. 3.1.12 договора") == []
    assert find_dates("Page 1/12") == []
    assert find_dates("стр. 2 из 5") == []


def test_month_names_and_abbreviations_of_every_language() -> None:
    cases = {"мар.": 3, "февр.": 2, "сент.": 9, "қаң.": 1, "желтоқсан": 12, "Sept.": 9, "févr.": 2, "août": 8,
             "mrt": 3, "mei": 5, "Ağu": 8, "Eyl": 9, "Dez.": 12, "janv.": 1, "маусымдағы": 6, "фев.": 2, "сауір": 4, "сәуі": 4}
    assert {w: month_number(w) for w in cases} == cases
    assert month_number("марш") is None and month_number("Mai-Ling") is None


def test_amounts_in_every_locale_format() -> None:
    cases = {
        "1 234 567,89": 1234567.89,
        "1,234,567.89": 1234567.89,
        "1.234.567,89": 1234567.89,
        "1'234'567.89": 1234567.89,
        "1’234’567.89": 1234567.89,
        "1234567-89": 1234567.89,
        "12\u202f345\u202f678.90": 12345678.90,
        "12\u2009345\u2009678,90": 12345678.90,
        "12\u00a0345,00": 12345.0,
        "0.234": 0.234,
    }
    found = {text: [v for _, _, v in find_amounts(text)] for text in cases}
    assert found == {text: [pytest.approx(v)] for text, v in cases.items()}


def test_phone_numbers_ibans_dates_percentages_and_ids_are_not_amounts() -> None:
    for text in [
        "Тел.: +7 (727) 123-45-67",
        "тел. 8 701 234 56 78",
        "Phone: 2-58-96",
        "IBAN KZ68 5511 8830 6064 8324",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Дата: 2024-03-12",
        "НДС 12 %",
        "БИН 850109382142",
    ]:
        assert find_amounts(text) == [], text
    # and the amounts beside them are still read
    text = "Итого: 1 120 000,00 тенге, тел. +7 701 234 56 78, в т.ч. НДС 12 % – 120 000,00"
    assert [v for _, _, v in find_amounts(text)] == [1120000.0, 120000.0]


def test_money_with_the_currency_printed_next_to_it() -> None:
    cases = {
        "56,02 €": (56.02, "EUR"),
        "€ 1.234,56": (1234.56, "EUR"),
        "EUR 4.904,94": (4904.94, "EUR"),
        "₹ 1,939.00": (1939.0, "INR"),
        "Rs.1,939.00": (1939.0, "INR"),
        "$1,939.00": (1939.0, "USD"),
        "USD 12,500.00": (12500.0, "USD"),
        "¥ 88 000": (88000.0, "CNY"),
        "₺ 12.345,67": (12345.67, "TRY"),
        "12 500 тенге": (12500.0, "KZT"),
        "1 000,00 тг.": (1000.0, "KZT"),
        "5 000,00 KZT": (5000.0, "KZT"),
        "₸ 12 000": (12000.0, "KZT"),
        "Итого 7 500,00": (7500.0, None),
    }
    found = {}
    for text in cases:
        money = find_money(text)
        assert len(money) == 1, text
        found[text] = (money[0].value, money[0].currency)
        assert text[money[0].start : money[0].end] == money[0].raw
    assert found == cases


def test_a_shared_sign_is_resolved_by_a_code_printed_on_the_document() -> None:
    doc = "Invoice (all amounts in CAD)\nTotal $ 1,250.00"
    assert [m.currency for m in find_money(doc)] == ["CAD"]
    assert find_money("Total ¥ 88 000", document="Currency: JPY")[0].currency == "JPY"
    assert find_money("Summa 100 kr")[0].currency is None  # SEK, NOK, DKK, ISK: no default
    assert find_money("Summa 100 kr", document="Valuta: SEK")[0].currency == "SEK"
    counts = document_currency("Total $100 and $20, paid in USD; fee 5 EUR")
    assert counts.signs["$"] == 2 and counts.codes["USD"] == 1 and counts.codes["EUR"] == 1
    assert counts.resolve("$") == "USD"


def test_a_rupee_invoice_is_never_read_as_lira() -> None:
    invoice = (
        "TAX INVOICE\nSold by: Sharma Traders, Mumbai, India\nPlease try to pay within 15 days.\n"
        "Sub Total Rs. 1,643.22\nIGST @18% 295.78\nTotal ₹ 1,939.00\nAmount in words: Indian Rupees "
        "One Thousand Nine Hundred Thirty Nine Only"
    )
    assert {code for _, _, code in find_currencies(invoice)} == {"INR"}
    assert {m.currency for m in find_money(invoice) if m.currency} == {"INR"}
    assert "TRY" not in document_currency(invoice).codes


def test_currency_codes_match_in_capitals_only() -> None:
    assert find_currencies("please try again, all top items") == []
    assert [c for _, _, c in find_currencies("Total 100 TRY / 100 TL")] == ["TRY", "TRY"]
