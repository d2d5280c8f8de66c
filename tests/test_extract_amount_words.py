"""Amounts in words -> numbers: ru, kk, en, fr, de, currency units, OCR noise, and refusing to guess."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from num2words import num2words

from extractors.amount_words import words_to_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Два миллиона восемьсот двадцать две тысячи четыреста тенге 00 тиын", "2822400"),
        (
            "Сорок восемь миллионов сто двадцать шесть тысяч триста девяносто девять тенге 96 тиын",
            "48126399.96",
        ),
        ("Один тенге 05 тиын", "1.05"),
        ("Сто четыре тысячи четыреста тенге 00 тиын", "104400"),
        ("Одна тысяча тенге", "1000"),
        ("Тысяча двести тенге", "1200"),
        ("Двадцать одна тысяча тенге пятьдесят тиын", "21000.50"),
        ("Үш жүз мың теңге 00 тиын", "300000"),
        ("Он бір миллион тоқсан бір мың теңге 00 тиын", "11091000"),
        ("Алты миллион бес жүз алпыс алты мың бес жүз алпыс теңге 00 тиын", "6566560"),
        ("One hundred and seven thousand, three hundred yuan and 00 fen", "107300"),
        ("One hundred and twenty-four thousand, two hundred US dollars and 00 cents", "124200"),
        ("Тридцать семь тысяч двести шестьдесят долларов США 00 центов", "37260"),
        ("Семьдесят девять тысяч семьсот тридцать евро 00 евроцентов", "79730"),
        ("Пятьдесят три тысячи шестьсот пятьдесят юаней 00 фэней", "53650"),
        ("9 408 000 (Девять миллионов четыреста восемь тысяч) тенге 00 тиын", "9408000"),
    ],
)
def test_known_phrases(text: str, value: str) -> None:
    assert words_to_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("lang", "unit", "minor"),
    [("ru", "тенге", "тиын"), ("kz", "теңге", "тиын"), ("en", "tenge", "tiyn")],
)
def test_round_trip_through_num2words(lang: str, unit: str, minor: str) -> None:
    rng = random.Random(308)
    for _ in range(300):
        whole = rng.choice(
            [rng.randint(1, 999), rng.randint(1000, 999_999), rng.randint(1_000_000, 999_999_999)]
        )
        cents = rng.randint(0, 99)
        text = f"{num2words(whole, lang=lang).capitalize()} {unit} {cents:02d} {minor}"
        assert words_to_number(text) == Decimal(whole) + Decimal(cents) / 100, text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Девять миллионов чегыреста восемь тысяч тенге 00 тиын", "9408000"),  # OCR: т -> г
        ("Тоғыз миллион төрт жүз сегіз мың теңге 00 тиын", "9408000"),
        ("Тогыз миллион торт жуз сегиз мын тенге 00 тиын", "9408000"),  # Kazakh letters lost by OCR
        ("Двa миллиона тенге", "2000000"),  # Latin "a" inside a Cyrillic word
    ],
)
def test_mild_ocr_noise_is_tolerated(text: str, value: str) -> None:
    assert words_to_number(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "12 345 тенге 00 тиын",  # no words at all
        "Девять миллионов ХЪЖЩФЫ восемь тысяч тенге",  # garbage inside the number
        "Пять двадцать тенге",  # impossible order
        "Тысяча миллион тенге",  # scales in the wrong order
        "Сто тенге 123 тиын",  # not a two-digit fraction
        "Десять миллионов сто тиын",  # the minor unit right after the number: the phrase's middle line is lost
    ],
)
def test_unsure_text_gives_none(text: str | None) -> None:
    assert words_to_number(text) is None


def test_french_and_german_phrases() -> None:
    cases = {
        "Deux mille trois cent quarante-cinq euros et 50 centimes": "2345.50",
        "Quatre-vingt-dix-neuf mille euros": "99000",
        "Soixante et onze euros": "71",
        "Deux cents euros": "200",
        "Zweitausenddreihundertfünfundvierzig Euro und 50 Cent": "2345.50",
        "Eine Million zweihunderttausend Euro": "1200000",
        "One hundred US dollars and 05 cents": "100.05",  # English cents stay the minor unit
    }
    assert {text: words_to_number(text) for text in cases} == {t: Decimal(v) for t, v in cases.items()}


@pytest.mark.parametrize(("lang", "unit", "minor"), [("fr", "euros", "centimes"), ("de", "Euro", "Cent")])
def test_french_and_german_round_trip_through_num2words(lang: str, unit: str, minor: str) -> None:
    rng = random.Random(308)
    wrong = []
    for _ in range(300):
        whole = rng.choice(
            [rng.randint(1, 999), rng.randint(1000, 999_999), rng.randint(1_000_000, 999_999_999)]
        )
        cents = rng.randint(0, 99)
        text = f"{num2words(whole, lang=lang).capitalize()} {unit} {cents:02d} {minor}"
        if words_to_number(text) != Decimal(whole) + Decimal(cents) / 100:
            wrong.append(text)
    assert wrong == []
